import { describe, expect, it } from 'vitest';
import { canonicalPath, signRequest, verifySigV4 } from '../../src/cloud/api/sigv4.js';
import { ApiError } from '../../src/protocol/errors.js';

const KEYS = { AKID: 'secret' };
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

function signed(path: string, body = '{"a":1}', service = 'iot') {
  const url = new URL(`http://127.0.0.1:9999${path}`);
  const headers = signRequest({ method: 'POST', url,
    headers: { 'content-type': 'application/json' }, body: Buffer.from(body),
    region: 'us-east-1', service, accessKeyId: 'AKID',
    secretAccessKey: 'secret', now: new Date(NOW) });
  return { rawUrl: `${url.pathname}${url.search}`, headers, body: Buffer.from(body) };
}

function typeOf(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return e instanceof ApiError ? e.type : String(e);
  }
}

describe('SigV4 verification', () => {
  it('accepts what the signer produced, with encoded paths and sorted queries', () => {
    const s = signed('/otaUpdates/a%20b?z=1&a=%2F');
    expect(verifySigV4({ method: 'POST', ...s, keys: KEYS, now: NOW })).toBe('iot');
  });

  it('rejects a changed body, a wrong secret, an unknown key and a stale date', () => {
    const s = signed('/otaUpdates/x');
    expect(typeOf(() => verifySigV4({ method: 'POST', ...s, body: Buffer.from('{}'), keys: KEYS,
      now: NOW }))).toBe('InvalidSignatureException');
    expect(typeOf(() => verifySigV4({ method: 'POST', ...s, keys: { AKID: 'other' },
      now: NOW }))).toBe('InvalidSignatureException');
    expect(typeOf(() => verifySigV4({ method: 'POST', ...s, keys: {}, now: NOW })))
      .toBe('UnrecognizedClientException');
    expect(typeOf(() => verifySigV4({ method: 'POST', ...s, keys: KEYS,
      now: NOW + 16 * 60_000 }))).toBe('InvalidSignatureException');
    expect(typeOf(() => verifySigV4({ method: 'GET', rawUrl: '/otaUpdates', headers: {},
      body: Buffer.alloc(0), keys: KEYS, now: NOW }))).toBe('MissingAuthenticationTokenException');
  });

  it('uses the S3 error codes for requests signed for s3', () => {
    const s = signed('/bucket/key', 'data', 's3');
    expect(typeOf(() => verifySigV4({ method: 'POST', ...s, keys: { AKID: 'x' }, now: NOW })))
      .toBe('SignatureDoesNotMatch');
  });

  it('encodes non-S3 paths once more and leaves S3 paths as sent', () => {
    expect(canonicalPath('/things/a%3Ab/./x/../jobs', 'iot')).toBe('/things/a%253Ab/jobs');
    expect(canonicalPath('/bucket/a%20b/../c', 's3')).toBe('/bucket/a%20b/../c');
  });
});
