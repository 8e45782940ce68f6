/**
 * Two independent signature verifiers with one contract, so the simulated PAL can be checked
 * against a second implementation (protocol.md §5.8, §6.2; cases C15, C16).
 * Contract: DER-only ECDSA on P-256 (raw r‖s is rejected, high-S is accepted as mbedTLS and
 * OpenSSL do), PKCS#1 v1.5 RSA with the signature exactly as long as the modulus, and never a
 * throw — any malformed input is simply `false`.
 */
import { constants, createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { bigIntToBytes, bytesToBigInt, OID_P256, parseEcdsaDer, parseSpki } from './der.js';
import { hashOf, keyAlgOf, type HashName, type SigAlg } from './types.js';
import type { ParsedSpki } from './der.js';

export interface CryptoBackend {
  name: 'node' | 'noble';
  digest(hash: HashName, data: Uint8Array): Uint8Array;
  verify(alg: SigAlg, spkiDer: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean;
}

/** Small bounded memo keyed by the SPKI bytes: a fleet reuses a handful of signer keys. */
function spkiMemo<T>(build: (der: Uint8Array) => T): (der: Uint8Array) => T {
  const cache = new Map<string, T>();
  return (der) => {
    const id = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
    let v = cache.get(id);
    if (v === undefined && !cache.has(id)) {
      v = build(der);
      if (cache.size >= 256) cache.clear();
      cache.set(id, v);
    }
    return v as T;
  };
}

const nodeKey = spkiMemo<KeyObject | null>((der) => {
  try {
    return createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
  } catch {
    return null;
  }
});

function nodeKeyFits(alg: SigAlg, key: KeyObject): boolean {
  if (keyAlgOf(alg) === 'rsa') return key.asymmetricKeyType === 'rsa';
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
}

export const nodeBackend: CryptoBackend = {
  name: 'node',
  digest(hash, data) {
    return createHash(hash).update(data).digest();
  },
  verify(alg, spkiDer, data, signature) {
    try {
      const key = nodeKey(spkiDer);
      if (!key || !nodeKeyFits(alg, key) || signature.length === 0) return false;
      if (keyAlgOf(alg) === 'ecdsa') {
        return verify(hashOf(alg), data, { key, dsaEncoding: 'der' }, signature);
      }
      const modulusBits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      if (signature.length !== Math.ceil(modulusBits / 8)) return false;
      return verify(hashOf(alg), data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
    } catch {
      return false;
    }
  },
};

// DigestInfo DER prefixes from PKCS#1 v2.2 §9.2 note 1 (AlgorithmIdentifier with NULL params).
const DIGEST_INFO_PREFIX: Record<HashName, Uint8Array> = {
  sha1: Uint8Array.from(Buffer.from('3021300906052b0e03021a05000414', 'hex')),
  sha256: Uint8Array.from(Buffer.from('3031300d060960864801650304020105000420', 'hex')),
};

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
  }
  return result;
}

function nobleDigest(hash: HashName, data: Uint8Array): Uint8Array {
  return hash === 'sha1' ? sha1(data) : sha256(data);
}

/** EMSA-PKCS1-v1_5 (RFC 8017 §9.2) rebuilt and compared over its full length. */
function rsaPkcs1Verify(
  key: Extract<ParsedSpki, { kind: 'rsa' }>,
  hash: HashName,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  const k = key.modulusBytes;
  if (signature.length !== k) return false;
  const s = bytesToBigInt(signature);
  if (s >= key.n) return false;
  const em = bigIntToBytes(modPow(s, key.e, key.n), k);
  const prefix = DIGEST_INFO_PREFIX[hash];
  const digest = nobleDigest(hash, data);
  const tLen = prefix.length + digest.length;
  if (!em || k < tLen + 11) return false;
  const expected = new Uint8Array(k);
  expected[1] = 0x01;
  expected.fill(0xff, 2, k - tLen - 1);
  expected.set(prefix, k - tLen);
  expected.set(digest, k - digest.length);
  let diff = 0;
  for (let i = 0; i < k; i++) diff |= em[i] ^ expected[i];
  return diff === 0;
}

const nobleKey = spkiMemo<ParsedSpki | null>((der) => parseSpki(der) ?? null);

export const nobleBackend: CryptoBackend = {
  name: 'noble',
  digest: nobleDigest,
  verify(alg, spkiDer, data, signature) {
    try {
      const key = nobleKey(spkiDer);
      if (!key) return false;
      const hash = hashOf(alg);
      if (keyAlgOf(alg) === 'rsa') {
        return key.kind === 'rsa' && rsaPkcs1Verify(key, hash, data, signature);
      }
      if (key.kind !== 'ec' || key.curve !== OID_P256) return false;
      // Our own strict DER check first: the agent's mbedTLS path only takes DER (case C16).
      if (!parseEcdsaDer(signature)) return false;
      return p256.verify(signature, nobleDigest(hash, data), key.point, {
        format: 'der',
        prehash: false,
        lowS: false,
      });
    } catch {
      return false;
    }
  },
};

export function getBackend(name: 'node' | 'noble'): CryptoBackend {
  return name === 'noble' ? nobleBackend : nodeBackend;
}
