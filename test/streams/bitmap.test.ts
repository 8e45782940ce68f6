import { describe, expect, it } from 'vitest';
import {
  BlockBitmap,
  bitmapFromJsonHex,
  bitmapToBlocks,
  bitmapToJsonHex,
  blocksToBitmap,
} from '../../src/protocol/bitmap.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('bitmap encoding (§4.4)', () => {
  it('encodes blocks 20,21,24,43 at o=20 as the doc example 0x130080', () => {
    const b = blocksToBitmap([20, 21, 24, 43], 20);
    expect(hex(b)).toBe('130080');
    expect(bitmapToJsonHex(b)).toBe('0x130080');
    expect(bitmapToBlocks(b, 20)).toEqual([20, 21, 24, 43]);
  });

  it('starts a 63-block file as ff ff ff ff ff ff ff 7f', () => {
    const bm = new BlockBitmap(63);
    expect(hex(bm.bytes)).toBe('ffffffffffffff7f');
    expect(bm.remaining).toBe(63);
  });

  it('keeps exact multiples of 8 fully set and an empty file empty', () => {
    expect(hex(new BlockBitmap(16).bytes)).toBe('ffff');
    expect(new BlockBitmap(0).bytes.length).toBe(0);
    expect(new BlockBitmap(0).firstMissing()).toBe(-1);
  });

  it('clears LSB-first and reports duplicates', () => {
    const bm = new BlockBitmap(10);
    expect(bm.clear(0)).toBe(true);
    expect(bm.clear(9)).toBe(true);
    expect(hex(bm.bytes)).toBe('fe01');
    expect(bm.clear(0)).toBe(false);
    expect(bm.remaining).toBe(8);
    expect(bm.has(0)).toBe(false);
    expect(bm.has(1)).toBe(true);
    expect(bm.firstMissing()).toBe(1);
  });

  it('ignores indexes outside the file', () => {
    const bm = new BlockBitmap(10);
    expect(bm.clear(10)).toBe(false);
    expect(bm.clear(-1)).toBe(false);
    expect(bm.has(10)).toBe(false);
    expect(bm.remaining).toBe(10);
  });

  it('finds the first missing block after the low bytes are complete', () => {
    const bm = new BlockBitmap(20);
    for (let i = 0; i < 19; i++) bm.clear(i);
    expect(bm.firstMissing()).toBe(19);
    bm.clear(19);
    expect(bm.firstMissing()).toBe(-1);
    expect(bm.remaining).toBe(0);
  });

  it('exposes the live bytes without copying', () => {
    const bm = new BlockBitmap(8);
    const view = bm.bytes;
    bm.clear(3);
    expect(view[0]).toBe(0xf7);
  });

  it('windows a large bitmap by a block offset (C06)', () => {
    const bm = new BlockBitmap(6144);
    for (let i = 0; i < 1024; i++) bm.clear(i);
    const w = bm.window(1024, 128);
    expect(w.length).toBe(128);
    expect(w.every((x) => x === 0xff)).toBe(true);
    expect(bitmapToBlocks(w, 1024)[0]).toBe(1024);
    expect(bm.window(6144 - 8, 128).length).toBe(1);
    expect(() => bm.window(4, 128)).toThrow(RangeError);
  });

  it('rebuilds from bytes, dropping bits past the end', () => {
    const bm = BlockBitmap.fromBytes(Uint8Array.from([0x0f, 0xff]), 10);
    expect(hex(bm.bytes)).toBe('0f03');
    expect(bm.remaining).toBe(6);
    expect(() => BlockBitmap.fromBytes(new Uint8Array(3), 10)).toThrow(RangeError);
  });

  it('parses JSON hex with or without 0x as a byte array (C05 reading)', () => {
    expect(bitmapToBlocks(bitmapFromJsonHex('ffffffffffffff7f')!, 0)).toHaveLength(63);
    expect(hex(bitmapFromJsonHex('0xffffffffffffff7f')!)).toBe('ffffffffffffff7f');
    expect(bitmapToBlocks(bitmapFromJsonHex('ffffffffffffffff')!, 0).at(-1)).toBe(63);
    expect(hex(bitmapFromJsonHex('0X0A')!)).toBe('0a');
    expect(bitmapFromJsonHex('0x1')).toBeUndefined();
    expect(bitmapFromJsonHex('zz')).toBeUndefined();
  });

  it('stops bitmapToBlocks at max and rejects blocks before the offset', () => {
    expect(bitmapToBlocks(Uint8Array.from([0xff, 0xff]), 5, 3)).toEqual([5, 6, 7]);
    expect(() => blocksToBitmap([3], 4)).toThrow(RangeError);
    expect(blocksToBitmap([], 0).length).toBe(0);
  });
});
