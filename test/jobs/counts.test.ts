import { describe, expect, it } from 'vitest';
import { describeJob } from '../../src/cloud/api/shapes.js';
import { seededRandom } from '../../src/fleet/mix.js';
import type { Job } from '../../src/cloud/jobs/types.js';
import { countsOf, JobsHarness, recount, thingName } from './harness.js';

const STATUSES = ['IN_PROGRESS', 'IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'REJECTED'] as const;

function check(job: Job, targeted: number | undefined): void {
  expect(countsOf(job)).toEqual(recount(job));
  const d = describeJob(job).jobProcessDetails;
  const waiting = job.toRollOut.size;
  expect(d.processingTargets?.length ?? 0).toBe(waiting);
  for (const arn of d.processingTargets ?? []) {
    expect(job.executions.has(arn.slice(arn.lastIndexOf('/') + 1))).toBe(false);
  }
  const { processingTargets: _p, ...counts } = d;
  const sum = Object.values(counts).reduce((a, b) => a + b, 0);
  expect(sum).toBe(job.executions.size);
  if (targeted !== undefined && job.status === 'IN_PROGRESS') expect(sum + waiting).toBe(targeted);
}

describe('jobProcessDetails', () => {
  it('is right at every moment of a random rollout with timeouts, aborts, cancels and ' +
    'CONTINUOUS membership changes', () => {
    for (const seed of [1, 2, 3, 4]) {
      const h = new JobsHarness();
      const rnd = seededRandom(seed);
      const pick = <T>(a: readonly T[]) => a[Math.floor(rnd() * a.length)]!;
      const names = h.fleet(120);
      const snap = h.createJob({ jobId: 'snap',
        jobExecutionsRolloutConfig: { maximumPerMinute: 30 },
        timeoutConfig: { inProgressTimeoutInMinutes: 2 },
        abortConfig: { criteriaList: [{ failureType: 'ALL', action: 'CANCEL',
          thresholdPercentage: 70, minNumberOfExecutedThings: 40 }] } });
      const cont = h.createJob({ jobId: 'cont', targetSelection: 'CONTINUOUS',
        jobExecutionsRolloutConfig: { maximumPerMinute: 20 } });
      let extra = 1000;
      for (let step = 0; step < 1500; step++) {
        const r = rnd();
        if (r < 0.3) h.clock.advance(Math.floor(rnd() * 20_000));
        else if (r < 0.8) {
          const job = pick([snap, cont]);
          const thing = pick([...job.executions.keys()].concat(names[0]!));
          h.update(thing, job.jobId, { status: pick(STATUSES),
            ...(rnd() < 0.2 ? { stepTimeoutInMinutes: 1 } : {}) });
        } else if (r < 0.85) {
          const job = pick([snap, cont]);
          const thing = pick([...job.executions.keys()].concat(names[0]!));
          try {
            h.jobs.cancelExecution(job.jobId, thing, { force: rnd() < 0.5 });
          } catch { /* terminal or not forced: the counts must not move either way */ }
        } else if (r < 0.93) {
          h.core.registry.createThing(thingName(extra));
          h.core.registry.addToGroup('g', thingName(extra++));
        } else {
          const members = [...h.core.registry.getGroup('g').members];
          if (members.length) h.core.registry.removeFromGroup('g', pick(members));
        }
        check(snap, 120);
        check(cont, undefined);
      }
      h.clock.advance(60 * 60_000);
      check(snap, 120);
      check(cont, undefined);
      expect(['COMPLETED', 'CANCELED']).toContain(snap.status);
      expect(snap.counts.QUEUED + (snap.status === 'COMPLETED' ? snap.counts.IN_PROGRESS : 0))
        .toBe(0);
    }
  });
});
