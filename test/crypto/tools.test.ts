import fs from 'node:fs';
import path from 'node:path';
import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yargs from 'yargs';
import { ManualClock } from '../../src/clock.js';
import type { Cloud } from '../../src/cloud/cloud.js';
import type { CloudClient } from '../../src/client/cloudClient.js';
import { certsInit, registerCertsCommand } from '../../src/cli/certs.js';
import { registerSignCommand, resolveSigning, signFile } from '../../src/cli/sign.js';
import { SIGNING_NAMES, signingFor } from '../../src/device/signing.js';
import {
  getBackend, verifySignerCert, type SigAlg,
} from '../../src/pki/index.js';
import { packVersion } from '../../src/protocol/agentStatus.js';
import { CERTS_DIR, cloudForTest, firmware, readLeaf, tmpDir } from '../helpers.js';
import { createOta, deviceConfig, pump, startAgent } from '../device/support.js';

/** `ota-sim certs init` and `ota-sim sign`, offline and against a cloud. */

const spki = (pem: string) =>
  new Uint8Array(createPublicKey(pem).export({ type: 'spki', format: 'der' }));

async function capture(run: () => Promise<unknown>): Promise<string> {
  const orig = process.stdout.write.bind(process.stdout);
  let out = '';
  process.stdout.write = ((chunk: string) => { out += chunk; return true; }) as never;
  try {
    await run();
  } finally {
    process.stdout.write = orig;
  }
  return out;
}

describe('certs init', () => {
  const dir = tmpDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('makes root → intermediate → code-signing leaf chains that verify strictly', async () => {
    const r = await certsInit({ dir, kinds: ['ecdsa', 'rsa2048'] });
    expect(r.chains.map((c) => c.kind)).toEqual(['ecdsa', 'rsa2048']);
    for (const c of r.chains) {
      expect(fs.readdirSync(c.path).sort()).toEqual([...c.files].sort());
      const read = (f: string) => fs.readFileSync(path.join(c.path, f), 'utf8');
      const v = verifySignerCert({ leafPem: read('leaf.pem'),
        intermediatesPem: [read('intermediate.pem')], rootsPem: [read('root.pem')], strict: true,
        now: new Date(), expectKeyAlg: c.kind === 'ecdsa' ? 'ecdsa' : 'rsa' });
      expect(v.ok, c.kind).toBe(true);
      expect(fs.statSync(path.join(c.path, 'leaf.key.pem')).mode & 0o777).toBe(0o600);
    }
  });

  it('keeps existing chains; --force replaces them', async () => {
    const first = await certsInit({ dir, kinds: ['ecdsa'] });
    const again = await certsInit({ dir, kinds: ['ecdsa'] });
    expect(again.chains[0]!.rootFingerprint256).toBe(first.chains[0]!.rootFingerprint256);
    const forced = await certsInit({ dir, kinds: ['ecdsa'], force: true });
    expect(forced.chains[0]!.rootFingerprint256).not.toBe(first.chains[0]!.rootFingerprint256);
  });

  it('runs as `certs init` and prints the summary as JSON', async () => {
    const out = await capture(() => registerCertsCommand(yargs())
      .parseAsync(['certs', 'init', '--dir', dir, '--kind', 'ecdsa']));
    expect(JSON.parse(out)).toMatchObject({ dir, chains: [{ kind: 'ecdsa' }] });
  });
});

describe('sign, offline', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'firmware.bin');
  const data = firmware(10_000);
  beforeAll(() => fs.writeFileSync(file, data));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each(SIGNING_NAMES)('%s: a JSONEmbedded object both backends verify', async (name) => {
    const s = signingFor(name);
    const r = await signFile({ file, signing: name, certsDir: CERTS_DIR,
      out: path.join(dir, `${name}.json`) });
    const obj = JSON.parse(fs.readFileSync(r.signedObjectFile!, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(obj)).toEqual(['rawPayloadSize', 'signature', 'signatureAlgorithm',
      'payload']);
    expect(obj.rawPayloadSize).toBe(10_000);
    expect(Buffer.from(obj.payload as string, 'base64').equals(data)).toBe(true);
    expect(r).toMatchObject({ platformId: s.platformId, signatureKey: s.signatureKey,
      certname: '/certs/codesign.crt' });
    expect(r.jobId).toMatch(/^[0-9a-f-]{36}$/);
    const sig = Buffer.from(obj.signature as string, 'base64');
    for (const b of ['node', 'noble'] as const) {
      expect(getBackend(b).verify(s.alg, spki(readLeaf(s.keyKind)), data, sig), b).toBe(true);
    }
  });

  it('names the signature algorithms as the Signer does', async () => {
    const names: Record<string, string> = {};
    for (const n of SIGNING_NAMES) {
      names[n] = (await signFile({ file, signing: n, certsDir: CERTS_DIR,
        out: path.join(dir, 'x.json') })).signatureAlgorithm;
    }
    expect(names).toEqual({ 'ecdsa-sha256': 'SHA256withECDSA', 'rsa-sha256': 'SHA256withRSA',
      'rsa-sha1': 'SHA1withRSA', 'ecdsa-sha1': 'SHA1withECDSA',
      'rsa3072-sha256': 'SHA256withRSA' });
  });

  it('accepts a platform of §6.1 instead of a signing name', () => {
    expect(resolveSigning({ platformId: 'AmazonFreeRTOS-TI-CC3220SF' }))
      .toMatchObject({ alg: 'sha1-rsa' as SigAlg, keyKind: 'rsa2048' });
    expect(resolveSigning({ platformId: 'OtaSim-SHA256-RSA', keyKind: 'rsa3072' }))
      .toMatchObject({ alg: 'sha256-rsa', keyKind: 'rsa3072', platformId: 'OtaSim-SHA256-RSA' });
    expect(() => resolveSigning({ platformId: 'AmazonFreeRTOS-Default', keyKind: 'rsa2048' }))
      .toThrow(/cannot sign/);
    expect(() => resolveSigning({ signing: 'dsa-md5' })).toThrow(/is not one of/);
  });

  it('runs as `sign <file>` and prints the job id', async () => {
    const out = await capture(() => registerSignCommand(yargs()).parseAsync(['sign', file,
      '--signing', 'rsa-sha1', '--certs-dir', CERTS_DIR, '--out', path.join(dir, 'cli.json')]));
    const r = JSON.parse(out) as { jobId: string; signatureKey: string };
    expect(r.signatureKey).toBe('sig-sha1-rsa');
    expect(r.jobId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('sign, against a cloud', () => {
  const clock = new ManualClock();
  let cloud: Cloud;
  let client: CloudClient;
  const dir = tmpDir();
  const image = firmware(9000, packVersion(1, 0, 1));
  const file = path.join(dir, 'fw.bin');

  beforeAll(async () => {
    ({ cloud, client } = await cloudForTest({ clock }));
    fs.writeFileSync(file, image);
  });
  afterAll(async () => {
    await cloud.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function deploy(thing: string, signingJobId: string, key: string,
    protocol: 'MQTT' | 'HTTP', signing: 'rsa-sha256' | 'ecdsa-sha1') {
    await client.call('POST', `/things/${thing}`, { body: {} });
    const jobId = await createOta(cloud, client, `sign-${thing}`, {
      targets: [`arn:aws:iot:us-east-1:123456789012:thing/${thing}`], protocols: [protocol],
      signingJobId, key,
    });
    const agent = startAgent(deviceConfig(cloud, thing, signing, {
      enabledProtocols: [protocol], primaryProtocol: protocol }), clock);
    const ex = () => cloud.core.jobs.getJob(jobId).executions.get(thing)?.status;
    try {
      await pump(clock, [agent], () => ex() === 'SUCCEEDED' || ex() === 'FAILED');
    } finally {
      await agent.stop();
    }
    return ex();
  }

  it('StartSigningJob through --endpoint-url; the job drives an OTA update', async () => {
    const r = await signFile({ file, signing: 'rsa-sha256', endpointUrl: cloud.endpointUrl,
      bucket: 'fw-bucket', key: 'signed-online.bin' });
    const job = cloud.core.signer.getJob(r.jobId);
    expect(job).toMatchObject({ platformId: 'OtaSim-SHA256-RSA', signatureAlgorithm:
      'SHA256withRSA', rawPayloadSize: 9000,
    signingParameters: { certname: '/certs/codesign.crt' } });
    expect(r.signedObject?.bucketName).toBe('fw-bucket');
    expect(await deploy('signer-online', r.jobId, 'signed-online.bin', 'MQTT', 'rsa-sha256'))
      .toBe('SUCCEEDED');
  });

  it('an offline job record imported into the cloud drives an OTA update too', async () => {
    const r = await signFile({ file, signing: 'ecdsa-sha1', certsDir: CERTS_DIR,
      out: path.join(dir, 'offline.json') });
    cloud.core.signer.importJob(r.signingJob!);
    await client.putObject('fw-bucket', 'signed-offline.bin', image);
    expect(await deploy('signer-offline', r.jobId, 'signed-offline.bin', 'HTTP', 'ecdsa-sha1'))
      .toBe('SUCCEEDED');
  });
});
