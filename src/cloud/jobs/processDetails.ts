import type { Job } from './types.js';

/**
 * DescribeJob's jobProcessDetails (§2.10), read from the live counts so it is right at every
 * instant. The numberOf*Things fields count executions that exist; a thing the rollout has not
 * reached has none and appears only in processingTargets (see rollout.ts), so at any moment
 * sum(numberOf*Things) + waiting things = things the targets resolved to (plus CONTINUOUS
 * joiners, minus leavers that never got an execution).
 */

/** processingTargets lists at most this many thing ARNs, in rollout order. */
export const PROCESSING_TARGETS_LIMIT = 1000;

export function processingTargets(job: Job): string[] | undefined {
  if (job.toRollOut.size === 0) return undefined;
  // The job ARN carries the partition, region and account the thing ARNs share.
  const prefix = job.jobArn.slice(0, job.jobArn.lastIndexOf(':job/')) + ':thing/';
  return job.toRollOut.list(PROCESSING_TARGETS_LIMIT).map((t) => prefix + t);
}

export function processDetails(job: Job) {
  const c = job.counts;
  return {
    processingTargets: processingTargets(job),
    numberOfCanceledThings: c.CANCELED,
    numberOfSucceededThings: c.SUCCEEDED,
    numberOfFailedThings: c.FAILED,
    numberOfRejectedThings: c.REJECTED,
    numberOfQueuedThings: c.QUEUED,
    numberOfInProgressThings: c.IN_PROGRESS,
    numberOfRemovedThings: c.REMOVED,
    numberOfTimedOutThings: c.TIMED_OUT,
  };
}

/** §2.2: true while the rollout still has things to notify. */
export function isConcurrent(job: Job): boolean {
  return job.status === 'IN_PROGRESS' && job.toRollOut.size > 0;
}
