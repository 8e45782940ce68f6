import { EventEmitter } from 'node:events';
import type mqtt from 'mqtt';
import type { Clock } from '../../src/clock.js';
import { OtaAgent } from '../../src/device/agent.js';
import type { ThingConfig } from '../../src/device/config.js';
import type { BlockFetcher, RangeResult } from '../../src/device/httpFetch.js';
import {
  decodeGetStreamRequest, encodeDataBlock, isStreamError,
} from '../../src/protocol/streamCodec.js';
import { bitmapToBlocks } from '../../src/protocol/bitmap.js';

/**
 * An in-process stand-in for the broker, the Jobs service, the stream service and S3, so agent
 * tests run without sockets and in a fixed order. Only what the agent uses is implemented.
 */

const DONE = ['SUCCEEDED', 'FAILED', 'REJECTED', 'CANCELED', 'TIMED_OUT', 'REMOVED'];

export interface FakeJob {
  jobId: string;
  document: Record<string, unknown>;
  status: string;
  statusDetails: Record<string, string>;
}

export class FakeCloud {
  job?: FakeJob;
  /** The thing the job targets; unset = whatever thing asks. */
  jobThing?: string;
  /** Stop serving data blocks after this many (a stalled service); unset = no limit. */
  serveLimit?: number;
  served = 0;
  /** Leave `$next/get` unanswered (the cloud is slow or unreachable). */
  muteJobs = false;
  image: Buffer = Buffer.alloc(0);
  /** Every status update, as published. */
  readonly updates: string[] = [];
  /** GetStream requests as decoded. */
  readonly streamRequests: Array<{ o: number; b: Uint8Array; n?: number }> = [];
  /** Thing names that connected, in order (the client id). */
  readonly connections: string[] = [];
  /** Serve data blocks in this order within a request (C07); default ascending. */
  order?: (blocks: number[]) => number[];
  /** Send every data block this many times (C08). */
  repeat = 1;
  /** Drop stream requests silently (the service is unreachable). */
  silentStreams = false;
  /** Status to answer HTTP ranges with, when set. */
  httpStatus?: number;
  readonly httpRanges: Array<[number, number]> = [];
  private clients: FakeClient[] = [];

  connect = (_url: string, opts: mqtt.IClientOptions): mqtt.MqttClient => {
    const c = new FakeClient(this, String(opts.clientId));
    this.clients.push(c);
    this.connections.push(String(opts.clientId));
    setImmediate(() => c.emit('connect'));
    return c as unknown as mqtt.MqttClient;
  };

  fetcher: BlockFetcher = {
    fetchRange: async (_url, start, end, into): Promise<RangeResult> => {
      this.httpRanges.push([start, end]);
      await Promise.resolve();
      if (this.httpStatus) return { status: this.httpStatus, length: 0 };
      this.image.copy(into, start, start, end + 1);
      return { status: 206, length: end + 1 - start, total: this.image.length };
    },
  };

  agent(cfg: ThingConfig, clock: Clock): OtaAgent {
    return new OtaAgent(cfg, clock, undefined, { connect: this.connect, fetcher: this.fetcher });
  }

  /** Announces the current job on notify-next to every live client, like a new job would. */
  notify(): void {
    for (const c of this.clients) if (!c.ended) c.deliver(`$aws/things/${c.id}/jobs/notify-next`,
      JSON.stringify(this.nextMessage(c.id)));
  }

  nextMessage(thing: string): Record<string, unknown> {
    const j = this.jobThing === undefined || this.jobThing === thing ? this.job : undefined;
    if (!j || DONE.includes(j.status)) {
      return { timestamp: 1 };
    }
    const execution: Record<string, unknown> = { jobId: j.jobId, status: j.status };
    if (Object.keys(j.statusDetails).length) execution.statusDetails = j.statusDetails;
    execution.jobDocument = j.document;
    return { timestamp: 1, execution };
  }

  onPublish(c: FakeClient, topic: string, payload: Buffer): void {
    if (topic.endsWith('/jobs/$next/get')) {
      if (this.muteJobs) return;
      const token = (JSON.parse(payload.toString()) as { clientToken: string }).clientToken;
      c.deliver(`${topic}/accepted`,
        JSON.stringify({ clientToken: token, ...this.nextMessage(c.id) }));
      return;
    }
    const upd = /\/jobs\/([^/]+)\/update$/.exec(topic);
    if (upd) {
      const text = payload.toString();
      this.updates.push(text);
      const msg = JSON.parse(text) as { status: string; statusDetails: Record<string, string> };
      if (this.job && this.job.jobId === upd[1]) {
        this.job.status = msg.status;
        this.job.statusDetails = msg.statusDetails;
      }
      return;
    }
    const get = /^(.*\/streams\/[^/]+)\/get\/cbor$/.exec(topic);
    if (get) {
      const req = decodeGetStreamRequest('cbor', payload);
      if (isStreamError(req)) throw new Error(`agent sent a bad request: ${req.message}`);
      const o = req.o ?? 0;
      this.streamRequests.push({ o, b: Uint8Array.from(req.b ?? []), n: req.n });
      if (this.silentStreams) return;
      let blocks = bitmapToBlocks(req.b ?? new Uint8Array(), o, req.n ?? Infinity);
      const total = Math.ceil(this.image.length / req.l);
      blocks = blocks.filter((i) => i < total);
      if (this.order) blocks = this.order(blocks);
      for (const i of blocks) {
        if (this.serveLimit !== undefined && this.served >= this.serveLimit) return;
        this.served++;
        const p = this.image.subarray(i * req.l, Math.min((i + 1) * req.l, this.image.length));
        const msg = encodeDataBlock('cbor', { f: req.f, l: p.length, i, p });
        for (let k = 0; k < this.repeat; k++) c.deliver(`${get[1]}/data/cbor`, msg);
      }
    }
  }

  /** Lets queued deliveries and fetches run (each hop is one setImmediate). */
  async settle(rounds = 50): Promise<void> {
    for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
  }
}

class FakeClient extends EventEmitter {
  ended = false;
  readonly subscriptions = new Set<string>();
  readonly stream = { destroy: () => this.drop() };

  constructor(private readonly cloud: FakeCloud, readonly id: string) {
    super();
  }

  deliver(topic: string, payload: string | Buffer): void {
    const buf = typeof payload === 'string' ? Buffer.from(payload) : payload;
    setImmediate(() => {
      if (!this.ended) this.emit('message', topic, buf);
    });
  }

  subscribe(topics: string | string[], _opts: unknown, cb?: () => void): this {
    for (const t of [topics].flat()) this.subscriptions.add(t);
    if (cb) setImmediate(cb);
    return this;
  }

  unsubscribe(topic: string): this {
    this.subscriptions.delete(topic);
    return this;
  }

  publish(topic: string, payload: string | Buffer, _opts: unknown, cb?: () => void): this {
    if (this.ended) return this;
    const buf = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload);
    this.cloud.onPublish(this, topic, buf);
    if (cb) setImmediate(cb);
    return this;
  }

  /** A dropped link: mqtt.js reconnects by itself and emits connect again. */
  private drop(): void {
    this.emit('close');
    setImmediate(() => {
      if (!this.ended) this.emit('connect');
    });
  }

  end(): this {
    this.ended = true;
    this.emit('close');
    return this;
  }

  async endAsync(): Promise<void> {
    this.end();
  }
}
