import { createHash } from 'node:crypto';
import mqtt from 'mqtt';
import type { Clock, TimerHandle } from '../clock.js';
import { DEFAULTS } from '../protocol/defaults.js';
import { jobsTopic, streamTopic } from '../protocol/topics.js';
import { parseJobMessage, type ParsedOtaJob } from '../protocol/jobDocument.js';
import { OtaErr, statusPayload } from '../protocol/agentStatus.js';
import { BlockBitmap } from '../protocol/bitmap.js';
import { decodeDataBlock, encodeGetStreamRequest, isStreamError } from '../protocol/streamCodec.js';
import { identityConnectOptions, type ThingConfig } from './config.js';
import { Flash, imageVersion } from './image.js';
import { verifyImage } from './verify.js';
import { needsNewUrl, UndiciFetcher, type BlockFetcher } from './httpFetch.js';
import { expectedSha256 } from './jobExtras.js';

/**
 * One simulated thing running the FreeRTOS OTA agent v3 (§5): asks for its job on connect,
 * downloads the file over MQTT in bitmap-driven requests (§5.6) or over HTTP in sequential
 * Range requests (§5.7), verifies it, reboots into a self-test and reports exactly the status
 * messages of §5.10.
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
  /** Job documents fetched again because the HTTP server refused a URL (§5.7). */
  urlRefreshes: number;
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
  protocol: 'MQTT' | 'HTTP';
  /** HTTP: the current pre-signed URL, swapped when the job document is fetched again. */
  url: string;
  /** HTTP: a range request is outstanding. */
  inFlight: boolean;
  /** HTTP: waiting for a job document (fresh URL or reconnect) before the next block. */
  paused: boolean;
  sha256?: Uint8Array;
  sizeMismatch: boolean;
}

/** What the agent talks through; tests substitute in-process fakes. */
export interface AgentDeps {
  connect?: (url: string, opts: mqtt.IClientOptions) => mqtt.MqttClient;
  fetcher?: BlockFetcher;
}

const sharedFetcher = new UndiciFetcher();

/** Block sizes the stream service accepts (§4.3): 2^8 … 2^17 bytes. */
function checkConfig(cfg: ThingConfig): void {
  if (!Number.isInteger(cfg.log2BlockSize) || cfg.log2BlockSize < 8 || cfg.log2BlockSize > 17) {
    throw new RangeError(`log2BlockSize ${cfg.log2BlockSize}: blocks must be 256..131072 bytes`);
  }
  if (cfg.requestWindowBytes !== undefined &&
    !(Number.isInteger(cfg.requestWindowBytes) && cfg.requestWindowBytes >= 1)) {
    throw new RangeError(`requestWindowBytes ${cfg.requestWindowBytes} must be a positive integer`);
  }
}

export class OtaAgent {
  readonly stats: ThingStats = {
    phase: 'connecting', blocks: 0, bytes: 0, requests: 0, duplicates: 0, connects: 0,
    urlRefreshes: 0,
  };
  readonly flash: Flash;
  private client?: mqtt.MqttClient;
  private download?: Download;
  private requestTimer?: TimerHandle;
  private selfTestTimer?: TimerHandle;
  private armSelfTestOnConnect = false;
  private bootTimer?: TimerHandle;
  private tokenCounter = 0;
  private stopped = false;
  private topics!: { notifyNext: string; nextGet: string; nextAccepted: string };
  /** Set at boot of a PendingCommit image; the first job answer decides commit or rollback. */
  private bootCheckPending = false;
  /** The thing name the running image connects as (C23: it may come from the image). */
  private identity: string;
  private readonly fetcher: BlockFetcher;

  /** Timers that wait on network answers keep a wall-time floor (see Clock.setTimeout). */
  private get netTimer(): { minWallMs: number } {
    return { minWallMs: this.cfg.networkFloorMs ?? DEFAULTS.agent.networkFloorMs };
  }

  constructor(readonly cfg: ThingConfig, private readonly clock: Clock,
    private readonly onFinal?: (stats: ThingStats) => void, private readonly deps: AgentDeps = {}) {
    checkConfig(cfg);
    this.flash = new Flash(cfg.firmwareVersion);
    this.identity = cfg.thingName;
    this.fetcher = deps.fetcher ?? sharedFetcher;
    this.setTopics();
  }

  /** The thing name this device currently uses on the wire. */
  get thingName(): string {
    return this.identity;
  }

  private setTopics(): void {
    const t = this.identity;
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
    const connect = this.deps.connect ?? mqtt.connect;
    const client = connect(this.cfg.mqttUrl, {
      clientId: this.identity,
      clean: true,
      keepalive: 60,
      reconnectPeriod: 1000,
      connectTimeout: 30_000,
      resubscribe: false,
      ...identityConnectOptions(this.cfg),
    });
    this.client = client;
    client.on('connect', () => this.onConnect(client));
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    client.on('error', () => { /* mqtt.js reconnects; the agent re-requests its job then */ });
    // Suspend (§5.3): an HTTP download waits for the job document that follows the reconnect.
    client.on('close', () => {
      if (client === this.client && this.download?.protocol === 'HTTP') this.download.paused = true;
    });
  }

  private onConnect(client: mqtt.MqttClient): void {
    if (client !== this.client) return;
    this.stats.connects++;
    if (this.armSelfTestOnConnect) {
      this.armSelfTestOnConnect = false;
      this.selfTestTimer?.cancel();
      this.selfTestTimer = this.clock.setTimeout(() => {
        // No verdict within the window: the watchdog resets into the previous image.
        this.bootCheckPending = false;
        this.rollbackAndReboot();
      }, this.cfg.selfTestWaitMs, this.netTimer);
    }
    const phase = this.stats.phase;
    if (phase === 'connecting' || phase === 'rebooting') this.stats.phase = 'idle';
    const subs = [this.topics.notifyNext];
    if (this.cfg.subscribeReplies) subs.push(this.topics.nextAccepted);
    client.subscribe(subs, { qos: 1 }, () => {
      // A resumed download needs its data topic again (clean session).
      if (this.download?.protocol === 'MQTT') client.subscribe(this.download.dataTopic, { qos: 0 });
      this.requestJob();
    });
  }

  private requestJob(): void {
    const token = `${this.tokenCounter++}:${this.identity.slice(0, 53)}`;
    this.client?.publish(this.topics.nextGet, `{"clientToken":"${token}"}`, { qos: 1 });
  }

  private onMessage(topic: string, payload: Buffer): void {
    const max = this.cfg.maxMessageBytes;
    if (max !== undefined && payload.length > max) return;
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
    c.publish(jobsTopic.update(this.identity, jobId), payload, { qos }, () => done?.());
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
        this.rollbackAndReboot();
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
        this.finish(result.jobId, 'FAILED',
          statusPayload.failedWithVal(OtaErr.JobParserError, result.err));
      }
      return;
    }
    const job = result.job;
    const d = this.download;
    if (d) {
      if (d.job.jobId === job.jobId) {
        // Our own job again (reconnect, duplicate answer or URL refresh): resume from the bitmap.
        if (d.protocol === 'HTTP') {
          if (job.updateDataUrl) d.url = this.urlOf(job.updateDataUrl);
          d.paused = false;
          this.httpNext(d);
        } else {
          this.requestBlocks(d);
        }
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
    this.startDownload(job, expectedSha256(msg));
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

  private urlOf(raw: string): string {
    if (!this.cfg.faults.decodeUrl) return raw;
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }

  private startDownload(job: ParsedOtaJob, sha256: Uint8Array | undefined): void {
    const protocol = this.chooseProtocol(job);
    const missing = protocol === 'MQTT' ? !job.streamName : !job.updateDataUrl;
    if (!protocol || missing) {
      this.finish(job.jobId, 'FAILED', statusPayload.aborted(OtaErr.InvalidDataProtocol));
      return;
    }
    const blockSize = 1 << this.cfg.log2BlockSize;
    const total = Math.ceil(job.fileSize / blockSize);
    const stream = job.streamName ?? '';
    const d: Download = {
      job,
      image: Buffer.alloc(job.fileSize),
      bitmap: new BlockBitmap(total),
      blockSize,
      total,
      received: 0,
      sinceRequest: 0,
      momentum: 0,
      dataTopic: streamTopic.data(this.identity, stream, 'cbor'),
      requestTopic: streamTopic.get(this.identity, stream, 'cbor'),
      stalled: false,
      protocol,
      url: protocol === 'HTTP' ? this.urlOf(job.updateDataUrl!) : '',
      inFlight: false,
      paused: false,
      sha256,
      sizeMismatch: false,
    };
    this.download = d;
    this.stats.phase = 'downloading';
    if (protocol === 'HTTP') this.httpNext(d);
    else this.client?.subscribe(d.dataTopic, { qos: 0 }, () => this.requestBlocks(d));
  }

  private abortDownload(): void {
    const d = this.download;
    this.download = undefined;
    this.requestTimer?.cancel();
    if (d?.protocol === 'MQTT') this.client?.unsubscribe(d.dataTopic);
    this.stats.phase = 'idle';
  }

  /** Momentum exhausted (§5.6): give up on the file. */
  private momentumAbort(d: Download): void {
    this.download = undefined;
    this.requestTimer?.cancel();
    this.finish(d.job.jobId, 'FAILED', statusPayload.aborted(OtaErr.None));
  }

  // ---- MQTT data -----------------------------------------------------------------------

  private requestBlocks(d: Download): void {
    if (this.download !== d || d.stalled) return;
    if (d.momentum >= this.cfg.momentum) return this.momentumAbort(d);
    d.momentum++;
    d.sinceRequest = 0;
    this.stats.requests++;
    const hook = this.cfg.faults.onBlockRequest;
    if (hook) hook(d.bitmap.firstMissing());
    const win = this.cfg.requestWindowBytes;
    let o = 0;
    let b = d.bitmap.bytes;
    if (win !== undefined) {
      // A window starts on a byte boundary of the bitmap (§4.4): o is a multiple of 8.
      const first = Math.max(0, d.bitmap.firstMissing());
      o = first - (first & 7);
      b = d.bitmap.window(o, win);
    }
    const req = encodeGetStreamRequest('cbor', {
      c: 'rdy', f: d.job.fileId, l: d.blockSize, o, b, n: this.cfg.maxBlocksPerRequest,
    });
    this.client?.publish(d.requestTopic, req, { qos: 0 });
    this.armRequestTimer(d);
  }

  private armRequestTimer(d: Download): void {
    this.requestTimer?.cancel();
    this.requestTimer = this.clock.setTimeout(() => this.requestBlocks(d), this.cfg.requestWaitMs,
      this.netTimer);
  }

  private onBlock(d: Download, payload: Buffer): void {
    if (d.stalled) return;
    const blk = decodeDataBlock('cbor', payload);
    if (isStreamError(blk)) return this.ingestFailed(d);
    const i = blk.i;
    const expected = i === d.total - 1 ? d.job.fileSize - i * d.blockSize : d.blockSize;
    if (!Number.isInteger(i) || i < 0 || i >= d.total || blk.l !== expected ||
      blk.p.length !== expected) {
      return this.ingestFailed(d);
    }
    if (!d.bitmap.has(i)) {
      // A duplicate is dropped: not written, no request, no timer change (§5.6, case C08).
      this.stats.duplicates++;
      return;
    }
    d.image.set(blk.p, i * d.blockSize);
    if (!this.blockStored(d, i, expected)) return;
    this.armRequestTimer(d);
    if (++d.sinceRequest >= this.cfg.maxBlocksPerRequest) this.requestBlocks(d);
  }

  /**
   * Book-keeping shared by both paths once block `i` sits in the image. Returns false when the
   * download does not go on (finished, stalled or disconnected by a fault).
   */
  private blockStored(d: Download, i: number, length: number): boolean {
    d.bitmap.clear(i);
    if (this.cfg.faults.corruptBlock === i) d.image[i * d.blockSize] ^= 0xff;
    d.received++;
    d.momentum = 0;
    this.stats.blocks++;
    this.stats.bytes += length;
    if (d.received === 1 || d.received % this.cfg.statusFrequency === 0) {
      this.publishStatus(d.job.jobId, statusPayload.receive(d.received, d.total), 0);
    }
    if (d.bitmap.remaining === 0) {
      this.requestTimer?.cancel();
      this.closeFile(d);
      return false;
    }
    if (this.cfg.behaviour === 'stall' && d.received * 2 >= d.total) {
      d.stalled = true;
      this.requestTimer?.cancel();
      return false;
    }
    if (this.cfg.faults.disconnectAtBlock === d.received) {
      this.cfg.faults.disconnectAtBlock = undefined;
      this.requestTimer?.cancel();
      d.paused = true;
      this.client?.stream.destroy();
      return false;
    }
    return true;
  }

  /** A block that fails validation fails the whole update (§4.5, §5.6). */
  private ingestFailed(d: Download): void {
    this.download = undefined;
    this.requestTimer?.cancel();
    this.finish(d.job.jobId, 'FAILED', statusPayload.failedWithVal(0xe0, 0));
  }

  // ---- HTTP data (§5.7) -----------------------------------------------------------------

  /** Requests the lowest missing block: HTTP downloads are strictly sequential. */
  private httpNext(d: Download): void {
    if (this.download !== d || d.paused || d.inFlight || d.stalled) return;
    const i = d.bitmap.firstMissing();
    if (i < 0) return;
    if (d.momentum >= this.cfg.momentum) return this.momentumAbort(d);
    d.momentum++;
    this.stats.requests++;
    this.cfg.faults.onBlockRequest?.(i);
    const start = i * d.blockSize;
    const end = Math.min(start + d.blockSize, d.job.fileSize) - 1;
    d.inFlight = true;
    void this.fetcher.fetchRange(d.url, start, end, d.image).then((r) => {
      d.inFlight = false;
      if (this.download !== d) return;
      if (r.status === 206 && r.length === end - start + 1) {
        if (r.total !== undefined && r.total !== d.job.fileSize) d.sizeMismatch = true;
        if (this.blockStored(d, i, r.length)) this.httpNext(d);
        return;
      }
      if (r.status === 206) return this.ingestFailed(d);
      if (needsNewUrl(r.status)) {
        // Expired or refused URL: ask for the job again; its answer carries a fresh URL.
        d.paused = true;
        this.stats.urlRefreshes++;
        this.requestJob();
        return;
      }
      // Anything else counts toward momentum and is retried when the request timer fires.
      this.requestTimer?.cancel();
      this.requestTimer = this.clock.setTimeout(() => this.httpNext(d), this.cfg.requestWaitMs,
        this.netTimer);
    });
  }

  // ---- close, reboot and self-test (§5.8, §5.9) ------------------------------------------

  private closeFile(d: Download): void {
    this.download = undefined;
    if (d.protocol === 'MQTT') this.client?.unsubscribe(d.dataTopic);
    this.stats.phase = 'verifying';
    this.flash.receivedSha256 = createHash('sha256').update(d.image).digest('hex');
    const v = verifyImage(this.cfg, d.image, d.job.certFile, d.job.signature,
      new Date(this.clock.now()), { sha256: d.sha256, sizeMismatch: d.sizeMismatch });
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
      if (this.cfg.identityFromImage) this.identity = this.cfg.identityFromImage;
      this.reboot();
    });
  }

  private rollbackAndReboot(): void {
    if (this.flash.state === 'PendingCommit') {
      this.flash.rollback();
      // The previous image carries the identity the device was provisioned with.
      this.identity = this.cfg.thingName;
    }
    this.reboot();
  }

  private reboot(): void {
    this.stats.phase = 'rebooting';
    this.requestTimer?.cancel();
    this.selfTestTimer?.cancel();
    this.armSelfTestOnConnect = false;
    this.download = undefined;
    const old = this.client;
    this.client = undefined;
    old?.end(true);
    this.setTopics();
    this.bootTimer = this.clock.setTimeout(() => {
      if (this.stopped) return;
      if (this.flash.state === 'PendingCommit') {
        this.bootCheckPending = true;
        // The window opens once the network is up: on a device that is milliseconds after
        // boot, but here the connect is real (wall) time, which a loaded host or a high
        // --time-scale would otherwise charge to the self-test.
        this.armSelfTestOnConnect = true;
      }
      this.connect();
    }, this.cfg.bootDelayMs);
  }

  private selfTest(job: ParsedOtaJob): void {
    const running = this.flash.runningVersion;
    const updatedBy = job.updatedBy ?? 0;
    // Version check first, then the image state (§5.9 step 4).
    if (job.fileId === 0 && job.fileType === 0 && updatedBy >= running) {
      const code = updatedBy === running ? OtaErr.SameFirmwareVersion : OtaErr.DowngradeNotAllowed;
      this.selfTestTimer?.cancel();
      this.finish(job.jobId, 'FAILED', statusPayload.rejected(code),
        () => this.rollbackAndReboot());
      return;
    }
    if (this.flash.state !== 'PendingCommit') {
      this.finish(job.jobId, 'FAILED', statusPayload.rejected(OtaErr.ImageStateMismatch));
      return;
    }
    this.stats.phase = 'self-test';
    this.publishStatus(job.jobId, statusPayload.selfTestActive(running), 1, () => {
      this.selfTestTimer?.cancel();
      if (this.cfg.behaviour === 'fail-self-test') {
        this.finish(job.jobId, 'FAILED', statusPayload.rejected(0), () => this.rollbackAndReboot());
        return;
      }
      const previous = this.flash.previousVersion ?? updatedBy;
      this.flash.commit();
      this.finish(job.jobId, 'SUCCEEDED', statusPayload.accepted(running, previous));
    });
  }
}
