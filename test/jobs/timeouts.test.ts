import { describe, expect, it } from 'vitest';
import { describeExecution } from '../../src/cloud/api/shapes.js';
import { JobsHarness, MINUTE } from './harness.js';

describe('in-progress and step timeouts (§2.6, C02)', () => {
  it('a stalled thing with a 5-minute in-progress timeout is TIMED_OUT at exactly 5 minutes, ' +
    'and its late update is rejected with InvalidStateTransition', () => {
    const h = new JobsHarness();
    const [thing] = h.fleet(1) as [string];
    const job = h.createJob({ timeoutConfig: { inProgressTimeoutInMinutes: 5 } });
    h.clock.advance(10_000);
    // The agent's first block report starts the timer; then the thing stalls: no more updates.
    expect(h.update(thing, 'job1', { status: 'IN_PROGRESS', statusDetails: { receive: '1/64' } })
      .ok).toBe(true);
    const started = h.clock.now();
    const ex = job.executions.get(thing)!;
    expect(describeExecution(h.jobs, ex, 'arn').approximateSecondsBeforeTimedOut).toBe(300);
    const mark = h.published.length;
    h.clock.advance(5 * MINUTE - 1);
    expect(ex.status).toBe('IN_PROGRESS');
    expect(describeExecution(h.jobs, ex, 'arn').approximateSecondsBeforeTimedOut).toBe(0);
    h.clock.advance(1);
    expect(ex.status).toBe('TIMED_OUT');
    expect(ex.lastUpdatedAt - started).toBe(5 * MINUTE);
    expect(ex.statusDetails).toEqual({ receive: '1/64' });
    expect(describeExecution(h.jobs, ex, 'arn').approximateSecondsBeforeTimedOut).toBeUndefined();
    // The device learns only that its queue changed: notify-next without an execution.
    const ts = Math.floor(h.clock.now() / 1000);
    expect(h.on(thing, 'notify-next', mark).map((m) => m.body)).toEqual([{ timestamp: ts }]);
    expect(h.on(thing, 'notify', mark).map((m) => m.body)).toEqual([{ timestamp: ts, jobs: {} }]);
    expect(job.status).toBe('COMPLETED');

    const late = h.update(thing, 'job1', { status: 'IN_PROGRESS',
      statusDetails: { receive: '64/64' }, clientToken: 'late' });
    expect(late.ok).toBe(false);
    expect(late.body).toMatchObject({ code: 'InvalidStateTransition', clientToken: 'late',
      executionState: { status: 'TIMED_OUT', statusDetails: { receive: '1/64' },
        versionNumber: 2 } });
    const success = h.update(thing, 'job1', { status: 'SUCCEEDED' });
    expect(success.body.code).toBe('InvalidStateTransition');
    expect(ex.status).toBe('TIMED_OUT');
  });

  it('keeps a QUEUED execution without a timer: the in-progress timeout starts at IN_PROGRESS',
    () => {
      const h = new JobsHarness();
      const [thing] = h.fleet(1) as [string];
      const job = h.createJob({ timeoutConfig: { inProgressTimeoutInMinutes: 1 } });
      h.clock.advance(10 * MINUTE);
      expect(job.executions.get(thing)!.status).toBe('QUEUED');
      expect(h.clock.pending()).toBe(0);
    });

  it('follows the §2.6 worked example: step timers replace each other and never pass the ' +
    'in-progress deadline', () => {
    const h = new JobsHarness();
    const [thing] = h.fleet(1) as [string];
    const job = h.createJob({ timeoutConfig: { inProgressTimeoutInMinutes: 20 } });
    const ex = job.executions.get(thing)!;
    const left = () => describeExecution(h.jobs, ex, 'arn').approximateSecondsBeforeTimedOut;
    h.update(thing, 'job1', { status: 'IN_PROGRESS' }); // 12:00, deadline 12:20
    h.clock.advance(5 * MINUTE);
    h.update(thing, 'job1', { status: 'IN_PROGRESS', stepTimeoutInMinutes: 7 }); // 12:05 -> 12:12
    expect(left()).toBe(7 * 60);
    h.clock.advance(5 * MINUTE);
    h.update(thing, 'job1', { status: 'IN_PROGRESS', stepTimeoutInMinutes: 5 }); // 12:10 -> 12:15
    expect(left()).toBe(5 * 60);
    h.clock.advance(3 * MINUTE);
    h.update(thing, 'job1', { status: 'IN_PROGRESS', stepTimeoutInMinutes: 9 }); // 12:13 -> 12:20
    expect(left()).toBe(7 * 60);
    h.clock.advance(7 * MINUTE - 1);
    expect(ex.status).toBe('IN_PROGRESS');
    h.clock.advance(1);
    expect(ex.status).toBe('TIMED_OUT');
    expect(ex.lastUpdatedAt - ex.startedAt!).toBe(20 * MINUTE);
  });

  it('a step timeout sent with start-next times the execution out without an in-progress timer',
    () => {
      const h = new JobsHarness();
      const [thing] = h.fleet(1) as [string];
      const job = h.createJob();
      const started = h.device(thing, { api: 'start-next' }, { stepTimeoutInMinutes: 3 });
      expect(started.body.execution).toMatchObject({ status: 'IN_PROGRESS',
        approximateSecondsBeforeTimedOut: 180 });
      h.clock.advance(3 * MINUTE);
      expect(job.executions.get(thing)!.status).toBe('TIMED_OUT');
      expect(h.update(thing, 'job1', { status: 'SUCCEEDED' }).body.code)
        .toBe('InvalidStateTransition');
    });

  it('stepTimeoutInMinutes -1 cancels the step timer and leaves the in-progress one', () => {
    const h = new JobsHarness();
    const [thing] = h.fleet(1) as [string];
    const job = h.createJob({ timeoutConfig: { inProgressTimeoutInMinutes: 10 } });
    h.update(thing, 'job1', { status: 'IN_PROGRESS', stepTimeoutInMinutes: 2 });
    h.clock.advance(MINUTE);
    h.update(thing, 'job1', { status: 'IN_PROGRESS', stepTimeoutInMinutes: -1 });
    h.clock.advance(5 * MINUTE);
    const ex = job.executions.get(thing)!;
    expect(ex.status).toBe('IN_PROGRESS');
    h.clock.advance(4 * MINUTE);
    expect(ex.status).toBe('TIMED_OUT');
  });

  it('a terminal report stops every timer', () => {
    const h = new JobsHarness();
    const [thing] = h.fleet(1) as [string];
    const job = h.createJob({ timeoutConfig: { inProgressTimeoutInMinutes: 1 } });
    h.update(thing, 'job1', { status: 'IN_PROGRESS', stepTimeoutInMinutes: 1 });
    h.update(thing, 'job1', { status: 'SUCCEEDED' });
    expect(h.clock.pending()).toBe(0);
    h.clock.advance(2 * MINUTE);
    expect(job.executions.get(thing)!.status).toBe('SUCCEEDED');
  });
});
