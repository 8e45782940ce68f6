import { createHash, randomUUID } from 'node:crypto';
import { ApiError } from '../protocol/errors.js';

/**
 * An S3-style object store with versioning always on: CreateOTAUpdate writes a signed object and
 * then the raw image over the same key (§1.5 step 2), so both versions must stay readable.
 */

export interface ObjectVersion {
  bucket: string;
  key: string;
  versionId: string;
  data: Buffer;
  etag: string;
  contentType: string;
  lastModified: number;
}

export class ObjectStore {
  private readonly buckets = new Map<string, Map<string, ObjectVersion[]>>();

  constructor(private readonly now: () => number) {}

  createBucket(bucket: string): void {
    if (!this.buckets.has(bucket)) this.buckets.set(bucket, new Map());
  }

  hasBucket(bucket: string): boolean {
    return this.buckets.has(bucket);
  }

  /** Buckets are created on first write: a local simulator has no account setup step. */
  put(bucket: string, key: string, data: Buffer,
    contentType = 'binary/octet-stream'): ObjectVersion {
    this.createBucket(bucket);
    const keys = this.buckets.get(bucket)!;
    const version: ObjectVersion = {
      bucket,
      key,
      versionId: randomUUID().replace(/-/g, ''),
      data,
      etag: `"${createHash('md5').update(data).digest('hex')}"`,
      contentType,
      lastModified: this.now(),
    };
    const versions = keys.get(key) ?? [];
    versions.push(version);
    keys.set(key, versions);
    return version;
  }

  get(bucket: string, key: string, versionId?: string): ObjectVersion {
    const keys = this.buckets.get(bucket);
    if (!keys) throw new ApiError('NoSuchBucket', `The specified bucket does not exist: ${bucket}`);
    const versions = keys.get(key);
    const found = versionId
      ? versions?.find((v) => v.versionId === versionId)
      : versions?.[versions.length - 1];
    if (!found) {
      throw new ApiError('NoSuchKey', `The specified key does not exist: s3://${bucket}/${key}` +
        (versionId ? ` (version ${versionId})` : ''));
    }
    return found;
  }

  find(bucket: string, key: string, versionId?: string): ObjectVersion | undefined {
    try {
      return this.get(bucket, key, versionId);
    } catch {
      return undefined;
    }
  }

  bucketNames(): string[] {
    return [...this.buckets.keys()];
  }

  /** The newest version of every key in a bucket (what ListObjects shows). */
  latest(bucket: string): ObjectVersion[] {
    const keys = this.buckets.get(bucket);
    if (!keys) throw new ApiError('NoSuchBucket', `The specified bucket does not exist: ${bucket}`);
    return [...keys.values()].map((v) => v[v.length - 1]!);
  }

  versions(bucket: string, key: string): ObjectVersion[] {
    return this.buckets.get(bucket)?.get(key) ?? [];
  }
}
