import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { startCloud, type Cloud, type CloudOptions } from '../src/cloud/cloud.js';
import { CloudClient } from '../src/client/cloudClient.js';
import { defaultThingConfig, type ThingConfig } from '../src/device/config.js';
import { OtaAgent } from '../src/device/agent.js';
import type { Clock } from '../src/clock.js';
import { withVersionHeader } from '../src/device/image.js';
import { packVersion } from '../src/protocol/agentStatus.js';

/** Shared fixtures for suites that run a real cloud on loopback. */
export const CERTS_DIR = path.resolve('certs', 'dev');

export async function cloudForTest(opts: CloudOptions = {}):
  Promise<{ cloud: Cloud; client: CloudClient }> {
  const cloud = await startCloud({ certsDir: CERTS_DIR, ...opts });
  return { cloud, client: new CloudClient(cloud.endpointUrl) };
}

export function firmware(size: number, version = packVersion(1, 0, 1), seed = 7): Buffer {
  const body = Buffer.alloc(size - 12);
  let x = seed;
  for (let i = 0; i < body.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    body[i] = x >>> 24;
  }
  return withVersionHeader(version, body);
}

/** Registers things in a group and signs an image; returns what create-ota-update needs. */
export async function stage(cloud: Cloud, client: CloudClient, opts: {
  things: string[]; group?: string; image: Buffer; platform?: string; certname?: string;
}) {
  const group = opts.group ?? 'test-group';
  await client.call('POST', `/thing-groups/${group}`, { body: {} });
  for (const t of opts.things) {
    await client.call('POST', `/things/${t}`, { body: {} });
    await client.call('PUT', '/thing-groups/addThingToThingGroup', {
      body: { thingGroupName: group, thingName: t } });
  }
  await client.putObject('fw-bucket', 'firmware.bin', opts.image);
  await client.call('PUT', '/signing-profiles/test_profile', { body: {
    platformId: opts.platform ?? 'AmazonFreeRTOS-Default',
    signingParameters: { certname: opts.certname ?? '/certs/codesign.crt' },
  } });
  const job = await client.call<{ jobId: string }>('POST', '/signing-jobs', { body: {
    source: { s3: { bucketName: 'fw-bucket', key: 'firmware.bin' } },
    destination: { s3: { bucketName: 'fw-bucket', prefix: 'signed/' } },
    profileName: 'test_profile',
  } });
  return { group, groupArn: `arn:aws:iot:us-east-1:123456789012:thinggroup/${group}`,
    signingJobId: job.jobId };
}

export function thingConfig(cloud: Cloud, name: string, overrides: Partial<ThingConfig> = {}) {
  const info = cloud.info();
  return defaultThingConfig(name, cloud.mqttUrl, {
    certStore: { '/certs/codesign.crt': readLeaf('ecdsa') },
    trustedRootsPem: [info.signingCerts.ecdsa!.rootPem],
    intermediatesPem: [readIntermediate('ecdsa')],
    bootDelayMs: 100,
    ...overrides,
  });
}

export function readLeaf(kind: string): string {
  return fs.readFileSync(path.join(CERTS_DIR, kind, 'leaf.pem'), 'utf8');
}

export function readIntermediate(kind: string): string {
  return fs.readFileSync(path.join(CERTS_DIR, kind, 'intermediate.pem'), 'utf8');
}

export function startAgents(configs: ThingConfig[], clock: Clock): OtaAgent[] {
  return configs.map((c) => {
    const a = new OtaAgent(c, clock);
    a.start();
    return a;
  });
}

export async function waitFor(cond: () => boolean | Promise<boolean>, ms = 30_000,
  what = 'condition') {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ota-sim-'));
