import type { ExecutionStatus } from '../protocol/jobs.js';

/** The run report of design.md, built from the cloud's job history and the fleet's results. */

export interface JobHistory {
  jobId: string;
  createdAt: number;
  completedAt?: number;
  status: string;
  rollout: unknown;
  abortConfig: unknown;
  timeoutConfig: unknown;
  perMinute: number[];
  abort: null | { at: number; criteria: unknown; completed: number; matching: number };
  comment: string | null;
  history: Array<{ t: number; thing: string; status: ExecutionStatus }>;
  executions: Array<{ thing: string; status: ExecutionStatus; statusDetails: Record<string, string> }>;
  bytesDelivered: number;
}

export interface TimelinePoint {
  /** Virtual milliseconds since the job was created. */
  t: number;
  counts: Partial<Record<ExecutionStatus, number>>;
}

export interface RunReport {
  otaUpdateId: string;
  jobId: string;
  jobStatus: string;
  things: number;
  executions: Partial<Record<ExecutionStatus, number>>;
  failures: Array<{ thing: string; status: string; reason?: string }>;
  durationMs: number;
  virtualDurationMs: number;
  bytesDelivered: number;
  timeline: TimelinePoint[];
  rollout: {
    configured: { rollout: unknown; abortConfig: unknown; timeoutConfig: unknown };
    perMinute: number[];
    abort: null | { minute: number; atMs: number; criteria: unknown; completed: number;
      matching: number; comment: string | null };
  };
  fleet?: Record<string, unknown>;
}

/** Samples status counts at up to `points` evenly spaced virtual instants, plus every change end. */
export function buildTimeline(h: JobHistory, endVirtual: number, points = 60): TimelinePoint[] {
  const events = [...h.history].sort((a, b) => a.t - b.t);
  const span = Math.max(1, endVirtual - h.createdAt);
  const step = Math.max(1, Math.ceil(span / points));
  const state = new Map<string, ExecutionStatus>();
  const counts: Partial<Record<ExecutionStatus, number>> = {};
  const out: TimelinePoint[] = [];
  let i = 0;
  for (let t = 0; ; t += step) {
    const at = h.createdAt + Math.min(t, span);
    while (i < events.length && events[i]!.t <= at) {
      const e = events[i++]!;
      const prev = state.get(e.thing);
      if (prev) counts[prev] = (counts[prev] ?? 0) - 1;
      state.set(e.thing, e.status);
      counts[e.status] = (counts[e.status] ?? 0) + 1;
    }
    const snap: Partial<Record<ExecutionStatus, number>> = {};
    for (const [k, v] of Object.entries(counts)) if (v) snap[k as ExecutionStatus] = v;
    out.push({ t: Math.min(t, span), counts: snap });
    if (t >= span) break;
  }
  return out;
}

export function buildReport(input: {
  otaUpdateId: string;
  things: number;
  history: JobHistory;
  durationMs: number;
  virtualEnd: number;
  fleet?: Record<string, unknown>;
}): RunReport {
  const h = input.history;
  const executions: Partial<Record<ExecutionStatus, number>> = {};
  const failures: RunReport['failures'] = [];
  for (const e of h.executions) {
    executions[e.status] = (executions[e.status] ?? 0) + 1;
    if (e.status !== 'SUCCEEDED') {
      failures.push({ thing: e.thing, status: e.status, reason: e.statusDetails.reason });
    }
  }
  const end = h.completedAt ?? input.virtualEnd;
  return {
    otaUpdateId: input.otaUpdateId,
    jobId: h.jobId,
    jobStatus: h.status,
    things: input.things,
    executions,
    failures,
    durationMs: input.durationMs,
    virtualDurationMs: end - h.createdAt,
    bytesDelivered: h.bytesDelivered,
    timeline: buildTimeline(h, end),
    rollout: {
      configured: { rollout: h.rollout, abortConfig: h.abortConfig, timeoutConfig: h.timeoutConfig },
      perMinute: h.perMinute,
      abort: h.abort ? {
        minute: Math.floor((h.abort.at - h.createdAt) / 60_000),
        atMs: h.abort.at - h.createdAt,
        criteria: h.abort.criteria,
        completed: h.abort.completed,
        matching: h.abort.matching,
        comment: h.comment,
      } : null,
    },
    fleet: input.fleet,
  };
}
