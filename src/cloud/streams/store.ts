/**
 * Stream registry behind CreateStream / DescribeStream / UpdateStream / DeleteStream /
 * ListStreams (protocol.md §1.7). Holds records only; file bytes are resolved elsewhere.
 */
import { ApiError } from '../../protocol/errors.js';

export interface S3Location {
  bucket: string;
  key: string;
  version?: string;
}

export interface StreamFile {
  fileId: number;
  s3Location: S3Location;
}

export interface StreamTag {
  Key: string;
  Value?: string;
}

export interface CreateStreamInput {
  streamId: string;
  description?: string;
  files: StreamFile[];
  roleArn: string;
  tags?: StreamTag[];
}

export interface UpdateStreamInput {
  description?: string;
  files?: StreamFile[];
  roleArn?: string;
}

/** What CreateStream and UpdateStream answer. */
export interface StreamRef {
  streamId: string;
  streamArn: string;
  description?: string;
  streamVersion: number;
}

export interface StreamInfo extends StreamRef {
  files: StreamFile[];
  roleArn: string;
  createdAt: Date;
  lastUpdatedAt: Date;
}

export interface ListStreamsInput {
  maxResults?: number;
  nextToken?: string;
  ascendingOrder?: boolean;
}

export interface ListStreamsOutput {
  streams: StreamRef[];
  nextToken?: string;
}

export interface StreamStoreOptions {
  region: string;
  accountId: string;
  /** Epoch milliseconds (the virtual clock). */
  now(): number;
  /** Account quota; CreateStream beyond it is LimitExceededException (§1.7). */
  maxStreams?: number;
  /** True while something (an active OTA update) still uses the stream → DeleteConflict. */
  inUse?(streamId: string): boolean;
}

interface StreamRecord {
  seq: number;
  streamId: string;
  description?: string;
  files: StreamFile[];
  roleArn: string;
  tags: StreamTag[];
  version: number;
  createdAt: number;
  lastUpdatedAt: number;
}

const STREAM_ID = /^[a-zA-Z0-9_-]+$/;
const MAX_VERSION = 65_535;
const DEFAULT_PAGE = 250;

export class StreamStore {
  private readonly streams = new Map<string, StreamRecord>();
  private seq = 0;

  constructor(private readonly opts: StreamStoreOptions) {}

  arn(streamId: string): string {
    return `arn:aws:iot:${this.opts.region}:${this.opts.accountId}:stream/${streamId}`;
  }

  create(input: CreateStreamInput): StreamRef {
    checkStreamId(input.streamId);
    checkDescription(input.description);
    checkFiles(input.files);
    checkRoleArn(input.roleArn);
    if (input.tags !== undefined && !Array.isArray(input.tags)) {
      throw new ApiError('InvalidRequestException', 'tags must be a list of {Key, Value}.');
    }
    if (this.streams.has(input.streamId)) {
      const id = input.streamId;
      throw new ApiError('ResourceAlreadyExistsException', `Stream ${id} already exists.`, {
        resourceId: id,
        resourceArn: this.arn(id),
      });
    }
    const max = this.opts.maxStreams;
    if (max !== undefined && this.streams.size >= max) {
      throw new ApiError('LimitExceededException', `The account already has ${max} streams.`);
    }
    const t = this.opts.now();
    const rec: StreamRecord = {
      seq: ++this.seq,
      streamId: input.streamId,
      files: copyFiles(input.files),
      roleArn: input.roleArn,
      tags: (input.tags ?? []).map((x) => ({ ...x })),
      version: 1,
      createdAt: t,
      lastUpdatedAt: t,
      ...(input.description !== undefined && { description: input.description }),
    };
    this.streams.set(rec.streamId, rec);
    return this.ref(rec);
  }

  describe(streamId: string): StreamInfo {
    const rec = this.get(streamId);
    return {
      ...this.ref(rec),
      files: copyFiles(rec.files),
      roleArn: rec.roleArn,
      createdAt: new Date(rec.createdAt),
      lastUpdatedAt: new Date(rec.lastUpdatedAt),
    };
  }

  /** Replaces the given fields and bumps `streamVersion` by one (§1.7). */
  update(streamId: string, input: UpdateStreamInput): StreamRef {
    const rec = this.get(streamId);
    checkDescription(input.description);
    if (input.files !== undefined) checkFiles(input.files);
    if (input.roleArn !== undefined) checkRoleArn(input.roleArn);
    if (rec.version >= MAX_VERSION) {
      const msg = `Stream ${streamId} reached version ${MAX_VERSION}.`;
      throw new ApiError('LimitExceededException', msg);
    }
    if (input.description !== undefined) rec.description = input.description;
    if (input.files !== undefined) rec.files = copyFiles(input.files);
    if (input.roleArn !== undefined) rec.roleArn = input.roleArn;
    rec.version += 1;
    rec.lastUpdatedAt = this.opts.now();
    return this.ref(rec);
  }

  delete(streamId: string): void {
    this.get(streamId);
    if (this.opts.inUse?.(streamId)) {
      throw new ApiError('DeleteConflictException', `Stream ${streamId} is in use.`);
    }
    this.streams.delete(streamId);
  }

  /** The current version, or undefined: a cheap check for caches on the block path. */
  version(streamId: string): number | undefined {
    return this.streams.get(streamId)?.version;
  }

  has(streamId: string): boolean {
    return this.streams.has(streamId);
  }

  /**
   * Pages by creation order (newest first unless `ascendingOrder`). The token names the last
   * record returned, so deletions between pages neither skip nor repeat records.
   */
  list(input: ListStreamsInput = {}): ListStreamsOutput {
    const size = input.maxResults ?? DEFAULT_PAGE;
    if (!Number.isInteger(size) || size < 1 || size > DEFAULT_PAGE) {
      throw new ApiError('InvalidRequestException', `maxResults must be 1-${DEFAULT_PAGE}.`);
    }
    const asc = input.ascendingOrder === true;
    let after = asc ? 0 : Infinity;
    if (input.nextToken !== undefined) after = parseToken(input.nextToken);
    const all = [...this.streams.values()]
      .filter((r) => (asc ? r.seq > after : r.seq < after))
      .sort((a, b) => (asc ? a.seq - b.seq : b.seq - a.seq));
    const page = all.slice(0, size);
    const out: ListStreamsOutput = { streams: page.map((r) => this.ref(r)) };
    const last = page[page.length - 1];
    if (all.length > size && last) out.nextToken = makeToken(last.seq);
    return out;
  }

  private get(streamId: string): StreamRecord {
    const rec = this.streams.get(streamId);
    if (!rec) throw new ApiError('ResourceNotFoundException', `Stream ${streamId} does not exist.`);
    return rec;
  }

  private ref(rec: StreamRecord): StreamRef {
    const ref: StreamRef = {
      streamId: rec.streamId,
      streamArn: this.arn(rec.streamId),
      streamVersion: rec.version,
    };
    if (rec.description !== undefined) ref.description = rec.description;
    return ref;
  }
}

function invalid(message: string): ApiError {
  return new ApiError('InvalidRequestException', message);
}

function checkStreamId(id: unknown): void {
  if (typeof id !== 'string' || id.length < 1 || id.length > 128 || !STREAM_ID.test(id)) {
    throw invalid('streamId must be 1-128 characters of [a-zA-Z0-9_-].');
  }
}

function checkDescription(d: unknown): void {
  if (d !== undefined && (typeof d !== 'string' || d.length > 2028)) {
    throw invalid('description must be a string of at most 2028 characters.');
  }
}

function checkRoleArn(arn: unknown): void {
  if (typeof arn !== 'string' || arn.length < 20 || arn.length > 2048) {
    throw invalid('roleArn must be 20-2048 characters.');
  }
}

function checkFiles(files: unknown): void {
  if (!Array.isArray(files) || files.length < 1 || files.length > 50) {
    throw invalid('files must list 1-50 files.');
  }
  const seen = new Set<number>();
  for (const f of files as StreamFile[]) {
    const id = f?.fileId;
    if (!Number.isInteger(id) || id < 0 || id > 255) {
      throw invalid('fileId must be an integer 0-255.');
    }
    if (seen.has(id)) throw invalid(`fileId ${id} appears twice.`);
    seen.add(id);
    const loc = f.s3Location;
    if (!loc || !nonEmpty(loc.bucket) || !nonEmpty(loc.key)) {
      throw invalid(`file ${id} needs s3Location with bucket and key.`);
    }
    if (loc.version !== undefined && typeof loc.version !== 'string') {
      throw invalid(`file ${id} has a non-string s3Location.version.`);
    }
  }
}

function nonEmpty(v: unknown): boolean {
  return typeof v === 'string' && v.length > 0;
}

function copyFiles(files: StreamFile[]): StreamFile[] {
  return files.map((f) => ({ fileId: f.fileId, s3Location: { ...f.s3Location } }));
}

function makeToken(seq: number): string {
  return Buffer.from(`streams:${seq}`).toString('base64url');
}

function parseToken(token: string): number {
  const m = /^streams:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!m) throw invalid('nextToken is not valid.');
  return Number(m[1]);
}
