import type { ExecutionStatus } from '../protocol/jobs.js';
import type { AbortCriteria, RolloutConfig } from '../cloud/jobs/types.js';
import { emptyCounts, firstAbort } from '../cloud/jobs/abort.js';

/** The run report of design.md, built from the cloud's job history and the fleet's results. */

/** GET /ota-sim/jobs/{jobId}/history (src/cloud/jobs/history.ts), as JSON. */
export interface JobHistory {
  jobId: string;
  createdAt: number;
  completedAt?: number;
  status: string;
  targetSelection?: string;
  rollout: RolloutConfig | null;
  abortConfig: { criteriaList: AbortCriteria[] } | null;
  timeoutConfig: unknown;
  perMinute: number[];
  ratePerMinute?: number[];
  notYetNotified?: number;
  abort: null | { at: number; criteria: AbortCriteria; criteriaIndex?: number; completed: number;
    matching: number; counts?: Partial<Record<ExecutionStatus, number>> };
  comment: string | null;
  history: Array<{ t: number; thing: string; status: ExecutionStatus }>;
  executions: Array<{ thing: string; status: ExecutionStatus;
    statusDetails: Record<string, string> }>;
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
  /** The configured rate and abort rules beside what happened (design.md, issue 4). */
  rollout: {
    configured: { rollout: RolloutConfig | null; abortConfig: JobHistory['abortConfig'];
      timeoutConfig: unknown; targetSelection?: string };
    /** Executions created (devices notified) in each virtual minute since the job began. */
    perMinute: number[];
    /** The rollout rate in effect in each virtual minute: the limit perMinute is held to. */
    ratePerMinute: number[];
    /** Things the rollout never reached (the job ended or was canceled first). */
    notNotified: number;
    abort: null | { minute: number; atMs: number; criteria: AbortCriteria; criteriaIndex: number;
      completed: number; matching: number; counts: Partial<Record<ExecutionStatus, number>>;
      comment: string | null;
      /**
       * The first instant the rule holds when the execution history is replayed on its own:
       * equal to atMs when the cloud canceled the job at the first moment it should have.
       */
      ruleFirstHeldAtMs: number | null };
    /** Executions per final status, as the job ended. */
    final: Partial<Record<ExecutionStatus, number>>;
  };
  fleet?: Record<string, unknown>;
}

/** Samples status counts at up to `points` evenly spaced virtual instants (and the end). */
export function buildTimeline(h: JobHistory, endVirtual: number, points = 120): TimelinePoint[] {
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
  // A canceled job's IN_PROGRESS executions go on after completedAt: draw them to their end.
  const lastEvent = h.history.reduce((m, e) => Math.max(m, e.t), h.createdAt);
  const end = h.completedAt === undefined ? input.virtualEnd : Math.max(h.completedAt, lastEvent);
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
      configured: { rollout: h.rollout, abortConfig: h.abortConfig, timeoutConfig: h.timeoutConfig,
        targetSelection: h.targetSelection },
      perMinute: h.perMinute,
      ratePerMinute: h.ratePerMinute ?? [],
      // A canceled job forgets its waiting things, so count the fleet's things without one too.
      notNotified: Math.max(h.notYetNotified ?? 0, input.things - h.executions.length),
      abort: h.abort ? {
        minute: Math.floor((h.abort.at - h.createdAt) / 60_000),
        atMs: h.abort.at - h.createdAt,
        criteria: h.abort.criteria,
        criteriaIndex: h.abort.criteriaIndex ?? 0,
        completed: h.abort.completed,
        matching: h.abort.matching,
        counts: h.abort.counts ?? {},
        comment: h.comment,
        ruleFirstHeldAtMs: firstHeld(h, h.abort.criteria),
      } : null,
      final: { ...executions },
    },
    fleet: input.fleet,
  };
}

/** Replays the history's status events and returns when `rule` first held (ms since start). */
export function firstHeld(h: JobHistory, rule: AbortCriteria): number | null {
  const counts = emptyCounts();
  const state = new Map<string, ExecutionStatus>();
  for (const e of [...h.history].sort((a, b) => a.t - b.t)) {
    const prev = state.get(e.thing);
    if (prev) counts[prev] -= 1;
    state.set(e.thing, e.status);
    counts[e.status] += 1;
    if (firstAbort([rule], counts)) return e.t - h.createdAt;
  }
  return null;
}
