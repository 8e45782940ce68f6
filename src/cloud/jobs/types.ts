import type { TimerHandle } from '../../clock.js';
import type { ExecutionStatus, JobStatus, StatusDetails } from '../../protocol/jobs.js';
import type { StatusCounts } from './abort.js';
import type { PaceState, RolloutQueue } from './rollout.js';

export interface RateIncreaseCriteria {
  numberOfNotifiedThings?: number;
  numberOfSucceededThings?: number;
}

export interface RolloutConfig {
  maximumPerMinute?: number;
  exponentialRate?: {
    baseRatePerMinute: number;
    incrementFactor: number;
    rateIncreaseCriteria: RateIncreaseCriteria;
  };
}

export type FailureType = 'FAILED' | 'REJECTED' | 'TIMED_OUT' | 'ALL';

export interface AbortCriteria {
  failureType: FailureType;
  action: 'CANCEL';
  thresholdPercentage: number;
  minNumberOfExecutedThings: number;
}

export interface CreateJobInput {
  jobId: string;
  targets: string[];
  document: string;
  description?: string;
  targetSelection?: 'SNAPSHOT' | 'CONTINUOUS';
  jobExecutionsRolloutConfig?: RolloutConfig;
  abortConfig?: { criteriaList: AbortCriteria[] };
  timeoutConfig?: { inProgressTimeoutInMinutes?: number };
  presignedUrlConfig?: { roleArn?: string; expiresInSec?: number };
  tags?: Array<{ Key: string; Value?: string }>;
}

export interface Execution {
  jobId: string;
  thingName: string;
  status: ExecutionStatus;
  statusDetails: StatusDetails;
  queuedAt: number;
  startedAt?: number;
  lastUpdatedAt: number;
  versionNumber: number;
  executionNumber: number;
  forceCanceled?: boolean;
  /** Creation order across the whole cloud: `$next` orders by it. */
  seq: number;
  inProgressDeadline?: number;
  stepDeadline?: number;
  timer?: TimerHandle;
}

export interface AbortRecord {
  at: number;
  criteria: AbortCriteria;
  /** Position of the criterion that fired in abortConfig.criteriaList. */
  criteriaIndex: number;
  /** Executed (SUCCEEDED + FAILED + REJECTED + TIMED_OUT) executions when it fired. */
  completed: number;
  matching: number;
  /** Every status count at the instant the rule fired, before QUEUED ones were canceled. */
  counts: StatusCounts;
}

export interface HistoryEvent {
  t: number;
  thing: string;
  status: ExecutionStatus;
}

export interface Job {
  jobId: string;
  jobArn: string;
  description?: string;
  document: string;
  targets: string[];
  targetSelection: 'SNAPSHOT' | 'CONTINUOUS';
  status: JobStatus;
  rollout?: RolloutConfig;
  abortConfig?: { criteriaList: AbortCriteria[] };
  timeoutConfig?: { inProgressTimeoutInMinutes?: number };
  presignedUrlConfig?: { roleArn?: string; expiresInSec?: number };
  createdAt: number;
  lastUpdatedAt: number;
  completedAt?: number;
  forceCanceled?: boolean;
  reasonCode?: string;
  comment?: string;
  executions: Map<string, Execution>;
  /** Live count of executions per status: DescribeJob reads it, abort rules test it. */
  counts: StatusCounts;
  /** Things resolved from the targets that have no execution yet (see rollout.ts). */
  toRollOut: RolloutQueue;
  rolloutTimer?: TimerHandle;
  pace: PaceState;
  /** Executions created (= devices notified) in each virtual minute since createdAt. */
  perMinute: number[];
  /** The rollout rate in effect in each virtual minute. */
  ratePerMinute: number[];
  /** Executions ever created for this job: the numberOfNotifiedThings criterion. */
  notified: number;
  currentRate: number;
  rateSteps: number;
  abort?: AbortRecord;
  history: HistoryEvent[];
}
