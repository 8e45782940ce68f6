import mqtt from 'mqtt';
import type { Clock, TimerHandle } from '../clock.js';
import { jobsTopic, streamTopic } from '../protocol/topics.js';
import { parseJobMessage, type ParsedOtaJob } from '../protocol/jobDocument.js';
import { OtaErr, statusPayload } from '../protocol/agentStatus.js';
import { BlockBitmap } from '../protocol/bitmap.js';
import { decodeDataBlock, encodeGetStreamRequest, isStreamError } from '../protocol/streamCodec.js';
import type { ThingConfig } from './config.js';
import { Flash, imageVersion } from './image.js';
import { verifyImage } from './verify.js';

/**
 * One simulated thing running the FreeRTOS OTA agent v3 (§5): asks for its job on connect,
 * downloads the file over MQTT in bitmap-driven requests, verifies it, reboots into a self-test
 * and reports exactly the status messages of §5.10.
 */

export type ThingPhase =
  | 'connecting' | 'idle' | 'downloading' | 'verifying' | 'rebooting' | 'self-test'
  | 'succeeded' | 'failed';

/** Counters the fleet samples; updated in place so the block path allocates nothing. */
export interface ThingStats {
  phase: ThingPhase;
  blocks: number;
  bytes: number;
  requests: number;
  duplicates: number;
  connects: number;
  jobId?: string;
  /** The last terminal status this thing reported, with its reason. */
  outcome?: { status: string; reason: string; jobId: string };
}

interface Download {
  job: ParsedOtaJob;
  image: Buffer;
  bitmap: BlockBitmap;
  blockSize: number;
  total: number;
  received: number;
  sinceRequest: number;
  momentum: number;
  dataTopic: string;
  requestTopic: string;
  stalled: boolean;
}

export class OtaAgent {
  readonly stats: ThingStats = {
    phase: 'connecting', blocks: 0, bytes: 0, requests: 0, duplicates: 0, connects: 0,
  };
  readonly flash: Flash;
  private client?: mqtt.MqttClient;
  private download?: Download;
  private requestTimer?: TimerHandle;
  private selfTestTimer?: TimerHandle;
  private bootTimer?: TimerHandle;
  private tokenCounter = 0;
  private stopped = false;
  private readonly topics: { notifyNext: string; nextGet: string; nextAccepted: string };
  /** Set at boot of a PendingCommit image; the first job answer decides commit or rollback. */
  private bootCheckPending = false;

  constructor(readonly cfg: ThingConfig, private readonly clock: Clock,
    private readonly onFinal?: (stats: ThingStats) => void) {
    this.flash = new Flash(cfg.firmwareVersion);
    const t = cfg.thingName;
    this.topics = {
      notifyNext: jobsTopic.notifyNext(t),
      nextGet: jobsTopic.describe(t, '$next'),
      nextAccepted: jobsTopic.describe(t, '$next') + '/accepted',
    };
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.requestTimer?.cancel();
    this.selfTestTimer?.cancel();
    this.bootTimer?.cancel();
    const c = this.client;
    this.client = undefined;
    if (c) await c.endAsync(true);
  }

  // ---- connection ----------------------------------------------------------------------

  private connect(): void {
    this.stats.phase = this.stats.phase === 'rebooting' ? 'rebooting' : 'connecting';
    const client = mqtt.connect(this.cfg.mqttUrl, {
      clientId: this.cfg.thingName,
      clean: true,
      keepalive: 60,
      reconnectPeriod: 1000,
      connectTimeout: 30_000,
      resubscribe: false,
    });
    this.client = client;
    client.on('connect', () => this.onConnect(client));
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    client.on('error', () => { /* mqtt.js reconnects; the agent re-requests its job then */ });
  }

  private onConnect(client: mqtt.MqttClient): void {
    if (client !== this.client) return;
    this.stats.connects++;
    if (this.stats.phase === 'connecting' || this.stats.phase === 'rebooting') this.stats.phase = 'idle';
    const subs = [this.topics.notifyNext];
    if (this.cfg.subscribeReplies) subs.push(this.topics.nextAccepted);
    client.subscribe(subs, { qos: 1 }, () => {
      // A resumed download needs its data topic again (clean session).
      if (this.download) client.subscribe(this.download.dataTopic, { qos: 0 });
      this.requestJob();
    });
  }

  private requestJob(): void {
    const token = `${this.tokenCounter++}:${this.cfg.thingName.slice(0, 53)}`;
    this.client?.publish(this.topics.nextGet, `{"clientToken":"${token}"}`, { qos: 1 });
  }

  private onMessage(topic: string, payload: Buffer): void {
    const d = this.download;
    if (d && topic === d.dataTopic) {
      this.onBlock(d, payload);
      return;
    }
    if (topic === this.topics.notifyNext || topic === this.topics.nextAccepted) {
      let msg: unknown;
      try {
        msg = JSON.parse(payload.toString('utf8'));
      } catch {
        return;
      }
      this.onJobDocument(msg);
    }
  }

  private publishStatus(jobId: string, payload: string, qos: 0 | 1, done?: () => void): void {
    const c = this.client;
    if (!c) return;
    c.publish(jobsTopic.update(this.cfg.thingName, jobId), payload, { qos }, () => done?.());
  }

  private finish(jobId: string, status: 'SUCCEEDED' | 'FAILED', payload: string,
    next?: () => void): void {
    const reason = /"reason":"([^"]*)"/.exec(payload)?.[1] ?? '';
    this.stats.outcome = { status, reason, jobId };
    this.stats.phase = status === 'SUCCEEDED' ? 'succeeded' : 'failed';
    this.publishStatus(jobId, payload, 1, next);
    this.onFinal?.(this.stats);
  }

  // ---- jobs ----------------------------------------------------------------------------

  private onJobDocument(msg: unknown): void {
    const result = parseJobMessage(msg, {
      signatureKey: this.cfg.signatureKey,
      maxSignatureBytes: this.cfg.maxSignatureBytes,
      blockSize: 1 << this.cfg.log2BlockSize,
      maxBitmapBytes: this.cfg.maxBitmapBytes,
    });
    if (this.bootCheckPending) {
      this.bootCheckPending = false;
      if (result.kind !== 'job' || !result.job.selfTest) {
        // PendingCommit image but the cloud is not in self-test: roll back silently (§5.9 step 3).
        this.flash.rollback();
        this.reboot();
        return;
      }
    }
    if (result.kind === 'empty') {
      if (this.download) this.abortDownload();
      return;
    }
    if (result.kind === 'error') {
      if (this.download) this.abortDownload();
      if (result.jobId) {
        this.finish(result.jobId, 'FAILED', statusPayload.failedWithVal(OtaErr.JobParserError, result.err));
      }
      return;
    }
    const job = result.job;
    const d = this.download;
    if (d) {
      if (d.job.jobId === job.jobId) {
        // Our own job again (reconnect or duplicate answer): resume from the bitmap.
        this.requestBlocks(d);
        return;
      }
      this.abortDownload();
    }
    this.stats.jobId = job.jobId;
    if (job.selfTest) {
      this.selfTest(job);
      return;
    }
    if (this.stats.phase === 'succeeded' || this.stats.phase === 'failed') {
      if (this.stats.outcome?.jobId === job.jobId) return;
    }
    if (this.cfg.behaviour === 'reject') return this.declineJob(job);
    this.startDownload(job);
  }

  /**
   * `reject` in the mix: the application refuses the update as soon as the job arrives, with
   * OTA_SetImageState(Aborted). The v3 agent has no REJECTED report (§2.3 notes); a user abort
   * is FAILED "aborted: 0x00000013" (§5.9 step 5, §5.11), and nothing is downloaded.
   */
  private declineJob(job: ParsedOtaJob): void {
    this.finish(job.jobId, 'FAILED', statusPayload.aborted(OtaErr.UserAbort));
  }

  private chooseProtocol(job: ParsedOtaJob): 'MQTT' | 'HTTP' | undefined {
    // The agent matches the quoted tokens inside the protocols array (§5.2).
    const offered = new Set(job.protocols);
    const enabled = this.cfg.enabledProtocols.filter((p) => offered.has(p));
    if (enabled.includes(this.cfg.primaryProtocol)) return this.cfg.primaryProtocol;
    return enabled[0];
  }

  private startDownload(job: ParsedOtaJob): void {
    const protocol = this.chooseProtocol(job);
    if (!protocol || (protocol === 'MQTT' && !job.streamName)) {
      this.finish(job.jobId, 'FAILED', statusPayload.aborted(OtaErr.InvalidDataProtocol));
      return;
    }
    if (protocol === 'HTTP') {
      // TODO(feature): HTTP block downloads land with the HTTP issue; until then refuse cleanly.
      this.finish(job.jobId, 'FAILED', statusPayload.aborted(OtaErr.InvalidDataProtocol));
      return;
    }
    const blockSize = 1 << this.cfg.log2BlockSize;
    const total = Math.ceil(job.fileSize / blockSize);
    const stream = job.streamName!;
    const d: Download = {
      job,
      image: Buffer.alloc(job.fileSize),
      bitmap: new BlockBitmap(total),
      blockSize,
      total,
      received: 0,
      sinceRequest: 0,
      momentum: 0,
      dataTopic: streamTopic.data(this.cfg.thingName, stream, 'cbor'),
      requestTopic: streamTopic.get(this.cfg.thingName, stream, 'cbor'),
      stalled: false,
    };
    this.download = d;
    this.stats.phase = 'downloading';
    this.client?.subscribe(d.dataTopic, { qos: 0 }, () => this.requestBlocks(d));
  }

  private abortDownload(): void {
    const d = this.download;
    this.download = undefined;
    this.requestTimer?.cancel();
    if (d) this.client?.unsubscribe(d.dataTopic);
    this.stats.phase = 'idle';
  }

  // ---- MQTT data -----------------------------------------------------------------------

  private requestBlocks(d: Download): void {
    if (this.download !== d || d.stalled) return;
    if (d.momentum >= this.cfg.momentum) {
      // Momentum exhausted (§5.6): give up on the file.
      this.download = undefined;
      this.requestTimer?.cancel();
      this.finish(d.job.jobId, 'FAILED', statusPayload.aborted(OtaErr.None));
      return;
    }
    d.momentum++;
    d.sinceRequest = 0;
    this.stats.requests++;
    const req = encodeGetStreamRequest('cbor', {
      c: 'rdy', f: d.job.fileId, l: d.blockSize, o: 0, b: d.bitmap.bytes, n: this.cfg.maxBlocksPerRequest,
    });
    this.client?.publish(d.requestTopic, req, { qos: 0 });
    this.armRequestTimer(d);
  }

  private armRequestTimer(d: Download): void {
    this.requestTimer?.cancel();
    this.requestTimer = this.clock.setTimeout(() => this.requestBlocks(d), this.cfg.requestWaitMs);
  }

  private onBlock(d: Download, payload: Buffer): void {
    if (d.stalled) return;
    const blk = decodeDataBlock('cbor', payload);
    if (isStreamError(blk)) return this.ingestFailed(d);
    const i = blk.i;
    const expected = i === d.total - 1 ? d.job.fileSize - i * d.blockSize : d.blockSize;
    if (!Number.isInteger(i) || i < 0 || i >= d.total || blk.l !== expected || blk.p.length !== expected) {
      return this.ingestFailed(d);
    }
    if (!d.bitmap.clear(i)) {
      this.stats.duplicates++;
      return;
    }
    d.image.set(blk.p, i * d.blockSize);
    if (this.cfg.faults.corruptBlock === i) d.image[i * d.blockSize] ^= 0xff;
    d.received++;
    d.momentum = 0;
    this.stats.blocks++;
    this.stats.bytes += expected;
    if (d.received === 1 || d.received % this.cfg.statusFrequency === 0) {
      this.publishStatus(d.job.jobId, statusPayload.receive(d.received, d.total), 0);
    }
    if (d.bitmap.remaining === 0) {
      this.requestTimer?.cancel();
      this.closeFile(d);
      return;
    }
    if (this.cfg.behaviour === 'stall' && d.received * 2 >= d.total) {
      d.stalled = true;
      this.requestTimer?.cancel();
      return;
    }
    if (this.cfg.faults.disconnectAtBlock === d.received) {
      this.cfg.faults.disconnectAtBlock = undefined;
      this.requestTimer?.cancel();
      this.client?.stream.destroy();
      return;
    }
    this.armRequestTimer(d);
    if (++d.sinceRequest >= this.cfg.maxBlocksPerRequest) this.requestBlocks(d);
  }

  /** A block that fails validation fails the whole update (§4.5, §5.6). */
  private ingestFailed(d: Download): void {
    this.download = undefined;
    this.requestTimer?.cancel();
    this.finish(d.job.jobId, 'FAILED', statusPayload.failedWithVal(0xe0, 0));
  }

  private closeFile(d: Download): void {
    this.download = undefined;
    this.client?.unsubscribe(d.dataTopic);
    this.stats.phase = 'verifying';
    const v = verifyImage(this.cfg, d.image, d.job.certFile, d.job.signature, new Date(this.clock.now()));
    if (!v.ok) {
      this.finish(d.job.jobId, 'FAILED', statusPayload.failedWithVal(v.pal, v.sub));
      return;
    }
    if (d.job.fileType !== 0) {
      this.finish(d.job.jobId, 'SUCCEEDED', statusPayload.accepted(d.job.fileType, 0));
      return;
    }
    const newVersion = imageVersion(d.image, this.flash.runningVersion);
    const oldVersion = this.flash.runningVersion;
    this.publishStatus(d.job.jobId, statusPayload.selfTestReady(oldVersion), 1, () => {
      this.flash.activate(newVersion, this.cfg.rollbackSupported);
      this.reboot();
    });
  }

  // ---- reboot and self-test (§5.9) ------------------------------------------------------

  private reboot(): void {
    this.stats.phase = 'rebooting';
    this.requestTimer?.cancel();
    this.selfTestTimer?.cancel();
    const old = this.client;
    this.client = undefined;
    old?.end(true);
    this.bootTimer = this.clock.setTimeout(() => {
      if (this.stopped) return;
      if (this.flash.state === 'PendingCommit') {
        this.bootCheckPending = true;
        this.selfTestTimer = this.clock.setTimeout(() => {
          // No verdict within the window: the watchdog resets into the previous image.
          this.flash.rollback();
          this.reboot();
        }, this.cfg.selfTestWaitMs);
      }
      this.connect();
    }, this.cfg.bootDelayMs);
  }

  private selfTest(job: ParsedOtaJob): void {
    if (this.flash.state !== 'PendingCommit') {
      this.finish(job.jobId, 'FAILED', statusPayload.rejected(OtaErr.ImageStateMismatch));
      return;
    }
    const running = this.flash.runningVersion;
    const updatedBy = job.updatedBy ?? 0;
    if (job.fileId === 0 && job.fileType === 0 && updatedBy >= running) {
      const code = updatedBy === running ? OtaErr.SameFirmwareVersion : OtaErr.DowngradeNotAllowed;
      this.selfTestTimer?.cancel();
      this.finish(job.jobId, 'FAILED', statusPayload.rejected(code), () => {
        this.flash.rollback();
        this.reboot();
      });
      return;
    }
    this.stats.phase = 'self-test';
    this.publishStatus(job.jobId, statusPayload.selfTestActive(running), 1, () => {
      this.selfTestTimer?.cancel();
      if (this.cfg.behaviour === 'fail-self-test') {
        this.finish(job.jobId, 'FAILED', statusPayload.rejected(0), () => {
          this.flash.rollback();
          this.reboot();
        });
        return;
      }
      const previous = this.flash.previousVersion ?? updatedBy;
      this.flash.commit();
      this.finish(job.jobId, 'SUCCEEDED', statusPayload.accepted(running, previous));
    });
  }
}
