import fs from 'node:fs';
import { Agent, request } from 'undici';
import { shapeOf, type ServiceModel, type Shape } from '../../protocol/awsModel/index.js';
import { rfc3986, signRequest } from '../../cloud/api/sigv4.js';
import { WARNING_HEADER } from '../../cloud/api/targetWarning.js';
import type { Credentials } from './config.js';
import type { VerbSpec } from './verbs.js';

/**
 * rest-json over HTTP for one operation: members go to the URI, the query string or the JSON
 * body as the model's locations say; the request is SigV4-signed when credentials exist.
 */

/** The service answered with an error (the AWS CLI exits 254). */
export class ServiceError extends Error {
  constructor(readonly code: string, message: string, readonly status: number) {
    super(message);
    this.name = 'ServiceError';
  }
}

/** The request could not be made or answered (exit 255). */
export class TransportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransportError';
  }
}

export interface CallOptions {
  endpointUrl: string;
  region: string;
  credentials?: Credentials;
  debug?(line: string): void;
  timeoutMs?: number;
  connectTimeoutMs?: number;
  /** --no-verify-ssl */
  insecure?: boolean;
  /** --ca-bundle: a PEM file of trusted CAs for https endpoints. */
  caBundle?: string;
}

function dispatcher(o: CallOptions): Agent | undefined {
  if (!o.insecure && !o.caBundle && o.connectTimeoutMs === undefined) return undefined;
  return new Agent({ connect: {
    rejectUnauthorized: !o.insecure,
    ca: o.caBundle ? fs.readFileSync(o.caBundle, 'utf8') : undefined,
    timeout: o.connectTimeoutMs,
  } });
}

export interface CallResult {
  body: Record<string, unknown>;
  warnings: string[];
}

function queryValue(shape: Shape, v: unknown): string {
  if (shape.type === 'timestamp' && typeof v === 'number') return new Date(v * 1000).toISOString();
  return String(v);
}

export function serialize(spec: VerbSpec, input: Record<string, unknown>):
  { method: string; path: string; query: string; body?: string } {
  const input0 = spec.op.input ? shapeOf(spec.model, spec.op.input) : undefined;
  let path = spec.op.http.requestUri;
  const [pathPart, fixedQuery] = path.split('?') as [string, string | undefined];
  path = pathPart;
  const query: string[] = fixedQuery ? [fixedQuery] : [];
  const body: Record<string, unknown> = {};
  let hasBody = false;
  for (const [name, ref] of Object.entries(input0?.members ?? {})) {
    const wire = ref.locationName ?? name;
    const v = input[name];
    if (ref.location === 'uri') {
      const greedy = path.includes(`{${wire}+}`);
      const text = v === undefined ? '' : String(v);
      const enc = greedy ? text.split('/').map(rfc3986).join('/') : rfc3986(text);
      path = path.replace(greedy ? `{${wire}+}` : `{${wire}}`, enc);
    } else if (ref.location === 'querystring') {
      if (v === undefined) continue;
      const shape = shapeOf(spec.model, ref.shape);
      const items = Array.isArray(v) ? v : [v];
      for (const x of items) query.push(`${rfc3986(wire)}=${rfc3986(queryValue(shape, x))}`);
    } else if (!ref.location) {
      hasBody = true;
      if (v !== undefined) body[name] = v;
    }
  }
  return { method: spec.op.http.method, path, query: query.join('&'),
    body: hasBody ? JSON.stringify(body) : undefined };
}

/** The error code as botocore reads it: x-amzn-ErrorType, then body code/Code/__type. */
function errorCode(header: string | undefined, body: Record<string, unknown>): string {
  const raw = header ?? String(body.code ?? body.Code ?? body.__type ?? 'UnknownError');
  return raw.split(':')[0]!.split('#').pop()!;
}

export async function call(spec: VerbSpec, input: Record<string, unknown>, o: CallOptions):
  Promise<CallResult> {
  const req = serialize(spec, input);
  const base = o.endpointUrl.replace(/\/+$/, '');
  const url = new URL(`${base}${req.path}${req.query ? `?${req.query}` : ''}`);
  const payload = Buffer.from(req.body ?? '');
  let headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'ota-sim-cli',
  };
  if (o.credentials) {
    headers = signRequest({
      method: req.method, url, headers, body: payload, region: o.region,
      service: spec.model.metadata.signingName, ...o.credentials,
    });
  }
  o.debug?.(`request: ${req.method} ${url.href}`);
  o.debug?.(`request headers: ${JSON.stringify(headers)}`);
  if (req.body) o.debug?.(`request body: ${req.body}`);
  let res;
  try {
    res = await request(url, { method: req.method as 'GET', headers,
      body: req.body === undefined ? undefined : payload,
      headersTimeout: o.timeoutMs, bodyTimeout: o.timeoutMs, dispatcher: dispatcher(o) });
  } catch (e) {
    throw new TransportError(`Could not connect to the endpoint URL: "${url.href}"` +
      ` (${(e as Error).message})`);
  }
  const text = await res.body.text();
  o.debug?.(`response: ${res.statusCode} ${JSON.stringify(res.headers)}`);
  o.debug?.(`response body: ${text}`);
  let parsed: Record<string, unknown> = {};
  if (text) {
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      if (res.statusCode < 300) throw new TransportError(`unreadable response body: ${text}`);
    }
  }
  if (res.statusCode >= 300) {
    const header = res.headers['x-amzn-errortype'];
    const code = errorCode(Array.isArray(header) ? header[0] : header, parsed);
    const message = String(parsed.message ?? parsed.Message ?? text ?? '');
    throw new ServiceError(code, message, res.statusCode);
  }
  const w = res.headers[WARNING_HEADER];
  return { body: parsed, warnings: w === undefined ? [] : Array.isArray(w) ? w : [w] };
}

/** Epoch-second timestamps of the output shape as ISO 8601, as the AWS CLI prints them. */
export function renderTimestamps(model: ServiceModel, shapeName: string | undefined,
  v: unknown): unknown {
  if (!shapeName || v === null || v === undefined) return v;
  const shape = shapeOf(model, shapeName);
  if (shape.type === 'timestamp' && typeof v === 'number') return isoSeconds(v);
  if (shape.type === 'list' && Array.isArray(v)) {
    return v.map((x) => renderTimestamps(model, shape.member!.shape, x));
  }
  if (shape.type === 'map' && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) =>
      [k, renderTimestamps(model, shape.value!.shape, x)]));
  }
  if (shape.type === 'structure' && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) =>
      [k, shape.members?.[k] ? renderTimestamps(model, shape.members[k]!.shape, x) : x]));
  }
  return v;
}

/** 1557863215.995 → 2019-05-14T19:46:55.995000+00:00 (Python's isoformat, in UTC). */
export function isoSeconds(s: number): string {
  const d = new Date(Math.round(s * 1000));
  const base = d.toISOString().slice(0, 19);
  const ms = d.getUTCMilliseconds();
  return `${base}${ms ? `.${String(ms * 1000).padStart(6, '0')}` : ''}+00:00`;
}
