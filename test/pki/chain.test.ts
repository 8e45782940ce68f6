import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import {
  createChain, loadOrCreateChain, type DevChain, type KeyKind,
} from '../../src/pki/index.js';

const CODE_SIGNING = '1.3.6.1.5.5.7.3.3';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

function ext<T>(pem: string, type: new (raw: BufferSource) => T): T {
  return new x509.X509Certificate(pem).getExtension(type as never) as T;
}

describe.each<[KeyKind, string, number | undefined]>([
  ['ecdsa', 'ec', undefined],
  ['rsa2048', 'rsa', 2048],
  ['rsa3072', 'rsa', 3072],
])('createChain(%s)', (kind, keyType, bits) => {
  let chain: DevChain;
  beforeAll(async () => {
    chain = await createChain({ kind, commonNamePrefix: `t-${kind}` });
  });

  it('links leaf → intermediate → self-signed root', () => {
    const root = new X509Certificate(chain.rootPem);
    const inter = new X509Certificate(chain.intermediatePem);
    const leaf = new X509Certificate(chain.leafPem);
    expect(root.checkIssued(root) && root.verify(root.publicKey)).toBe(true);
    expect(inter.checkIssued(root) && inter.verify(root.publicKey)).toBe(true);
    expect(leaf.checkIssued(inter) && leaf.verify(inter.publicKey)).toBe(true);
    expect(leaf.verify(root.publicKey)).toBe(false);
    expect(leaf.subject).toBe(`CN=t-${kind} Code Signer`);
    expect(inter.subject).toBe(`CN=t-${kind} Intermediate CA`);
    expect(root.subject).toBe(`CN=t-${kind} Root CA`);
  });

  it('marks root and intermediate as CAs and the leaf as a code signer', () => {
    expect(new X509Certificate(chain.rootPem).ca).toBe(true);
    expect(new X509Certificate(chain.intermediatePem).ca).toBe(true);
    const leaf = new X509Certificate(chain.leafPem);
    expect(leaf.ca).toBe(false);
    expect(leaf.keyUsage).toEqual([CODE_SIGNING]);
    const ku = ext(chain.leafPem, x509.KeyUsagesExtension);
    expect(ku.usages).toBe(x509.KeyUsageFlags.digitalSignature);
    const caKu = ext(chain.intermediatePem, x509.KeyUsagesExtension);
    expect(caKu.usages & x509.KeyUsageFlags.keyCertSign).toBe(x509.KeyUsageFlags.keyCertSign);
  });

  it('uses the requested key kind and SHA-256 signatures', () => {
    for (const pem of [chain.rootPem, chain.intermediatePem, chain.leafPem]) {
      const cert = new X509Certificate(pem);
      expect(cert.publicKey.asymmetricKeyType).toBe(keyType);
      if (bits) expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(bits);
      else expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
      const alg = new x509.X509Certificate(pem).signatureAlgorithm;
      expect(alg.hash).toEqual({ name: 'SHA-256' });
    }
    expect(chain.leafKeyPem.startsWith('-----BEGIN PRIVATE KEY-----\n')).toBe(true);
    expect(chain.kind).toBe(kind);
  });
});

describe('createChain options', () => {
  it('applies leaf dates and the serverAuth usage', async () => {
    const notBefore = new Date('2020-01-01T00:00:00Z');
    const notAfter = new Date('2021-01-01T00:00:00Z');
    const chain = await createChain({
      kind: 'ecdsa', leafNotBefore: notBefore, leafNotAfter: notAfter, leafKeyUsage: 'serverAuth',
    });
    const leaf = new X509Certificate(chain.leafPem);
    expect(leaf.validFrom).toBe('Jan  1 00:00:00 2020 GMT');
    expect(leaf.validTo).toBe('Jan  1 00:00:00 2021 GMT');
    expect(leaf.keyUsage).toEqual([SERVER_AUTH]);
  });
});

describe('loadOrCreateChain', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pki-chain-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the six files once, keys 0600, and reads them back later', async () => {
    const first = await loadOrCreateChain(dir, 'ecdsa');
    for (const f of ['root.key.pem', 'intermediate.key.pem', 'leaf.key.pem']) {
      expect((await stat(join(dir, 'ecdsa', f))).mode & 0o777).toBe(0o600);
    }
    expect(await readFile(join(dir, 'ecdsa', 'leaf.pem'), 'utf8')).toBe(first.leafPem);
    const second = await loadOrCreateChain(dir, 'ecdsa');
    expect(second).toEqual(first);
  });

  it('gives concurrent callers one consistent chain and leaves no temp dirs', async () => {
    const results = await Promise.all(
      [0, 1, 2, 3].map(() => loadOrCreateChain(join(dir, 'race'), 'ecdsa')),
    );
    for (const r of results) expect(r).toEqual(results[0]);
    const leaf = new X509Certificate(results[0].leafPem);
    expect(leaf.checkIssued(new X509Certificate(results[0].intermediatePem))).toBe(true);
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(join(dir, 'race'))).toEqual(['ecdsa']);
  });

  it('refuses an incomplete directory instead of mixing chains', async () => {
    await mkdir(join(dir, 'partial', 'ecdsa'), { recursive: true });
    await writeFile(join(dir, 'partial', 'ecdsa', 'leaf.pem'), 'x');
    await expect(loadOrCreateChain(join(dir, 'partial'), 'ecdsa')).rejects.toThrow(
      'is incomplete (missing root.pem, root.key.pem, intermediate.pem, ' +
        'intermediate.key.pem, leaf.key.pem)',
    );
  });

  it('refuses a directory whose key kind differs', async () => {
    const ec = await loadOrCreateChain(dir, 'ecdsa');
    const target = join(dir, 'wrongkind', 'rsa2048');
    await mkdir(target, { recursive: true });
    const files: Record<string, string> = {
      'root.pem': ec.rootPem, 'root.key.pem': ec.rootKeyPem,
      'intermediate.pem': ec.intermediatePem, 'intermediate.key.pem': ec.intermediateKeyPem,
      'leaf.pem': ec.leafPem, 'leaf.key.pem': ec.leafKeyPem,
    };
    for (const [f, t] of Object.entries(files)) await writeFile(join(target, f), t);
    await expect(loadOrCreateChain(join(dir, 'wrongkind'), 'rsa2048')).rejects.toThrow(
      'holds a ec leaf key, not rsa2048',
    );
  });
});
