import { describe, expect, it } from 'vitest';
import { buildSignatureVectors, nobleBackend, nodeBackend, signData } from '../../src/pki/index.js';
import { verifyImage } from '../../src/device/verify.js';
import { firmware } from '../helpers.js';
import { cfgFor, devChain, CERT } from '../device/fixtures.js';

/**
 * The two crypto backends are interchangeable: they agree on every shared vector (positive and
 * negative) and give the device the same verdict, reason included.
 */

describe('node:crypto and @noble agree on the shared vectors', () => {
  const vectors = buildSignatureVectors();

  it('has negative vectors for every algorithm', () => {
    for (const alg of ['sha256-ecdsa', 'sha1-ecdsa', 'sha256-rsa', 'sha1-rsa']) {
      const mine = vectors.filter((v) => v.alg === alg);
      expect(mine.filter((v) => !v.expected).length, alg).toBeGreaterThanOrEqual(10);
      expect(mine.filter((v) => v.expected).length, alg).toBeGreaterThanOrEqual(1);
    }
  });

  it('every vector: both backends return the expected answer', () => {
    const wrong = vectors.filter((v) =>
      nodeBackend.verify(v.alg, v.spkiDer, v.data, v.signature) !== v.expected ||
      nobleBackend.verify(v.alg, v.spkiDer, v.data, v.signature) !== v.expected);
    expect(wrong.map((v) => v.name)).toEqual([]);
  });
});

describe('the device verdict does not depend on the backend', () => {
  const image = firmware(9000);
  const cases = [
    ['ecdsa', 'sha256-ecdsa'], ['ecdsa', 'sha1-ecdsa'], ['rsa2048', 'sha256-rsa'],
    ['rsa2048', 'sha1-rsa'], ['rsa3072', 'sha256-rsa'],
  ] as const;

  it.each(cases)('%s %s: good, tampered image, tampered signature, SHA-256 mismatch',
    (kind, alg) => {
      const sig = signData(alg, image, devChain(kind).leafKey);
      const badImage = Buffer.from(image);
      badImage[100] ^= 1;
      const badSig = Buffer.from(sig);
      badSig[badSig.length - 3] ^= 1;
      const runs = (crypto: 'node' | 'noble') => {
        const cfg = cfgFor(kind, { crypto, signatureKey: `sig-${alg}` });
        const now = new Date();
        return [
          verifyImage(cfg, image, CERT, sig, now),
          verifyImage(cfg, badImage, CERT, sig, now),
          verifyImage(cfg, image, CERT, badSig, now),
          verifyImage(cfg, image, CERT, sig, now, { sha256: new Uint8Array(32) }),
        ].map((r) => (r.ok ? 'ok' : `${r.pal}:${r.sub}`));
      };
      expect(runs('node')).toEqual(['ok', '227:0', '227:0', '227:1']);
      expect(runs('noble')).toEqual(runs('node'));
    });
});
