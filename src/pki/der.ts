/**
 * Just enough DER to read public keys and ECDSA signatures without trusting a library's
 * error handling: every reader returns undefined on malformed input instead of throwing,
 * because verifiers must turn garbage into `false` (protocol.md §5.8).
 */

export interface Tlv {
  tag: number;
  /** Content bytes (a view into the input, not a copy). */
  value: Uint8Array;
  /** Offset just past this element in the input. */
  end: number;
}

/** Reads one definite-length DER element at `offset`; rejects non-minimal lengths. */
export function readTlv(buf: Uint8Array, offset: number): Tlv | undefined {
  if (offset + 2 > buf.length) return undefined;
  const tag = buf[offset];
  let len = buf[offset + 1];
  let pos = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3 || pos + n > buf.length) return undefined;
    if (buf[pos] === 0) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos + i];
    pos += n;
    if (len < 0x80) return undefined;
  }
  if (pos + len > buf.length) return undefined;
  return { tag, value: buf.subarray(pos, pos + len), end: pos + len };
}

/** Reads all elements of a constructed value; undefined unless they tile it exactly. */
export function readChildren(value: Uint8Array): Tlv[] | undefined {
  const out: Tlv[] = [];
  let pos = 0;
  while (pos < value.length) {
    const t = readTlv(value, pos);
    if (!t) return undefined;
    out.push(t);
    pos = t.end;
  }
  return out;
}

/** Reads a whole buffer as exactly one element of the given tag. */
export function readWhole(buf: Uint8Array, tag: number): Tlv | undefined {
  const t = readTlv(buf, 0);
  return t && t.tag === tag && t.end === buf.length ? t : undefined;
}

/** Positive DER INTEGER content → bigint; rejects negative and non-minimal encodings. */
export function readPositiveInteger(content: Uint8Array): bigint | undefined {
  if (content.length === 0 || content[0] & 0x80) return undefined;
  if (content.length > 1 && content[0] === 0 && !(content[1] & 0x80)) return undefined;
  return bytesToBigInt(content);
}

export function bytesToBigInt(bytes: Uint8Array): bigint {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex.length === 0 ? 0n : BigInt('0x' + hex);
}

/** Big-endian, left-padded to `len` bytes; undefined if the value does not fit. */
export function bigIntToBytes(value: bigint, len: number): Uint8Array | undefined {
  let hex = value.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  if (hex.length / 2 > len) return undefined;
  return Uint8Array.from(Buffer.from(hex.padStart(len * 2, '0'), 'hex'));
}

function encodeLength(len: number): number[] {
  if (len < 0x80) return [len];
  const bytes: number[] = [];
  for (let n = len; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return [0x80 | bytes.length, ...bytes];
}

export function encodeTlv(tag: number, content: Uint8Array): Uint8Array {
  return Uint8Array.from([tag, ...encodeLength(content.length), ...content]);
}

/** Minimal DER INTEGER for a non-negative value (adds the 0x00 pad when the top bit is set). */
export function encodeInteger(value: bigint): Uint8Array {
  let hex = value.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return encodeTlv(0x02, bytes);
}

/** ECDSA DER `SEQUENCE{INTEGER r, INTEGER s}` → r and s; undefined unless strictly DER. */
export function parseEcdsaDer(sig: Uint8Array): { r: bigint; s: bigint } | undefined {
  const seq = readWhole(sig, 0x30);
  const parts = seq && readChildren(seq.value);
  if (!parts || parts.length !== 2 || parts[0].tag !== 0x02 || parts[1].tag !== 0x02) {
    return undefined;
  }
  const r = readPositiveInteger(parts[0].value);
  const s = readPositiveInteger(parts[1].value);
  return r === undefined || s === undefined ? undefined : { r, s };
}

export function encodeEcdsaDer(r: bigint, s: bigint): Uint8Array {
  const body = Buffer.concat([encodeInteger(r), encodeInteger(s)]);
  return encodeTlv(0x30, body);
}

/** DER → fixed-width r‖s (64 bytes for P-256), the form raw-expecting bootloaders use (C16). */
export function ecdsaDerToRaw(sig: Uint8Array, size = 32): Uint8Array | undefined {
  const rs = parseEcdsaDer(sig);
  if (!rs) return undefined;
  const r = bigIntToBytes(rs.r, size);
  const s = bigIntToBytes(rs.s, size);
  return r && s ? Uint8Array.from([...r, ...s]) : undefined;
}

/** Fixed-width r‖s → minimal DER (case C16). */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array | undefined {
  if (raw.length === 0 || raw.length % 2) return undefined;
  const half = raw.length / 2;
  return encodeEcdsaDer(bytesToBigInt(raw.subarray(0, half)), bytesToBigInt(raw.subarray(half)));
}

function oidToString(content: Uint8Array): string {
  const arcs: number[] = [];
  let acc = 0;
  for (const b of content) {
    acc = acc * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      arcs.push(acc);
      acc = 0;
    }
  }
  if (arcs.length === 0) return '';
  const first = arcs[0] < 80 ? Math.floor(arcs[0] / 40) : 2;
  return [first, arcs[0] - first * 40, ...arcs.slice(1)].join('.');
}

export const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
export const OID_P256 = '1.2.840.10045.3.1.7';
export const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1';

/** The subjectPublicKey BIT STRING content (without the unused-bits byte). */
export function spkiKeyBits(der: Uint8Array): Uint8Array | undefined {
  const spki = readWhole(der, 0x30);
  const top = spki && readChildren(spki.value);
  if (!top || top.length !== 2 || top[1].tag !== 0x03) return undefined;
  const bits = top[1].value;
  return bits.length >= 1 && bits[0] === 0 ? bits.subarray(1) : undefined;
}

export type ParsedSpki =
  | { kind: 'ec'; curve: string; point: Uint8Array }
  | { kind: 'rsa'; n: bigint; e: bigint; modulusBytes: number }
  | { kind: 'other'; oid: string };

/** SubjectPublicKeyInfo DER → key parameters; undefined when malformed. */
export function parseSpki(der: Uint8Array): ParsedSpki | undefined {
  const spki = readWhole(der, 0x30);
  const top = spki && readChildren(spki.value);
  if (!top || top.length !== 2 || top[0].tag !== 0x30 || top[1].tag !== 0x03) return undefined;
  const algParts = readChildren(top[0].value);
  if (!algParts || algParts.length < 1 || algParts[0].tag !== 0x06) return undefined;
  const bits = top[1].value;
  if (bits.length < 1 || bits[0] !== 0) return undefined;
  const keyBytes = bits.subarray(1);
  const oid = oidToString(algParts[0].value);
  if (oid === OID_EC_PUBLIC_KEY) {
    if (algParts.length !== 2 || algParts[1].tag !== 0x06) return undefined;
    return { kind: 'ec', curve: oidToString(algParts[1].value), point: keyBytes };
  }
  if (oid !== OID_RSA_ENCRYPTION) return { kind: 'other', oid };
  const rsaKey = readWhole(keyBytes, 0x30);
  const ints = rsaKey && readChildren(rsaKey.value);
  if (!ints || ints.length !== 2 || ints[0].tag !== 0x02 || ints[1].tag !== 0x02) return undefined;
  const n = readPositiveInteger(ints[0].value);
  const e = readPositiveInteger(ints[1].value);
  if (n === undefined || e === undefined || n === 0n) return undefined;
  const nBytes = ints[0].value[0] === 0 ? ints[0].value.length - 1 : ints[0].value.length;
  return { kind: 'rsa', n, e, modulusBytes: nBytes };
}
