import { describe, expect, it } from 'vitest';
import { describeJob } from '../../src/cloud/api/shapes.js';
import type { AbortCriteria } from '../../src/cloud/jobs/types.js';
import { JobsHarness, MINUTE } from './harness.js';

const fail10after50: AbortCriteria = {
  failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 10, minNumberOfExecutedThings: 50,
};

/**
 * 300 things at 100 per minute. After the first minute, 100 are QUEUED and 200 wait for the
 * rollout; the first `started` things go IN_PROGRESS, then finish one per 5 virtual ms with
 * the verdicts `fails(i)` gives. Returns the index of the update after which the job was
 * CANCELED (or -1).
 */
function run(fails: (i: number) => boolean, started: number) {
  const h = new JobsHarness();
  const names = h.fleet(300);
  const job = h.createJob({ jobExecutionsRolloutConfig: { maximumPerMinute: 100 },
    abortConfig: { criteriaList: [fail10after50] } });
  // Minute 0's 100 slots end at 59.4 s; the updates below all fit before minute 1 starts.
  h.clock.advance(59_400);
  expect(job.executions.size).toBe(100);
  for (const t of names.slice(0, started)) {
    expect(h.update(t, 'job1', { status: 'IN_PROGRESS', statusDetails: { receive: '1/64' } }).ok)
      .toBe(true);
  }
  let firedAfter = -1;
  for (let i = 0; i < started && firedAfter < 0; i++) {
    expect(job.status).toBe('IN_PROGRESS');
    const thing = names[i]!;
    h.clock.advance(5);
    const status = fails(i) ? 'FAILED' : 'SUCCEEDED';
    expect(h.update(thing, 'job1', { status }).ok).toBe(true);
    if (job.status === 'CANCELED') firedAfter = i;
  }
  return { h, job, names, firedAfter };
}

/** The first 1-based completion count at which the rule holds, replayed independently. */
function expectedFiring(fails: (i: number) => boolean, n: number): number {
  let failed = 0;
  for (let i = 0; i < n; i++) {
    if (fails(i)) failed++;
    const executed = i + 1;
    if (executed >= 50 && failed * 100 >= 10 * executed) return i;
  }
  return -1;
}

describe('abortConfig', () => {
  it('20% of things fail; abort at 10% FAILED after at least 50 executed: the job is CANCELED ' +
    'at the first moment the rule holds, QUEUED executions are CANCELED, none IN_PROGRESS is ' +
    'touched', () => {
    // Every fifth thing fails: the share is over 10% from the third completion on, so the
    // minimum of 50 executed is what holds the rule back until the 50th completion.
    const fails = (i: number) => i % 5 === 2;
    const { h, job, names, firedAfter } = run(fails, 70);
    expect(firedAfter).toBe(expectedFiring(fails, 70));
    expect(firedAfter).toBe(49);
    const fired = h.clock.now();
    expect(job.abort).toMatchObject({ at: fired, criteriaIndex: 0, completed: 50, matching: 10 });
    expect(job.abort!.counts).toMatchObject({ SUCCEEDED: 40, FAILED: 10, IN_PROGRESS: 20,
      QUEUED: 30 });
    expect(job.completedAt).toBe(fired);
    // QUEUED executions (things 70-99) were canceled with the job; things 100-299 never got one.
    for (const t of names.slice(70, 100)) expect(h.status('job1', t)).toBe('CANCELED');
    for (const t of names.slice(100)) expect(job.executions.has(t)).toBe(false);
    // The 20 IN_PROGRESS ones are still IN_PROGRESS, not force-canceled, and got no message.
    for (const t of names.slice(50, 70)) {
      const ex = job.executions.get(t)!;
      expect([ex.status, ex.versionNumber, ex.statusDetails])
        .toEqual(['IN_PROGRESS', 2, { receive: '1/64' }]);
      expect(ex.forceCanceled).toBeUndefined();
      expect(h.on(t, 'notify-next').filter((m) => m.t === fired)).toEqual([]);
      expect(h.on(t, 'notify').filter((m) => m.t === fired)).toEqual([]);
    }
    // A canceled QUEUED thing hears that its queue is empty.
    expect(h.on(names[70]!, 'notify-next').filter((m) => m.t === fired).map((m) => m.body))
      .toEqual([{ timestamp: Math.floor(fired / 1000) }]);
    const d = describeJob(job);
    expect(d).toMatchObject({ status: 'CANCELED', reasonCode: 'ABORT_CRITERIA_MET',
      comment: 'Job aborted: 10 of 50 executed things were FAILED (threshold 10%, minimum 50).' });
    expect(d.jobProcessDetails).toEqual({ numberOfCanceledThings: 30, numberOfSucceededThings: 40,
      numberOfFailedThings: 10, numberOfRejectedThings: 0, numberOfQueuedThings: 0,
      numberOfInProgressThings: 20, numberOfRemovedThings: 0, numberOfTimedOutThings: 0 });
    expect(d.isConcurrent).toBe(false);
    // The rollout stopped: nobody else is notified, even much later.
    h.clock.advance(10 * MINUTE);
    expect(job.executions.size).toBe(100);
    // In-flight devices may still finish; the job stays CANCELED.
    expect(h.update(names[50]!, 'job1', { status: 'SUCCEEDED' }).ok).toBe(true);
    expect(job.status).toBe('CANCELED');
    expect(job.abort!.completed).toBe(50);
  });

  it('fires at the first completion where the share reaches the threshold', () => {
    // 48 successes, then only failures: 6 of 54 (11.1%) is the first share at or over 10%.
    const fails = (i: number) => i >= 48;
    const { job, firedAfter } = run(fails, 60);
    expect(firedAfter).toBe(expectedFiring(fails, 60));
    expect(firedAfter).toBe(53);
    expect(job.abort).toMatchObject({ completed: 54, matching: 6 });
  });

  it('does not fire while the share stays under the threshold', () => {
    const fails = (i: number) => i % 20 === 0;
    const { job, firedAfter } = run(fails, 80);
    expect(firedAfter).toBe(-1);
    expect(job.status).toBe('IN_PROGRESS');
    expect(job.abort).toBeUndefined();
  });

  it('counts REJECTED, TIMED_OUT and ALL by their own statuses, in list order', () => {
    const h = new JobsHarness();
    const names = h.fleet(4);
    const job = h.createJob({
      timeoutConfig: { inProgressTimeoutInMinutes: 1 },
      abortConfig: { criteriaList: [
        { failureType: 'REJECTED', action: 'CANCEL', thresholdPercentage: 50,
          minNumberOfExecutedThings: 2 },
        { failureType: 'TIMED_OUT', action: 'CANCEL', thresholdPercentage: 50,
          minNumberOfExecutedThings: 2 },
        { failureType: 'ALL', action: 'CANCEL', thresholdPercentage: 66.66,
          minNumberOfExecutedThings: 3 },
      ] },
    });
    h.clock.advance(1000);
    h.update(names[0]!, 'job1', { status: 'REJECTED' });
    h.update(names[1]!, 'job1', { status: 'SUCCEEDED' });
    // REJECTED is 1 of 2 = 50%: the first rule fires on the second completion.
    expect(job.status).toBe('CANCELED');
    expect(job.abort).toMatchObject({ criteriaIndex: 0, completed: 2, matching: 1 });

    const h2 = new JobsHarness();
    const n2 = h2.fleet(4);
    const job2 = h2.createJob({ timeoutConfig: { inProgressTimeoutInMinutes: 1 },
      abortConfig: job.abortConfig });
    h2.clock.advance(1000);
    h2.update(n2[0]!, 'job1', { status: 'IN_PROGRESS' });
    h2.update(n2[1]!, 'job1', { status: 'FAILED' });
    h2.update(n2[2]!, 'job1', { status: 'SUCCEEDED' });
    expect(job2.status).toBe('IN_PROGRESS');
    // The timer ends the first execution: TIMED_OUT is 1 of 3 and misses 50%, but ALL is
    // 2 of 3, which clears 66.66% (and would miss 66.67%).
    h2.clock.advance(MINUTE);
    expect(h2.status('job1', n2[0]!)).toBe('TIMED_OUT');
    expect(job2.status).toBe('CANCELED');
    expect(job2.abort).toMatchObject({ criteriaIndex: 2, completed: 3, matching: 2 });
    expect(h2.status('job1', n2[3]!)).toBe('CANCELED');
  });

  it('leaves CANCELED and REMOVED executions out of the executed count', () => {
    const h = new JobsHarness();
    const names = h.fleet(3);
    const job = h.createJob({ abortConfig: { criteriaList: [{ failureType: 'ALL',
      action: 'CANCEL', thresholdPercentage: 100, minNumberOfExecutedThings: 1 }] } });
    h.clock.advance(1000);
    h.jobs.cancelExecution('job1', names[0]!, {});
    expect(job.status).toBe('IN_PROGRESS');
    h.update(names[1]!, 'job1', { status: 'SUCCEEDED' });
    expect(job.status).toBe('IN_PROGRESS');
    h.update(names[2]!, 'job1', { status: 'FAILED' });
    expect(job.status).toBe('COMPLETED');
  });
});
