/**
 * Job-document fields the FreeRTOS parser does not know but the simulated PAL may use.
 *
 * `sha256` (hex, in `afr_ota.files[0]`) is an ota-sim extension: the real service never writes
 * it, so only hand-made job documents carry it. When present the PAL compares it with the
 * digest of the assembled file before looking at the certificate — this is what "hash
 * mismatch" means in ota-sim (see verify.ts).
 */
export function expectedSha256(msg: unknown): Uint8Array | undefined {
  const files = (msg as { execution?: { jobDocument?: { afr_ota?: { files?: unknown } } } })
    ?.execution?.jobDocument?.afr_ota?.files;
  if (!Array.isArray(files)) return undefined;
  const hex = (files[0] as { sha256?: unknown } | undefined)?.sha256;
  if (typeof hex !== 'string' || !/^[0-9a-fA-F]{64}$/.test(hex)) return undefined;
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}
