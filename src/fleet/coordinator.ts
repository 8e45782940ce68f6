import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { ClockAnchor } from '../clock.js';
import { PHASES, type DeviceProfile, type ThingResult, type ThingSpec, type WorkerProgress,
  type WorkerTask } from './protocol.js';

/**
 * The fleet coordinator: shards things over piscina worker threads (one MQTT connection per
 * thing lives in its worker) and aggregates their progress snapshots.
 */

export interface FleetOptions {
  clock: ClockAnchor;
  profile: DeviceProfile;
  things: ThingSpec[];
  workers: number;
  connectSpreadMs?: number;
}

export interface FleetProgress {
  things: number;
  connected: number;
  dropped: number;
  phases: Record<string, number>;
  blocks: number;
  bytes: number;
  requests: number;
  duplicates: number;
  outcomes: Record<string, number>;
}

export interface FleetResult extends FleetProgress {
  results: ThingResult[];
}

/** The compiled worker: vitest runs the TypeScript sources, piscina needs JavaScript. */
export function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return path.join(path.dirname(here), 'worker.js');
  const root = path.resolve(path.dirname(here), '..', '..');
  return path.join(root, 'dist', 'src', 'fleet', 'worker.js');
}

export class Fleet {
  private readonly pool: Piscina;
  private readonly latest: WorkerProgress[] = [];
  private readonly ports: MessagePort[] = [];
  private readonly tasks: Promise<WorkerProgress>[] = [];
  private stopping?: Promise<FleetResult>;

  constructor(private readonly opts: FleetOptions) {
    const workers = Math.max(1, Math.min(opts.workers, opts.things.length || 1));
    this.pool = new Piscina({
      filename: workerFile(), minThreads: workers, maxThreads: workers, idleTimeout: 1000,
      // One long task per thread: each holds its things until stop.
      concurrentTasksPerWorker: 1,
    });
    const shards: ThingSpec[][] = Array.from({ length: workers }, () => []);
    opts.things.forEach((t, i) => shards[i % workers]!.push(t));
    shards.forEach((things, workerIndex) => {
      const { port1, port2 } = new MessageChannel();
      port1.on('message', (p: WorkerProgress) => { this.latest[p.workerIndex] = p; });
      this.ports.push(port1);
      const task: WorkerTask = {
        workerIndex, clock: opts.clock, profile: opts.profile, things,
        connectSpreadMs: opts.connectSpreadMs ?? 1000, port: port2,
      };
      this.tasks.push(this.pool.run(task, { transferList: [port2] }) as Promise<WorkerProgress>);
    });
  }

  progress(): FleetProgress {
    return aggregate(this.latest.filter(Boolean), this.opts.things.length);
  }

  stop(): Promise<FleetResult> {
    this.stopping ??= (async () => {
      for (const p of this.ports) p.postMessage({ cmd: 'stop' });
      const finals = await Promise.all(this.tasks);
      for (const p of this.ports) p.close();
      await this.pool.destroy();
      const agg = aggregate(finals, this.opts.things.length);
      return { ...agg, results: finals.flatMap((f) => f.results ?? []) };
    })();
    return this.stopping;
  }
}

function aggregate(parts: WorkerProgress[], things: number): FleetProgress {
  const phases: Record<string, number> = Object.fromEntries(PHASES.map((p) => [p, 0]));
  const outcomes: Record<string, number> = {};
  const out: FleetProgress = { things, connected: 0, dropped: 0, phases, blocks: 0, bytes: 0,
    requests: 0, duplicates: 0, outcomes };
  for (const p of parts) {
    p.phases.forEach((n, i) => { phases[PHASES[i]!]! += n; });
    out.connected += p.connected;
    out.dropped += p.dropped;
    out.blocks += p.blocks;
    out.bytes += p.bytes;
    out.requests += p.requests;
    out.duplicates += p.duplicates;
    for (const [k, v] of Object.entries(p.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + v;
  }
  return out;
}
