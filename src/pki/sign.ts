import { constants, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { hashOf, keyAlgOf, type SigAlg } from './types.js';

// Signing keys are few and reused for every image; parsing PEM each time would dominate.
const keyCache = new Map<string, KeyObject>();

function privateKey(pem: string): KeyObject {
  let key = keyCache.get(pem);
  if (!key) {
    key = createPrivateKey(pem);
    keyCache.set(pem, key);
  }
  return key;
}

/**
 * Signs `data` the way AWS Signer / customCodeSigning produce the `sig-*` value
 * (protocol.md §6.2): ECDSA as ASN.1 DER, RSA as raw PKCS#1 v1.5. Throws when the key does
 * not fit the algorithm — that is a caller bug, not a device-side condition.
 */
export function signData(alg: SigAlg, data: Uint8Array, keyPem: string): Buffer {
  const key = privateKey(keyPem);
  const want = keyAlgOf(alg) === 'ecdsa' ? 'ec' : 'rsa';
  if (key.asymmetricKeyType !== want) {
    throw new Error(`signData: ${alg} needs an ${want} key, got ${key.asymmetricKeyType}`);
  }
  if (want === 'ec') return sign(hashOf(alg), data, { key, dsaEncoding: 'der' });
  return sign(hashOf(alg), data, { key, padding: constants.RSA_PKCS1_PADDING });
}
