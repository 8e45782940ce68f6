/**
 * Names shared by the signer, the job document and the device PAL.
 * Naming rules follow protocol.md §6.2 (`sig-` key) and §6.4 (customCodeSigning names).
 */

/** The four hash/key combinations FreeRTOS PALs are built for (protocol.md §5.8, §6.1). */
export type SigAlg = 'sha256-ecdsa' | 'sha256-rsa' | 'sha1-rsa' | 'sha1-ecdsa';

/** Key material a development chain can be made of (ECDSA is always P-256). */
export type KeyKind = 'ecdsa' | 'rsa2048' | 'rsa3072';

export type HashName = 'sha256' | 'sha1';
export type KeyAlg = 'ecdsa' | 'rsa';

export const SIG_ALGS: readonly SigAlg[] = ['sha256-ecdsa', 'sha256-rsa', 'sha1-rsa', 'sha1-ecdsa'];

export function isSigAlg(value: string): value is SigAlg {
  return (SIG_ALGS as readonly string[]).includes(value);
}

/** Job-document key holding the signature, e.g. `sig-sha256-ecdsa` (protocol.md §6.2). */
export function sigKeyName(alg: string): string {
  return 'sig-' + alg;
}

/**
 * customCodeSigning names → algorithm part of the `sig-*` key (protocol.md §6.2/§6.4).
 * The names are free strings on the API, so this only lower-cases and joins them; it does
 * not validate, which is why empty names yield '-' (the `sig--` fixture). Use `isSigAlg` to
 * find out whether a FreeRTOS device could ever look for the result.
 */
export function sigAlgFromNames(hash: string, alg: string): string {
  return `${hash.toLowerCase()}-${alg.toLowerCase()}`;
}

/** Signer's `signatureAlgorithm` (JSONEmbedded object) → algorithm, e.g. SHA1withRSA. */
export function sigAlgFromSignatureAlgorithmName(name: string): string {
  return name.toLowerCase().replace('with', '-');
}

const SIGNER_NAMES: Record<SigAlg, string> = {
  'sha256-ecdsa': 'SHA256withECDSA',
  'sha256-rsa': 'SHA256withRSA',
  'sha1-rsa': 'SHA1withRSA',
  'sha1-ecdsa': 'SHA1withECDSA',
};

/** The `signatureAlgorithm` value AWS Signer writes into a JSONEmbedded object. */
export function signatureAlgorithmName(alg: SigAlg): string {
  return SIGNER_NAMES[alg];
}

export function hashOf(alg: SigAlg): HashName {
  return alg.startsWith('sha1-') ? 'sha1' : 'sha256';
}

export function keyAlgOf(alg: SigAlg): KeyAlg {
  return alg.endsWith('-ecdsa') ? 'ecdsa' : 'rsa';
}

export function keyAlgOfKind(kind: KeyKind): KeyAlg {
  return kind === 'ecdsa' ? 'ecdsa' : 'rsa';
}
