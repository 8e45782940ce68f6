import { Agent, request } from 'undici';
import { ApiError, SimError, AWS_ERROR_STATUS, type AwsErrorType } from '../protocol/errors.js';

/**
 * A thin REST client for the local cloud (IoT, Signer and S3 paths). Errors come back as the
 * service's ApiError so callers and the CLI print them like the AWS CLI does.
 */
export class CloudClient {
  // An own connection pool, so a finished command can close it instead of waiting for idle
  // keep-alive sockets to time out.
  private readonly dispatcher = new Agent({ keepAliveTimeout: 10_000, connections: 32 });

  constructor(readonly endpointUrl: string) {}

  close(): Promise<void> {
    return this.dispatcher.close();
  }

  async call<T = Record<string, unknown>>(method: string, path: string,
    opts: { body?: unknown; query?: Record<string, string | number | boolean | undefined>;
      raw?: Buffer; headers?: Record<string, string>; operation?: string } = {}): Promise<T> {
    const url = new URL(path, this.endpointUrl);
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    let res;
    try {
      res = await request(url, {
        method: method as 'GET',
        dispatcher: this.dispatcher,
        body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
        headers: { 'content-type': opts.raw ? 'application/octet-stream' : 'application/json',
          ...opts.headers },
      });
    } catch (e) {
      throw new SimError('OTASIM_CLOUD_UNREACHABLE',
        `cannot reach the cloud at ${this.endpointUrl}: ${(e as Error).message}`);
    }
    const text = await res.body.text();
    if (res.statusCode >= 400) {
      const type = String(res.headers['x-amzn-errortype'] ?? '').split(':')[0] ||
        'InternalFailureException';
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch { /* S3 errors are XML */ }
      const known = type in AWS_ERROR_STATUS ? (type as AwsErrorType) : 'InternalFailureException';
      const err = new ApiError(known, message);
      err.operation = opts.operation;
      throw err;
    }
    if (!text) return {} as T;
    const ct = String(res.headers['content-type'] ?? '');
    return (ct.includes('json') ? JSON.parse(text) : { body: text }) as T;
  }

  putObject(bucket: string, key: string, data: Buffer) {
    // The credential scope names the service, so the cloud routes this to its S3 side.
    return this.call<Record<string, never>>('PUT', `/${bucket}/${encodeURIComponent(key)}`, {
      raw: data,
      headers: {
        authorization: 'AWS4-HMAC-SHA256 Credential=ota-sim/20260101/local/s3/aws4_request',
      },
    });
  }
}
