import type { IncomingHttpHeaders } from 'node:http';
import { ApiError } from '../../protocol/errors.js';

/** A small method + path-template router; `{name}` matches one segment, `{name+}` the rest. */

export interface Request {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The body as JSON; an empty body reads as {}. Throws ApiError on bad JSON. */
  json(): Record<string, unknown>;
}

export interface Response {
  status?: number;
  body?: unknown;
  raw?: Buffer;
  headers?: Record<string, string>;
}

export type Handler = (req: Request) => Response | Promise<Response>;

interface Route {
  method: string;
  operation: string;
  parts: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, template: string, operation: string, handler: Handler): this {
    this.routes.push({ method, operation, parts: template.split('/').filter(Boolean), handler });
    return this;
  }

  /** Throws ApiError for a path whose percent-escapes do not decode. */
  match(method: string, path: string):
    { handler: Handler; operation: string; params: Record<string, string> } | undefined {
    try {
      return this.matchDecoded(method, path);
    } catch (e) {
      if (!(e instanceof URIError)) throw e;
      throw new ApiError('InvalidRequestException', `the path ${path} has a malformed %-escape`);
    }
  }

  private matchDecoded(method: string, path: string):
    { handler: Handler; operation: string; params: Record<string, string> } | undefined {
    const segs = path.split('/').filter(Boolean);
    for (const r of this.routes) {
      if (r.method !== method) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < r.parts.length; i++) {
        const p = r.parts[i]!;
        if (p.startsWith('{') && p.endsWith('+}')) {
          if (i >= segs.length) { ok = false; break; }
          params[p.slice(1, -2)] = segs.slice(i).map(decodeURIComponent).join('/');
          i = r.parts.length;
          segs.length = r.parts.length;
          break;
        }
        const s = segs[i];
        if (s === undefined) { ok = false; break; }
        if (p.startsWith('{')) params[p.slice(1, -1)] = decodeURIComponent(s);
        else if (p !== s) { ok = false; break; }
      }
      if (ok && segs.length === r.parts.length) {
        return { handler: r.handler, operation: r.operation, params };
      }
    }
    return undefined;
  }
}
