import {
  getBackend, keyAlgOf, verifySignerCert, type SigAlg, type SignerCertFailure,
} from '../pki/index.js';
import { PalStatus } from '../protocol/agentStatus.js';
import type { ThingConfig } from './config.js';

/**
 * The PAL's close-file check (§5.8): file digest (ota-sim), signer certificate, chain, then the
 * signature over the whole image. Outcomes map to the PAL status the agent reports:
 *
 * | outcome                          | reason                    |
 * |----------------------------------|---------------------------|
 * | hash mismatch (ota-sim)          | `0x000000e3: 0x00000001`  |
 * | bad signature / no signature     | `0x000000e3: 0x00000000`  |
 * | signer cert missing / unreadable | `0x000000e7: 0x00000000`  |
 * | chain not trusted                | `0x000000e7: 0x00000001`  |
 * | expired (strict)                 | `0x000000e7: 0x00000002`  |
 * | not yet valid (strict)           | `0x000000e7: 0x00000003`  |
 * | no codeSigning usage (strict)    | `0x000000e7: 0x00000004`  |
 * | key does not fit the `sig-` key  | `0x000000e7: 0x00000005`  |
 *
 * "Hash mismatch" is ota-sim's own outcome, since FreeRTOS PALs hash only for the signature:
 * the assembled file is not the file the job describes — its SHA-256 differs from the job
 * document's optional `sha256` entry (jobExtras.ts), or the HTTP server reported an object
 * size other than `filesize`. It stays under the signature-check main code, as a PAL would
 * report it, with a sub-code of its own.
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

/** Sub-code under OtaPalSignatureCheckFailed (0xe3) for a file that is not the one described. */
export const HASH_MISMATCH_SUBCODE = 0x1;

/** What the job said about the file, beyond its signature. */
export interface FileExpectation {
  sha256?: Uint8Array;
  /** The download saw an object size other than the job's `filesize`. */
  sizeMismatch?: boolean;
}

export function sigAlgOfKey(signatureKey: string): SigAlg | undefined {
  const alg = signatureKey.replace(/^sig-/, '');
  return ['sha256-ecdsa', 'sha256-rsa', 'sha1-rsa', 'sha1-ecdsa'].includes(alg)
    ? (alg as SigAlg) : undefined;
}

export function verifyImage(cfg: ThingConfig, image: Uint8Array, certFile: string | null,
  signature: Uint8Array | undefined, now: Date, expect: FileExpectation = {}): VerifyResult {
  if (expect.sizeMismatch) {
    return { ok: false, pal: PalStatus.SignatureCheckFailed, sub: HASH_MISMATCH_SUBCODE,
      why: 'the server holds an object of another size than the job document says' };
  }
  if (expect.sha256) {
    const got = getBackend(cfg.crypto).digest('sha256', image);
    if (!Buffer.from(got).equals(Buffer.from(expect.sha256))) {
      return { ok: false, pal: PalStatus.SignatureCheckFailed, sub: HASH_MISMATCH_SUBCODE,
        why: 'file SHA-256 differs from the job document' };
    }
  }
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
