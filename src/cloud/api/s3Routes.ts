import type { CloudCore } from '../core.js';
import type { Router } from './router.js';

/**
 * Path-style S3 object operations (PutObject, GetObject, HeadObject with versionId) so that
 * `aws s3 cp` and `aws s3api put-object` work against the cloud.
 */
export function addS3Routes(r: Router, c: CloudCore): void {
  const headers = (v: { etag: string; versionId: string; contentType: string; lastModified: number;
    data: Buffer }) => ({
    'ETag': v.etag,
    'x-amz-version-id': v.versionId,
    'Content-Type': v.contentType,
    'Last-Modified': new Date(v.lastModified).toUTCString(),
    'Accept-Ranges': 'bytes',
  });
  r.add('PUT', '/{bucket}', 'CreateBucket', (req) => {
    c.objects.createBucket(req.params.bucket!);
    return { raw: Buffer.alloc(0), headers: { Location: `/${req.params.bucket}` } };
  });
  r.add('PUT', '/{bucket}/{key+}', 'PutObject', (req) => {
    const type = String(req.headers['content-type'] ?? 'binary/octet-stream');
    const v = c.objects.put(req.params.bucket!, req.params.key!, req.body, type);
    return { raw: Buffer.alloc(0), headers: { 'ETag': v.etag, 'x-amz-version-id': v.versionId } };
  });
  r.add('GET', '/{bucket}/{key+}', 'GetObject', (req) => {
    const v = c.objects.get(req.params.bucket!, req.params.key!, req.query.get('versionId') ?? undefined);
    return { raw: v.data, headers: headers(v) };
  });
  r.add('HEAD', '/{bucket}/{key+}', 'HeadObject', (req) => {
    const v = c.objects.get(req.params.bucket!, req.params.key!, req.query.get('versionId') ?? undefined);
    return { raw: Buffer.alloc(0), headers: { ...headers(v), 'Content-Length': String(v.data.length) } };
  });
}
