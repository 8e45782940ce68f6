import type { CloudCore } from '../core.js';
import type { ObjectVersion } from '../objectStore.js';
import type { Request, Response, Router } from './router.js';
import {
  abortUpload, applyRange, completeUpload, completeXml, createUpload, listBucketsXml,
  listObjectsXml, putPart, requestBody,
} from './s3Wire.js';

/**
 * Path-style S3 (PutObject, GetObject and HeadObject with versionId and Range, multipart
 * uploads, ListObjects(V2), ListBuckets, HeadBucket) so that `aws s3 cp`, `aws s3 ls` and
 * `aws s3api put-object` work against the cloud. botocore uses path style for an IP endpoint.
 */
export function addS3Routes(r: Router, c: CloudCore): void {
  const headers = (v: ObjectVersion) => ({
    'ETag': v.etag,
    'x-amz-version-id': v.versionId,
    'Content-Type': v.contentType,
    'Last-Modified': new Date(v.lastModified).toUTCString(),
    'Accept-Ranges': 'bytes',
  });
  const empty = Buffer.alloc(0);
  const xmlType = { 'Content-Type': 'application/xml' };
  r.add('GET', '/', 'ListBuckets', () =>
    ({ raw: listBucketsXml(c.objects.bucketNames()), headers: xmlType }));
  r.add('PUT', '/{bucket}', 'CreateBucket', (req) => {
    c.objects.createBucket(req.params.bucket!);
    return { raw: empty, headers: { Location: `/${req.params.bucket}` } };
  });
  r.add('HEAD', '/{bucket}', 'HeadBucket', (req) => {
    c.objects.latest(req.params.bucket!);
    return { raw: empty };
  });
  r.add('GET', '/{bucket}', 'ListObjects', (req) => {
    const b = req.params.bucket!;
    return { raw: listObjectsXml(b, c.objects.latest(b), req.query), headers: xmlType };
  });
  r.add('POST', '/{bucket}/{key+}', 'MultipartUpload', (req) => {
    const { bucket, key } = req.params as { bucket: string; key: string };
    const id = req.query.get('uploadId');
    if (id === null) {
      const type = String(req.headers['content-type'] ?? 'binary/octet-stream');
      return { raw: createUpload(c.objects, bucket, key, type), headers: xmlType };
    }
    const v = completeUpload(c.objects, id, req.body);
    return { raw: completeXml(v), headers: { ...xmlType, 'x-amz-version-id': v.versionId } };
  });
  r.add('PUT', '/{bucket}/{key+}', 'PutObject', (req): Response => {
    const id = req.query.get('uploadId');
    if (id !== null) {
      const etag = putPart(c.objects, id, Number(req.query.get('partNumber')), requestBody(req));
      return { raw: empty, headers: { ETag: etag } };
    }
    const type = String(req.headers['content-type'] ?? 'binary/octet-stream');
    const v = c.objects.put(req.params.bucket!, req.params.key!, requestBody(req), type);
    return { raw: empty, headers: { 'ETag': v.etag, 'x-amz-version-id': v.versionId } };
  });
  r.add('DELETE', '/{bucket}/{key+}', 'AbortMultipartUpload', (req) => {
    abortUpload(c.objects, req.query.get('uploadId') ?? '');
    return { status: 204, raw: empty };
  });
  const read = (req: Request, head: boolean): Response => {
    const v = c.objects.get(req.params.bucket!, req.params.key!,
      req.query.get('versionId') ?? undefined);
    const range = applyRange(v.data, req.headers.range);
    const h: Record<string, string> = { ...headers(v),
      'Content-Length': String(range.data.length) };
    if (range.contentRange) h['Content-Range'] = range.contentRange;
    return { status: range.status, raw: head ? empty : range.data, headers: h };
  };
  r.add('GET', '/{bucket}/{key+}', 'GetObject', (req) => read(req, false));
  r.add('HEAD', '/{bucket}/{key+}', 'HeadObject', (req) => read(req, true));
}
