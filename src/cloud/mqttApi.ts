import { parseDeviceTopic, streamTopic } from '../protocol/topics.js';
import { logger } from '../log.js';
import type { CloudBus } from './broker.js';
import type { JobsEngine } from './jobs/engine.js';
import { handleJobsRequest } from './jobs/deviceApi.js';
import { handleStreamRequest, type ResolvedStream } from './streams/service.js';
import type { StreamStore } from './streams/store.js';
import type { ObjectStore } from './objectStore.js';
import type { CloudMetrics } from './metrics.js';
import type { ThingThrottle } from './jobs/throttle.js';

/**
 * Wires device requests arriving on the bus to the Jobs and Streams services and sends each
 * answer back to the requester (§3.1 response rule).
 */
export class MqttApi {
  private readonly resolved = new Map<string, { version: number; stream: ResolvedStream }>();

  constructor(
    private readonly bus: CloudBus,
    private readonly jobs: JobsEngine,
    private readonly streams: StreamStore,
    private readonly objects: ObjectStore,
    private readonly metrics: CloudMetrics,
    private readonly delivered: { mqtt: number; http: number },
    private readonly throttle?: ThingThrottle,
  ) {
    bus.onRequest((topic, payload, clientId) => this.onRequest(topic, payload, clientId));
  }

  private onRequest(topic: string, payload: Buffer, clientId: string | undefined): void {
    try {
      this.dispatch(topic, payload, clientId);
    } catch (e) {
      // One bad request must never take the cloud down: answer InternalError and go on.
      logger().error({ err: e, topic }, 'device request failed');
      const parsed = parseDeviceTopic(topic);
      if (parsed.kind === 'jobs' || parsed.kind === 'jobs-invalid') {
        this.bus.reply(clientId, parsed.replyBase + '/rejected', JSON.stringify({
          code: 'InternalError', message: `internal error: ${(e as Error).message}`,
          timestamp: Math.floor(this.jobs.now() / 1000) }));
      }
    }
  }

  private dispatch(topic: string, payload: Buffer, clientId: string | undefined): void {
    const parsed = parseDeviceTopic(topic);
    if (parsed.kind === 'jobs' || parsed.kind === 'jobs-invalid') {
      const req = parsed.kind === 'jobs' ? parsed.request : undefined;
      const answer = handleJobsRequest(this.jobs, parsed.thing, req, payload, this.throttle);
      const suffix = answer.ok ? '/accepted' : '/rejected';
      this.metrics.jobsRequests.inc({ api: req?.api ?? 'invalid',
        outcome: answer.ok ? 'accepted' : 'rejected' });
      this.bus.reply(clientId, parsed.replyBase + suffix, JSON.stringify(answer.body));
      return;
    }
    if (parsed.kind !== 'stream') return;
    const { thing, streamId, op, fmt } = parsed;
    const replies = handleStreamRequest({
      op, fmt, payload, streamId, resolve: (id) => this.resolve(id),
    });
    let blocks = 0;
    let bytes = 0;
    for (const r of replies) {
      let t: string;
      if (r.kind === 'data') {
        t = streamTopic.data(thing, streamId, fmt);
        blocks++;
        this.delivered.mqtt += r.payload.length;
        bytes += r.payload.length;
      } else if (r.kind === 'description') t = streamTopic.description(thing, streamId, fmt);
      else t = streamTopic.rejected(thing, streamId, fmt);
      this.bus.reply(clientId, t, r.payload);
    }
    this.metrics.streamRequests.inc({ op,
      outcome: replies[0]?.kind === 'rejected' ? 'rejected' : 'ok' });
    if (blocks) {
      this.metrics.blocksServed.inc(blocks);
      this.metrics.bytesServed.inc({ protocol: 'MQTT' }, bytes);
    }
  }

  /** Stream bytes, cached per stream version so the hot path does no lookups. */
  private resolve(streamId: string): ResolvedStream | undefined {
    const version = this.streams.version(streamId);
    const cached = this.resolved.get(streamId);
    if (version === undefined) {
      if (cached) this.resolved.delete(streamId);
      return undefined;
    }
    if (cached && cached.version === version) return cached.stream;
    const info = this.streams.describe(streamId);
    const files = new Map<number, Uint8Array>();
    for (const f of info.files) {
      const obj = this.objects.find(f.s3Location.bucket, f.s3Location.key, f.s3Location.version);
      if (obj) files.set(f.fileId, obj.data);
    }
    const stream: ResolvedStream = { version, description: info.description, files };
    this.resolved.set(streamId, { version, stream });
    return stream;
  }
}
