import type { Clock } from '../clock.js';
import type { Account } from '../protocol/arn.js';
import type { DevChain, KeyKind } from '../pki/index.js';
import { Registry } from './registry.js';
import { ObjectStore } from './objectStore.js';
import { Signer } from './signer.js';
import { StreamStore } from './streams/store.js';
import { JobsEngine, type JobsEngineDeps } from './jobs/engine.js';
import { OtaUpdates } from './otaUpdates.js';
import { CloudMetrics } from './metrics.js';
import { Presigner } from './presign.js';
import { EXECUTION_STATUSES } from '../protocol/jobs.js';

/**
 * The cloud's services wired together, with no sockets: the REST server and the MQTT glue sit
 * on top of it, and unit tests drive it directly with a manual clock.
 */
export interface CoreOptions {
  clock: Clock;
  account: Account;
  chains: (kind: KeyKind) => DevChain;
  publish(topic: string, payload: string): void;
  renderDocument?: JobsEngineDeps['renderDocument'];
  strictTargets?: boolean;
  warn?(message: string): void;
}

export class CloudCore {
  readonly registry: Registry;
  readonly objects: ObjectStore;
  readonly signer: Signer;
  readonly streams: StreamStore;
  readonly jobs: JobsEngine;
  readonly ota: OtaUpdates;
  readonly metrics = new CloudMetrics();
  /** Payload bytes served, by data protocol: the run report's bytesDelivered. */
  readonly delivered = { mqtt: 0, http: 0 };
  /** Mints the per-delivery pre-signed URLs (§1.9) and checks them on GET (§7). */
  readonly presign: Presigner;

  constructor(readonly opts: CoreOptions) {
    const now = () => opts.clock.now();
    const warn = opts.warn ?? (() => {});
    this.presign = new Presigner({ clock: opts.clock, region: opts.account.region });
    this.registry = new Registry(opts.account);
    this.objects = new ObjectStore(now);
    this.signer = new Signer(opts.account, this.objects, opts.chains, now);
    this.streams = new StreamStore({ region: opts.account.region,
      accountId: opts.account.accountId, now });
    this.jobs = new JobsEngine({
      clock: opts.clock,
      account: opts.account,
      registry: this.registry,
      publish: opts.publish,
      renderDocument: opts.renderDocument ?? ((job) => this.presign.render(job)),
      forgetDocument: (jobId) => this.presign.forget(jobId),
      warn,
    });
    this.ota = new OtaUpdates({
      account: opts.account, now, jobs: this.jobs, streams: this.streams, objects: this.objects,
      signer: this.signer, warn, strictTargets: opts.strictTargets,
    });
    this.jobs.onExecutionChange((_ex, job) => {
      // Gauges are refreshed lazily at scrape time; only mark the job as touched here.
      this.touched.add(job.jobId);
    });
  }

  readonly touched = new Set<string>();

  /** Recomputes the execution gauges; called before /metrics answers. */
  refreshGauges(): void {
    for (const id of this.touched) {
      const job = this.jobs.jobs.get(id);
      if (!job) continue;
      const counts = new Map<string, number>();
      for (const ex of job.executions.values()) {
        counts.set(ex.status, (counts.get(ex.status) ?? 0) + 1);
      }
      // Every status, zeros included: a status that emptied must not keep its last count.
      for (const status of EXECUTION_STATUSES) {
        this.metrics.executions.set({ job: id, status }, counts.get(status) ?? 0);
      }
    }
    this.touched.clear();
  }
}
