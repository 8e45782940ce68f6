import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Io } from '../../src/cli/aws/run.js';

/** A loopback HTTP server that records requests and answers with canned responses. */
export interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Canned {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export async function fakeService(answer: (r: Recorded) => Canned = () => ({ body: {} })) {
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec = { method: req.method ?? '', url: req.url ?? '', headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8') };
      requests.push(rec);
      const a = answer(rec);
      res.writeHead(a.status ?? 200, { 'content-type': 'application/json', ...a.headers });
      res.end(a.body === undefined ? '' : JSON.stringify(a.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    }),
  };
}

/** Captures a verb's output; env is empty so no real AWS configuration leaks in. */
export function captureIo(env: NodeJS.ProcessEnv = {}): Io & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    env: { AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', ...env },
    home: '/nonexistent',
    stdout(t: string) {
      io.out += t;
    },
    stderr(t: string) {
      io.err += t;
    },
  };
  return io;
}
