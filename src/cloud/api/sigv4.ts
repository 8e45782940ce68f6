import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError, type AwsErrorType } from '../../protocol/errors.js';

/**
 * AWS Signature Version 4: the signer the ota-sim CLI uses and the verifier the cloud runs when
 * started with `verifySigV4`. Both share one canonicalisation, which follows the published
 * SigV4 rules: S3 signs the path as sent, every other service signs it normalised and encoded
 * once more; the query is sorted and RFC 3986-encoded; the payload hash is the
 * x-amz-content-sha256 header when present (S3, incl. the STREAMING-* and UNSIGNED-PAYLOAD
 * markers), otherwise the SHA-256 of the body.
 */

export interface SigV4Keys {
  /** accessKeyId → secretAccessKey */
  keys: Record<string, string>;
}

export const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_SKEW_MS = 15 * 60_000;

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) =>
  createHmac('sha256', key).update(data).digest();

/** RFC 3986 encoding: everything but unreserved characters is %XX (upper case). */
export function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) =>
    `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function removeDotSegments(path: string): string {
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (!seg || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  const joined = `/${out.join('/')}`;
  return path.endsWith('/') && joined !== '/' ? `${joined}/` : joined;
}

/** The canonical URI of a raw (as-sent, percent-encoded) path. */
export function canonicalPath(rawPath: string, service: string): string {
  if (service === 's3') return rawPath || '/';
  const normal = rawPath ? removeDotSegments(rawPath) : '/';
  // Encode once more, keeping '/' and '~' (what botocore's quote(path, safe='/~') does).
  return normal.replace(/[^A-Za-z0-9\-_.~/]/g, (c) =>
    `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

export function canonicalQuery(rawQuery: string, omit?: string): string {
  if (!rawQuery) return '';
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (!part) continue;
    const i = part.indexOf('=');
    const k = decodeURIComponent((i < 0 ? part : part.slice(0, i)).replace(/\+/g, '%20'));
    const v = i < 0 ? '' : decodeURIComponent(part.slice(i + 1).replace(/\+/g, '%20'));
    if (k === omit) continue;
    pairs.push([rfc3986(k), rfc3986(v)]);
  }
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  pairs.sort((a, b) => cmp(a[0], b[0]) || cmp(a[1], b[1]));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function headerValue(headers: IncomingHttpHeaders | Record<string, string>, name: string): string {
  const v = headers[name];
  const list = Array.isArray(v) ? v : v === undefined ? [] : [String(v)];
  return list.map((x) => x.trim().replace(/\s+/g, ' ')).join(',');
}

export interface CanonicalInput {
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: IncomingHttpHeaders | Record<string, string>;
  signedHeaders: string[];
  payloadHash: string;
  service: string;
  omitQuery?: string;
}

export function canonicalRequest(c: CanonicalInput): string {
  const names = [...c.signedHeaders].map((h) => h.toLowerCase()).sort();
  return [
    c.method.toUpperCase(),
    canonicalPath(c.rawPath, c.service),
    canonicalQuery(c.rawQuery, c.omitQuery),
    names.map((h) => `${h}:${headerValue(c.headers, h)}`).join('\n') + '\n',
    names.join(';'),
    c.payloadHash,
  ].join('\n');
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
}

/** `20260101T000000Z` for a Date. */
export const amzDate = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

export interface SignInput {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: Buffer;
  region: string;
  service: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  now?: Date;
}

/** Adds host, x-amz-date (and the session token) and Authorization to `headers`. */
export function signRequest(s: SignInput): Record<string, string> {
  const date = amzDate(s.now ?? new Date());
  const headers: Record<string, string> = { ...s.headers, host: s.url.host, 'x-amz-date': date };
  if (s.sessionToken) headers['x-amz-security-token'] = s.sessionToken;
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v;
  const payloadHash = lower['x-amz-content-sha256'] ?? sha256Hex(s.body);
  const signed = Object.keys(lower).filter((h) => h === 'host' || h.startsWith('x-amz-') ||
    h === 'content-type').sort();
  const canonical = canonicalRequest({
    method: s.method, rawPath: s.url.pathname, rawQuery: s.url.search.slice(1), headers: lower,
    signedHeaders: signed, payloadHash, service: s.service,
  });
  const scope = `${date.slice(0, 8)}/${s.region}/${s.service}/aws4_request`;
  const sig = createHmac('sha256', signingKey(s.secretAccessKey, date.slice(0, 8), s.region,
    s.service)).update(stringToSign(date, scope, canonical)).digest('hex');
  headers.authorization = `${ALGORITHM} Credential=${s.accessKeyId}/${scope}, ` +
    `SignedHeaders=${signed.join(';')}, Signature=${sig}`;
  return headers;
}

export interface VerifyInput {
  method: string;
  /** The request target exactly as received (path and query, still percent-encoded). */
  rawUrl: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  keys: Record<string, string>;
  now?: number;
}

interface Parsed {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  presigned: boolean;
  expiresSec?: number;
}

/** Error types differ between S3 (XML codes) and the rest-json services. */
function fail(service: string, kind: 'missing' | 'unknownKey' | 'mismatch' | 'expired' | 'bad',
  message: string): never {
  const s3 = service === 's3';
  const type: AwsErrorType = {
    missing: s3 ? 'AccessDenied' : 'MissingAuthenticationTokenException',
    unknownKey: s3 ? 'InvalidAccessKeyId' : 'UnrecognizedClientException',
    mismatch: s3 ? 'SignatureDoesNotMatch' : 'InvalidSignatureException',
    expired: s3 ? 'AccessDenied' : 'InvalidSignatureException',
    bad: s3 ? 'AuthorizationQueryParametersError' : 'IncompleteSignatureException',
  }[kind] as AwsErrorType;
  throw new ApiError(type, message);
}

const AUTH_HEADER = new RegExp('^AWS4-HMAC-SHA256\\s+Credential=([^,\\s]+),\\s*' +
  'SignedHeaders=([^,\\s]+),\\s*Signature=([0-9a-f]+)\\s*$');

function parse(v: VerifyInput, query: URLSearchParams): Parsed | undefined {
  const auth = v.headers.authorization;
  if (auth) {
    const m = AUTH_HEADER.exec(auth);
    const cred = m?.[1]?.split('/');
    if (!m || !cred || cred.length !== 5) return undefined;
    return {
      accessKeyId: cred[0]!, date: cred[1]!, region: cred[2]!, service: cred[3]!,
      signedHeaders: m[2]!.split(';'), signature: m[3]!,
      amzDate: String(v.headers['x-amz-date'] ?? ''), presigned: false,
    };
  }
  const cred = query.get('X-Amz-Credential')?.split('/');
  if (!cred || cred.length !== 5) return undefined;
  return {
    accessKeyId: cred[0]!, date: cred[1]!, region: cred[2]!, service: cred[3]!,
    signedHeaders: (query.get('X-Amz-SignedHeaders') ?? 'host').split(';'),
    signature: query.get('X-Amz-Signature') ?? '', amzDate: query.get('X-Amz-Date') ?? '',
    presigned: true, expiresSec: Number(query.get('X-Amz-Expires') ?? '900'),
  };
}

function amzDateMs(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return NaN;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

/**
 * Verifies a request's SigV4 signature (header or pre-signed query form) against `keys`.
 * Throws the service's ApiError on any failure; returns the signing service name.
 * TODO(fix): the per-chunk signatures of STREAMING-AWS4-HMAC-SHA256-PAYLOAD uploads are not
 * checked, only the seed signature that covers the headers.
 */
export function verifySigV4(v: VerifyInput): string {
  const q = v.rawUrl.indexOf('?');
  const rawPath = q < 0 ? v.rawUrl : v.rawUrl.slice(0, q);
  const rawQuery = q < 0 ? '' : v.rawUrl.slice(q + 1);
  const query = new URLSearchParams(rawQuery);
  const hasAuth = !!v.headers.authorization || query.has('X-Amz-Signature');
  const guess = /\/s3\//.test(String(v.headers.authorization ?? query.get('X-Amz-Credential')))
    ? 's3' : 'iot';
  if (!hasAuth) fail(guess, 'missing', 'Missing Authentication Token');
  const p = parse(v, query);
  if (!p) fail(guess, 'bad', 'Authorization header or query parameters are not SigV4 ones.');
  const secret = v.keys[p.accessKeyId];
  if (secret === undefined) {
    fail(p.service, 'unknownKey', `The access key ID ${p.accessKeyId} is not a configured key.`);
  }
  const t = amzDateMs(p.amzDate);
  const now = v.now ?? Date.now();
  if (Number.isNaN(t) || p.amzDate.slice(0, 8) !== p.date) {
    fail(p.service, 'bad', `X-Amz-Date '${p.amzDate}' does not match the credential date.`);
  }
  if (p.presigned ? now > t + (p.expiresSec ?? 0) * 1000 : Math.abs(now - t) > MAX_SKEW_MS) {
    fail(p.service, 'expired', `Signature expired: ${p.amzDate} is outside the allowed window.`);
  }
  const payloadHash = p.presigned ? (p.service === 's3' ? 'UNSIGNED-PAYLOAD' : sha256Hex(v.body))
    : String(v.headers['x-amz-content-sha256'] ?? sha256Hex(v.body));
  const canonical = canonicalRequest({
    method: v.method, rawPath, rawQuery, headers: v.headers, signedHeaders: p.signedHeaders,
    payloadHash, service: p.service, omitQuery: p.presigned ? 'X-Amz-Signature' : undefined,
  });
  const scope = `${p.date}/${p.region}/${p.service}/aws4_request`;
  const want = createHmac('sha256', signingKey(secret, p.date, p.region, p.service))
    .update(stringToSign(p.amzDate, scope, canonical)).digest();
  const got = Buffer.from(p.signature, 'hex');
  if (got.length !== want.length || !timingSafeEqual(got, want)) {
    fail(p.service, 'mismatch', `The signature does not match the one computed for this ` +
      `request with the secret configured for ${p.accessKeyId}.`);
  }
  return p.service;
}
