import type { Job } from './types.js';

/**
 * The body of GET /ota-sim/jobs/{jobId}/history: a job's configuration beside what happened,
 * in virtual epoch milliseconds. The run report (src/fleet/report.ts) is built from it.
 */
export function jobHistory(job: Job, bytesDelivered: number) {
  return {
    jobId: job.jobId, createdAt: job.createdAt, completedAt: job.completedAt, status: job.status,
    targetSelection: job.targetSelection,
    rollout: job.rollout ?? null, abortConfig: job.abortConfig ?? null,
    timeoutConfig: job.timeoutConfig ?? null,
    perMinute: Array.from(job.perMinute, (n) => n ?? 0),
    ratePerMinute: Array.from(job.ratePerMinute, (n) => n ?? 0),
    notYetNotified: job.toRollOut.size,
    abort: job.abort ?? null, comment: job.comment ?? null, reasonCode: job.reasonCode ?? null,
    history: job.history,
    executions: [...job.executions.values()].map((e) => ({
      thing: e.thingName, status: e.status, statusDetails: e.statusDetails,
    })),
    bytesDelivered,
  };
}
