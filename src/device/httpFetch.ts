import { request, type Dispatcher } from 'undici';

/**
 * One ranged GET per block (protocol.md §5.7): `Range: bytes=a-b`, 206 expected, the body
 * written straight into the image buffer so a block costs no extra copy or concatenation.
 */

export interface RangeResult {
  /** HTTP status, or 0 when the request failed below HTTP (refused, reset, timed out). */
  status: number;
  /** Body bytes received (only counted for 206). */
  length: number;
  /** Object size from `Content-Range: bytes a-b/<total>`, when the server sent one. */
  total?: number;
}

export interface BlockFetcher {
  /**
   * GETs `url` (used verbatim) for bytes `start..end` inclusive and writes a 206 body into
   * `into` from `start`, never past `end`.
   */
  fetchRange(url: string, start: number, end: number, into: Buffer): Promise<RangeResult>;
}

const TOTAL = /\/(\d+)\s*$/;

export class UndiciFetcher implements BlockFetcher {
  constructor(private readonly dispatcher?: Dispatcher) {}

  async fetchRange(url: string, start: number, end: number, into: Buffer): Promise<RangeResult> {
    try {
      const res = await request(url, {
        method: 'GET',
        headers: { range: `bytes=${start}-${end}` },
        dispatcher: this.dispatcher,
      });
      if (res.statusCode !== 206) {
        await res.body.dump();
        return { status: res.statusCode, length: 0 };
      }
      const cr = res.headers['content-range'];
      const m = typeof cr === 'string' ? TOTAL.exec(cr) : null;
      const room = end - start + 1;
      let length = 0;
      for await (const chunk of res.body) {
        const c = chunk as Buffer;
        if (length < room) c.copy(into, start + length, 0, Math.min(c.length, room - length));
        length += c.length;
      }
      return { status: 206, length, total: m ? Number(m[1]) : undefined };
    } catch {
      return { status: 0, length: 0 };
    }
  }
}

/** Statuses after which the demo re-fetches the job document for a fresh URL (§5.7). */
export function needsNewUrl(status: number): boolean {
  return status === 400 || status === 403 || status === 404;
}
