import { DEFAULTS } from '../../protocol/defaults.js';
import type { Job, Execution } from '../jobs/types.js';
import type { JobsEngine } from '../jobs/engine.js';
import type { OtaUpdate } from '../otaUpdates.js';
import { isConcurrent, processDetails } from '../jobs/processDetails.js';

/** Control-plane JSON shapes (§2.10, §1.4): epoch seconds with fractional milliseconds. */
export const epoch = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

function clean<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

export function jobProcessDetails(job: Job) {
  return processDetails(job);
}

export function describeJob(job: Job) {
  return clean({
    jobArn: job.jobArn,
    jobId: job.jobId,
    targetSelection: job.targetSelection,
    status: job.status,
    forceCanceled: job.forceCanceled,
    reasonCode: job.reasonCode,
    comment: job.comment,
    targets: job.targets,
    description: job.description,
    presignedUrlConfig: job.presignedUrlConfig,
    jobExecutionsRolloutConfig: job.rollout,
    abortConfig: job.abortConfig,
    createdAt: epoch(job.createdAt),
    lastUpdatedAt: epoch(job.lastUpdatedAt),
    completedAt: epoch(job.completedAt),
    jobProcessDetails: clean(jobProcessDetails(job)),
    timeoutConfig: job.timeoutConfig,
    isConcurrent: isConcurrent(job),
  });
}

export function jobSummary(job: Job) {
  return clean({
    jobArn: job.jobArn,
    jobId: job.jobId,
    thingGroupId: undefined,
    targetSelection: job.targetSelection,
    status: job.status,
    createdAt: epoch(job.createdAt),
    lastUpdatedAt: epoch(job.lastUpdatedAt),
    completedAt: epoch(job.completedAt),
    isConcurrent: isConcurrent(job),
  });
}

export function executionSummary(ex: Execution) {
  return clean({
    status: ex.status,
    queuedAt: epoch(ex.queuedAt),
    startedAt: epoch(ex.startedAt),
    lastUpdatedAt: epoch(ex.lastUpdatedAt),
    executionNumber: ex.executionNumber,
  });
}

export function describeExecution(engine: JobsEngine, ex: Execution, thingArn: string) {
  return clean({
    jobId: ex.jobId,
    status: ex.status,
    forceCanceled: ex.forceCanceled,
    // The management API wraps statusDetails in detailsMap (§2.5, §9 point 9).
    statusDetails: { detailsMap: ex.statusDetails },
    thingArn,
    queuedAt: epoch(ex.queuedAt),
    startedAt: epoch(ex.startedAt),
    lastUpdatedAt: epoch(ex.lastUpdatedAt),
    executionNumber: ex.executionNumber,
    versionNumber: ex.versionNumber,
    approximateSecondsBeforeTimedOut: engine.secondsBeforeTimeout(ex),
  });
}

export function otaUpdateInfo(u: OtaUpdate) {
  const i = u.input;
  return clean({
    otaUpdateId: u.otaUpdateId,
    otaUpdateArn: u.otaUpdateArn,
    creationDate: epoch(u.creationDate),
    lastModifiedDate: epoch(u.lastModifiedDate),
    description: i.description,
    targets: i.targets,
    protocols: i.protocols ?? ['MQTT'],
    awsJobExecutionsRolloutConfig: i.awsJobExecutionsRolloutConfig ?? { maximumPerMinute: 0 },
    awsJobPresignedUrlConfig: i.awsJobPresignedUrlConfig ??
      { expiresInSec: DEFAULTS.otaPresignedExpiresInSec },
    targetSelection: i.targetSelection ?? 'SNAPSHOT',
    otaUpdateFiles: u.files,
    otaUpdateStatus: u.status,
    awsIotJobId: u.status === 'CREATE_COMPLETE' ? u.awsIotJobId : undefined,
    awsIotJobArn: u.status === 'CREATE_COMPLETE' ? u.awsIotJobArn : undefined,
    errorInfo: u.errorInfo,
    additionalParameters: i.additionalParameters,
  });
}
