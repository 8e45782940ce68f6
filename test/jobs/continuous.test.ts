import { describe, expect, it } from 'vitest';
import { countsOf, groupArn, JobsHarness, MINUTE } from './harness.js';

describe('CONTINUOUS targets (§2.7, §2.3)', () => {
  it('a thing added to the group after creation gets the job and succeeds; a thing removed ' +
    'from it shows REMOVED', () => {
    const h = new JobsHarness();
    const names = h.fleet(3);
    const job = h.createJob({ targetSelection: 'CONTINUOUS' });
    h.clock.advance(MINUTE);
    expect(job.executions.size).toBe(3);

    const [joiner] = h.fleet(1, 'g', 10) as [string];
    const ex = job.executions.get(joiner)!;
    expect(ex.status).toBe('QUEUED');
    expect(ex.queuedAt).toBe(h.clock.now());
    expect(h.on(joiner, 'notify-next').map((m) => (m.body.execution as { jobId: string }).jobId))
      .toEqual(['job1']);
    h.update(joiner, 'job1', { status: 'IN_PROGRESS', statusDetails: { receive: '1/1' } });
    h.update(joiner, 'job1', { status: 'SUCCEEDED',
      statusDetails: { reason: 'accepted  v1.0.1' } });
    expect(ex.status).toBe('SUCCEEDED');

    // A QUEUED and an IN_PROGRESS execution leave with their things.
    h.update(names[1]!, 'job1', { status: 'IN_PROGRESS' });
    const mark = h.published.length;
    h.core.registry.removeFromGroup('g', names[0]!);
    h.core.registry.removeFromGroup('g', names[1]!);
    expect(h.status('job1', names[0]!)).toBe('REMOVED');
    expect(h.status('job1', names[1]!)).toBe('REMOVED');
    expect(h.on(names[0]!, 'notify-next', mark).map((m) => m.body.execution)).toEqual([undefined]);
    expect(h.update(names[1]!, 'job1', { status: 'SUCCEEDED' }).body.code)
      .toBe('InvalidStateTransition');
    // A thing that already finished keeps its verdict when it leaves.
    h.core.registry.removeFromGroup('g', joiner);
    expect(ex.status).toBe('SUCCEEDED');

    expect(countsOf(job)).toMatchObject({ numberOfRemovedThings: 2, numberOfSucceededThings: 1,
      numberOfQueuedThings: 1 });
    // Continuous jobs never complete on their own.
    h.update(names[2]!, 'job1', { status: 'SUCCEEDED' });
    expect(job.status).toBe('IN_PROGRESS');
  });

  it('gives a thing that comes back after REMOVED a new execution', () => {
    const h = new JobsHarness();
    const [thing] = h.fleet(1) as [string];
    const job = h.createJob({ targetSelection: 'CONTINUOUS' });
    h.core.registry.removeFromGroup('g', thing);
    expect(job.counts.REMOVED).toBe(1);
    h.core.registry.addToGroup('g', thing);
    const ex = job.executions.get(thing)!;
    expect([ex.status, ex.executionNumber]).toEqual(['QUEUED', 2]);
    expect(countsOf(job)).toMatchObject({ numberOfRemovedThings: 0, numberOfQueuedThings: 1 });
  });

  it('joiners skip the rollout rate; a leaver that was still waiting is simply dropped', () => {
    const h = new JobsHarness();
    const names = h.fleet(20);
    const job = h.createJob({ targetSelection: 'CONTINUOUS',
      jobExecutionsRolloutConfig: { maximumPerMinute: 2 } });
    expect(job.executions.size).toBe(1);
    h.fleet(3, 'g', 100);
    expect(job.executions.size).toBe(4);
    h.core.registry.removeFromGroup('g', names[19]!);
    expect(job.toRollOut.size).toBe(18);
    expect(job.executions.has(names[19]!)).toBe(false);
    expect(job.counts.REMOVED).toBe(0);
  });

  it('keeps the execution of a thing still named by another target of the job', () => {
    const h = new JobsHarness();
    const [thing] = h.fleet(1) as [string];
    const thingArn = `arn:aws:iot:us-east-1:123456789012:thing/${thing}`;
    const job = h.createJob({ targetSelection: 'CONTINUOUS', targets: [groupArn('g'), thingArn] });
    h.core.registry.removeFromGroup('g', thing);
    expect(job.executions.get(thing)!.status).toBe('QUEUED');
  });

  it('a SNAPSHOT job ignores group changes after creation', () => {
    const h = new JobsHarness();
    const [thing] = h.fleet(1) as [string];
    const job = h.createJob();
    h.fleet(1, 'g', 5);
    h.core.registry.removeFromGroup('g', thing);
    expect([...job.executions.keys()]).toEqual([thing]);
    expect(job.executions.get(thing)!.status).toBe('QUEUED');
  });
});
