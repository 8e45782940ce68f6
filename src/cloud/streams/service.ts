/**
 * The stream service's request handler (protocol.md §4.7) as a pure function: one device
 * request in, the list of messages to publish out. Topics, QoS and transport belong to the
 * caller; each reply's `kind` says which reply topic (`data`, `description`, `rejected`).
 *
 * Choices where the reference is silent (each one deliberate):
 * - Selection: the candidate blocks (set bits of `b` from `o`, or `o … o+n-1` without `b`) are
 *   taken lowest first, at most min(n, floor(131072 / l)) of them; asking for more than
 *   128 KiB is not an error (§4.3).
 * - Out of range is judged on the selected blocks only: any selected block at or past the end
 *   of the file rejects the whole request with InvalidRequest and the observed message (C05).
 *   A bitmap whose extra bits lie beyond what `n` selects is served; that is what lets the
 *   file-streams library's fixed "MQ==" bitmap work with `n = 1` (field-cases candidate extra).
 *   TODO(unconfirmed): the real service may judge all set bits instead (C05, §4.4).
 * - `n = 0` or a bitmap with no set bit selects nothing: no message at all.
 * - A bad stream id in the topic is InvalidTopic; a throwing resolver is InternalError.
 */
import { DEFAULTS } from '../../protocol/defaults.js';
import { bitmapToBlocks } from '../../protocol/bitmap.js';
import {
  STREAM_MESSAGES,
  decodeDescribeRequest,
  decodeGetStreamRequest,
  encodeDataBlock,
  encodeDescribeResponse,
  encodeRejected,
  isStreamError,
  type GetStreamRequest,
  type StreamErrorCode,
  type StreamFormat,
} from '../../protocol/streamCodec.js';

export interface ResolvedStream {
  version: number;
  description?: string;
  /** File id → the file's bytes (blocks are served as views into it). */
  files: Map<number, Uint8Array>;
  /** Fault injection: the service role cannot read the object, or its ETag changed (§4.6). */
  denied?: 'Unauthorized' | 'ETagMismatch';
}

export interface StreamReply {
  kind: 'data' | 'description' | 'rejected';
  payload: Buffer;
}

export interface StreamRequestArgs {
  op: 'get' | 'describe';
  fmt: StreamFormat;
  payload: Uint8Array;
  streamId: string;
  resolve(streamId: string): ResolvedStream | undefined;
  /**
   * Fault injection (C07, C08): receives the selected block indexes, ascending, and returns
   * the indexes to publish in that order; it may reorder, drop or repeat. Indexes outside the
   * file are ignored.
   */
  order?: (indexes: number[]) => number[];
}

const STREAM_ID = /^[a-zA-Z0-9_-]{1,128}$/;
const MAX_PAYLOAD = DEFAULTS.stream.maxPayloadPerRequest;

export function handleStreamRequest(args: StreamRequestArgs): StreamReply[] {
  const { fmt } = args;
  const reject = (code: StreamErrorCode, message: string, clientToken?: string): StreamReply[] => {
    const rej = clientToken === undefined ? { code, message } : { code, message, clientToken };
    return [{ kind: 'rejected', payload: encodeRejected(fmt, rej) }];
  };
  if (!STREAM_ID.test(args.streamId)) {
    return reject('InvalidTopic', 'The stream id in the topic is not valid.');
  }

  if (args.op === 'describe') {
    const req = decodeDescribeRequest(fmt, args.payload);
    if (isStreamError(req)) return reject(req.error, req.message, req.clientToken);
    const stream = safeResolve(args);
    if (stream === 'error') return reject('InternalError', 'The stream could not be read.', req.c);
    if (!stream) return reject('ResourceNotFound', 'The stream does not exist.', req.c);
    const r = [...stream.files.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([f, bytes]) => ({ f, z: bytes.length }));
    const res = { s: stream.version, r, ...(req.c !== undefined && { c: req.c }) };
    if (stream.description !== undefined) Object.assign(res, { d: stream.description });
    return [{ kind: 'description', payload: encodeDescribeResponse(fmt, res) }];
  }

  const req = decodeGetStreamRequest(fmt, args.payload);
  if (isStreamError(req)) return reject(req.error, req.message, req.clientToken);
  const c = req.c;
  const stream = safeResolve(args);
  if (stream === 'error') return reject('InternalError', 'The stream could not be read.', c);
  if (!stream) return reject('ResourceNotFound', 'The stream does not exist.', c);
  if (stream.denied === 'Unauthorized') {
    return reject('Unauthorized', 'The stream role cannot read the file.', c);
  }
  if (stream.denied === 'ETagMismatch') {
    return reject('ETagMismatch', 'The file changed since the stream was created.', c);
  }
  const file = stream.files.get(req.f);
  if (!file) return reject('ResourceNotFound', `The stream has no file ${req.f}.`, c);
  if (req.s !== undefined && req.s !== stream.version) {
    return reject('VersionMismatch', `The stream version is ${stream.version}, not ${req.s}.`, c);
  }

  const selected = selectBlocks(req);
  const total = Math.ceil(file.length / req.l);
  for (const i of selected) {
    if (i >= total) return reject('InvalidRequest', STREAM_MESSAGES.outOfRange, c);
  }
  const sendOrder = args.order ? args.order(selected) : selected;
  const out: StreamReply[] = [];
  for (const i of sendOrder) {
    if (!(Number.isInteger(i) && i >= 0 && i < total)) continue;
    const start = i * req.l;
    const p = file.subarray(start, Math.min(start + req.l, file.length));
    const blk = { f: req.f, l: p.length, i, p, ...(c !== undefined && { c }) };
    out.push({ kind: 'data', payload: encodeDataBlock(fmt, blk) });
  }
  return out;
}

/** Candidate blocks, lowest first, cut at `n` and at 128 KiB of payload (§4.3, §4.7). */
function selectBlocks(req: GetStreamRequest): number[] {
  const byteCap = Math.floor(MAX_PAYLOAD / req.l);
  const limit = Math.min(req.n ?? byteCap, byteCap);
  const o = req.o ?? 0;
  if (req.b === undefined) {
    return Array.from({ length: limit }, (_, k) => o + k);
  }
  return bitmapToBlocks(req.b, o, limit);
}

function safeResolve(args: StreamRequestArgs): ResolvedStream | undefined | 'error' {
  try {
    return args.resolve(args.streamId);
  } catch {
    return 'error';
  }
}
