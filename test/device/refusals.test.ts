import { beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { ManualClock } from '../../src/clock.js';
import { createChain, signData, type DevChain } from '../../src/pki/index.js';
import type { ThingConfig } from '../../src/device/config.js';
import { packVersion } from '../../src/protocol/agentStatus.js';
import { ecdsaDerToRaw } from '../../src/pki/index.js';
import { firmware } from '../helpers.js';
import { FakeCloud } from './fakeLink.js';
import { CERT, cfgFor, devChain, docFor, drive, job, sha256 } from './fixtures.js';

/**
 * Every way the PAL refuses an image, each with its exact reason (verify.ts table), checked
 * through the whole agent: download, close, report. Certificates come from certs/dev and from
 * chains made here with odd dates and usages.
 */

const image = firmware(5 * 4096 + 123, packVersion(1, 0, 1));

async function outcome(doc: Record<string, unknown>, cfg: ThingConfig,
  setup: (f: FakeCloud) => void = () => {}) {
  const fake = new FakeCloud();
  fake.image = image;
  fake.job = job(doc);
  setup(fake);
  const clock = new ManualClock(Date.now());
  const agent = fake.agent(cfg, clock);
  await drive(fake, clock, agent);
  await agent.stop();
  return { status: fake.job.status, reason: fake.job.statusDetails.reason, agent, fake };
}

const FAILED = (reason: string) => ({ status: 'FAILED', reason });

describe('PAL refusals, exact reasons', () => {
  const ec = devChain('ecdsa');
  let expired: DevChain;
  let early: DevChain;
  let serverAuth: DevChain;
  beforeAll(async () => {
    const day = 86_400_000;
    [expired, early, serverAuth] = await Promise.all([
      createChain({ kind: 'ecdsa', leafNotBefore: new Date(Date.UTC(2020, 0, 1)),
        leafNotAfter: new Date(Date.UTC(2021, 0, 1)) }),
      createChain({ kind: 'ecdsa', leafNotBefore: new Date(Date.now() + 3650 * day),
        leafNotAfter: new Date(Date.now() + 3660 * day) }),
      createChain({ kind: 'ecdsa', leafKeyUsage: 'serverAuth' }),
    ]);
  });
  const trust = (c: DevChain, strict = false): Partial<ThingConfig> => ({
    certStore: { [CERT]: c.leafPem }, trustedRootsPem: [c.rootPem],
    intermediatesPem: [c.intermediatePem], strictX509: strict,
  });

  it('a good image is accepted (control)', async () => {
    const r = await outcome(docFor(image), cfgFor('ecdsa'));
    expect(r.status).toBe('SUCCEEDED');
    expect(r.agent.flash.receivedSha256).toBe(sha256(image));
  });

  it('hash mismatch: the job document sha256 differs → 0x000000e3: 0x00000001', async () => {
    const r = await outcome(docFor(image, { extraFile: { sha256: 'ab'.repeat(32) } }),
      cfgFor('ecdsa'));
    expect(r).toMatchObject(FAILED('0x000000e3: 0x00000001'));
  });

  it('a matching sha256 entry passes', async () => {
    const r = await outcome(docFor(image, { extraFile: { sha256: sha256(image) } }),
      cfgFor('ecdsa'));
    expect(r.status).toBe('SUCCEEDED');
  });

  it('hash mismatch: the HTTP object is bigger than filesize → 0x000000e3: 0x00000001',
    async () => {
      const r = await outcome(docFor(image, { protocols: ['HTTP'] }),
        cfgFor('ecdsa', { enabledProtocols: ['HTTP'], primaryProtocol: 'HTTP' }), (f) => {
          f.image = Buffer.concat([image, Buffer.alloc(10)]);
        });
      expect(r).toMatchObject(FAILED('0x000000e3: 0x00000001'));
    });

  it('bad signature: signed by another key → 0x000000e3: 0x00000000', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey
      .export({ type: 'pkcs8', format: 'pem' }) as string;
    const r = await outcome(docFor(image, { keyPem: other }), cfgFor('ecdsa'));
    expect(r).toMatchObject(FAILED('0x000000e3: 0x00000000'));
  });

  it('bad signature: a block corrupted in transit → 0x000000e3: 0x00000000', async () => {
    const r = await outcome(docFor(image), cfgFor('ecdsa', { faults: { corruptBlock: 3 } }));
    expect(r).toMatchObject(FAILED('0x000000e3: 0x00000000'));
  });

  it('C16: raw r||s is a bad signature; DER is accepted', async () => {
    const der = signData('sha256-ecdsa', image, ec.leafKey);
    const raw = ecdsaDerToRaw(der)!;
    expect((await outcome(docFor(image, { signature: raw }), cfgFor('ecdsa'))))
      .toMatchObject(FAILED('0x000000e3: 0x00000000'));
    expect((await outcome(docFor(image, { signature: der }), cfgFor('ecdsa'))).status)
      .toBe('SUCCEEDED');
  });

  it('C16 variant: job signed sig-sha1-rsa, device reads sig-sha256-ecdsa → downloads, then'
    + ' 0x000000e3: 0x00000000', async () => {
    const r = await outcome(docFor(image, { alg: 'sha1-rsa', keyPem: devChain('rsa2048').leafKey }),
      cfgFor('ecdsa'));
    expect(r).toMatchObject(FAILED('0x000000e3: 0x00000000'));
    expect(r.agent.stats.blocks).toBe(6);
  });

  it('C13: certfile missing and no fallback → 0x000000e7: 0x00000000', async () => {
    const r = await outcome(docFor(image), cfgFor('ecdsa', { certStore: {} }));
    expect(r).toMatchObject(FAILED('0x000000e7: 0x00000000'));
  });

  it('C13: certfile missing, fallback cert of another key → 0x000000e3: 0x00000000',
    async () => {
      const other = await createChain({ kind: 'ecdsa' });
      const r = await outcome(docFor(image), cfgFor('ecdsa', {
        certStore: {}, fallbackCertPem: other.leafPem, trustedRootsPem: [other.rootPem, ec.root],
        intermediatesPem: [other.intermediatePem, ec.intermediate],
      }));
      expect(r).toMatchObject(FAILED('0x000000e3: 0x00000000'));
    });

  it('C14: PEM with escaped line breaks is a certificate error, not a bad signature',
    async () => {
      for (const sep of ['\\n', '/n']) {
        const pem = ec.leaf.trim().split('\n').join(sep);
        const r = await outcome(docFor(image), cfgFor('ecdsa', { certStore: { [CERT]: pem } }));
        expect(r, sep).toMatchObject(FAILED('0x000000e7: 0x00000000'));
      }
      const crlf = ec.leaf.replace(/\n/g, '\r\n');
      expect((await outcome(docFor(image), cfgFor('ecdsa', { certStore: { [CERT]: crlf } })))
        .status).toBe('SUCCEEDED');
    });

  it('chain not trusted → 0x000000e7: 0x00000001', async () => {
    const r = await outcome(docFor(image), cfgFor('ecdsa', {
      trustedRootsPem: [devChain('rsa2048').root] }));
    expect(r).toMatchObject(FAILED('0x000000e7: 0x00000001'));
  });

  it('C17: expired leaf passes by default and fails strict with 0x000000e7: 0x00000002',
    async () => {
      const doc = docFor(image, { keyPem: expired.leafKeyPem });
      expect((await outcome(doc, cfgFor('ecdsa', trust(expired)))).status).toBe('SUCCEEDED');
      expect(await outcome(doc, cfgFor('ecdsa', trust(expired, true))))
        .toMatchObject(FAILED('0x000000e7: 0x00000002'));
    });

  it('not yet valid, strict → 0x000000e7: 0x00000003', async () => {
    const doc = docFor(image, { keyPem: early.leafKeyPem });
    expect(await outcome(doc, cfgFor('ecdsa', trust(early, true))))
      .toMatchObject(FAILED('0x000000e7: 0x00000003'));
  });

  it('wrong key usage (serverAuth leaf), strict → 0x000000e7: 0x00000004', async () => {
    const doc = docFor(image, { keyPem: serverAuth.leafKeyPem });
    expect((await outcome(doc, cfgFor('ecdsa', trust(serverAuth)))).status).toBe('SUCCEEDED');
    expect(await outcome(doc, cfgFor('ecdsa', trust(serverAuth, true))))
      .toMatchObject(FAILED('0x000000e7: 0x00000004'));
  });

  it('an ECDSA certificate for an RSA signature key → 0x000000e7: 0x00000005', async () => {
    const r = await outcome(docFor(image, { alg: 'sha256-rsa', keyPem: devChain('rsa2048')
      .leafKey }), cfgFor('ecdsa', { signatureKey: 'sig-sha256-rsa' }));
    expect(r).toMatchObject(FAILED('0x000000e7: 0x00000005'));
  });

  it('RSA 2048 and 3072 with SHA-256 and SHA-1 all verify on both crypto backends',
    async () => {
      for (const kind of ['rsa2048', 'rsa3072'] as const) {
        for (const alg of ['sha256-rsa', 'sha1-rsa'] as const) {
          for (const crypto of ['node', 'noble'] as const) {
            const r = await outcome(docFor(image, { alg, keyPem: devChain(kind).leafKey }),
              cfgFor(kind, { signatureKey: `sig-${alg}`, crypto }));
            expect(r.status, `${kind} ${alg} ${crypto}`).toBe('SUCCEEDED');
          }
        }
      }
    });
});
