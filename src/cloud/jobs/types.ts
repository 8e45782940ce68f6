import type { TimerHandle } from '../../clock.js';
import type { ExecutionStatus, JobStatus, StatusDetails } from '../../protocol/jobs.js';

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
  completed: number;
  matching: number;
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
  /** Things resolved from the targets that have no execution yet (rate-limited). */
  toRollOut: string[];
  rolloutTimer?: TimerHandle;
  /** Executions created in each virtual minute since createdAt. */
  perMinute: number[];
  currentRate: number;
  rateSteps: number;
  abort?: AbortRecord;
  history: HistoryEvent[];
}
