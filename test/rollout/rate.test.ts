import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/protocol/errors.js';
import { countsOf, groupArn, JobsHarness, MINUTE } from '../jobs/harness.js';

/** Times (ms since the job's creation) at which each thing first heard of job1. */
function notificationTimes(h: JobsHarness, createdAt: number): number[] {
  return h.published
    .filter((p) => p.topic.endsWith('/notify-next') &&
      (p.body.execution as { jobId?: string } | undefined)?.jobId === 'job1')
    .map((p) => p.t - createdAt);
}

/** The largest number of times inside any half-open 60-second window. */
function busiestWindow(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j]! < sorted[i]! + MINUTE) j++;
    best = Math.max(best, j - i);
  }
  return best;
}

describe('maximumPerMinute', () => {
  it('1,000 things at 100 per minute: no 60-second window holds more than 100 notifications, ' +
    'and all are notified by minute 10', () => {
    const h = new JobsHarness();
    h.fleet(1000);
    const job = h.createJob({ jobExecutionsRolloutConfig: { maximumPerMinute: 100 } });
    h.clock.advance(10 * MINUTE);
    const times = notificationTimes(h, job.createdAt);
    expect(times).toHaveLength(1000);
    expect(new Set(h.published.filter((p) => p.topic.endsWith('/notify-next'))
      .map((p) => p.topic)).size).toBe(1000);
    expect(busiestWindow(times)).toBe(100);
    expect(Math.max(...times)).toBe(9 * MINUTE + 59_400);
    expect(job.perMinute).toEqual(Array(10).fill(100));
    expect(job.ratePerMinute).toEqual(Array(10).fill(100));
    // Even pacing: one notification every 600 ms of virtual time.
    expect(times.slice(0, 3)).toEqual([0, 600, 1200]);
    expect(job.status).toBe('IN_PROGRESS');
    expect(countsOf(job).numberOfQueuedThings).toBe(1000);
  });

  it('things the rate has not reached have no execution: devices hear nothing, DescribeJob ' +
    'lists them in processingTargets and counts them nowhere', () => {
    const h = new JobsHarness();
    const names = h.fleet(1000);
    const job = h.createJob({ jobExecutionsRolloutConfig: { maximumPerMinute: 100 } });
    h.clock.advance(4 * MINUTE + 30_000);
    // Minutes 0-3 give 400; minute 4 has slots at 0, 0.6 s, ..., 30 s: 51 more.
    expect(job.executions.size).toBe(451);
    const counts = countsOf(job);
    expect(counts.numberOfQueuedThings).toBe(451);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(451);
    expect(job.toRollOut.size).toBe(549);
    const last = names[999]!;
    expect(h.on(last, 'notify')).toHaveLength(0);
    expect(h.on(last, 'notify-next')).toHaveLength(0);
    const next = h.device(last, { api: 'describe', jobId: '$next' });
    expect(next.ok).toBe(true);
    expect(next.body.execution).toBeUndefined();
    const get = h.device(last, { api: 'get' });
    expect(get.body.queuedJobs).toEqual([]);
  });

  it('notifies the first thing at creation, then one every 6 s at 10 per minute', () => {
    const h = new JobsHarness();
    h.fleet(30);
    const job = h.createJob({ jobExecutionsRolloutConfig: { maximumPerMinute: 10 } });
    // Slot 0 fired at creation; nothing else has happened yet.
    expect(job.executions.size).toBe(1);
    h.clock.advance(5999);
    expect(job.executions.size).toBe(1);
    h.clock.advance(1);
    expect(job.executions.size).toBe(2);
    h.clock.advance(MINUTE - 6000);
    expect(job.perMinute).toEqual([10, 1]);
    h.clock.advance(2 * MINUTE);
    expect(job.perMinute).toEqual([10, 10, 10]);
  });

  it('rejects rates outside 1-1000 and factors with two decimals (§2.7)', () => {
    const h = new JobsHarness();
    h.fleet(1);
    const bad = (rollout: object) => {
      expect(() => h.createJob({ jobId: 'bad', jobExecutionsRolloutConfig: rollout }))
        .toThrow(ApiError);
    };
    bad({ maximumPerMinute: 0 });
    bad({ maximumPerMinute: 1001 });
    bad({ exponentialRate: { baseRatePerMinute: 10, incrementFactor: 1.55,
      rateIncreaseCriteria: { numberOfNotifiedThings: 10 } } });
    bad({ exponentialRate: { baseRatePerMinute: 10, incrementFactor: 5.1,
      rateIncreaseCriteria: { numberOfNotifiedThings: 10 } } });
    bad({ exponentialRate: { baseRatePerMinute: 10, incrementFactor: 2,
      rateIncreaseCriteria: {} } });
    expect(h.jobs.jobs.size).toBe(0);
  });
});

describe('exponentialRate', () => {
  it('base 10, factor 2.0, after every 10 notified things: the per-minute counts step ' +
    '10, 20, 40, ... up to the 1000 cap', () => {
    const h = new JobsHarness();
    h.fleet(2000);
    const job = h.createJob({ jobExecutionsRolloutConfig: { exponentialRate: {
      baseRatePerMinute: 10, incrementFactor: 2.0,
      rateIncreaseCriteria: { numberOfNotifiedThings: 10 } } } });
    h.clock.advance(8 * MINUTE);
    expect(job.ratePerMinute).toEqual([10, 20, 40, 80, 160, 320, 640, 1000]);
    // 10+20+...+640 = 1270; the last 730 go out in minute 7 at the capped rate.
    expect(job.perMinute).toEqual([10, 20, 40, 80, 160, 320, 640, 730]);
    expect(job.toRollOut.size).toBe(0);
    expect(busiestWindow(notificationTimes(h, job.createdAt))).toBeLessThanOrEqual(1000);
  });

  it('maximumPerMinute caps the exponential rate', () => {
    const h = new JobsHarness();
    h.fleet(200);
    const job = h.createJob({ jobExecutionsRolloutConfig: { maximumPerMinute: 50, exponentialRate: {
      baseRatePerMinute: 10, incrementFactor: 2.0,
      rateIncreaseCriteria: { numberOfNotifiedThings: 10 } } } });
    h.clock.advance(6 * MINUTE);
    expect(job.perMinute).toEqual([10, 20, 40, 50, 50, 30]);
  });

  it('thresholds accumulate: the §2.7 example (base 50, factor 2, every 1000 notified)', () => {
    const h = new JobsHarness();
    h.fleet(4000);
    const job = h.createJob({ jobExecutionsRolloutConfig: { exponentialRate: {
      baseRatePerMinute: 50, incrementFactor: 2,
      rateIncreaseCriteria: { numberOfNotifiedThings: 1000 } } } });
    h.clock.advance(40 * MINUTE);
    // 20 minutes at 50 reach 1000, 10 at 100 reach 2000, 5 at 200 reach 3000, then 400.
    expect(job.ratePerMinute.slice(0, 20)).toEqual(Array(20).fill(50));
    expect(job.ratePerMinute.slice(20, 30)).toEqual(Array(10).fill(100));
    expect(job.ratePerMinute.slice(30, 35)).toEqual(Array(5).fill(200));
    expect(job.ratePerMinute[35]).toBe(400);
    expect(job.perMinute.reduce((a, b) => a + b, 0)).toBe(4000);
  });

  it('by succeeded things, the rate rises only as devices succeed; factors floor (1.5)', () => {
    const h = new JobsHarness();
    h.fleet(300);
    const job = h.createJob({ jobExecutionsRolloutConfig: { exponentialRate: {
      baseRatePerMinute: 5, incrementFactor: 1.5,
      rateIncreaseCriteria: { numberOfSucceededThings: 5 } } } });
    h.clock.advance(3 * MINUTE - 1);
    expect(job.perMinute).toEqual([5, 5, 5]);
    // From now on every notified device succeeds at once.
    let done = 0;
    for (let m = 0; m < 4; m++) {
      for (const ex of job.executions.values()) {
        if (ex.status === 'QUEUED') {
          h.update(ex.thingName, 'job1', { status: 'SUCCEEDED' });
          done++;
        }
      }
      h.clock.advance(MINUTE);
    }
    expect(done).toBe(job.counts.SUCCEEDED);
    // 15 succeeded earn step 1 (7.5 -> 7) at minute 3; 22 earn step 2 (11), 33 step 3 (16),
    // 49 step 4 (25).
    expect(job.ratePerMinute).toEqual([5, 5, 5, 7, 11, 16, 25]);
    expect(job.perMinute).toEqual([5, 5, 5, 7, 11, 16, 25]);
  });

  it('uses the group it was given, not things added to the group later (SNAPSHOT)', () => {
    const h = new JobsHarness();
    h.fleet(3);
    const job = h.createJob({ targets: [groupArn('g')] });
    h.fleet(2, 'g', 3);
    h.clock.advance(MINUTE);
    expect([...job.executions.keys()]).toEqual(['t0000', 't0001', 't0002']);
  });
});
