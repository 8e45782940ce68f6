import { createHash, randomUUID } from 'node:crypto';
import { ApiError } from '../../protocol/errors.js';
import type { ObjectStore, ObjectVersion } from '../objectStore.js';
import type { Request } from './router.js';

/**
 * The S3 wire details `aws s3 cp` and the SDKs rely on beyond plain PUT/GET: aws-chunked
 * bodies, byte ranges, multipart uploads and the ListObjectsV2/ListBuckets XML.
 */

const esc = (s: string) => s.replace(/[<>&'"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
export const xml = (body: string) =>
  Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

/**
 * Decodes `Content-Encoding: aws-chunked` (signed chunks or STREAMING-UNSIGNED-PAYLOAD-TRAILER):
 * `<hex size>[;chunk-signature=…]\r\n<bytes>\r\n` … `0\r\n<trailers>\r\n\r\n`.
 */
export function decodeAwsChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', pos);
    if (eol < 0) throw new ApiError('InvalidRequestException', 'aws-chunked body ends early');
    const size = parseInt(body.subarray(pos, eol).toString('latin1').split(';')[0]!, 16);
    if (!Number.isInteger(size) || size < 0) {
      throw new ApiError('InvalidRequestException', 'aws-chunked body has a bad chunk size');
    }
    if (size === 0) return Buffer.concat(parts);
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    pos = eol + 2 + size + 2;
  }
}

export function requestBody(req: Request): Buffer {
  const enc = String(req.headers['content-encoding'] ?? '');
  const sha = String(req.headers['x-amz-content-sha256'] ?? '');
  return enc.split(',').map((s) => s.trim()).includes('aws-chunked') || sha.startsWith('STREAMING-')
    ? decodeAwsChunked(req.body) : req.body;
}

/** Applies a `Range: bytes=a-b` header; returns the slice and the Content-Range, if any. */
export type ByteRange = { start: number; end: number } | 'unsatisfiable' | undefined;

/**
 * One `bytes=` range (inclusive end) against an object of `size` bytes. Anything S3 would
 * ignore (other units, several ranges, garbage) reads as "no range": the whole object.
 */
export function parseRange(header: string | undefined, size: number): ByteRange {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return undefined;
  }
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

/** A GET or HEAD answer for the Range header: the same reading as pre-signed downloads. */
export function applyRange(data: Buffer, range: string | undefined):
  { data: Buffer; status: number; contentRange?: string } {
  const r = parseRange(range, data.length);
  if (r === undefined) return { data, status: 200 };
  if (r === 'unsatisfiable') {
    throw new ApiError('InvalidRange', 'The requested range is not satisfiable',
      { actualObjectSize: data.length });
  }
  return { data: data.subarray(r.start, r.end + 1), status: 206,
    contentRange: `bytes ${r.start}-${r.end}/${data.length}` };
}

interface Upload {
  bucket: string;
  key: string;
  contentType: string;
  parts: Map<number, Buffer>;
}

const uploads = new WeakMap<ObjectStore, Map<string, Upload>>();

function uploadsOf(store: ObjectStore): Map<string, Upload> {
  let m = uploads.get(store);
  if (!m) {
    m = new Map();
    uploads.set(store, m);
  }
  return m;
}

export function createUpload(store: ObjectStore, bucket: string, key: string,
  contentType: string): Buffer {
  const id = randomUUID().replace(/-/g, '');
  uploadsOf(store).set(id, { bucket, key, contentType, parts: new Map() });
  return xml(`<InitiateMultipartUploadResult ${NS}><Bucket>${esc(bucket)}</Bucket>` +
    `<Key>${esc(key)}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`);
}

function upload(store: ObjectStore, id: string): Upload {
  const u = uploadsOf(store).get(id);
  if (!u) throw new ApiError('NoSuchUpload', `The upload ${id} does not exist`);
  return u;
}

export function putPart(store: ObjectStore, id: string, partNumber: number, data: Buffer): string {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
    throw new ApiError('InvalidRequestException', `partNumber ${partNumber} must be 1-10000`);
  }
  upload(store, id).parts.set(partNumber, data);
  return etagOf(data);
}

const etagOf = (data: Buffer) => `"${createHash('md5').update(data).digest('hex')}"`;

export function completeUpload(store: ObjectStore, id: string, body: Buffer): ObjectVersion {
  const u = upload(store, id);
  const listed = [...body.toString('utf8').matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)]
    .map((m) => Number(m[1]));
  const numbers = listed.length ? listed : [...u.parts.keys()].sort((a, b) => a - b);
  const chunks = numbers.map((n) => {
    const p = u.parts.get(n);
    if (!p) throw new ApiError('InvalidPart', `Part ${n} of upload ${id} was not uploaded`);
    return p;
  });
  uploadsOf(store).delete(id);
  return store.put(u.bucket, u.key, Buffer.concat(chunks), u.contentType);
}

export function completeXml(v: ObjectVersion): Buffer {
  return xml(`<CompleteMultipartUploadResult ${NS}><Location>/${esc(v.bucket)}/${esc(v.key)}` +
    `</Location><Bucket>${esc(v.bucket)}</Bucket><Key>${esc(v.key)}</Key>` +
    `<ETag>${esc(v.etag)}</ETag></CompleteMultipartUploadResult>`);
}

export function abortUpload(store: ObjectStore, id: string): void {
  upload(store, id);
  uploadsOf(store).delete(id);
}

export function listObjectsXml(bucket: string, objects: ObjectVersion[], q: URLSearchParams):
  Buffer {
  const prefix = q.get('prefix') ?? '';
  const v2 = q.get('list-type') === '2';
  const max = Math.min(Number(q.get('max-keys') ?? '1000') || 1000, 1000);
  const after = (v2 ? q.get('continuation-token') ?? q.get('start-after') : q.get('marker')) ?? '';
  const matching = objects.filter((o) => o.key.startsWith(prefix) && o.key > after)
    .sort((a, b) => (a.key < b.key ? -1 : 1));
  const page = matching.slice(0, max);
  const truncated = matching.length > page.length;
  const items = page.map((o) => `<Contents><Key>${esc(o.key)}</Key><LastModified>` +
    `${new Date(o.lastModified).toISOString()}</LastModified><ETag>${esc(o.etag)}</ETag>` +
    `<Size>${o.data.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`).join('');
  const last = page[page.length - 1]?.key ?? '';
  const paging = v2
    ? `<KeyCount>${page.length}</KeyCount>` +
      (truncated ? `<NextContinuationToken>${esc(last)}</NextContinuationToken>` : '')
    : (truncated ? `<NextMarker>${esc(last)}</NextMarker>` : '');
  return xml(`<ListBucketResult ${NS}><Name>${esc(bucket)}</Name><Prefix>${esc(prefix)}</Prefix>` +
    `<MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${paging}${items}` +
    '</ListBucketResult>');
}

export function listBucketsXml(buckets: string[]): Buffer {
  const items = buckets.map((b) => `<Bucket><Name>${esc(b)}</Name>` +
    '<CreationDate>2026-01-01T00:00:00.000Z</CreationDate></Bucket>').join('');
  return xml(`<ListAllMyBucketsResult ${NS}><Owner><ID>ota-sim</ID></Owner><Buckets>${items}` +
    '</Buckets></ListAllMyBucketsResult>');
}
