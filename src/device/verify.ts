import { getBackend, keyAlgOf, verifySignerCert, type SigAlg, type SignerCertFailure } from '../pki/index.js';
import { PalStatus } from '../protocol/agentStatus.js';
import type { ThingConfig } from './config.js';

/**
 * The PAL's close-file check (§5.8): signer certificate, chain, then the signature over the
 * whole image. Outcomes map to the PAL status the agent reports.
 */
export type VerifyResult =
  | { ok: true }
  | { ok: false; pal: number; sub: number; why: string };

/**
 * Sub-codes under OtaPalBadSignerCert (0xe7): the PAL status word keeps 24 bits for the
 * platform. Missing and unreadable certificates keep sub-code 0, as FreeRTOS PALs report them.
 */
export const CERT_SUBCODES: Record<SignerCertFailure, number> = {
  'missing': 0x0,
  'unreadable': 0x0,
  'untrusted': 0x1,
  'expired': 0x2,
  'not-yet-valid': 0x3,
  'key-usage': 0x4,
  'key-type': 0x5,
};

export function sigAlgOfKey(signatureKey: string): SigAlg | undefined {
  const alg = signatureKey.replace(/^sig-/, '');
  return ['sha256-ecdsa', 'sha256-rsa', 'sha1-rsa', 'sha1-ecdsa'].includes(alg)
    ? (alg as SigAlg) : undefined;
}

export function verifyImage(cfg: ThingConfig, image: Uint8Array, certFile: string | null,
  signature: Uint8Array | undefined, now: Date): VerifyResult {
  const alg = sigAlgOfKey(cfg.signatureKey);
  if (!alg) {
    return { ok: false, pal: PalStatus.SignatureCheckFailed, sub: 0,
      why: `platform signature key ${cfg.signatureKey} is not supported` };
  }
  const leafPem = (certFile !== null ? cfg.certStore[certFile] : undefined) ?? cfg.fallbackCertPem;
  const cert = verifySignerCert({
    leafPem,
    intermediatesPem: cfg.intermediatesPem,
    rootsPem: cfg.trustedRootsPem,
    strict: cfg.strictX509,
    now,
    expectKeyAlg: keyAlgOf(alg),
  });
  if (!cert.ok) {
    return { ok: false, pal: PalStatus.BadSignerCert, sub: CERT_SUBCODES[cert.reason],
      why: `signer certificate ${cert.reason}: ${cert.detail}` };
  }
  if (!signature || signature.length === 0) {
    return { ok: false, pal: PalStatus.SignatureCheckFailed, sub: 0,
      why: `job document has no ${cfg.signatureKey}` };
  }
  const good = getBackend(cfg.crypto).verify(alg, cert.spkiDer, image, signature);
  return good ? { ok: true }
    : { ok: false, pal: PalStatus.SignatureCheckFailed, sub: 0, why: 'signature does not verify' };
}
