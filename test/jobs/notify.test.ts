import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/protocol/errors.js';
import { JobsHarness } from './harness.js';

const headOf = (m: { body: Record<string, unknown> }) =>
  (m.body.execution as { jobId?: string } | undefined)?.jobId ?? null;

function twoJobs() {
  const h = new JobsHarness();
  const [thing] = h.fleet(1) as [string];
  h.createJob({ jobId: 'A' });
  h.clock.advance(1000);
  h.createJob({ jobId: 'B' });
  return { h, thing };
}

describe('notify and notify-next (§3.6)', () => {
  it('notify-next fires on a new head of the queue and not on the device\'s own status updates',
    () => {
      const { h, thing } = twoJobs();
      // A was the first head; B joined behind it: notify twice, notify-next once.
      expect(h.on(thing, 'notify-next').map(headOf)).toEqual(['A']);
      expect(h.on(thing, 'notify')).toHaveLength(2);
      let mark = h.published.length;
      h.update(thing, 'A', { status: 'IN_PROGRESS', statusDetails: { receive: '1/64' } });
      h.update(thing, 'A', { status: 'IN_PROGRESS', statusDetails: { receive: '64/64' } });
      h.update(thing, 'A', { status: 'IN_PROGRESS', stepTimeoutInMinutes: 5,
        statusDetails: { self_test: 'ready', updatedBy: '0x01000000' } });
      h.device(thing, { api: 'start-next' });
      h.device(thing, { api: 'describe', jobId: '$next' });
      h.device(thing, { api: 'get' });
      expect(h.published.slice(mark)).toEqual([]);
      // A ends: B becomes the head.
      h.clock.advance(1000);
      h.update(thing, 'A', { status: 'SUCCEEDED' });
      expect(h.on(thing, 'notify-next', mark).map(headOf)).toEqual(['B']);
      expect(h.on(thing, 'notify', mark).map((m) => m.body.jobs)).toEqual([
        { QUEUED: [{ jobId: 'B', queuedAt: 1767225601, lastUpdatedAt: 1767225601,
          executionNumber: 1, versionNumber: 1 }] }]);
      mark = h.published.length;
      h.update(thing, 'B', { status: 'IN_PROGRESS' });
      expect(h.published.slice(mark)).toEqual([]);
      h.update(thing, 'B', { status: 'FAILED' });
      expect(h.on(thing, 'notify-next', mark).map((m) => m.body)).toEqual([
        { timestamp: 1767225602 }]);
      expect(h.on(thing, 'notify', mark).map((m) => m.body.jobs)).toEqual([{}]);
    });

  it('fires notify-next, and no notify, when a second job goes IN_PROGRESS ahead of the head',
    () => {
      const { h, thing } = twoJobs();
      const mark = h.published.length;
      h.update(thing, 'B', { status: 'IN_PROGRESS' });
      expect(h.on(thing, 'notify-next', mark).map(headOf)).toEqual(['B']);
      expect(h.on(thing, 'notify', mark)).toEqual([]);
    });

  it('sends nothing to other things, and nothing for a rejected update', () => {
    const { h, thing } = twoJobs();
    h.update(thing, 'A', { status: 'SUCCEEDED' });
    const mark = h.published.length;
    expect(h.update(thing, 'A', { status: 'FAILED' }).ok).toBe(false);
    expect(h.update(thing, 'B', { status: 'TIMED_OUT' }).ok).toBe(false);
    expect(h.published.slice(mark)).toEqual([]);
    expect(new Set(h.published.map((p) => p.topic))).toEqual(new Set([
      `$aws/things/${thing}/jobs/notify`, `$aws/things/${thing}/jobs/notify-next`]));
  });
});

describe('CancelJob and CancelJobExecution (§2.3, §2.8, C03)', () => {
  function started() {
    const h = new JobsHarness();
    const [busy, idle] = h.fleet(2) as [string, string];
    const job = h.createJob();
    h.clock.advance(1000);
    h.update(busy, 'job1', { status: 'IN_PROGRESS', statusDetails: { receive: '40/150' } });
    return { h, job, busy, idle };
  }

  it('without force cancels QUEUED executions and leaves IN_PROGRESS ones to finish', () => {
    const { h, job, busy, idle } = started();
    const mark = h.published.length;
    h.jobs.cancelJob('job1', { reasonCode: 'OPERATOR', comment: 'wrong image' });
    expect([job.status, job.forceCanceled, job.reasonCode])
      .toEqual(['CANCELED', false, 'OPERATOR']);
    expect(h.status('job1', idle)).toBe('CANCELED');
    expect(h.status('job1', busy)).toBe('IN_PROGRESS');
    expect(h.on(busy, 'notify', mark)).toEqual([]);
    expect(h.on(busy, 'notify-next', mark)).toEqual([]);
    expect(h.on(idle, 'notify-next', mark).map(headOf)).toEqual([null]);
    expect(h.on(idle, 'notify', mark)).toHaveLength(1);
    expect(h.update(busy, 'job1', { status: 'SUCCEEDED' }).ok).toBe(true);
    expect(job.status).toBe('CANCELED');
    expect(() => h.jobs.cancelJob('job1', {})).toThrow(ApiError);
  });

  it('with force cancels IN_PROGRESS executions too; the device hears notify-next and its ' +
    'next update is rejected', () => {
    const { h, job, busy } = started();
    const mark = h.published.length;
    h.jobs.cancelJob('job1', { force: true });
    const ex = job.executions.get(busy)!;
    expect([ex.status, ex.forceCanceled, job.forceCanceled]).toEqual(['CANCELED', true, true]);
    expect(h.on(busy, 'notify-next', mark).map(headOf)).toEqual([null]);
    const late = h.update(busy, 'job1', { status: 'IN_PROGRESS',
      statusDetails: { receive: '41/150' } });
    expect(late.body).toMatchObject({ code: 'InvalidStateTransition',
      executionState: { status: 'CANCELED' } });
  });

  it('CancelJobExecution: QUEUED at once, IN_PROGRESS only with force, terminal never', () => {
    const { h, job, busy, idle } = started();
    const mark = h.published.length;
    h.jobs.cancelExecution('job1', idle, {});
    expect(h.status('job1', idle)).toBe('CANCELED');
    expect(h.on(idle, 'notify-next', mark).map(headOf)).toEqual([null]);
    expect(() => h.jobs.cancelExecution('job1', busy, {}))
      .toThrow(expect.objectContaining({ type: 'InvalidStateTransitionException' }));
    expect(() => h.jobs.cancelExecution('job1', busy, { force: true, expectedVersion: 1 }))
      .toThrow(expect.objectContaining({ type: 'VersionConflictException' }));
    h.jobs.cancelExecution('job1', busy, { force: true, expectedVersion: 2 });
    expect(job.executions.get(busy)!.forceCanceled).toBe(true);
    expect(() => h.jobs.cancelExecution('job1', busy, { force: true }))
      .toThrow(expect.objectContaining({ type: 'InvalidStateTransitionException' }));
    expect(job.status).toBe('COMPLETED');
  });
});
