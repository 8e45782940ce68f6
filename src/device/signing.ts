import { keyAlgOf, sigKeyName, type KeyKind, type SigAlg } from '../pki/index.js';

/**
 * The signing methods a demo or a fleet can pick (`--signing`), each tied to the Signer platform
 * that produces it (protocol.md §6.1), the development key that signs and the one `sig-*` key a
 * device built for it reads (§5.8).
 */
export const SIGNING_NAMES = [
  'ecdsa-sha256', 'rsa-sha256', 'rsa-sha1', 'ecdsa-sha1', 'rsa3072-sha256',
] as const;

export type SigningName = (typeof SIGNING_NAMES)[number];

export interface SigningChoice {
  name: SigningName;
  platformId: string;
  keyKind: KeyKind;
  alg: SigAlg;
  /** The job-document key, e.g. `sig-sha256-ecdsa`. */
  signatureKey: string;
  /**
   * For a signing profile's `signingMaterial`: the local Signer picks the key kind from this
   * ARN's last segment (see keyKindForCertificate in cloud/signer.ts).
   */
  certificateSuffix: string;
}

const TABLE: Record<SigningName, { platformId: string; keyKind: KeyKind; alg: SigAlg }> = {
  'ecdsa-sha256': { platformId: 'AmazonFreeRTOS-Default', keyKind: 'ecdsa', alg: 'sha256-ecdsa' },
  'rsa-sha256': { platformId: 'OtaSim-SHA256-RSA', keyKind: 'rsa2048', alg: 'sha256-rsa' },
  'rsa-sha1': { platformId: 'AmazonFreeRTOS-TI-CC3220SF', keyKind: 'rsa2048', alg: 'sha1-rsa' },
  'ecdsa-sha1': { platformId: 'OtaSim-SHA1-ECDSA', keyKind: 'ecdsa', alg: 'sha1-ecdsa' },
  'rsa3072-sha256': { platformId: 'OtaSim-SHA256-RSA', keyKind: 'rsa3072', alg: 'sha256-rsa' },
};

export function isSigningName(s: string): s is SigningName {
  return (SIGNING_NAMES as readonly string[]).includes(s);
}

/** Throws a RangeError naming the accepted values for anything else. */
export function signingFor(name: string): SigningChoice {
  if (!isSigningName(name)) {
    throw new RangeError(`signing '${name}' is not one of ${SIGNING_NAMES.join(', ')}`);
  }
  const t = TABLE[name];
  if (keyAlgOf(t.alg) !== (t.keyKind === 'ecdsa' ? 'ecdsa' : 'rsa')) {
    throw new Error(`signing table: ${name} pairs ${t.alg} with a ${t.keyKind} key`);
  }
  return {
    name, ...t, signatureKey: sigKeyName(t.alg), certificateSuffix: `ota-sim-dev-${t.keyKind}`,
  };
}

/** The full ACM-style certificate ARN for a profile using this signing method. */
export function signingCertificateArn(choice: SigningChoice, region: string,
  accountId: string): string {
  return `arn:aws:acm:${region}:${accountId}:certificate/${choice.certificateSuffix}`;
}
