import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import { DEFAULTS } from '../protocol/defaults.js';

/**
 * S3-style pre-signed GET URLs (SigV4 query authentication, protocol.md §1.9, §7) for the
 * cloud's own object server. The job document stores a `${aws:iot:s3-presigned-url…}`
 * placeholder; every delivery of the document replaces it with a URL minted at that moment on
 * the virtual clock, valid for the job's `presignedUrlConfig.expiresInSec`.
 */

export interface PresignCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Sent as X-Amz-Security-Token; contains `+`, `/` and `=` on purpose (case C28). */
  sessionToken: string;
}

/** Test-only credentials of the local cloud: nothing outside loopback ever sees them. */
export const LOCAL_PRESIGN_CREDENTIALS: PresignCredentials = {
  accessKeyId: 'ASIAOTASIMLOCAL00001',
  secretAccessKey: 'ota-sim-local-presign-secret/not+a+real+key',
  sessionToken: 'IQoJb3Rhc2ltEA+/sim//token+with/odd=chars==',
};

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** SigV4 query auth allows at most seven days. */
const MAX_EXPIRES_SEC = 604_800;

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters, upper-case hex. */
export function uriEncode(s: string, keepSlash = false): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(ch) || (keepSlash && ch === '/')) out += ch;
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function parseAmzDate(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se] = m.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, se!);
}

const hmac = (key: Buffer | string, data: string) =>
  createHmac('sha256', key).update(data).digest();
const sha256Hex = (data: string) => createHash('sha256').update(data).digest('hex');

function canonicalQuery(params: Array<[string, string]>): string {
  return params
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function signature(secret: string, dateStamp: string, region: string, date: string,
  canonicalRequest: string): string {
  const scope = `${dateStamp}/${region}/s3/aws4_request`;
  const toSign = [ALGORITHM, date, scope, sha256Hex(canonicalRequest)].join('\n');
  let key = hmac('AWS4' + secret, dateStamp);
  key = hmac(key, region);
  key = hmac(key, 's3');
  key = hmac(key, 'aws4_request');
  return hmac(key, toSign).toString('hex');
}

function canonicalRequest(host: string, path: string, query: Array<[string, string]>): string {
  return ['GET', path, canonicalQuery(query), `host:${host}`, '', 'host', 'UNSIGNED-PAYLOAD']
    .join('\n');
}

/** The path of a path-style object URL, SigV4-encoded (S3 keeps `/` in keys). */
export function objectPath(bucket: string, key: string): string {
  return `/${uriEncode(bucket)}/${uriEncode(key, true)}`;
}

export interface PresignInput {
  /** `http://host:port` of the object server. */
  endpoint: string;
  bucket: string;
  key: string;
  versionId?: string;
  region: string;
  nowMs: number;
  expiresInSec: number;
  credentials?: PresignCredentials;
}

/** A path-style pre-signed GET URL, query parameters in the order real S3 URLs show them. */
export function presignGetUrl(input: PresignInput): string {
  const creds = input.credentials ?? LOCAL_PRESIGN_CREDENTIALS;
  const url = new URL(input.endpoint);
  const date = amzDate(input.nowMs);
  const dateStamp = date.slice(0, 8);
  const query: Array<[string, string]> = [];
  if (input.versionId) query.push(['versionId', input.versionId]);
  query.push(
    ['X-Amz-Security-Token', creds.sessionToken],
    ['X-Amz-Algorithm', ALGORITHM],
    ['X-Amz-Date', date],
    ['X-Amz-SignedHeaders', 'host'],
    ['X-Amz-Expires', String(input.expiresInSec)],
    ['X-Amz-Credential', `${creds.accessKeyId}/${dateStamp}/${input.region}/s3/aws4_request`],
  );
  const path = objectPath(input.bucket, input.key);
  const sig = signature(creds.secretAccessKey, dateStamp, input.region, date,
    canonicalRequest(url.host, path, query));
  const qs = query.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join('&');
  return `${url.protocol}//${url.host}${path}?${qs}&X-Amz-Signature=${sig}`;
}

export type PresignCheck =
  | { ok: true }
  | { ok: false; status: 400 | 403; code: string; message: string; extra?: Record<string, string> };

export interface PresignedRequest {
  host: string;
  bucket: string;
  key: string;
  /** The query as the server decoded it (a `+` has become a space, as S3 reads it). */
  query: URLSearchParams;
  nowMs: number;
  credentials?: PresignCredentials;
}

/** True when the request carries SigV4 query authentication at all. */
export function isPresigned(query: URLSearchParams): boolean {
  return query.has('X-Amz-Signature') || query.has('X-Amz-Algorithm');
}

/**
 * Checks a pre-signed GET the way S3 does: well-formed parameters, known key, signature over
 * the request as received, then expiry. The order matters: a tampered URL is
 * SignatureDoesNotMatch even when it has also expired.
 */
export function checkPresigned(req: PresignedRequest): PresignCheck {
  const creds = req.credentials ?? LOCAL_PRESIGN_CREDENTIALS;
  const q = req.query;
  const get = (k: string) => q.get(k) ?? '';
  const bad = (message: string): PresignCheck =>
    ({ ok: false, status: 400, code: 'AuthorizationQueryParametersError', message });
  if (get('X-Amz-Algorithm') !== ALGORITHM) return bad(`X-Amz-Algorithm must be ${ALGORITHM}.`);
  const cred = get('X-Amz-Credential').split('/');
  if (cred.length !== 5 || cred[3] !== 's3' || cred[4] !== 'aws4_request') {
    return bad('X-Amz-Credential must be <key>/<date>/<region>/s3/aws4_request.');
  }
  const signedAt = parseAmzDate(get('X-Amz-Date'));
  if (signedAt === undefined) return bad('X-Amz-Date must look like 20260101T000000Z.');
  const expires = Number(get('X-Amz-Expires'));
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_EXPIRES_SEC) {
    return bad(`X-Amz-Expires must be an integer between 1 and ${MAX_EXPIRES_SEC}.`);
  }
  if (get('X-Amz-SignedHeaders') !== 'host') return bad('X-Amz-SignedHeaders must be host.');
  if (cred[0] !== creds.accessKeyId) {
    return { ok: false, status: 403, code: 'InvalidAccessKeyId',
      message: 'The access key in X-Amz-Credential is not known to this server.' };
  }
  const params: Array<[string, string]> = [];
  for (const [k, v] of q) if (k !== 'X-Amz-Signature') params.push([k, v]);
  const expected = signature(creds.secretAccessKey, cred[1]!, cred[2]!, get('X-Amz-Date'),
    canonicalRequest(req.host, objectPath(req.bucket, req.key), params));
  const given = Buffer.from(get('X-Amz-Signature'));
  if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected))) {
    return { ok: false, status: 403, code: 'SignatureDoesNotMatch',
      message: 'The signature in the URL does not match the one computed from this request.' };
  }
  const expiresAt = signedAt + expires * 1000;
  if (req.nowMs > expiresAt) {
    return { ok: false, status: 403, code: 'AccessDenied', message: 'Request has expired',
      extra: {
        'X-Amz-Expires': String(expires),
        Expires: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        ServerTime: new Date(req.nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      } };
  }
  return { ok: true };
}

// ---- job document rendering ---------------------------------------------------------------

/** `${aws:iot:s3-presigned-url:…}` (v1, plain key) or `…-v2:…` (encoded key + versionId). */
const PLACEHOLDER = /\$\{aws:iot:s3-presigned-url(-v2)?:([^}]*)\}/g;

interface Target {
  bucket: string;
  key: string;
  versionId?: string;
}

/** Bucket, key and version named by a placeholder's URL (path-style or virtual-hosted). */
export function placeholderTarget(url: string, v2: boolean): Target | undefined {
  let u: URL;
  try {
    u = new URL(v2 ? decodeURIComponent(url) : url);
  } catch {
    return undefined;
  }
  const path = u.pathname.replace(/^\//, '');
  const hosted = /^(.+)\.s3[.-]/.exec(u.hostname);
  const [bucket, rawKey] = hosted ? [hosted[1]!, path] : [path.split('/')[0]!, path.split('/')
    .slice(1).join('/')];
  if (!bucket || !rawKey) return undefined;
  const versionId = u.searchParams.get('versionId') ?? undefined;
  return { bucket, key: decodeURIComponent(rawKey), versionId };
}

interface JobLike {
  jobId: string;
  document: string;
  presignedUrlConfig?: { expiresInSec?: number };
}

interface Compiled {
  text: string;
  /** Document text split around placeholders: parts.length === targets.length + 1. */
  parts: string[];
  targets: Array<Target | undefined>;
  placeholders: string[];
  parsed?: unknown;
}

/**
 * The JobsEngine `renderDocument` hook: documents without placeholders are parsed once and
 * shared; the others are re-rendered with fresh URLs on every call.
 */
export class Presigner {
  /** Set once the object server listens; URLs point at it. */
  endpoint = `http://${DEFAULTS.host}`;
  /** Per job, the document split around its placeholders; dropped when the job is deleted. */
  private readonly compiled = new Map<string, Compiled>();

  constructor(private readonly opts: { clock: Clock; region: string;
    credentials?: PresignCredentials }) {}

  get credentials(): PresignCredentials {
    return this.opts.credentials ?? LOCAL_PRESIGN_CREDENTIALS;
  }

  url(target: Target, expiresInSec: number): string {
    return presignGetUrl({ endpoint: this.endpoint, ...target, region: this.opts.region,
      nowMs: this.opts.clock.now(), expiresInSec, credentials: this.credentials });
  }

  check(req: Omit<PresignedRequest, 'nowMs' | 'credentials'>): PresignCheck {
    return checkPresigned({ ...req, nowMs: this.opts.clock.now(), credentials: this.credentials });
  }

  forget(jobId: string): void {
    this.compiled.delete(jobId);
  }

  render(job: JobLike): unknown {
    let c = this.compiled.get(job.jobId);
    if (!c || c.text !== job.document) {
      c = compile(job.document);
      this.compiled.set(job.jobId, c);
    }
    if (c.targets.length === 0) {
      c.parsed ??= JSON.parse(c.text);
      return c.parsed;
    }
    const expires = job.presignedUrlConfig?.expiresInSec ?? DEFAULTS.jobPresignedExpiresInSec;
    let out = c.parts[0]!;
    for (let i = 0; i < c.targets.length; i++) {
      const t = c.targets[i];
      // An unusable placeholder stays as it is, like a substitution that found nothing.
      out += (t ? this.url(t, expires) : c.placeholders[i]) + c.parts[i + 1]!;
    }
    return JSON.parse(out);
  }
}

function compile(text: string): Compiled {
  const parts: string[] = [];
  const targets: Array<Target | undefined> = [];
  const placeholders: string[] = [];
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    parts.push(text.slice(last, m.index));
    placeholders.push(m[0]);
    targets.push(placeholderTarget(m[2]!, m[1] === '-v2'));
    last = m.index! + m[0].length;
  }
  parts.push(text.slice(last));
  return { text, parts, targets, placeholders };
}
