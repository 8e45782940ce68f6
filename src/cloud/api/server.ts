import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError } from '../../protocol/errors.js';
import { logger } from '../../log.js';
import { DEFAULTS } from '../../protocol/defaults.js';
import { isPresigned } from '../presign.js';
import type { CloudCore } from '../core.js';
import { Router, type Request, type Response } from './router.js';
import { addIotRoutes } from './iotRoutes.js';
import { addSignerRoutes } from './signerRoutes.js';
import { addS3Routes } from './s3Routes.js';
import { checkRequest } from './modelCheck.js';
import { verifySigV4, type SigV4Keys } from './sigv4.js';

/**
 * The REST endpoint: IoT and Signer (rest-json) and S3 (path style) on one port. A request
 * signed for service `s3` goes to the S3 routes; anything else tries IoT/Signer first.
 */
export interface ApiServer {
  server: http.Server;
  endpointUrl: string;
  close(): Promise<void>;
}

export type ExtraRoutes = (r: Router) => void;

function serviceOf(req: http.IncomingMessage, query: URLSearchParams): string | undefined {
  const auth = req.headers.authorization ?? '';
  const m = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(auth);
  if (m) return m[1];
  const cred = query.get('X-Amz-Credential');
  return cred?.split('/')[3];
}

/**
 * JSON null for a structure member means "not given" to the service, as to the SDKs that send
 * it; dropping such members once here spares every handler a null check. Nulls inside lists
 * stay, so validation can refuse them.
 */
function dropNullMembers(o: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(o)) {
    if (v === null) delete o[k];
    else if (Array.isArray(v)) {
      for (const item of v) {
        if (item && typeof item === 'object' && !Array.isArray(item)) {
          dropNullMembers(item as Record<string, unknown>);
        }
      }
    } else if (typeof v === 'object') dropNullMembers(v as Record<string, unknown>);
  }
  return o;
}

function isLocalExtra(p: string): boolean {
  return p === '/metrics' || p.startsWith('/ota-sim/');
}

function s3ErrorXml(code: string, message: string, resource: string): Buffer {
  const esc = (s: string) => s.replace(/[<>&'"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
  return Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${esc(code)}</Code><Message>${esc(message)}</Message>` +
    `<Resource>${esc(resource)}</Resource><RequestId>ota-sim</RequestId></Error>`);
}

export async function startApiServer(core: CloudCore, opts: { host: string; port: number;
  extra?: ExtraRoutes; s3Extra?: ExtraRoutes; verifySigV4?: SigV4Keys }): Promise<ApiServer> {
  const api = new Router();
  addIotRoutes(api, core);
  addSignerRoutes(api, core);
  opts.extra?.(api);
  const s3 = new Router();
  opts.s3Extra?.(s3);
  addS3Routes(s3, core);
  const log = logger().child({ component: 'api' });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > DEFAULTS.maxRequestBytes) {
        // Stop buffering: one oversized request must not be able to exhaust the cloud's memory.
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      if (!tooLarge) chunks.push(c);
    });
    req.on('end', () => {
      if (tooLarge) {
        const err = new ApiError('InvalidRequestException', `the request body is ${size} bytes; ` +
          `at most ${DEFAULTS.maxRequestBytes} are accepted`);
        res.writeHead(413, { 'x-amzn-ErrorType': err.type, 'Content-Type': 'application/json' });
        res.end(JSON.stringify(err.toBody()));
        return;
      }
      handle(req, res, Buffer.concat(chunks)).catch((e: unknown) => {
        log.error({ err: e }, 'request failed outside the error mapping');
        if (!res.headersSent) {
          res.writeHead(500, { 'x-amzn-ErrorType': 'InternalFailureException' });
        }
        res.end();
      });
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) {
    const url = new URL(req.url ?? '/', 'http://local');
    const method = req.method ?? 'GET';
    const service = serviceOf(req, url.searchParams);
    const isS3Signed = service === 's3';
    // The method is part of what a pre-signed URL signs: ota-sim mints GET URLs only, so a
    // pre-signed request with any other method cannot match (S3 answers the same).
    if (isPresigned(url.searchParams) && method !== 'GET') {
      const xml = s3ErrorXml('SignatureDoesNotMatch', 'The request signature we calculated ' +
        `does not match the signature you provided (a ${method} with a URL signed for GET).`,
        url.pathname);
      res.writeHead(403, { 'Content-Type': 'application/xml',
        'Content-Length': String(method === 'HEAD' ? 0 : xml.length) });
      res.end(method === 'HEAD' ? undefined : xml);
      return;
    }
    let match: ReturnType<Router["match"]> = undefined;
    let viaS3 = false;
    let routeError: unknown;
    try {
      match = isS3Signed ? undefined : api.match(method, url.pathname);
      // A request signed for IoT or Signer that no route serves is an operation ota-sim lacks;
      // it must not be taken for an S3 object (a fake success would mislead the caller).
      if (!match && (service === undefined || isS3Signed)) {
        match = s3.match(method, url.pathname);
        viaS3 = !!match;
      }
    } catch (e) {
      routeError = e;
    }
    const request: Request = {
      method, path: url.pathname, params: match?.params ?? {}, query: url.searchParams,
      headers: req.headers, body,
      json() {
        // Parsed once: the model check and the handler both read it.
        parsed ??= parseBody();
        return parsed;
      },
    };
    let parsed: Record<string, unknown> | undefined;
    function parseBody(): Record<string, unknown> {
      if (body.length === 0) return {};
      try {
        const v: unknown = JSON.parse(body.toString('utf8'));
        if (typeof v !== 'object' || v === null || Array.isArray(v)) {
          throw new ApiError('InvalidRequestException', 'the request body must be a JSON object');
        }
        return dropNullMembers(v as Record<string, unknown>);
      } catch (e) {
        if (e instanceof ApiError) throw e;
        throw new ApiError('InvalidRequestException',
          `the request body is not valid JSON: ${(e as Error).message}`);
      }
    }
    let out: Response;
    let operation = match?.operation ?? 'Unknown';
    try {
      // ota-sim's own endpoints (/metrics, /ota-sim/…) are not AWS APIs: scrapers and curl
      // reach them unsigned even when SigV4 is verified.
      if (opts.verifySigV4 && !isLocalExtra(url.pathname)) {
        verifySigV4({ method, rawUrl: req.url ?? '/', headers: req.headers, body,
          keys: opts.verifySigV4.keys });
      }
      if (routeError) throw routeError;
      if (!match) {
        throw new ApiError('ResourceNotFoundException',
          `ota-sim does not implement ${method} ${url.pathname}` +
          (service ? ` (service ${service})` : ''));
      }
      if (!viaS3) checkRequest(match.operation, request);
      out = await match.handler(request);
    } catch (e) {
      if (!(e instanceof ApiError)) {
        log.error({ err: e, operation }, 'internal error');
      }
      const err = e instanceof ApiError ? e
        : new ApiError('InternalFailureException', `internal error: ${(e as Error).message}`);
      operation = operation || 'Unknown';
      if (viaS3 || isS3Signed) {
        const code = err.type === 'InvalidRequestException' ? 'InvalidRequest' : err.type;
        out = { status: err.status, raw: method === 'HEAD' ? Buffer.alloc(0)
          : s3ErrorXml(code, err.message, url.pathname),
          headers: { 'Content-Type': 'application/xml' } };
      } else {
        out = { status: err.status, body: err.toBody(), headers: { 'x-amzn-ErrorType': err.type } };
      }
    }
    const status = out.status ?? 200;
    core.metrics.httpRequests.inc({ operation, status: String(status) });
    const headers: Record<string, string> = { 'x-amzn-RequestId': 'ota-sim', ...out.headers };
    let payload: Buffer;
    if (out.raw) payload = out.raw;
    else {
      payload = Buffer.from(JSON.stringify(out.body ?? {}));
      headers['Content-Type'] ??= 'application/json';
    }
    if (!headers['Content-Length']) headers['Content-Length'] = String(payload.length);
    res.writeHead(status, headers);
    res.end(method === 'HEAD' ? undefined : payload);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  server.keepAliveTimeout = 30_000;
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    server,
    endpointUrl: `http://${host}:${addr.port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
