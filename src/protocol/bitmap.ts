/**
 * GetStream block bitmaps (protocol.md §4.4).
 *
 * Layout shared by the agent and the service: byte j covers blocks offset+8j … offset+8j+7,
 * least significant bit = lowest block. The agent keeps "1 = still needed" and sends that
 * bitmap unchanged as `b`; the service reads a set bit as "send this block".
 *
 * JSON reading chosen for C05 (documented once, here): the hex string is a byte array in the
 * order above (first two hex digits = byte 0), never one big-endian integer. A `0x` prefix is
 * optional. Under this reading `"ffffffffffffff7f"` asks for blocks 0..62 and
 * `"ffffffffffffffff"` also asks for block 63.
 */

const POPCOUNT = new Uint8Array(256);
for (let v = 1; v < 256; v++) POPCOUNT[v] = (v & 1) + POPCOUNT[v >> 1]!;

export class BlockBitmap {
  readonly totalBlocks: number;
  private readonly data: Uint8Array;
  private left: number;

  /** Every block of a `totalBlocks`-block file starts as needed. */
  constructor(totalBlocks: number) {
    if (!Number.isInteger(totalBlocks) || totalBlocks < 0) {
      throw new RangeError(`totalBlocks must be a non-negative integer, got ${totalBlocks}`);
    }
    this.totalBlocks = totalBlocks;
    this.data = new Uint8Array(Math.ceil(totalBlocks / 8)).fill(0xff);
    clearPastEnd(this.data, totalBlocks);
    this.left = totalBlocks;
  }

  /**
   * Rebuilds a bitmap from bytes in the §4.4 layout (offset 0). The bytes are copied; bits past
   * the last block are cleared so a sloppy source cannot inflate `remaining`.
   */
  static fromBytes(bytes: Uint8Array, totalBlocks: number): BlockBitmap {
    const bm = new BlockBitmap(totalBlocks);
    if (bytes.length !== bm.data.length) {
      throw new RangeError(`expected ${bm.data.length} bitmap bytes, got ${bytes.length}`);
    }
    bm.data.set(bytes);
    clearPastEnd(bm.data, totalBlocks);
    let count = 0;
    for (let j = 0; j < bm.data.length; j++) count += POPCOUNT[bm.data[j]!]!;
    bm.left = count;
    return bm;
  }

  /** True while block `i` is still needed; false outside the file. */
  has(i: number): boolean {
    if (!(i >= 0 && i < this.totalBlocks)) return false;
    return (this.data[i >> 3]! & (1 << (i & 7))) !== 0;
  }

  /** Marks block `i` received. Returns false for a duplicate (or an index outside the file). */
  clear(i: number): boolean {
    if (!(i >= 0 && i < this.totalBlocks)) return false;
    const j = i >> 3;
    const mask = 1 << (i & 7);
    const byte = this.data[j]!;
    if ((byte & mask) === 0) return false;
    this.data[j] = byte & ~mask;
    this.left--;
    return true;
  }

  /** Number of blocks still needed. */
  get remaining(): number {
    return this.left;
  }

  /** The live bytes (no copy): what the FreeRTOS agent sends as `b` with `o = 0`. */
  get bytes(): Uint8Array {
    return this.data;
  }

  /**
   * A view (no copy) of at most `maxBytes` bytes starting at block `offsetBlocks`, for
   * windowed requests (C06): send it as `b` with `o = offsetBlocks`.
   */
  window(offsetBlocks: number, maxBytes: number): Uint8Array {
    if (!Number.isInteger(offsetBlocks) || offsetBlocks < 0 || offsetBlocks % 8 !== 0) {
      throw new RangeError(`window offset must be a multiple of 8 (>= 0), got ${offsetBlocks}`);
    }
    const start = Math.min(offsetBlocks >> 3, this.data.length);
    return this.data.subarray(start, Math.min(start + Math.max(0, maxBytes), this.data.length));
  }

  /** Lowest block still needed, or -1 when the file is complete. */
  firstMissing(): number {
    for (let j = 0; j < this.data.length; j++) {
      const byte = this.data[j]!;
      if (byte !== 0) return (j << 3) + (31 - Math.clz32(byte & -byte));
    }
    return -1;
  }
}

function clearPastEnd(data: Uint8Array, totalBlocks: number): void {
  const used = totalBlocks & 7;
  if (used !== 0 && data.length > 0) data[data.length - 1]! &= (1 << used) - 1;
}

/**
 * Absolute indexes (ascending) of the set bits of `bytes`, bit k meaning block offset+k;
 * stops after `max` of them.
 */
export function bitmapToBlocks(bytes: Uint8Array, offset: number, max = Infinity): number[] {
  const out: number[] = [];
  for (let j = 0; j < bytes.length && out.length < max; j++) {
    let byte = bytes[j]!;
    while (byte !== 0 && out.length < max) {
      const low = byte & -byte;
      out.push(offset + (j << 3) + (31 - Math.clz32(low)));
      byte ^= low;
    }
  }
  return out;
}

/** The shortest bitmap, relative to `offset`, with exactly the given blocks set. */
export function blocksToBitmap(indexes: readonly number[], offset: number): Uint8Array {
  let max = -1;
  for (const i of indexes) {
    if (!Number.isInteger(i) || i < offset) {
      throw new RangeError(`block ${i} is not an integer at or after offset ${offset}`);
    }
    if (i > max) max = i;
  }
  const out = new Uint8Array(max < 0 ? 0 : ((max - offset) >> 3) + 1);
  for (const i of indexes) {
    const k = i - offset;
    out[k >> 3]! |= 1 << (k & 7);
  }
  return out;
}

/** JSON form of `b`: `0x` + lower-case hex, byte 0 first (§4.4 doc example `"0x130080"`). */
export function bitmapToJsonHex(bytes: Uint8Array): string {
  return '0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

const HEX_BODY = /^[0-9a-fA-F]*$/;

/**
 * Parses the JSON form of `b`, with or without `0x`/`0X` (byte-array reading, see the module
 * comment). Returns undefined for odd length or non-hex characters.
 */
export function bitmapFromJsonHex(s: string): Uint8Array | undefined {
  const body = s.startsWith('0x') || s.startsWith('0X') ? s.slice(2) : s;
  if (body.length % 2 !== 0 || !HEX_BODY.test(body)) return undefined;
  return new Uint8Array(Buffer.from(body, 'hex'));
}
