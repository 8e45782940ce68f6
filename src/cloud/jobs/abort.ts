import type { ExecutionStatus } from '../../protocol/jobs.js';
import type { AbortCriteria } from './types.js';

/**
 * Abort rules (protocol.md §2.8) over the job's live status counts.
 *
 * "Executed" means completed with a verdict: SUCCEEDED, FAILED, REJECTED or TIMED_OUT.
 * CANCELED and REMOVED executions are in neither the numerator nor the denominator: they say
 * nothing about whether the update works (the reference is silent; this is our reading).
 */

export type StatusCounts = Record<ExecutionStatus, number>;

export function emptyCounts(): StatusCounts {
  return { QUEUED: 0, IN_PROGRESS: 0, SUCCEEDED: 0, FAILED: 0, TIMED_OUT: 0, REJECTED: 0,
    REMOVED: 0, CANCELED: 0 };
}

export function executedCount(c: StatusCounts): number {
  return c.SUCCEEDED + c.FAILED + c.REJECTED + c.TIMED_OUT;
}

export function matchingCount(c: StatusCounts, type: AbortCriteria['failureType']): number {
  switch (type) {
    case 'FAILED': return c.FAILED;
    case 'REJECTED': return c.REJECTED;
    case 'TIMED_OUT': return c.TIMED_OUT;
    case 'ALL': return c.FAILED + c.REJECTED + c.TIMED_OUT;
  }
}

export interface AbortDecision {
  index: number;
  criteria: AbortCriteria;
  executed: number;
  matching: number;
}

/**
 * The first criterion, in list order, that holds for these counts. Compared in integers
 * (matching * 10000 >= threshold * 100 * executed, threshold has at most two decimals) so
 * 10% of 50 is exactly 5 and never 4.999.
 */
export function firstAbort(list: AbortCriteria[] | undefined, c: StatusCounts):
  AbortDecision | undefined {
  if (!list?.length) return undefined;
  const executed = executedCount(c);
  for (const [index, criteria] of list.entries()) {
    if (executed < criteria.minNumberOfExecutedThings) continue;
    const matching = matchingCount(c, criteria.failureType);
    const hundredths = Math.round(criteria.thresholdPercentage * 100);
    if (matching * 10_000 >= hundredths * executed) return { index, criteria, executed, matching };
  }
  return undefined;
}
