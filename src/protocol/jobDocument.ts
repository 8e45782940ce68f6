/**
 * The `afr_ota` job document (§1.6) as the cloud builds it and the agent parses it (§5.5).
 */

export interface AfrOtaFile {
  filepath: string | null;
  filesize: number;
  fileid: number;
  certfile: string | null;
  fileType?: number;
  update_data_url?: string | null;
  auth_scheme?: string | null;
  [signatureKey: `sig-${string}`]: string | null | undefined;
}

export interface AfrOtaDocument {
  afr_ota: {
    protocols: string[];
    streamname?: string;
    files: AfrOtaFile[];
  };
}

/** OtaJobParseErr_t (§5.11). */
export const JobParseErr = {
  Unknown: -1,
  None: 0,
  NullJob: 1,
  UpdateCurrentJob: 2,
  ZeroFileSize: 3,
  NonConformingJobDoc: 4,
  BadModelInitParams: 5,
  NoContextAvailable: 6,
  NoActiveJobs: 7,
} as const;

export interface ParsedOtaJob {
  jobId: string;
  protocols: string[];
  streamName?: string;
  filePath: string | null;
  fileSize: number;
  fileId: number;
  certFile: string | null;
  fileType: number;
  updateDataUrl?: string;
  signature?: Uint8Array;
  selfTest: boolean;
  updatedBy?: number;
}

export type JobParseResult =
  | { kind: 'empty' }
  | { kind: 'job'; job: ParsedOtaJob }
  | { kind: 'error'; jobId?: string; err: number; detail: string };

export interface ParseLimits {
  /** The one signature key this platform looks for, e.g. `sig-sha256-ecdsa`. */
  signatureKey: string;
  maxSignatureBytes: number;
  blockSize: number;
  maxBitmapBytes: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Parses a `$next/get/accepted` or `notify-next` message the way the v3 agent does: only
 * clientToken/timestamp means "no job"; required keys per the v3 column of §5.5; one file only
 * (OTA_MAX_FILES = 1, case C26).
 */
export function parseJobMessage(msg: unknown, limits: ParseLimits): JobParseResult {
  if (!isObject(msg)) {
    return { kind: 'error', err: JobParseErr.NullJob, detail: 'not a JSON object' };
  }
  const execution = msg.execution;
  if (execution === undefined) return { kind: 'empty' };
  if (!isObject(execution)) {
    return { kind: 'error', err: JobParseErr.NonConformingJobDoc,
      detail: 'execution is not an object' };
  }
  const jobId = typeof execution.jobId === 'string' ? execution.jobId : undefined;
  if (!jobId) {
    return { kind: 'error', err: JobParseErr.NonConformingJobDoc,
      detail: 'execution.jobId missing' };
  }
  const fail = (err: number, detail: string): JobParseResult =>
    ({ kind: 'error', jobId, err, detail });
  const doc = execution.jobDocument;
  if (!isObject(doc) || !isObject(doc.afr_ota)) {
    return fail(JobParseErr.NonConformingJobDoc,
      'execution.jobDocument.afr_ota missing or not an object');
  }
  const afr = doc.afr_ota;
  if (!Array.isArray(afr.protocols)) {
    return fail(JobParseErr.NonConformingJobDoc, 'afr_ota.protocols missing');
  }
  if (!Array.isArray(afr.files) || afr.files.length === 0) {
    return fail(JobParseErr.NonConformingJobDoc, 'afr_ota.files missing');
  }
  if (afr.files.length > 1) {
    return fail(JobParseErr.BadModelInitParams,
      `afr_ota.files has ${afr.files.length} entries; 1 supported`);
  }
  const file = afr.files[0];
  if (!isObject(file)) {
    return fail(JobParseErr.NonConformingJobDoc, 'afr_ota.files[0] is not an object');
  }
  const fileSize = Number(file.filesize);
  const fileId = Number(file.fileid);
  if (file.filesize === undefined || !Number.isInteger(fileSize) || fileSize < 0) {
    return fail(JobParseErr.NonConformingJobDoc, 'files[0].filesize missing or not an integer');
  }
  if (file.fileid === undefined || !Number.isInteger(fileId)) {
    return fail(JobParseErr.NonConformingJobDoc, 'files[0].fileid missing or not an integer');
  }
  if (fileSize === 0) return fail(JobParseErr.ZeroFileSize, 'files[0].filesize is 0');
  const blocks = Math.ceil(fileSize / limits.blockSize);
  if (blocks > limits.maxBitmapBytes * 8) {
    return fail(
      JobParseErr.BadModelInitParams,
      `file needs ${blocks} blocks; the bitmap holds ${limits.maxBitmapBytes * 8}`,
    );
  }
  let signature: Uint8Array | undefined;
  const sigText = file[limits.signatureKey];
  if (typeof sigText === 'string') {
    const compact = sigText.replace(/\s+/g, '');
    if (!BASE64.test(compact)) {
      return fail(JobParseErr.NonConformingJobDoc, 'signature is not base64');
    }
    const bytes = Buffer.from(compact, 'base64');
    // The agent decodes into a fixed buffer; a longer signature is a parse error, never truncated.
    if (bytes.length > limits.maxSignatureBytes) {
      return fail(
        JobParseErr.NonConformingJobDoc,
        `signature is ${bytes.length} bytes; the buffer holds ${limits.maxSignatureBytes}`,
      );
    }
    signature = bytes;
  }
  const details = isObject(execution.statusDetails) ? execution.statusDetails : {};
  const updatedByText = typeof details.updatedBy === 'string' ? details.updatedBy : undefined;
  const updatedBy = updatedByText === undefined ? undefined : parseCUnsigned(updatedByText);
  const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  return {
    kind: 'job',
    job: {
      jobId,
      protocols: afr.protocols.map(String),
      streamName: typeof afr.streamname === 'string' ? afr.streamname : undefined,
      filePath: text(file.filepath),
      fileSize,
      fileId,
      certFile: text(file.certfile),
      fileType: Number.isInteger(file.fileType) ? Number(file.fileType) : 0,
      updateDataUrl: typeof file.update_data_url === 'string' ? file.update_data_url : undefined,
      signature,
      selfTest: details.self_test !== undefined,
      updatedBy,
    },
  };
}

/** strtoul(base 0): "0x…" hex, "0…" octal, else decimal; garbage reads as 0 like C does. */
export function parseCUnsigned(s: string): number {
  const t = s.trim();
  let n: number;
  if (/^0x[0-9a-f]+/i.test(t)) n = parseInt(t.slice(2), 16);
  else if (/^0[0-7]+/.test(t)) n = parseInt(t, 8);
  else n = parseInt(t, 10);
  return Number.isFinite(n) ? n >>> 0 : 0;
}
