/**
 * Shared signature vectors on which every CryptoBackend must give the same answer
 * (protocol.md §5.8, §6.2; cases C15, C16). Keys are generated once per process, so
 * signatures differ between runs but each vector's expected outcome does not.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { ecdsaDerToRaw, encodeEcdsaDer, encodeInteger, encodeTlv, parseEcdsaDer } from './der.js';
import { signData } from './sign.js';
import { hashOf, type SigAlg } from './types.js';

export interface SigVector {
  /** Unique, e.g. `sha256-ecdsa: raw r||s (64 bytes)`. */
  name: string;
  alg: SigAlg;
  spkiDer: Uint8Array;
  data: Uint8Array;
  signature: Uint8Array;
  expected: boolean;
}

/** Order of the P-256 group (SEC 2 §2.4.2), for high-S twins and out-of-range s. */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

interface KeySet {
  pem: string;
  spki: Uint8Array;
}

function keySet(pair: { privateKey: KeyObject; publicKey: KeyObject }): KeySet {
  return {
    pem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    spki: new Uint8Array(pair.publicKey.export({ type: 'spki', format: 'der' })),
  };
}

const ecKey = () => keySet(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }));
const rsaKey = (bits: number) => keySet(generateKeyPairSync('rsa', { modulusLength: bits }));

function flipBit(bytes: Uint8Array, index: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[index] ^= 0x01;
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

/** Signs until r needs the 0x00 pad (33-byte INTEGER): the C16 "padded DER" variant. */
function paddedRSignature(alg: SigAlg, data: Uint8Array, pem: string): Uint8Array {
  for (let i = 0; i < 200; i++) {
    const sig = new Uint8Array(signData(alg, data, pem));
    if (sig[3] === 33) return sig;
  }
  throw new Error('vectors: no padded-r signature in 200 tries');
}

/** Same r, s but r carries one superfluous leading zero byte (not DER). */
function nonMinimalR(r: bigint, s: bigint): Uint8Array {
  const rInt = encodeInteger(r);
  const body = concat(Uint8Array.of(0x02, rInt[1] + 1, 0x00), rInt.subarray(2), encodeInteger(s));
  return encodeTlv(0x30, body);
}

interface Keys {
  ec: KeySet;
  ec2: KeySet;
  rsa2048: KeySet;
  rsa2048b: KeySet;
  rsa3072: KeySet;
}

type Make = (name: string, signature: Uint8Array, expected: boolean,
  over?: { spkiDer?: Uint8Array; data?: Uint8Array }) => SigVector;

function maker(alg: SigAlg, key: KeySet, data: Uint8Array): Make {
  return (name, signature, expected, over = {}) => ({
    name: `${alg}: ${name}`,
    alg,
    spkiDer: over.spkiDer ?? key.spki,
    data: over.data ?? data,
    signature,
    expected,
  });
}

const GARBAGE_SPKI = Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00);

function ecdsaVectors(alg: SigAlg, k: Keys): SigVector[] {
  const data = new TextEncoder().encode(`firmware image for ${alg}`);
  const sig = new Uint8Array(signData(alg, data, k.ec.pem));
  const { r, s } = parseEcdsaDer(sig)!;
  const v = maker(alg, k.ec, data);
  const otherHash = hashOf(alg) === 'sha1' ? 'sha256' : 'sha1';
  return [
    v('valid DER', sig, true),
    v('padded DER (33-byte r)', paddedRSignature(alg, data, k.ec.pem), true),
    v('high-S twin', encodeEcdsaDer(r, P256_N - s), true),
    v('tampered data', sig, false, { data: flipBit(data, 0) }),
    v('tampered signature', flipBit(sig, sig.length - 5), false),
    v('wrong key', sig, false, { spkiDer: k.ec2.spki }),
    v('RSA key', sig, false, { spkiDer: k.rsa2048.spki }),
    v('garbage SPKI', sig, false, { spkiDer: GARBAGE_SPKI }),
    v('raw r||s (64 bytes)', ecdsaDerToRaw(sig)!, false),
    v('empty signature', new Uint8Array(0), false),
    v('DER with trailing byte', concat(sig, Uint8Array.of(0)), false),
    v('DER with non-minimal r', nonMinimalR(r, s), false),
    v('r = 0', encodeEcdsaDer(0n, s), false),
    v('s = n', encodeEcdsaDer(r, P256_N), false),
    v('signed with the other hash',
      new Uint8Array(sign(otherHash, data, { key: k.ec.pem, dsaEncoding: 'der' })), false),
  ];
}

function rsaVectors(alg: SigAlg, k: Keys): SigVector[] {
  const data = new TextEncoder().encode(`firmware image for ${alg}`);
  const sig = new Uint8Array(signData(alg, data, k.rsa2048.pem));
  const v = maker(alg, k.rsa2048, data);
  const otherAlg: SigAlg = hashOf(alg) === 'sha1' ? 'sha256-rsa' : 'sha1-rsa';
  const sig3072 = new Uint8Array(signData(alg, data, k.rsa3072.pem));
  const modulus = new Uint8Array(256).fill(0xff);
  const out = [
    v('valid', sig, true),
    v('tampered data', sig, false, { data: flipBit(data, 0) }),
    v('tampered signature', flipBit(sig, 100), false),
    v('wrong key', sig, false, { spkiDer: k.rsa2048b.spki }),
    v('ECDSA key', sig, false, { spkiDer: k.ec.spki }),
    v('garbage SPKI', sig, false, { spkiDer: GARBAGE_SPKI }),
    v('empty signature', new Uint8Array(0), false),
    v('one byte short', sig.subarray(1), false),
    v('leading zero byte added', concat(Uint8Array.of(0), sig), false),
    v('all-ones (>= modulus)', modulus, false),
    v('signed with the other hash', new Uint8Array(signData(otherAlg, data, k.rsa2048.pem)), false),
    v('RSA-3072 valid (384 bytes)', sig3072, true, { spkiDer: k.rsa3072.spki }),
    v('RSA-3072 signature, 2048 key', sig3072, false),
    v('RSA-3072 tampered', flipBit(sig3072, 383), false, { spkiDer: k.rsa3072.spki }),
  ];
  return out;
}

let cached: SigVector[] | undefined;

/**
 * Positive and negative vectors for all four algorithms. Builds keys on first call
 * (RSA-3072 generation takes a moment) and returns the same array afterwards.
 */
export function buildSignatureVectors(): SigVector[] {
  if (!cached) {
    const keys: Keys = {
      ec: ecKey(),
      ec2: ecKey(),
      rsa2048: rsaKey(2048),
      rsa2048b: rsaKey(2048),
      rsa3072: rsaKey(3072),
    };
    cached = [
      ...ecdsaVectors('sha256-ecdsa', keys),
      ...ecdsaVectors('sha1-ecdsa', keys),
      ...rsaVectors('sha256-rsa', keys),
      ...rsaVectors('sha1-rsa', keys),
    ];
  }
  return cached;
}
