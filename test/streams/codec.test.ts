import { dec, enc } from './referenceCbor.js';
import { describe, expect, it } from 'vitest';
import {
  decodeDataBlock,
  decodeDescribeRequest,
  decodeGetStreamRequest,
  encodeDataBlock,
  encodeDescribeResponse,
  encodeGetStreamRequest,
  encodeRejected,
  isStreamError,
  type DataBlock,
} from '../../src/protocol/streamCodec.js';

const h = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const json = (o: unknown) => Buffer.from(JSON.stringify(o));

describe('GetStream request encoding', () => {
  it('matches the worked CBOR example of §4.5 byte for byte', () => {
    const bytes = encodeGetStreamRequest('cbor', {
      c: 'rdy',
      f: 0,
      l: 4096,
      o: 0,
      b: Uint8Array.from([0x07]),
      n: 1,
    });
    expect(bytes.toString('hex')).toBe('a6616363726479616600616c191000616f0061624107616e01');
  });

  it('decodes the agent request with b as a byte string', () => {
    const req = decodeGetStreamRequest('cbor', h('a6 61 63 63 72 64 79 61 66 00 61 6c 19 10 00 '
      + '61 6f 00 61 62 41 07 61 6e 01'));
    expect(isStreamError(req)).toBe(false);
    if (isStreamError(req)) return;
    expect(req.c).toBe('rdy');
    expect([req.f, req.l, req.o, req.n]).toEqual([0, 4096, 0, 1]);
    expect(req.b).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(req.b!).toString('hex')).toBe('07');
  });

  it('accepts the third-party subset {f,l,o,b} (§4.5)', () => {
    const bytes = h('a4 61 66 00 61 6c 19 01 00 61 6f 00 61 62 44 ff ff ff 7f');
    const req = decodeGetStreamRequest('cbor', bytes);
    expect(req).toEqual({ f: 0, l: 256, o: 0, b: expect.any(Uint8Array) });
  });

  it('round-trips JSON with a 0x-hex bitmap', () => {
    const bytes = encodeGetStreamRequest('json', { c: 't', f: 1, l: 512, o: 8, b: h('0301') });
    expect(bytes.toString()).toBe('{"c":"t","f":1,"l":512,"o":8,"b":"0x0301"}');
    const req = decodeGetStreamRequest('json', bytes);
    expect(req).toEqual({ c: 't', f: 1, l: 512, o: 8, b: Uint8Array.from([3, 1]) });
  });
});

describe('GetStream request validation (§4.3, §4.6)', () => {
  const base = { c: 'rdy', f: 0, l: 4096 };
  const err = (p: unknown, fmt: 'json' | 'cbor' = 'json') =>
    decodeGetStreamRequest(fmt, fmt === 'json' ? json(p) : enc.encode(p));

  it('reports unparsable payloads per format', () => {
    const truncated = Buffer.from('{"f":');
    expect(decodeGetStreamRequest('json', truncated)).toMatchObject({ error: 'InvalidJson' });
    expect(decodeGetStreamRequest('cbor', h('a2 61'))).toEqual({
      error: 'InvalidCbor',
      message: 'Invalid CBOR message',
    });
    expect(decodeGetStreamRequest('cbor', h('a0 00'))).toMatchObject({ error: 'InvalidCbor' });
  });

  it('rejects missing and mistyped keys with InvalidRequest, echoing a valid token', () => {
    expect(err({ c: 'x', l: 4096 })).toMatchObject({ error: 'InvalidRequest', clientToken: 'x' });
    expect(err({ ...base, f: '0' })).toMatchObject({ error: 'InvalidRequest' });
    expect(err({ ...base, o: 1.5 })).toMatchObject({ error: 'InvalidRequest' });
    expect(err({ ...base, f: 256 })).toMatchObject({ error: 'InvalidRequest' });
    expect(err([1, 2])).toMatchObject({ error: 'InvalidRequest' });
    expect(err({ ...base, b: 7 })).toMatchObject({ error: 'InvalidRequest' });
    expect(err({ ...base, b: '0x123' })).toMatchObject({ error: 'InvalidRequest' });
  });

  it('rejects a token over 64 bytes without echoing it', () => {
    const r = err({ ...base, c: 'é'.repeat(33) });
    expect(r).toEqual({ error: 'InvalidRequest', message: expect.any(String) });
    expect(err({ ...base, c: 'a'.repeat(64) })).not.toHaveProperty('error');
    const mistyped = err({ ...base, c: 5 });
    expect(mistyped).toMatchObject({ error: 'InvalidRequest' });
    expect(mistyped).not.toHaveProperty('clientToken');
  });

  it('checks l, o, n and b ranges with their own codes', () => {
    expect(err({ ...base, l: 255 })).toMatchObject({
      error: 'BlockSizeOutOfBounds',
      clientToken: 'rdy',
    });
    expect(err({ ...base, l: 131073 })).toMatchObject({ error: 'BlockSizeOutOfBounds' });
    expect(err({ ...base, o: -1 })).toMatchObject({ error: 'OffsetOutOfBounds' });
    expect(err({ ...base, o: 98305 })).toMatchObject({ error: 'OffsetOutOfBounds' });
    expect(err({ ...base, o: 98304 })).not.toHaveProperty('error');
    expect(err({ ...base, n: 98305 })).toMatchObject({ error: 'BlockCountLimitExceeded' });
    expect(err({ ...base, n: -1 })).toMatchObject({ error: 'BlockCountLimitExceeded' });
    expect(err({ ...base, b: Buffer.alloc(12288) }, 'cbor')).toMatchObject({
      error: 'BlockBitmapLimitExceeded',
    });
    expect(err({ ...base, b: Buffer.alloc(12287) }, 'cbor')).not.toHaveProperty('error');
    expect(err({ ...base, b: '0x' + 'ff'.repeat(12288) })).toMatchObject({
      error: 'BlockBitmapLimitExceeded',
    });
    expect(err({ ...base, b: 'ff'.repeat(12287) })).not.toHaveProperty('error');
  });

  it('treats huge CBOR integers as out of range rather than crashing', () => {
    const r = decodeGetStreamRequest('cbor', h('a2 61 66 00 61 6c 1b ff ff ff ff ff ff ff ff'));
    expect(r).toMatchObject({ error: 'BlockSizeOutOfBounds' });
  });

  it('answers a CBOR text-string bitmap with InvalidCbor (§4.4 [OBS])', () => {
    const r = err({ ...base, b: 'ff' }, 'cbor');
    expect(r).toMatchObject({ error: 'InvalidCbor', clientToken: 'rdy' });
  });

  it('does not let a __proto__ key supply f or l', () => {
    const r = decodeGetStreamRequest('json', Buffer.from('{"__proto__":{"f":0,"l":4096}}'));
    expect(r).toMatchObject({ error: 'InvalidRequest' });
  });
});

describe('DescribeStream codec', () => {
  it('accepts an empty payload and validates the token', () => {
    expect(decodeDescribeRequest('json', new Uint8Array(0))).toEqual({});
    expect(decodeDescribeRequest('json', json({ c: 'abc' }))).toEqual({ c: 'abc' });
    expect(decodeDescribeRequest('cbor', enc.encode({ c: 'x'.repeat(65) }))).toMatchObject({
      error: 'InvalidRequest',
    });
  });

  it('encodes the description with c, s, d, r', () => {
    const res = { c: 'k', s: 1, d: 'D', r: [{ f: 0, z: 131072 }, { f: 1, z: 51200 }] };
    expect(encodeDescribeResponse('json', res).toString()).toBe(
      '{"c":"k","s":1,"d":"D","r":[{"f":0,"z":131072},{"f":1,"z":51200}]}',
    );
    expect(dec.decode(encodeDescribeResponse('cbor', res))).toEqual(res);
  });
});

describe('rejections (§4.6)', () => {
  it('carries both key forms in JSON, in the observed order', () => {
    const rej = { code: 'InvalidRequest', message: 'M', clientToken: 'rdy' } as const;
    const body = encodeRejected('json', rej);
    expect(body.toString()).toBe(
      '{"clientToken":"rdy","c":"rdy","code":"InvalidRequest","o":"InvalidRequest",'
        + '"message":"M","m":"M"}',
    );
  });

  it('omits the token forms when there is no valid token, CBOR too', () => {
    const body = encodeRejected('cbor', { code: 'InvalidCbor', message: 'Invalid CBOR message' });
    expect(dec.decode(body)).toEqual({
      code: 'InvalidCbor',
      o: 'InvalidCbor',
      message: 'Invalid CBOR message',
      m: 'Invalid CBOR message',
    });
  });
});

describe('data blocks (§4.5)', () => {
  const payload = Buffer.from(Array.from({ length: 300 }, (_, k) => k & 0xff));

  it('writes the same CBOR bytes as cbor-x and cbor-x reads them back', () => {
    for (const blk of [
      { f: 0, l: 300, i: 2, p: payload },
      { c: 'rdy', f: 3, l: 20, i: 70000, p: payload.subarray(0, 20) },
      { c: 'ü'.repeat(30), f: 255, l: 0, i: 23, p: Buffer.alloc(0) },
      { f: 1, l: 131072, i: 4_000_000_000, p: Buffer.alloc(131072, 9) },
    ]) {
      const mine = encodeDataBlock('cbor', blk);
      const tok = blk.c !== undefined ? { c: blk.c } : {};
      const ref = enc.encode({ ...tok, f: blk.f, l: blk.l, i: blk.i, p: blk.p });
      expect(mine.equals(ref)).toBe(true);
      const back = dec.decode(mine);
      expect(back.p).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(back.p).equals(blk.p)).toBe(true);
      expect([back.f, back.l, back.i]).toEqual([blk.f, blk.l, blk.i]);
    }
  });

  it('writes indexes past 2^32 as 64-bit integers that cbor-x reads back', () => {
    // cbor-x itself would pick a float64 here, so only the round trip is compared.
    const mine = encodeDataBlock('cbor', { f: 0, l: 1, i: 5_000_000_000, p: Buffer.from([1]) });
    expect(mine.subarray(9, 18).toString('hex')).toBe('1b000000012a05f200');
    expect(dec.decode(mine).i).toBe(5_000_000_000n);
    expect((decodeDataBlock('cbor', mine) as DataBlock).i).toBe(5_000_000_000);
  });

  it('encodes JSON with base64 p', () => {
    const blk = { c: 'x', f: 0, l: 3, i: 1, p: Buffer.from('abc') };
    const s = encodeDataBlock('json', blk).toString();
    expect(s).toBe('{"c":"x","f":0,"l":3,"i":1,"p":"YWJj"}');
  });

  it('decodes its own CBOR block as a view into the message', () => {
    const msg = encodeDataBlock('cbor', { c: 'rdy', f: 0, l: 300, i: 9, p: payload });
    const blk = decodeDataBlock('cbor', msg) as DataBlock;
    expect([blk.c, blk.f, blk.l, blk.i]).toEqual(['rdy', 0, 300, 9]);
    expect(blk.p.buffer).toBe(msg.buffer);
    expect(Buffer.from(blk.p).equals(payload)).toBe(true);
  });

  it('reads indefinite-length maps and skips extra keys of any type', () => {
    // {_ "x": [1, {2: h'00'}], "i": 1, 7: -3, "f": 0, "l": 2, "p": h'beef', "zz": 1.5 }
    const msg = h('bf 61 78 82 01 a1 02 41 00 61 69 01 07 22 61 66 00 61 6c 02 61 70 42 be ef'
      + ' 62 7a 7a f9 3e 00 ff');
    const blk = decodeDataBlock('cbor', msg) as DataBlock;
    expect([blk.f, blk.l, blk.i]).toEqual([0, 2, 1]);
    expect(Buffer.from(blk.p).toString('hex')).toBe('beef');
    expect(blk.c).toBeUndefined();
  });

  it('returns InvalidCbor for malformed bytes and never throws', () => {
    const BAD = { error: 'InvalidCbor' };
    const good = encodeDataBlock('cbor', { f: 0, l: 4, i: 0, p: Buffer.from('abcd') });
    for (let cut = 0; cut < good.length; cut++) {
      expect(decodeDataBlock('cbor', good.subarray(0, cut))).toMatchObject(BAD);
    }
    expect(decodeDataBlock('cbor', Buffer.concat([good, h('00')]))).toMatchObject(BAD);
    expect(decodeDataBlock('cbor', h('83 01 02 03'))).toMatchObject({ error: 'InvalidCbor' });
    expect(decodeDataBlock('cbor', h('bf 61 66 00 ff ff'))).toMatchObject({ error: 'InvalidCbor' });
    expect(decodeDataBlock('cbor', h('a1 61 66 1c'))).toMatchObject({ error: 'InvalidCbor' });
    expect(decodeDataBlock('cbor', h('a1 61 66 5a ff ff ff ff'))).toMatchObject(BAD);
    const deep = Buffer.concat([h('a1 61 78'), Buffer.alloc(40, 0x81), h('00')]);
    expect(decodeDataBlock('cbor', deep)).toMatchObject({ error: 'InvalidCbor' });
    for (let seed = 1; seed < 300; seed++) {
      const bytes = Array.from({ length: seed % 17 }, (_, k) => (seed * 31 + k * 97) & 0xff);
      const junk = Buffer.from(bytes);
      expect(() => decodeDataBlock('cbor', junk)).not.toThrow();
    }
  });

  it('returns InvalidRequest for well-formed blocks with missing or mistyped keys', () => {
    const noP = enc.encode({ f: 0, l: 4, i: 0 });
    expect(decodeDataBlock('cbor', noP)).toMatchObject({ error: 'InvalidRequest' });
    const textP = enc.encode({ f: 0, l: 4, i: 0, p: 'abcd' });
    expect(decodeDataBlock('cbor', textP)).toMatchObject({ error: 'InvalidRequest' });
    const negI = enc.encode({ f: 0, l: 4, i: -1, p: Buffer.from('abcd') });
    expect(decodeDataBlock('cbor', negI)).toMatchObject({ error: 'InvalidRequest' });
  });

  it('decodes JSON blocks and rejects bad base64 or bad JSON', () => {
    const ok = decodeDataBlock('json', json({ c: 'x', f: 0, l: 3, i: 1, p: 'YWJj' })) as DataBlock;
    expect(ok).toMatchObject({ c: 'x', f: 0, l: 3, i: 1 });
    expect(Buffer.from(ok.p).toString()).toBe('abc');
    expect(decodeDataBlock('json', json({ f: 0, l: 3, i: 1, p: 'YW!j' }))).toMatchObject({
      error: 'InvalidRequest',
    });
    expect(decodeDataBlock('json', Buffer.from('{'))).toMatchObject({ error: 'InvalidJson' });
  });
});
