import { describe, expect, it } from 'vitest';
import { StreamStore, type CreateStreamInput } from '../../src/cloud/streams/store.js';
import { ApiError } from '../../src/protocol/errors.js';

const ROLE = 'arn:aws:iam::123456789012:role/ota-role';

function setup(extra: { maxStreams?: number; inUse?: (id: string) => boolean } = {}) {
  let t = 1_700_000_000_000;
  const clock = { now: () => t, advance: (ms: number) => (t += ms) };
  const where = { region: 'eu-west-1', accountId: '111122223333' };
  const store = new StreamStore({ ...where, now: clock.now, ...extra });
  return { store, clock };
}

const loc = { bucket: 'b', key: 'k' };
const manyFiles = (count: number, first: number) =>
  Array.from({ length: count }, (_, k) => ({ fileId: first + k, s3Location: { ...loc } }));

const input = (streamId: string, over: Partial<CreateStreamInput> = {}): CreateStreamInput => ({
  streamId,
  files: [{ fileId: 0, s3Location: { bucket: 'b', key: 'k' } }],
  roleArn: ROLE,
  ...over,
});

function apiErr(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
}

describe('StreamStore', () => {
  it('creates at version 1 with the stream ARN and clock times', () => {
    const { store } = setup();
    expect(store.create(input('S1', { description: 'd' }))).toEqual({
      streamId: 'S1',
      streamArn: 'arn:aws:iot:eu-west-1:111122223333:stream/S1',
      description: 'd',
      streamVersion: 1,
    });
    const info = store.describe('S1');
    expect(info.createdAt.getTime()).toBe(1_700_000_000_000);
    expect(info.lastUpdatedAt.getTime()).toBe(1_700_000_000_000);
    expect(info.files).toEqual([{ fileId: 0, s3Location: { bucket: 'b', key: 'k' } }]);
    expect(info.roleArn).toBe(ROLE);
  });

  it('bumps streamVersion by one per update and replaces only given fields', () => {
    const { store, clock } = setup();
    store.create(input('S1', { description: 'old' }));
    clock.advance(5000);
    const files = [{ fileId: 2, s3Location: { bucket: 'b2', key: 'k2', version: 'v9' } }];
    expect(store.update('S1', { files }).streamVersion).toBe(2);
    expect(store.update('S1', { description: 'new' }).streamVersion).toBe(3);
    const info = store.describe('S1');
    expect(info).toMatchObject({ streamVersion: 3, description: 'new', files });
    expect(info.lastUpdatedAt.getTime() - info.createdAt.getTime()).toBe(5000);
  });

  it('returns copies so callers cannot mutate the record', () => {
    const { store } = setup();
    store.create(input('S1'));
    store.describe('S1').files[0]!.s3Location.key = 'evil';
    expect(store.describe('S1').files[0]!.s3Location.key).toBe('k');
  });

  it('validates §1.7 limits with InvalidRequestException', () => {
    const { store } = setup();
    const bad: Partial<CreateStreamInput>[] = [
      { streamId: '' },
      { streamId: 'a'.repeat(129) },
      { streamId: 'has space' },
      { description: 'x'.repeat(2029) },
      { files: [] },
      { files: manyFiles(51, 0) },
      { files: [{ fileId: 256, s3Location: { bucket: 'b', key: 'k' } }] },
      { files: [{ fileId: 0, s3Location: { bucket: '', key: 'k' } }] },
      { files: [0, 0].map((fileId) => ({ fileId, s3Location: { bucket: 'b', key: 'k' } })) },
      { roleArn: 'arn:short' },
      { roleArn: 'a'.repeat(2049) },
    ];
    for (const over of bad) {
      const e = apiErr(() => store.create(input('S1', over)));
      expect(e.type).toBe('InvalidRequestException');
    }
    const longest = input('a'.repeat(128), { description: 'x'.repeat(2028) });
    expect(store.create(longest).streamVersion).toBe(1);
    expect(store.create(input('S_-9', { files: manyFiles(50, 206) })).streamId).toBe('S_-9');
  });

  it('raises ResourceAlreadyExists, ResourceNotFound, LimitExceeded and DeleteConflict', () => {
    const { store } = setup({ maxStreams: 2, inUse: (id) => id === 'busy' });
    store.create(input('busy'));
    expect(apiErr(() => store.create(input('busy'))).type).toBe('ResourceAlreadyExistsException');
    store.create(input('S2'));
    expect(apiErr(() => store.create(input('S3'))).type).toBe('LimitExceededException');
    expect(apiErr(() => store.describe('nope')).type).toBe('ResourceNotFoundException');
    expect(apiErr(() => store.update('nope', {})).type).toBe('ResourceNotFoundException');
    expect(apiErr(() => store.delete('busy')).type).toBe('DeleteConflictException');
    store.delete('S2');
    expect(store.has('S2')).toBe(false);
    expect(apiErr(() => store.delete('S2')).type).toBe('ResourceNotFoundException');
  });

  it('lists newest first by default, pages with nextToken, and honours ascendingOrder', () => {
    const { store } = setup();
    for (const id of ['A', 'B', 'C', 'D', 'E']) store.create(input(id));
    const p1 = store.list({ maxResults: 2 });
    expect(p1.streams.map((s) => s.streamId)).toEqual(['E', 'D']);
    store.delete('C');
    const p2 = store.list({ maxResults: 2, nextToken: p1.nextToken! });
    expect(p2.streams.map((s) => s.streamId)).toEqual(['B', 'A']);
    expect(p2.nextToken).toBeUndefined();
    const asc = store.list({ ascendingOrder: true }).streams.map((s) => s.streamId);
    expect(asc).toEqual(['A', 'B', 'D', 'E']);
    expect(apiErr(() => store.list({ nextToken: 'garbage' })).type).toBe('InvalidRequestException');
    expect(apiErr(() => store.list({ maxResults: 0 })).type).toBe('InvalidRequestException');
  });
});
