import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { ManualClock } from '../../src/clock.js';
import type { Cloud } from '../../src/cloud/cloud.js';
import type { CloudClient } from '../../src/client/cloudClient.js';
import {
  checkPresigned, presignGetUrl, Presigner, uriEncode,
} from '../../src/cloud/presign.js';
import { parseRange } from '../../src/cloud/api/presignedRoutes.js';
import { presignPlaceholder } from '../../src/cloud/otaUpdates.js';
import { cloudForTest } from '../helpers.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

function parts(url: string) {
  const u = new URL(url);
  const [, bucket, ...key] = u.pathname.split('/');
  return { host: u.host, bucket: bucket!, key: decodeURIComponent(key.join('/')),
    query: u.searchParams };
}

describe('SigV4 query signing', () => {
  const url = presignGetUrl({ endpoint: 'http://127.0.0.1:9000', bucket: 'fw-bucket',
    key: 'signed/image v1.bin', versionId: 'abc123', region: 'us-east-1', nowMs: T0,
    expiresInSec: 1800 });

  it('writes the query parameters real S3 URLs carry', () => {
    const q = new URL(url).searchParams;
    expect([...q.keys()]).toEqual(['versionId', 'X-Amz-Security-Token', 'X-Amz-Algorithm',
      'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires', 'X-Amz-Credential',
      'X-Amz-Signature']);
    expect(q.get('X-Amz-Date')).toBe('20260101T120000Z');
    expect(q.get('X-Amz-Expires')).toBe('1800');
    expect(q.get('X-Amz-Credential'))
      .toBe('ASIAOTASIMLOCAL00001/20260101/us-east-1/s3/aws4_request');
    expect(q.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(new URL(url).pathname).toBe('/fw-bucket/signed/image%20v1.bin');
  });

  it('keeps +, / and = of the session token percent-encoded (C28)', () => {
    expect(url).toContain('X-Amz-Security-Token=' +
      'IQoJb3Rhc2ltEA%2B%2Fsim%2F%2Ftoken%2Bwith%2Fodd%3Dchars%3D%3D');
    expect(uriEncode('a+b/c=d ~', true)).toBe('a%2Bb/c%3Dd%20~');
  });

  it('accepts the URL until the last millisecond of its validity', () => {
    expect(checkPresigned({ ...parts(url), nowMs: T0 })).toEqual({ ok: true });
    expect(checkPresigned({ ...parts(url), nowMs: T0 + 1_800_000 })).toEqual({ ok: true });
  });

  it('refuses it one millisecond later as AccessDenied "Request has expired"', () => {
    const r = checkPresigned({ ...parts(url), nowMs: T0 + 1_800_001 });
    expect(r).toEqual({ ok: false, status: 403, code: 'AccessDenied',
      message: 'Request has expired', extra: { 'X-Amz-Expires': '1800',
        Expires: '2026-01-01T12:30:00Z', ServerTime: '2026-01-01T12:30:00Z' } });
  });

  it('refuses a tampered URL as SignatureDoesNotMatch, even after expiry', () => {
    for (const [k, v] of [['X-Amz-Expires', '3600'], ['versionId', 'other'],
      ['X-Amz-Signature', '0'.repeat(64)]] as const) {
      const p = parts(url);
      p.query.set(k, v);
      for (const nowMs of [T0, T0 + 7_200_000]) {
        const r = checkPresigned({ ...p, nowMs });
        expect(r.ok ? 'ok' : r.code, `${k} at ${nowMs}`).toBe('SignatureDoesNotMatch');
      }
    }
    const other = parts(url);
    expect(checkPresigned({ ...other, key: 'signed/other.bin', nowMs: T0 }))
      .toMatchObject({ ok: false, status: 403, code: 'SignatureDoesNotMatch' });
    expect(checkPresigned({ ...other, host: '127.0.0.1:9001', nowMs: T0 }))
      .toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
  });

  it('refuses a URL whose token was URL-decoded by the client (C28)', () => {
    const decoded = decodeURIComponent(url);
    const r = checkPresigned({ ...parts(decoded), nowMs: T0 });
    expect(r).toMatchObject({ ok: false, status: 403, code: 'SignatureDoesNotMatch' });
  });

  it('reports malformed authentication parameters as 400', () => {
    const p = parts(url);
    p.query.set('X-Amz-Expires', '604801');
    expect(checkPresigned({ ...p, nowMs: T0 })).toMatchObject({ ok: false, status: 400,
      code: 'AuthorizationQueryParametersError' });
  });
});

describe('Range header reading', () => {
  it.each([
    ['bytes=0-4095', 10_000, { start: 0, end: 4095 }],
    ['bytes=8192-12287', 10_000, { start: 8192, end: 9999 }],
    ['bytes=9000-', 10_000, { start: 9000, end: 9999 }],
    ['bytes=-100', 10_000, { start: 9900, end: 9999 }],
    ['bytes=10000-10001', 10_000, 'unsatisfiable'],
    ['bytes=5-2', 10_000, undefined],
    ['bytes=0-1,5-6', 10_000, undefined],
    ['items=0-1', 10_000, undefined],
    [undefined, 10_000, undefined],
  ] as const)('%s of %i bytes', (header, size, want) => {
    expect(parseRange(header, size)).toEqual(want);
  });
});

describe('job documents render a fresh URL per delivery (§1.9)', () => {
  const clock = new ManualClock(T0);
  const presigner = new Presigner({ clock, region: 'us-east-1' });
  presigner.endpoint = 'http://127.0.0.1:4567';
  const doc = (url: string) => JSON.stringify({ afr_ota: { protocols: ['HTTP'], files: [{
    filepath: null, filesize: 5, fileid: 0, certfile: null, update_data_url: url,
    auth_scheme: 'aws.s3.presigned' }] } });
  const urlOf = (d: unknown) =>
    (d as { afr_ota: { files: Array<{ update_data_url: string }> } }).afr_ota.files[0]!
      .update_data_url;

  it('substitutes a v1 placeholder with a URL signed now, valid for expiresInSec', () => {
    const job = { jobId: 'j1', document: doc(presignPlaceholder('fw-bucket', 'signed/a.bin')),
      presignedUrlConfig: { expiresInSec: 1800 } };
    const first = urlOf(presigner.render(job));
    clock.advance(61_000);
    const second = urlOf(presigner.render(job));
    expect(first).not.toBe(second);
    expect(first).not.toContain('${aws:iot');
    expect(new URL(first).searchParams.get('X-Amz-Date')).toBe('20260101T120000Z');
    expect(new URL(second).searchParams.get('X-Amz-Date')).toBe('20260101T120101Z');
    expect(new URL(second).searchParams.get('X-Amz-Expires')).toBe('1800');
    expect(new URL(first).origin + new URL(first).pathname)
      .toBe('http://127.0.0.1:4567/fw-bucket/signed/a.bin');
  });

  it('carries the versionId of a v2 placeholder into the signed URL', () => {
    const job = { jobId: 'j2', document: doc(presignPlaceholder('fw-bucket', 'signed/b c.bin',
      'v42')) };
    const url = new URL(urlOf(presigner.render(job)));
    expect(url.pathname).toBe('/fw-bucket/signed/b%20c.bin');
    expect(url.searchParams.get('versionId')).toBe('v42');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('3600');
  });

  it('shares one parsed document when there is no placeholder', () => {
    const job = { jobId: 'j3', document: '{"operation":"reboot"}' };
    expect(presigner.render(job)).toBe(presigner.render(job));
  });
});

describe('the object server answers pre-signed GETs like S3', () => {
  const clock = new ManualClock(T0);
  let cloud: Cloud;
  let client: CloudClient;
  const data = Buffer.alloc(10_000, 0).map((_, i) => i % 251);
  let url: string;

  beforeAll(async () => {
    ({ cloud, client } = await cloudForTest({ clock }));
    await client.putObject('fw-bucket', 'objects/data.bin', Buffer.from(data));
    url = cloud.core.presign.url({ bucket: 'fw-bucket', key: 'objects/data.bin' }, 1800);
  });
  afterAll(() => cloud.stop());

  const get = async (u: string, range?: string) => {
    const res = await request(u, { headers: range ? { range } : {} });
    return { status: res.statusCode, headers: res.headers,
      body: Buffer.from(await res.body.arrayBuffer()) };
  };

  it('206 with Content-Range and the exact bytes for a range', async () => {
    const r = await get(url, 'bytes=8192-9999');
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe('bytes 8192-9999/10000');
    expect(r.headers['content-length']).toBe('1808');
    expect(r.headers['accept-ranges']).toBe('bytes');
    expect(r.body.equals(Buffer.from(data.subarray(8192)))).toBe(true);
  });

  it('200 with the whole object without a range', async () => {
    const r = await get(url);
    expect(r.status).toBe(200);
    expect(r.body.equals(Buffer.from(data))).toBe(true);
  });

  it('416 InvalidRange past the end', async () => {
    const r = await get(url, 'bytes=10000-10100');
    expect(r.status).toBe(416);
    expect(r.body.toString()).toContain('<Code>InvalidRange</Code>');
  });

  it('403 with the S3 error body once expired on the virtual clock', async () => {
    clock.advance(1_800_001);
    try {
      const r = await get(url, 'bytes=0-9');
      expect(r.status).toBe(403);
      expect(r.headers['content-type']).toBe('application/xml');
      expect(r.body.toString()).toBe('<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<Error><Code>AccessDenied</Code><Message>Request has expired</Message>' +
        '<X-Amz-Expires>1800</X-Amz-Expires><Expires>2026-01-01T12:30:00Z</Expires>' +
        '<ServerTime>2026-01-01T12:30:00Z</ServerTime>' +
        '<Resource>/fw-bucket/objects/data.bin</Resource><RequestId>ota-sim</RequestId></Error>');
    } finally {
      url = cloud.core.presign.url({ bucket: 'fw-bucket', key: 'objects/data.bin' }, 1800);
    }
  });

  it('403 SignatureDoesNotMatch for a tampered URL', async () => {
    const r = await get(url.replace('X-Amz-Expires=1800', 'X-Amz-Expires=3600'), 'bytes=0-9');
    expect(r.status).toBe(403);
    expect(r.body.toString()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('C28: the URL used verbatim works, the URL-decoded one is refused', async () => {
    expect((await get(url, 'bytes=0-9')).status).toBe(206);
    const r = await get(decodeURIComponent(url), 'bytes=0-9');
    expect(r.status).toBe(403);
    expect(r.body.toString()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('404 NoSuchKey for a signed URL to a missing object', async () => {
    const u = cloud.core.presign.url({ bucket: 'fw-bucket', key: 'objects/none.bin' }, 1800);
    const r = await get(u, 'bytes=0-9');
    expect(r.status).toBe(404);
    expect(r.body.toString()).toContain('<Code>NoSuchKey</Code>');
  });
});
