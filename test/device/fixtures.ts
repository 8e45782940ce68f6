import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { ManualClock } from '../../src/clock.js';
import type { OtaAgent } from '../../src/device/agent.js';
import { defaultThingConfig, type ThingConfig } from '../../src/device/config.js';
import { signData, type KeyKind, type SigAlg } from '../../src/pki/index.js';
import { CERTS_DIR } from '../helpers.js';
import type { FakeCloud } from './fakeLink.js';

/** Signed images, job documents and device configurations for agent tests on FakeCloud. */

export const CERT = '/certs/codesign.crt';

export interface ChainFiles { root: string; intermediate: string; leaf: string; leafKey: string }

const chains = new Map<KeyKind, ChainFiles>();

export function devChain(kind: KeyKind): ChainFiles {
  let c = chains.get(kind);
  if (!c) {
    const read = (f: string) => fs.readFileSync(path.join(CERTS_DIR, kind, f), 'utf8');
    c = { root: read('root.pem'), intermediate: read('intermediate.pem'), leaf: read('leaf.pem'),
      leafKey: read('leaf.key.pem') };
    chains.set(kind, c);
  }
  return c;
}

export function sigKeyOf(alg: SigAlg): `sig-${string}` {
  return `sig-${alg}`;
}

export function docFor(image: Buffer, opts: {
  alg?: SigAlg; keyPem?: string; signature?: Uint8Array | string; protocols?: string[];
  fileType?: number; extraFile?: Record<string, unknown>; files?: number;
} = {}): Record<string, unknown> {
  const alg = opts.alg ?? 'sha256-ecdsa';
  const sig = opts.signature ?? signData(alg, image, opts.keyPem ?? devChain('ecdsa').leafKey);
  const file: Record<string, unknown> = {
    filepath: 'firmware.bin', filesize: image.length, fileid: 0, certfile: CERT,
    update_data_url: 'http://fake.invalid/fw?X-Amz-Signature=0', auth_scheme: 'aws.s3.presigned',
    [sigKeyOf(alg)]: typeof sig === 'string' ? sig : Buffer.from(sig).toString('base64'),
    ...opts.extraFile,
  };
  if (opts.fileType !== undefined) file.fileType = opts.fileType;
  const files = Array.from({ length: opts.files ?? 1 }, (_, i) => ({ ...file, fileid: i }));
  return { afr_ota: { protocols: opts.protocols ?? ['MQTT'], streamname: 'AFR_OTA-s1', files } };
}

export function cfgFor(kind: KeyKind, overrides: Partial<ThingConfig> = {}): ThingConfig {
  const c = devChain(kind);
  return defaultThingConfig('thing-a', 'mqtt://fake.invalid', {
    certStore: { [CERT]: c.leaf },
    trustedRootsPem: [c.root],
    intermediatesPem: [c.intermediate],
    signatureKey: kind === 'ecdsa' ? 'sig-sha256-ecdsa' : 'sig-sha256-rsa',
    bootDelayMs: 100,
    ...overrides,
  });
}

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export const TERMINAL = ['SUCCEEDED', 'FAILED'];
const started = new WeakSet<OtaAgent>();

/**
 * Starts the agent and lets it run until `until` holds, moving the clock only through boots
 * (and through request timers when `timers` is set). Bounded by a round count, never by time.
 */
export async function drive(fake: FakeCloud, clock: ManualClock, agent: OtaAgent,
  until: () => boolean = () => TERMINAL.includes(fake.job?.status ?? ''),
  opts: { timers?: number; rounds?: number } = {}): Promise<void> {
  if (!started.has(agent)) {
    started.add(agent);
    agent.start();
  }
  for (let i = 0; i < (opts.rounds ?? 400); i++) {
    await fake.settle(5);
    if (until()) return;
    if (agent.stats.phase === 'rebooting') clock.advance(agent.cfg.bootDelayMs);
    else if (opts.timers) clock.advance(opts.timers);
  }
  throw new Error('drive: condition not reached');
}

export function job(document: Record<string, unknown>, jobId = 'AFR_OTA-u1') {
  return { jobId, document, status: 'QUEUED', statusDetails: {} as Record<string, string> };
}
