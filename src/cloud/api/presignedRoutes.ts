import type { CloudCore } from '../core.js';
import type { ObjectVersion } from '../objectStore.js';
import { isPresigned } from '../presign.js';
import type { Response, Router } from './router.js';

/**
 * GetObject as a device meets it (protocol.md §5.7, §7): pre-signed URLs are checked for
 * signature and expiry on the virtual clock, and `Range: bytes=a-b` answers 206 with
 * Content-Range. Registered ahead of the plain S3 routes, so it serves unsigned GETs too.
 */

const esc = (s: string) => s.replace(/[<>&'"]/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** An S3 XML error document; `extra` adds the elements S3 puts after the message. */
export function s3Error(status: number, code: string, message: string, resource: string,
  extra: Record<string, string> = {}): Response {
  const more = Object.entries(extra).map(([k, v]) => `<${k}>${esc(v)}</${k}>`).join('');
  const raw = Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${esc(code)}</Code><Message>${esc(message)}</Message>${more}` +
    `<Resource>${esc(resource)}</Resource><RequestId>ota-sim</RequestId></Error>`);
  return { status, raw, headers: { 'Content-Type': 'application/xml' } };
}

import { parseRange } from './s3Wire.js';

export { parseRange, type ByteRange } from './s3Wire.js';

function objectHeaders(v: ObjectVersion): Record<string, string> {
  return {
    'ETag': v.etag,
    'x-amz-version-id': v.versionId,
    'Content-Type': v.contentType,
    'Last-Modified': new Date(v.lastModified).toUTCString(),
    'Accept-Ranges': 'bytes',
  };
}

export function addPresignedRoutes(r: Router, c: CloudCore): void {
  r.add('GET', '/{bucket}/{key+}', 'GetObject', (req) => {
    const bucket = req.params.bucket!;
    const key = req.params.key!;
    const resource = `/${bucket}/${key}`;
    if (isPresigned(req.query)) {
      const verdict = c.presign.check({
        host: String(req.headers.host ?? ''), bucket, key, query: req.query,
      });
      if (!verdict.ok) {
        return s3Error(verdict.status, verdict.code, verdict.message, resource, verdict.extra);
      }
    }
    const v = c.objects.get(bucket, key, req.query.get('versionId') ?? undefined);
    const size = v.data.length;
    const range = parseRange(req.headers.range, size);
    if (range === 'unsatisfiable') {
      return s3Error(416, 'InvalidRange', 'The requested range is not satisfiable', resource,
        { RangeRequested: String(req.headers.range), ActualObjectSize: String(size) });
    }
    if (!range) {
      c.metrics.bytesServed.inc({ protocol: 'HTTP' }, size);
      c.delivered.http += size;
      return { raw: v.data, headers: objectHeaders(v) };
    }
    c.metrics.bytesServed.inc({ protocol: 'HTTP' }, range.end + 1 - range.start);
    c.delivered.http += range.end + 1 - range.start;
    return {
      status: 206,
      raw: v.data.subarray(range.start, range.end + 1),
      headers: {
        ...objectHeaders(v),
        'Content-Range': `bytes ${range.start}-${range.end}/${size}`,
      },
    };
  });
}
