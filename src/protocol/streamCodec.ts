/**
 * Wire codec for MQTT file delivery (protocol.md §4): GetStream / DescribeStream requests,
 * data blocks, descriptions and rejections, in both `json` and `cbor` formats.
 *
 * The two hot paths (encodeDataBlock on the service, decodeDataBlock on the device) are written
 * by hand so a block costs one allocation and no generic encoder walk. Everything else goes
 * through cbor-x, configured so that objects become definite-length CBOR maps with the
 * smallest header (`variableMapSize`; without it cbor-x always writes a 16-bit map length) and
 * Uint8Arrays become plain byte strings (major type 2, no tag 64).
 */
import { Decoder, Encoder } from 'cbor-x';
import { DEFAULTS } from './defaults.js';
import { bitmapFromJsonHex, bitmapToJsonHex } from './bitmap.js';

export type StreamFormat = 'json' | 'cbor';

/** The 13 rejection codes of §4.6. */
export type StreamErrorCode =
  | 'InvalidTopic'
  | 'InvalidJson'
  | 'InvalidCbor'
  | 'InvalidRequest'
  | 'Unauthorized'
  | 'BlockSizeOutOfBounds'
  | 'OffsetOutOfBounds'
  | 'BlockCountLimitExceeded'
  | 'BlockBitmapLimitExceeded'
  | 'ResourceNotFound'
  | 'VersionMismatch'
  | 'ETagMismatch'
  | 'InternalError';

export type StreamError = { error: StreamErrorCode; message: string; clientToken?: string };

export interface GetStreamRequest {
  c?: string;
  s?: number;
  f: number;
  l: number;
  o?: number;
  n?: number;
  b?: Uint8Array;
}

export interface DescribeStreamRequest {
  c?: string;
}

export interface DescribeStreamResponse {
  c?: string;
  s: number;
  d?: string;
  r: { f: number; z: number }[];
}

export interface DataBlock {
  c?: string;
  f: number;
  l: number;
  i: number;
  p: Uint8Array;
}

export interface Rejection {
  code: StreamErrorCode;
  message: string;
  clientToken?: string;
}

/** Message texts that the real service is known to send (§4.6 [OBS]). */
export const STREAM_MESSAGES = {
  outOfRange: 'The data requested is out of the range of data available.',
  invalidCbor: 'Invalid CBOR message',
} as const;

const LIMITS = DEFAULTS.stream;
const MAX_TOKEN_BYTES = 64;
const MAX_FILE_ID = 255;
const MAX_COUNT = 98_304;

const cborEncoder = new Encoder({
  useRecords: false,
  mapsAsObjects: true,
  variableMapSize: true,
  tagUint8Array: false,
});
// Maps decode as Map so a key such as "__proto__" cannot reach the object prototype.
const cborDecoder = new Decoder({ useRecords: false, mapsAsObjects: false });

export function isStreamError(x: unknown): x is StreamError {
  return typeof x === 'object' && x !== null && 'error' in x && 'message' in x;
}

function fail(error: StreamErrorCode, message: string, clientToken?: string): StreamError {
  return clientToken === undefined ? { error, message } : { error, message, clientToken };
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

// ---------------------------------------------------------------------------------------------
// Request decoding (service side)

type Fields = { get(key: string): unknown };

/** Parses the payload into a key lookup, or the format's "unparsable" error. */
function parseFields(fmt: StreamFormat, payload: Uint8Array): Fields | StreamError {
  let value: unknown;
  if (fmt === 'json') {
    try {
      value = JSON.parse(toBuffer(payload).toString('utf8'));
    } catch {
      return fail('InvalidJson', 'The request is not valid JSON.');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return fail('InvalidRequest', 'The request must be a JSON object.');
    }
    const obj = value as Record<string, unknown>;
    return { get: (k) => (Object.hasOwn(obj, k) ? obj[k] : undefined) };
  }
  try {
    value = cborDecoder.decode(payload);
  } catch {
    return fail('InvalidCbor', STREAM_MESSAGES.invalidCbor);
  }
  if (!(value instanceof Map)) return fail('InvalidRequest', 'The request must be a CBOR map.');
  return value;
}

/** Integer value (bigint folded into number so that huge values fail the range checks). */
function intOf(v: unknown): number | undefined {
  if (typeof v === 'bigint') return Number(v);
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

/** Reads `c`: absent, or a string of at most 64 UTF-8 bytes. */
function readToken(fields: Fields): { c?: string } | StreamError {
  const c = fields.get('c');
  if (c === undefined) return {};
  if (typeof c !== 'string') return fail('InvalidRequest', 'The client token must be a string.');
  if (Buffer.byteLength(c, 'utf8') > MAX_TOKEN_BYTES) {
    return fail('InvalidRequest', `The client token is longer than ${MAX_TOKEN_BYTES} bytes.`);
  }
  return { c };
}

type IntCheck = { key: string; required: boolean; min: number; max: number; code: StreamErrorCode };

// Order matters: it decides which error wins when several keys are wrong.
const INT_KEYS: readonly IntCheck[] = [
  { key: 'f', required: true, min: 0, max: MAX_FILE_ID, code: 'InvalidRequest' },
  {
    key: 'l',
    required: true,
    min: LIMITS.minBlock,
    max: LIMITS.maxBlock,
    code: 'BlockSizeOutOfBounds',
  },
  { key: 's', required: false, min: 0, max: Number.MAX_SAFE_INTEGER, code: 'InvalidRequest' },
  { key: 'o', required: false, min: 0, max: LIMITS.maxOffset, code: 'OffsetOutOfBounds' },
  { key: 'n', required: false, min: 0, max: MAX_COUNT, code: 'BlockCountLimitExceeded' },
];

/**
 * Validates a GetStream request (§4.3) in the order token, key types, ranges, bitmap.
 * Mistyped or missing keys are InvalidRequest; well-typed values out of range get the
 * specific §4.6 code. A rejection echoes the token only once the token itself is valid.
 */
export function decodeGetStreamRequest(
  fmt: StreamFormat,
  payload: Uint8Array,
): GetStreamRequest | StreamError {
  const fields = parseFields(fmt, payload);
  if (isStreamError(fields)) return fields;
  const token = readToken(fields);
  if (isStreamError(token)) return token;
  const c = token.c;

  const ints: Record<string, number> = {};
  for (const k of INT_KEYS) {
    const raw = fields.get(k.key);
    if (raw === undefined) {
      if (k.required) return fail('InvalidRequest', `The request has no "${k.key}".`, c);
      continue;
    }
    const v = intOf(raw);
    if (v === undefined) return fail('InvalidRequest', `"${k.key}" must be an integer.`, c);
    ints[k.key] = v;
  }
  for (const k of INT_KEYS) {
    const v = ints[k.key];
    if (v !== undefined && (v < k.min || v > k.max)) {
      return fail(k.code, `"${k.key}" must be between ${k.min} and ${k.max}.`, c);
    }
  }

  const req: GetStreamRequest = { f: ints['f']!, l: ints['l']! };
  if (c !== undefined) req.c = c;
  if (ints['s'] !== undefined) req.s = ints['s'];
  if (ints['o'] !== undefined) req.o = ints['o'];
  if (ints['n'] !== undefined) req.n = ints['n'];

  const rawB = fields.get('b');
  if (rawB !== undefined) {
    const b = readBitmap(fmt, rawB, c);
    if (isStreamError(b)) return b;
    req.b = b;
  }
  return req;
}

function readBitmap(fmt: StreamFormat, raw: unknown, c?: string): Uint8Array | StreamError {
  const limit = LIMITS.maxBitmapBytes + 1;
  const tooBig = () =>
    fail('BlockBitmapLimitExceeded', `The bitmap must be under ${limit} bytes.`, c);
  if (fmt === 'cbor') {
    // §4.4 [OBS]: a text string where a byte string belongs is answered with InvalidCbor.
    if (!(raw instanceof Uint8Array)) return fail('InvalidCbor', STREAM_MESSAGES.invalidCbor, c);
    return raw.length > LIMITS.maxBitmapBytes ? tooBig() : raw;
  }
  if (typeof raw !== 'string') return fail('InvalidRequest', '"b" must be a hex string.', c);
  // Size check first so an oversized string is never decoded.
  const hexLen = raw.startsWith('0x') || raw.startsWith('0X') ? raw.length - 2 : raw.length;
  if (Math.ceil(hexLen / 2) > LIMITS.maxBitmapBytes) return tooBig();
  const b = bitmapFromJsonHex(raw);
  return b ?? fail('InvalidRequest', '"b" must be an even number of hex digits.', c);
}

/** DescribeStream request (§4.2); an empty payload is a request without a token. */
export function decodeDescribeRequest(
  fmt: StreamFormat,
  payload: Uint8Array,
): DescribeStreamRequest | StreamError {
  if (payload.length === 0) return {};
  const fields = parseFields(fmt, payload);
  if (isStreamError(fields)) return fields;
  return readToken(fields);
}

// ---------------------------------------------------------------------------------------------
// Encoders for the non-hot messages

function encodeObject(fmt: StreamFormat, obj: Record<string, unknown>): Buffer {
  if (fmt === 'json') return Buffer.from(JSON.stringify(obj), 'utf8');
  return cborEncoder.encode(obj);
}

/**
 * Device side. CBOR keys go out in the FreeRTOS agent's order c,f,l,o,b,n (`s` after `c`);
 * JSON carries `b` as `0x` hex.
 */
export function encodeGetStreamRequest(fmt: StreamFormat, req: GetStreamRequest): Buffer {
  const obj: Record<string, unknown> = {};
  if (req.c !== undefined) obj['c'] = req.c;
  if (req.s !== undefined) obj['s'] = req.s;
  obj['f'] = req.f;
  obj['l'] = req.l;
  if (req.o !== undefined) obj['o'] = req.o;
  if (req.b !== undefined) obj['b'] = fmt === 'json' ? bitmapToJsonHex(req.b) : toBuffer(req.b);
  if (req.n !== undefined) obj['n'] = req.n;
  return encodeObject(fmt, obj);
}

export function encodeDescribeRequest(fmt: StreamFormat, req: DescribeStreamRequest): Buffer {
  return encodeObject(fmt, req.c === undefined ? {} : { c: req.c });
}

export function encodeDescribeResponse(fmt: StreamFormat, res: DescribeStreamResponse): Buffer {
  const obj: Record<string, unknown> = {};
  if (res.c !== undefined) obj['c'] = res.c;
  obj['s'] = res.s;
  if (res.d !== undefined) obj['d'] = res.d;
  obj['r'] = res.r.map((x) => ({ f: x.f, z: x.z }));
  return encodeObject(fmt, obj);
}

/**
 * Rejection body with both the long and the short keys, in the order the real service uses
 * (§4.6 [OBS]). The real service writes indefinite-length CBOR maps here; a definite map is
 * equivalent to any conforming decoder.
 */
export function encodeRejected(fmt: StreamFormat, rej: Rejection): Buffer {
  const obj: Record<string, unknown> = {};
  if (rej.clientToken !== undefined) {
    obj['clientToken'] = rej.clientToken;
    obj['c'] = rej.clientToken;
  }
  obj['code'] = rej.code;
  obj['o'] = rej.code;
  obj['message'] = rej.message;
  obj['m'] = rej.message;
  return encodeObject(fmt, obj);
}

// ---------------------------------------------------------------------------------------------
// Data blocks: hand-written CBOR (hot path)

function headLen(v: number): number {
  if (v < 24) return 1;
  if (v < 0x100) return 2;
  if (v < 0x10000) return 3;
  if (v < 0x100000000) return 5;
  return 9;
}

/** Writes a CBOR head (major type + argument) at `pos`; returns the next position. */
function writeHead(buf: Buffer, pos: number, major: number, v: number): number {
  const m = major << 5;
  if (v < 24) {
    buf[pos] = m | v;
    return pos + 1;
  }
  if (v < 0x100) {
    buf[pos] = m | 24;
    buf[pos + 1] = v;
    return pos + 2;
  }
  if (v < 0x10000) {
    buf[pos] = m | 25;
    buf.writeUInt16BE(v, pos + 1);
    return pos + 3;
  }
  if (v < 0x100000000) {
    buf[pos] = m | 26;
    buf.writeUInt32BE(v, pos + 1);
    return pos + 5;
  }
  buf[pos] = m | 27;
  buf.writeUInt32BE(Math.floor(v / 0x100000000), pos + 1);
  buf.writeUInt32BE(v >>> 0, pos + 5);
  return pos + 9;
}

const MAJOR_UINT = 0;
const MAJOR_BYTES = 2;
const MAJOR_TEXT = 3;
const MAJOR_MAP = 5;

/** Writes the one-letter text key `k` (0x61 + ASCII). */
function writeKey(buf: Buffer, pos: number, k: number): number {
  buf[pos] = 0x61;
  buf[pos + 1] = k;
  return pos + 2;
}

const K_C = 0x63;
const K_F = 0x66;
const K_I = 0x69;
const K_L = 0x6c;
const K_P = 0x70;

/**
 * One data message (§4.5): keys c?,f,l,i,p. CBOR is written straight into one Buffer sized up
 * front (the payload is copied once); JSON carries `p` as standard base64.
 */
export function encodeDataBlock(fmt: StreamFormat, blk: DataBlock): Buffer {
  const { c, f, l, i, p } = blk;
  if (fmt === 'json') {
    const tok = c === undefined ? '' : `"c":${JSON.stringify(c)},`;
    const b64 = toBuffer(p).toString('base64');
    return Buffer.from(`{${tok}"f":${f},"l":${l},"i":${i},"p":"${b64}"}`, 'utf8');
  }
  const cLen = c === undefined ? 0 : Buffer.byteLength(c, 'utf8');
  // Map head + four one-letter keys (2 bytes each) + their heads + the payload bytes.
  let size = 1 + 8 + headLen(f) + headLen(l) + headLen(i) + headLen(p.length) + p.length;
  if (c !== undefined) size += 2 + headLen(cLen) + cLen;
  const buf = Buffer.allocUnsafe(size);
  let pos = writeHead(buf, 0, MAJOR_MAP, c === undefined ? 4 : 5);
  if (c !== undefined) {
    pos = writeKey(buf, pos, K_C);
    pos = writeHead(buf, pos, MAJOR_TEXT, cLen);
    pos += buf.write(c, pos, 'utf8');
  }
  pos = writeHead(buf, writeKey(buf, pos, K_F), MAJOR_UINT, f);
  pos = writeHead(buf, writeKey(buf, pos, K_L), MAJOR_UINT, l);
  pos = writeHead(buf, writeKey(buf, pos, K_I), MAJOR_UINT, i);
  pos = writeHead(buf, writeKey(buf, pos, K_P), MAJOR_BYTES, p.length);
  buf.set(p, pos);
  return buf;
}

// Scratch registers of the CBOR reader: the hot path decodes without allocating per item.
let hMajor = 0;
let hVal = 0;
let hEnd = 0;
let hIndef = false;
const MAX_DEPTH = 16;

/** Reads the head at `pos` into the scratch registers; false if truncated or reserved. */
function readHead(b: Uint8Array, pos: number): boolean {
  if (pos >= b.length) return false;
  const ib = b[pos]!;
  const info = ib & 31;
  hMajor = ib >> 5;
  hIndef = false;
  let p = pos + 1;
  if (info < 24) {
    hVal = info;
  } else if (info === 24) {
    if (p + 1 > b.length) return false;
    hVal = b[p]!;
    p += 1;
  } else if (info === 25) {
    if (p + 2 > b.length) return false;
    hVal = (b[p]! << 8) | b[p + 1]!;
    p += 2;
  } else if (info === 26) {
    if (p + 4 > b.length) return false;
    hVal = b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
    p += 4;
  } else if (info === 27) {
    if (p + 8 > b.length) return false;
    const hi = b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
    const lo = b[p + 4]! * 0x1000000 + ((b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!);
    // Beyond 2^53 the value is useless to us; Infinity makes every range check fail.
    hVal = hi >= 0x200000 ? Infinity : hi * 0x100000000 + lo;
    p += 8;
  } else if (info === 31 && hMajor >= 2 && hMajor !== 6) {
    hIndef = true;
    hVal = 0;
  } else {
    return false;
  }
  hEnd = p;
  return true;
}

const BREAK = 0xff;

/** Skips one complete data item; returns the position after it, or -1 if malformed. */
function skipItem(b: Uint8Array, pos: number, depth: number): number {
  if (depth > MAX_DEPTH || !readHead(b, pos)) return -1;
  const major = hMajor;
  const val = hVal;
  let p = hEnd;
  if (hIndef) {
    if (major === 7) return -1; // a lone break
    while (p < b.length && b[p] !== BREAK) {
      if (major === 2 || major === 3) {
        // Chunks of an indefinite string must be definite strings of the same major type.
        if (!readHead(b, p) || hMajor !== major || hIndef) return -1;
      }
      p = skipItem(b, p, depth + 1);
      if (p < 0) return -1;
      if (major === 5) {
        p = skipItem(b, p, depth + 1);
        if (p < 0) return -1;
      }
    }
    return p < b.length ? p + 1 : -1;
  }
  switch (major) {
    case 0:
    case 1:
    case 7:
      return p;
    case 2:
    case 3:
      return p + val <= b.length ? p + val : -1;
    case 6:
      return skipItem(b, p, depth + 1);
    default: {
      const items = major === 5 ? val * 2 : val;
      if (items > b.length - p) return -1; // every item needs at least one byte
      for (let k = 0; k < items; k++) {
        p = skipItem(b, p, depth + 1);
        if (p < 0) return -1;
      }
      return p;
    }
  }
}

/** Returns the single-letter text key at the current head, or 0 for any other key. */
function oneLetterKey(b: Uint8Array, pos: number): number {
  return b[pos] === 0x61 && pos + 1 < b.length ? b[pos + 1]! : 0;
}

function badCbor(): StreamError {
  return fail('InvalidCbor', STREAM_MESSAGES.invalidCbor);
}

/**
 * Device side (§4.5, §5.6). CBOR: hand-written reader for a definite or indefinite map, keys
 * f/i/l (unsigned integers), p (definite byte string, returned as a view into `payload`), c
 * (optional text); other keys are skipped. Bytes that are not one well-formed CBOR item give
 * InvalidCbor; a well-formed message with missing or mistyped keys gives InvalidRequest.
 * JSON: `p` is base64 and is necessarily copied. Never throws.
 */
export function decodeDataBlock(fmt: StreamFormat, payload: Uint8Array): DataBlock | StreamError {
  return fmt === 'json' ? decodeDataBlockJson(payload) : decodeDataBlockCbor(payload);
}

function decodeDataBlockCbor(b: Uint8Array): DataBlock | StreamError {
  if (!readHead(b, 0) || hMajor !== MAJOR_MAP) return badCbor();
  const indefinite = hIndef;
  let remaining = indefinite ? Infinity : hVal;
  let pos = hEnd;
  let f = -1;
  let l = -1;
  let i = -1;
  let pStart = -1;
  let pLen = 0;
  let c: string | undefined;
  let mistyped = false;
  while (remaining > 0) {
    if (indefinite && b[pos] === BREAK) {
      pos++;
      break;
    }
    const key = oneLetterKey(b, pos);
    const valPos = skipItem(b, pos, 1);
    if (valPos < 0 || !readHead(b, valPos)) return badCbor();
    // Annotated: TS would keep the narrowing from the map check across readHead().
    const major: number = hMajor;
    const val = hVal;
    const dataStart = hEnd;
    const indefVal = hIndef;
    const next = skipItem(b, valPos, 1);
    if (next < 0) return badCbor();
    if (key === K_F || key === K_I || key === K_L) {
      if (major !== MAJOR_UINT || !Number.isSafeInteger(val)) mistyped = true;
      else if (key === K_F) f = val;
      else if (key === K_I) i = val;
      else l = val;
    } else if (key === K_P) {
      // TODO(limitation): a chunked (indefinite) byte string is refused rather than joined.
      if (major !== MAJOR_BYTES || indefVal) mistyped = true;
      else {
        pStart = dataStart;
        pLen = val;
      }
    } else if (key === K_C) {
      if (major !== MAJOR_TEXT || indefVal) mistyped = true;
      else c = Buffer.from(b.buffer, b.byteOffset + dataStart, val).toString('utf8');
    }
    pos = next;
    remaining--;
    if (indefinite && pos >= b.length) return badCbor();
  }
  if (pos !== b.length) return badCbor();
  if (mistyped || f < 0 || l < 0 || i < 0 || pStart < 0) {
    return fail('InvalidRequest', 'A data block needs integer f, l, i and a byte string p.');
  }
  const blk: DataBlock = { f, l, i, p: b.subarray(pStart, pStart + pLen) };
  if (c !== undefined) blk.c = c;
  return blk;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decodeDataBlockJson(payload: Uint8Array): DataBlock | StreamError {
  let v: unknown;
  try {
    v = JSON.parse(toBuffer(payload).toString('utf8'));
  } catch {
    return fail('InvalidJson', 'The data block is not valid JSON.');
  }
  const bad = () => fail('InvalidRequest', 'A data block needs integer f, l, i and base64 p.');
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad();
  const o = v as Record<string, unknown>;
  const f = o['f'];
  const l = o['l'];
  const i = o['i'];
  const p = o['p'];
  const c = o['c'];
  if (!isUint(f) || !isUint(l) || !isUint(i)) return bad();
  if (typeof p !== 'string' || !BASE64.test(p)) return bad();
  if (c !== undefined && typeof c !== 'string') return bad();
  const blk: DataBlock = { f, l, i, p: Buffer.from(p, 'base64') };
  if (c !== undefined) blk.c = c;
  return blk;
}

function isUint(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
