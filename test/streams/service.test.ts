import { dec, enc } from './referenceCbor.js';
import { describe, expect, it } from 'vitest';
import {
  handleStreamRequest,
  type ResolvedStream,
  type StreamReply,
} from '../../src/cloud/streams/service.js';
import { bitmapToBlocks } from '../../src/protocol/bitmap.js';
import {
  decodeDataBlock,
  type DataBlock,
  type StreamFormat,
} from '../../src/protocol/streamCodec.js';

const OUT_OF_RANGE = 'The data requested is out of the range of data available.';

function fileOf(size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let k = 0; k < size; k++) b[k] = (k * 7 + (k >> 8)) & 0xff;
  return b;
}

function streamWith(files: [number, number][], extra: Partial<ResolvedStream> = {}) {
  const map = new Map(files.map(([f, z]) => [f, fileOf(z)]));
  const s: ResolvedStream = { version: 1, files: map, ...extra };
  return s;
}

interface Call {
  fmt?: StreamFormat;
  op?: 'get' | 'describe';
  body: unknown;
  stream?: ResolvedStream;
  streamId?: string;
  order?: (ix: number[]) => number[];
  raw?: Uint8Array;
}

function call(c: Call): StreamReply[] {
  const fmt = c.fmt ?? 'json';
  const encoded = fmt === 'json' ? Buffer.from(JSON.stringify(c.body)) : enc.encode(c.body);
  const payload = c.raw ?? encoded;
  const stream = c.stream;
  return handleStreamRequest({
    op: c.op ?? 'get',
    fmt,
    payload,
    streamId: c.streamId ?? 'STREAM1',
    resolve: (id) => (id === 'STREAM1' ? stream : undefined),
    ...(c.order && { order: c.order }),
  });
}

/** GET on STREAM1 in the given format. */
function get(fmt: StreamFormat, stream: ResolvedStream, body: unknown): StreamReply[] {
  return call({ fmt, stream, body });
}

function parse(fmt: StreamFormat, r: StreamReply): Record<string, unknown> {
  return fmt === 'json' ? JSON.parse(r.payload.toString()) : dec.decode(r.payload);
}

function blocks(fmt: StreamFormat, replies: StreamReply[]): DataBlock[] {
  return replies.map((r) => {
    expect(r.kind).toBe('data');
    return decodeDataBlock(fmt, r.payload) as DataBlock;
  });
}

function rejection(fmt: StreamFormat, replies: StreamReply[]): Record<string, unknown> {
  expect(replies).toHaveLength(1);
  expect(replies[0]!.kind).toBe('rejected');
  return parse(fmt, replies[0]!);
}

describe('C05: JSON bitmap for a 63-block file', () => {
  const stream = streamWith([[0, 127_762]]);

  it('serves blocks 0..62 for bare hex, last block 786 bytes', () => {
    const body = { c: 'rdy', f: 0, l: 2048, o: 0, b: 'ffffffffffffff7f' };
    const out = blocks('json', get('json', stream, body));
    expect(out.map((b) => b.i)).toEqual(Array.from({ length: 63 }, (_, k) => k));
    expect(out[61]!.l).toBe(2048);
    expect(out[62]!.l).toBe(786);
    expect(out[62]!.p.length).toBe(786);
    expect(out.every((b) => b.c === 'rdy' && b.f === 0)).toBe(true);
    const file = stream.files.get(0)!;
    expect(Buffer.concat(out.map((b) => b.p)).equals(Buffer.from(file))).toBe(true);
  });

  it('serves the same 63 blocks for 0x-prefixed hex', () => {
    const body = { c: 'rdy', f: 0, l: 2048, o: 0, b: '0xffffffffffffff7f' };
    const out = blocks('json', get('json', stream, body));
    expect(out).toHaveLength(63);
  });

  it('rejects bit 63 as out of range with both key forms and the echoed token', () => {
    const body = { c: 'rdy', f: 0, l: 2048, o: 0, b: 'ffffffffffffffff' };
    const r = rejection('json', get('json', stream, body));
    expect(r).toEqual({
      clientToken: 'rdy',
      c: 'rdy',
      code: 'InvalidRequest',
      o: 'InvalidRequest',
      message: OUT_OF_RANGE,
      m: OUT_OF_RANGE,
    });
  });
});

describe('C06: bitmap size limit on the service (CBOR)', () => {
  // l=256 and a file large enough that all 12,287*8 bits are in range (but o=0, so only the
  // first 512 blocks are selected by the 128 KiB cap).
  const stream = streamWith([[0, 98_304 * 256]]);

  it('rejects a 12,288-byte bitmap with BlockBitmapLimitExceeded', () => {
    const body = { f: 0, l: 256, o: 0, b: Buffer.alloc(12_288, 0xff) };
    const r = rejection('cbor', get('cbor', stream, body));
    expect(r).toMatchObject({ code: 'BlockBitmapLimitExceeded', o: 'BlockBitmapLimitExceeded' });
    expect(r).not.toHaveProperty('c');
  });

  it('accepts a 12,287-byte bitmap and serves 128 KiB of it', () => {
    const body = { f: 0, l: 256, o: 0, b: Buffer.alloc(12_287, 0xff) };
    const out = blocks('cbor', get('cbor', stream, body));
    expect(out).toHaveLength(512);
    expect(out[511]!.i).toBe(511);
  });
});

describe('C11: block size limits', () => {
  const stream = streamWith([[0, 300_000]]);

  it('rejects l=128 and l=262144 with BlockSizeOutOfBounds', () => {
    for (const l of [128, 262_144]) {
      const r = rejection('cbor', get('cbor', stream, { c: 'rdy', f: 0, l, o: 0, n: 1 }));
      expect(r).toMatchObject({ code: 'BlockSizeOutOfBounds', c: 'rdy', clientToken: 'rdy' });
    }
  });

  it('serves one full block at l=131072', () => {
    const out = blocks('cbor', get('cbor', stream, { f: 0, l: 131_072, o: 0, n: 1 }));
    expect(out.map((b) => [b.i, b.l, b.p.length])).toEqual([[0, 131_072, 131_072]]);
  });
});

describe('selection, caps and block sizes (§4.7)', () => {
  const stream = streamWith([[0, 10_000], [3, 1_000_000]]);

  it('serves the agent request: 3 blocks of a 10,000-byte file, n=1 → block 0 only', () => {
    const body = { c: 'rdy', f: 0, l: 4096, o: 0, b: Buffer.from([7]), n: 1 };
    const out = blocks('cbor', get('cbor', stream, body));
    expect(out.map((b) => [b.i, b.l])).toEqual([[0, 4096]]);
  });

  it('sends the exact remainder for the final block and absolute indexes', () => {
    const out = blocks('cbor', get('cbor', stream, { f: 0, l: 4096, o: 1, b: Buffer.from([3]) }));
    expect(out.map((b) => [b.i, b.l])).toEqual([[1, 4096], [2, 1808]]);
    const tail = Buffer.from(stream.files.get(0)!.subarray(8192));
    expect(Buffer.from(out[1]!.p).equals(tail)).toBe(true);
  });

  it('never returns more than 128 KiB even when n asks for more', () => {
    const out = blocks('json', call({ stream, body: { f: 3, l: 4096, o: 0, n: 100 } }));
    expect(out).toHaveLength(32);
    expect(out.reduce((s, b) => s + b.p.length, 0)).toBe(131_072);
    expect(out.map((b) => b.i)).toEqual(Array.from({ length: 32 }, (_, k) => k));
  });

  it('caps a default (no n) range request at 128 KiB', () => {
    const out = blocks('json', call({ stream, body: { f: 3, l: 1000, o: 10 } }));
    expect(out).toHaveLength(131);
    expect(out[0]!.i).toBe(10);
    expect(out[130]!.i).toBe(140);
  });

  it('takes the first n set bits, lowest first', () => {
    const b = Buffer.from([0b1010_1010, 0xff]);
    const out = blocks('cbor', get('cbor', stream, { f: 3, l: 256, o: 16, b, n: 3 }));
    expect(out.map((x) => x.i)).toEqual([17, 19, 21]);
    expect(bitmapToBlocks(b, 16).slice(0, 3)).toEqual([17, 19, 21]);
  });

  it('serves nothing for n=0 or an empty bitmap', () => {
    expect(call({ stream, body: { f: 3, l: 4096, n: 0 } })).toEqual([]);
    expect(call({ stream, body: { f: 3, l: 4096, b: '0x0000' } })).toEqual([]);
  });

  it('rejects a range request running past the end of the file', () => {
    const r = rejection('json', call({ stream, body: { f: 0, l: 4096, o: 2, n: 2 } }));
    expect(r).toMatchObject({ code: 'InvalidRequest', m: OUT_OF_RANGE });
    expect(blocks('json', call({ stream, body: { f: 0, l: 4096, o: 2, n: 1 } }))[0]!.l).toBe(1808);
  });

  it('serves MQ== (o=5, n=1, b=4D513D3D) as exactly block 5', () => {
    const b = Buffer.from('4D513D3D', 'hex');
    expect(b.toString()).toBe('MQ==');
    const out = blocks('cbor', get('cbor', stream, { f: 3, l: 1024, o: 5, n: 1, b }));
    expect(out.map((x) => [x.i, x.l])).toEqual([[5, 1024]]);
    // Even at the tail of a short file, where later bits would be out of range.
    const tail = blocks('cbor', get('cbor', stream, { f: 0, l: 4096, o: 2, n: 1, b }));
    expect(tail.map((x) => [x.i, x.l])).toEqual([[2, 1808]]);
  });

  it('applies the order hook to the selected blocks (C07) and ignores foreign indexes', () => {
    const order = (ix: number[]) => [...ix].reverse().concat([ix[0]!, 999_999]);
    const out = blocks('json', call({ stream, order, body: { f: 3, l: 4096, o: 0, n: 4 } }));
    expect(out.map((b) => b.i)).toEqual([3, 2, 1, 0, 0]);
  });

  it('omits c from data blocks when the request had none', () => {
    const out = call({ stream, body: { f: 0, l: 4096, n: 1 } });
    expect(JSON.parse(out[0]!.payload.toString())).not.toHaveProperty('c');
  });
});

describe('every reachable rejection code', () => {
  const stream = streamWith([[0, 10_000]], { version: 4 });
  const codeOf = (c: Call) => {
    const fmt = c.fmt ?? 'json';
    return rejection(fmt, call({ stream, ...c }))['code'];
  };

  it('maps each failure to its §4.6 code', () => {
    expect(codeOf({ body: {}, streamId: 'bad/id' })).toBe('InvalidTopic');
    expect(codeOf({ body: null, raw: Buffer.from('{') })).toBe('InvalidJson');
    expect(codeOf({ fmt: 'cbor', body: null, raw: Buffer.from([0xa1]) })).toBe('InvalidCbor');
    expect(codeOf({ body: { l: 4096 } })).toBe('InvalidRequest');
    expect(codeOf({ body: { f: 0, l: 100 } })).toBe('BlockSizeOutOfBounds');
    expect(codeOf({ body: { f: 0, l: 4096, o: 98_305 } })).toBe('OffsetOutOfBounds');
    expect(codeOf({ body: { f: 0, l: 4096, n: 98_305 } })).toBe('BlockCountLimitExceeded');
    const bigBitmap = { f: 0, l: 4096, b: 'ff'.repeat(12_288) };
    expect(codeOf({ body: bigBitmap })).toBe('BlockBitmapLimitExceeded');
    expect(codeOf({ body: { f: 0, l: 4096, n: 1 }, streamId: 'OTHER' })).toBe('ResourceNotFound');
    expect(codeOf({ body: { f: 9, l: 4096, n: 1 } })).toBe('ResourceNotFound');
    expect(codeOf({ body: { f: 0, l: 4096, n: 1, s: 3 } })).toBe('VersionMismatch');
    const denied = (d: 'Unauthorized' | 'ETagMismatch') =>
      codeOf({ body: { f: 0, l: 4096, n: 1 }, stream: { ...stream, denied: d } });
    expect(denied('Unauthorized')).toBe('Unauthorized');
    expect(denied('ETagMismatch')).toBe('ETagMismatch');
    const thrown = handleStreamRequest({
      op: 'get',
      fmt: 'json',
      payload: Buffer.from('{"f":0,"l":4096,"n":1}'),
      streamId: 'STREAM1',
      resolve: () => {
        throw new Error('store down');
      },
    });
    expect(rejection('json', thrown)['code']).toBe('InternalError');
  });

  it('serves the matching stream version and echoes c on VersionMismatch', () => {
    expect(call({ stream, body: { f: 0, l: 4096, n: 1, s: 4 } })[0]!.kind).toBe('data');
    const r = rejection('cbor', get('cbor', stream, { c: 'k', f: 0, l: 4096, n: 1, s: 1 }));
    expect(r).toMatchObject({ clientToken: 'k', c: 'k' });
    expect(r).toMatchObject({ code: 'VersionMismatch', o: 'VersionMismatch' });
    expect(r['message']).toBe(r['m']);
  });
});

describe('DescribeStream', () => {
  const stream = streamWith([[1, 51_200], [0, 131_072]], { description: 'ABC' });

  it('answers with c, s, d and files sorted by id', () => {
    for (const fmt of ['json', 'cbor'] as const) {
      const out = call({ fmt, op: 'describe', stream, body: { c: 'tok' } });
      expect(out[0]!.kind).toBe('description');
      expect(parse(fmt, out[0]!)).toEqual({
        c: 'tok',
        s: 1,
        d: 'ABC',
        r: [{ f: 0, z: 131_072 }, { f: 1, z: 51_200 }],
      });
    }
  });

  it('accepts an empty request and rejects unknown streams and long tokens', () => {
    const tiny = streamWith([[0, 5]]);
    const out = call({ op: 'describe', stream: tiny, body: null, raw: new Uint8Array(0) });
    expect(parse('json', out[0]!)).toEqual({ s: 1, r: [{ f: 0, z: 5 }] });
    const missing = rejection('json', call({ op: 'describe', body: { c: 'a' } }));
    expect(missing['code']).toBe('ResourceNotFound');
    const long = rejection('json', call({ op: 'describe', stream, body: { c: 'a'.repeat(65) } }));
    expect(long).toMatchObject({ code: 'InvalidRequest' });
    expect(long).not.toHaveProperty('c');
  });
});
