import type { MessagePort } from 'node:worker_threads';
import { ScaledClock } from '../clock.js';
import { OtaAgent } from '../device/agent.js';
import { PHASES, type ThingResult, type WorkerProgress, type WorkerTask } from './protocol.js';

/**
 * A piscina task that runs a shard of things until the coordinator says stop. Progress goes
 * back as periodic snapshots of counters, never per block.
 */
const PROGRESS_EVERY_MS = 200;

function snapshot(index: number, agents: OtaAgent[], final: boolean): WorkerProgress {
  const phases = new Array<number>(PHASES.length).fill(0);
  let blocks = 0;
  let bytes = 0;
  let requests = 0;
  let duplicates = 0;
  let connected = 0;
  let dropped = 0;
  const outcomes: Record<string, number> = {};
  for (const a of agents) {
    const s = a.stats;
    phases[PHASES.indexOf(s.phase)]! += 1;
    blocks += s.blocks;
    bytes += s.bytes;
    requests += s.requests;
    duplicates += s.duplicates;
    if (s.connects > 0) connected++;
    if (s.outcome) outcomes[s.outcome.status] = (outcomes[s.outcome.status] ?? 0) + 1;
    // Given a job that then went away (timed out, canceled) before it reported anything.
    else if (s.jobId && s.phase === 'idle') dropped++;
  }
  return { workerIndex: index, phases, connected, dropped, blocks, bytes, requests, duplicates,
    outcomes, final };
}

export default async function runShard(task: WorkerTask): Promise<WorkerProgress> {
  const clock = new ScaledClock(task.clock);
  const agents = task.things.map((t) => new OtaAgent({
    ...task.profile,
    ...t.overrides,
    thingName: t.name,
    behaviour: t.behaviour,
    faults: { ...t.faults },
  }, clock));
  const port: MessagePort = task.port;
  const starts: NodeJS.Timeout[] = [];
  agents.forEach((a, i) => {
    const delay = agents.length > 1 ? (task.connectSpreadMs * i) / agents.length : 0;
    starts.push(setTimeout(() => a.start(), delay));
  });
  const timer = setInterval(() => port.postMessage(snapshot(task.workerIndex, agents, false)),
    PROGRESS_EVERY_MS);
  await new Promise<void>((resolve) => {
    port.on('message', (m: { cmd: string }) => {
      if (m.cmd === 'stop') resolve();
    });
  });
  clearInterval(timer);
  starts.forEach(clearTimeout);
  await Promise.all(agents.map((a) => a.stop().catch(() => undefined)));
  const final = snapshot(task.workerIndex, agents, true);
  final.results = agents.map((a, i): ThingResult => ({
    thing: task.things[i]!.name,
    behaviour: task.things[i]!.behaviour,
    phase: a.stats.phase,
    blocks: a.stats.blocks,
    requests: a.stats.requests,
    connects: a.stats.connects,
    jobId: a.stats.jobId,
    outcome: a.stats.outcome,
  }));
  port.close();
  return final;
}
