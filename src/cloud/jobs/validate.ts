import { ApiError } from '../../protocol/errors.js';
import type { CreateJobInput } from './types.js';

/** CreateJob limits from the service model (§2.1, §2.6–2.8). */

const JOB_ID = /^[a-zA-Z0-9_-]{1,64}$/;

function bad(message: string): never {
  throw new ApiError('InvalidRequestException', message);
}

function intIn(name: string, v: unknown, min: number, max: number): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    bad(`${name} is ${JSON.stringify(v)}; expected an integer from ${min} to ${max}`);
  }
}

function decimals(v: number): number {
  const s = String(v);
  const i = s.indexOf('.');
  return i < 0 ? 0 : s.length - i - 1;
}

export function validateCreateJob(input: CreateJobInput): void {
  if (!JOB_ID.test(input.jobId ?? '')) {
    bad(`jobId '${input.jobId}' must be 1-64 characters of [a-zA-Z0-9_-]`);
  }
  if (!Array.isArray(input.targets) || input.targets.length === 0) {
    bad('targets must list at least one thing or thing-group ARN');
  }
  for (const t of input.targets) {
    if (typeof t !== 'string' || t.length < 1 || t.length > 2048) {
      bad(`target ${JSON.stringify(t)} must be a string of 1-2048 characters`);
    }
  }
  if (typeof input.document !== 'string' || input.document.length > 32768) {
    bad('document must be a JSON string of at most 32768 characters');
  }
  try {
    JSON.parse(input.document);
  } catch (e) {
    bad(`document is not valid JSON: ${(e as Error).message}`);
  }
  if (input.description !== undefined && input.description.length > 2028) {
    bad(`description is ${input.description.length} characters; at most 2028 allowed`);
  }
  const sel = input.targetSelection;
  if (sel !== undefined && sel !== 'SNAPSHOT' && sel !== 'CONTINUOUS') {
    bad(`targetSelection '${sel}' must be SNAPSHOT or CONTINUOUS`);
  }
  const r = input.jobExecutionsRolloutConfig;
  if (r) {
    intIn('jobExecutionsRolloutConfig.maximumPerMinute', r.maximumPerMinute, 1, 1000);
    const e = r.exponentialRate;
    if (e) {
      intIn('exponentialRate.baseRatePerMinute', e.baseRatePerMinute, 1, 1000);
      if (e.baseRatePerMinute === undefined) bad('exponentialRate.baseRatePerMinute is required');
      const f = e.incrementFactor;
      if (typeof f !== 'number' || f < 1.1 || f > 5 || decimals(f) > 1) {
        bad(`exponentialRate.incrementFactor is ${JSON.stringify(f)}; expected 1.1-5.0 with at ` +
          'most one decimal');
      }
      const c = e.rateIncreaseCriteria;
      if (!c ||
        (c.numberOfNotifiedThings === undefined && c.numberOfSucceededThings === undefined)) {
        bad('exponentialRate.rateIncreaseCriteria needs numberOfNotifiedThings or ' +
          'numberOfSucceededThings');
      }
      const most = 2 ** 31 - 1;
      intIn('rateIncreaseCriteria.numberOfNotifiedThings', c.numberOfNotifiedThings, 1, most);
      intIn('rateIncreaseCriteria.numberOfSucceededThings', c.numberOfSucceededThings, 1, most);
    }
  }
  for (const [i, c] of (input.abortConfig?.criteriaList ?? []).entries()) {
    const where = `abortConfig.criteriaList[${i}]`;
    if (!['FAILED', 'REJECTED', 'TIMED_OUT', 'ALL'].includes(c.failureType)) {
      bad(`${where}.failureType '${c.failureType}' must be FAILED, REJECTED, TIMED_OUT or ALL`);
    }
    if (c.action !== 'CANCEL') bad(`${where}.action '${c.action}' must be CANCEL`);
    const p = c.thresholdPercentage;
    if (typeof p !== 'number' || p < 0 || p > 100 || decimals(p) > 2) {
      bad(`${where}.thresholdPercentage is ${JSON.stringify(p)}; expected 0-100 with at most two ` +
        'decimals');
    }
    intIn(`${where}.minNumberOfExecutedThings`, c.minNumberOfExecutedThings, 1, 2 ** 31 - 1);
    if (c.minNumberOfExecutedThings === undefined) {
      bad(`${where}.minNumberOfExecutedThings is required`);
    }
  }
  intIn('timeoutConfig.inProgressTimeoutInMinutes', input.timeoutConfig?.inProgressTimeoutInMinutes,
    1, 10080);
  intIn('presignedUrlConfig.expiresInSec', input.presignedUrlConfig?.expiresInSec, 60, 3600);
}
