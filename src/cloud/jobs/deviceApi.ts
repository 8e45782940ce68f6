import { JobsError } from '../../protocol/errors.js';
import { checkStatusDetails, DEVICE_SETTABLE, isTerminal, type ExecutionStatus }
  from '../../protocol/jobs.js';
import type { JobsRequest } from '../../protocol/topics.js';
import type { ThingThrottle } from './throttle.js';
import { seconds, type JobsEngine } from './engine.js';
import type { Execution, Job } from './types.js';

/**
 * The Jobs device API over MQTT (§3.3): one request in, one accepted or rejected answer out.
 */

export type DeviceAnswer =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; body: Record<string, unknown> };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function handleJobsRequest(engine: JobsEngine, thing: string, req: JobsRequest | undefined,
  payload: Buffer, throttle?: ThingThrottle): DeviceAnswer {
  const ts = seconds(engine.now());
  let msg: Record<string, unknown> = {};
  let clientToken: string | undefined;
  try {
    if (!req) throw new JobsError('InvalidTopic', 'The topic does not name a Jobs API.');
    if (payload.length > 0) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(payload.toString('utf8'));
      } catch {
        throw new JobsError('InvalidJson', 'The request payload is not valid JSON.');
      }
      if (!isObject(parsed)) {
        throw new JobsError('InvalidJson', 'The request payload is not a JSON object.');
      }
      msg = parsed;
      if (msg.clientToken !== undefined) {
        if (typeof msg.clientToken !== 'string' || Buffer.byteLength(msg.clientToken) > 64) {
          throw new JobsError('InvalidRequest',
            'clientToken must be a string of at most 64 characters.');
        }
        clientToken = msg.clientToken;
      }
    }
    if (throttle && !throttle.allow(thing)) {
      throw new JobsError('RequestThrottled',
        `Rate exceeded for thing ${thing}: ${throttle.describe()}.`);
    }
    const body = dispatch(engine, thing, req, msg);
    body.timestamp = ts;
    if (clientToken !== undefined) body.clientToken = clientToken;
    return { ok: true, body };
  } catch (e) {
    if (!(e instanceof JobsError)) throw e;
    const body: Record<string, unknown> = { code: e.code, message: e.message };
    if (clientToken !== undefined) body.clientToken = clientToken;
    body.timestamp = ts;
    const state = (e as JobsError & { state?: unknown }).state;
    if (state) body.executionState = state;
    return { ok: false, body };
  }
}

/** Request members the Jobs API types strictly (§3.3): a wrong type is InvalidRequest. */
function checkTypes(msg: Record<string, unknown>): void {
  for (const k of ['includeJobDocument', 'includeJobExecutionState']) {
    if (msg[k] !== undefined && typeof msg[k] !== 'boolean') {
      throw new JobsError('InvalidRequest', `${k} must be true or false.`);
    }
  }
  const n = msg.executionNumber;
  if (n !== undefined && !(typeof n === 'number' && Number.isInteger(n) && n >= 1)) {
    throw new JobsError('InvalidRequest', 'executionNumber must be a whole number >= 1.');
  }
  const v = msg.expectedVersion;
  // Docs show the version as a string; numbers and numeric strings are both accepted (§2.4).
  if (v !== undefined && !((typeof v === 'number' && Number.isInteger(v)) ||
    (typeof v === 'string' && /^\d+$/.test(v)))) {
    throw new JobsError('InvalidRequest',
      'expectedVersion must be a whole number (or a string of digits).');
  }
}

function dispatch(engine: JobsEngine, thing: string, req: JobsRequest,
  msg: Record<string, unknown>): Record<string, unknown> {
  checkTypes(msg);
  switch (req.api) {
    case 'get': {
      const list = [...engine.pendingFor(thing)].sort((a, b) => a.seq - b.seq);
      return {
        inProgressJobs: list.filter((e) => e.status === 'IN_PROGRESS')
          .map((e) => engine.summaryForDevice(e)),
        queuedJobs: list.filter((e) => e.status === 'QUEUED')
          .map((e) => engine.summaryForDevice(e)),
      };
    }
    case 'start-next': {
      const ex = engine.nextFor(thing);
      if (!ex) return {};
      const job = engine.getJob(ex.jobId);
      const details = msg.statusDetails;
      const err = checkStatusDetails(details);
      if (err) throw new JobsError('InvalidRequest', err);
      const step = stepMinutes(msg.stepTimeoutInMinutes, false);
      if (ex.status === 'QUEUED') {
        if (details) ex.statusDetails = details as Record<string, string>;
        ex.versionNumber += 1;
        engine.setStatus(job, ex, 'IN_PROGRESS');
      }
      if (step !== undefined) engine.setStepTimeout(job, ex, step);
      return { execution: engine.executionForDevice(ex, true) };
    }
    case 'describe': {
      const include = msg.includeJobDocument === undefined ? true : msg.includeJobDocument === true;
      if (req.jobId === '$next') {
        const ex = engine.nextFor(thing);
        return ex ? { execution: engine.executionForDevice(ex, include) } : {};
      }
      const ex = findExecution(engine, thing, req.jobId, msg.executionNumber);
      return { execution: engine.executionForDevice(ex.ex, include) };
    }
    case 'update':
      return update(engine, thing, req.jobId, msg);
  }
}

function findExecution(engine: JobsEngine, thing: string, jobId: string,
  executionNumber?: unknown): { job: Job; ex: Execution } {
  const job = engine.jobs.get(jobId);
  const ex = job?.executions.get(thing);
  if (!job || !ex || (executionNumber !== undefined && executionNumber !== ex.executionNumber)) {
    throw new JobsError('ResourceNotFound',
      `Job execution ${jobId} for thing ${thing} cannot be found.`);
  }
  return { job, ex };
}

function stepMinutes(v: unknown, allowCancel: boolean): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number' && Number.isInteger(v) &&
    ((v >= 1 && v <= 10080) || (allowCancel && v === -1))) return v;
  throw new JobsError('InvalidRequest',
    `stepTimeoutInMinutes is ${JSON.stringify(v)}; expected 1-10080` +
    `${allowCancel ? ' or -1' : ''}.`);
}

function stateOf(ex: Execution) {
  return { status: ex.status, statusDetails: ex.statusDetails, versionNumber: ex.versionNumber };
}

function update(engine: JobsEngine, thing: string, jobId: string,
  msg: Record<string, unknown>): Record<string, unknown> {
  const { job, ex } = findExecution(engine, thing, jobId, msg.executionNumber);
  const status = msg.status as ExecutionStatus;
  if (typeof status !== 'string') throw new JobsError('InvalidRequest', 'status is required.');
  if (!DEVICE_SETTABLE.has(status)) {
    throw new JobsError('InvalidRequest',
      `status ${status} cannot be set by a device; use IN_PROGRESS, SUCCEEDED, FAILED or ` +
      'REJECTED.');
  }
  const err = checkStatusDetails(msg.statusDetails);
  if (err) throw new JobsError('InvalidRequest', err);
  const step = stepMinutes(msg.stepTimeoutInMinutes, true);
  if (isTerminal(ex.status)) {
    throw Object.assign(new JobsError('InvalidStateTransition',
      `The execution of ${jobId} on ${thing} is ${ex.status}, a terminal state; it cannot become ` +
      `${status}.`, true), { state: stateOf(ex) });
  }
  if (msg.expectedVersion !== undefined) {
    const expected = Number(msg.expectedVersion);
    if (expected !== ex.versionNumber) {
      throw Object.assign(new JobsError('VersionMismatch',
        `expectedVersion ${String(msg.expectedVersion)} does not match ${ex.versionNumber}.`, true),
      { state: stateOf(ex) });
    }
  }
  if (msg.statusDetails !== undefined) {
    ex.statusDetails = msg.statusDetails as Record<string, string>;
  }
  ex.versionNumber += 1;
  if (status !== ex.status) engine.setStatus(job, ex, status);
  else {
    ex.lastUpdatedAt = engine.now();
  }
  if (step !== undefined && !isTerminal(ex.status)) engine.setStepTimeout(job, ex, step);
  const body: Record<string, unknown> = {};
  if (msg.includeJobExecutionState === true) body.executionState = stateOf(ex);
  if (msg.includeJobDocument === true) body.jobDocument = engine.documentFor(jobId, thing);
  return body;
}
