import { parseEcdsaDer } from '../../src/pki/der.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPublicKey } from 'node:crypto';
import {
  buildSignatureVectors,
  createChain,
  ecdsaDerToRaw,
  ecdsaRawToDer,
  getBackend,
  nobleBackend,
  nodeBackend,
  SIG_ALGS,
  signData,
  type DevChain,
  type SigAlg,
} from '../../src/pki/index.js';

const backends = [nodeBackend, nobleBackend];
const spkiOf = (certPem: string) =>
  new Uint8Array(createPublicKey(certPem).export({ type: 'spki', format: 'der' }));

describe('digest', () => {
  it('both backends give the standard SHA-256 and SHA-1 of "abc"', () => {
    const abc = new TextEncoder().encode('abc');
    for (const b of backends) {
      expect(Buffer.from(b.digest('sha256', abc)).toString('hex')).toBe(
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      );
      expect(Buffer.from(b.digest('sha1', abc)).toString('hex')).toBe(
        'a9993e364706816aba3e25717850c26c9cd0d89d',
      );
    }
  });
});

describe('sign/verify round trip with dev chains', () => {
  let chains: Record<'ecdsa' | 'rsa2048', DevChain>;
  beforeAll(async () => {
    const [ecdsa, rsa2048] = await Promise.all([
      createChain({ kind: 'ecdsa' }),
      createChain({ kind: 'rsa2048' }),
    ]);
    chains = { ecdsa, rsa2048 };
  });

  const data = new Uint8Array(10_000).map((_, i) => (i * 7) & 0xff);

  for (const alg of SIG_ALGS) {
    for (const backend of backends) {
      it(`${alg} signature verifies with the ${backend.name} backend`, () => {
        const chain = alg.endsWith('ecdsa') ? chains.ecdsa : chains.rsa2048;
        const sig = signData(alg, data, chain.leafKeyPem);
        expect(backend.verify(alg, spkiOf(chain.leafPem), data, sig)).toBe(true);
        expect(backend.verify(alg, spkiOf(chain.rootPem), data, sig)).toBe(false);
      });
    }
  }

  // Usually 70-72 bytes (§6.2); shorter when r or s happens to have leading zero bytes, so the
  // test checks the encoding, not a length that holds only most of the time.
  it('ECDSA signatures are DER SEQUENCEs of two INTEGERs, at most 72 bytes (protocol.md §6.2)',
    () => {
      for (let i = 0; i < 20; i++) {
        const sig = signData('sha256-ecdsa', data, chains.ecdsa.leafKeyPem);
        expect(sig[0]).toBe(0x30);
        expect(sig[1]).toBe(sig.length - 2);
        expect(sig.length).toBeLessThanOrEqual(72);
        expect(parseEcdsaDer(sig)).toBeDefined();
      }
    });

  it('RSA-2048 signatures are 256 bytes', () => {
    expect(signData('sha256-rsa', data, chains.rsa2048.leafKeyPem).length).toBe(256);
    expect(signData('sha1-rsa', data, chains.rsa2048.leafKeyPem).length).toBe(256);
  });

  it('signData refuses a key that does not fit the algorithm', () => {
    expect(() => signData('sha256-rsa', data, chains.ecdsa.leafKeyPem)).toThrow(
      'signData: sha256-rsa needs an rsa key, got ec',
    );
  });

  it('DER and raw r||s convert both ways; only DER verifies (C16)', () => {
    const sig = signData('sha256-ecdsa', data, chains.ecdsa.leafKeyPem);
    const raw = ecdsaDerToRaw(sig)!;
    expect(raw.length).toBe(64);
    expect(Buffer.from(ecdsaRawToDer(raw)!).equals(sig)).toBe(true);
    for (const b of backends) {
      expect(b.verify('sha256-ecdsa', spkiOf(chains.ecdsa.leafPem), data, raw)).toBe(false);
    }
  });
});

describe('shared signature vectors', () => {
  const vectors = buildSignatureVectors();

  it('cover every algorithm and both outcomes', () => {
    for (const alg of SIG_ALGS) {
      const mine = vectors.filter((v) => v.alg === alg);
      expect(mine.some((v) => v.expected)).toBe(true);
      expect(mine.some((v) => !v.expected)).toBe(true);
    }
    expect(new Set(vectors.map((v) => v.name)).size).toBe(vectors.length);
  });

  it('include the RSA-3072 384-byte signature as a positive vector (C15)', () => {
    const v = vectors.find((x) => x.name === 'sha256-rsa: RSA-3072 valid (384 bytes)')!;
    expect(v.signature.length).toBe(384);
    expect(v.expected).toBe(true);
  });

  it('is memoised', () => {
    expect(buildSignatureVectors()).toBe(vectors);
  });

  for (const v of vectors) {
    it(`${v.name} → ${v.expected} on both backends`, () => {
      const results = backends.map((b) => b.verify(v.alg, v.spkiDer, v.data, v.signature));
      expect(results).toEqual([v.expected, v.expected]);
    });
  }
});

describe('garbage input never throws', () => {
  const junk: Uint8Array[] = [
    new Uint8Array(0),
    Uint8Array.of(0x30),
    Uint8Array.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff),
    Uint8Array.of(0x30, 0x81, 0x05, 0x02),
    new Uint8Array(300).fill(0x30),
    new Uint8Array(64).fill(0xff),
  ];
  for (const b of backends) {
    it(`${b.name} returns false for junk keys and signatures`, () => {
      for (const alg of SIG_ALGS as SigAlg[]) {
        for (const key of junk) {
          for (const sig of junk) {
            expect(b.verify(alg, key, junk[5], sig)).toBe(false);
          }
        }
      }
    });
  }
});

describe('getBackend', () => {
  it('returns the backend of that name', () => {
    expect(getBackend('node')).toBe(nodeBackend);
    expect(getBackend('noble')).toBe(nobleBackend);
  });
});
