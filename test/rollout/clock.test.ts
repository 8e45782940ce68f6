import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ScaledClock } from '../../src/clock.js';
import { CloudCore } from '../../src/cloud/core.js';
import { ACCOUNT, groupArn } from '../jobs/harness.js';

/** The real ScaledClock against faked wall time: no sleeps, exact figures. */
describe('the virtual clock at --time-scale 60', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs a minute of virtual time per wall second, and two processes with the same anchor ' +
    'read the same time', () => {
    const cloudClock = new ScaledClock({ scale: 60 });
    const fleetClock = new ScaledClock(cloudClock.anchor());
    const t0 = cloudClock.now();
    vi.advanceTimersByTime(2500);
    expect(cloudClock.now() - t0).toBe(150_000);
    expect(fleetClock.now()).toBe(cloudClock.now());
    let fired = -1;
    cloudClock.setTimeout(() => { fired = cloudClock.now() - t0; }, 60_000);
    vi.advanceTimersByTime(999);
    expect(fired).toBe(-1);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(210_000);
  });

  it('keeps a wall-time floor on timers that wait on the network, and only those', () => {
    const clock = new ScaledClock({ scale: 60 });
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('plain'), 16_000);
    clock.setTimeout(() => fired.push('network'), 16_000, { minWallMs: 3000 });
    clock.setTimeout(() => fired.push('short'), 1000, { minWallMs: 3000 });
    vi.advanceTimersByTime(267);
    expect(fired).toEqual(['plain']);
    vi.advanceTimersByTime(733);
    expect(fired).toEqual(['plain', 'short']);
    vi.advanceTimersByTime(1999);
    expect(fired).toEqual(['plain', 'short']);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['plain', 'short', 'network']);
  });

  it('a 10-minute rollout ends in 10 s of wall time and its timestamps read as 10 minutes',
    () => {
      const clock = new ScaledClock({ scale: 60 });
      const core = new CloudCore({ clock, account: ACCOUNT, publish: () => {},
        chains: () => { throw new Error('unused'); } });
      core.registry.createGroup('g');
      for (let i = 0; i < 1000; i++) {
        core.registry.createThing(`t${i}`);
        core.registry.addToGroup('g', `t${i}`);
      }
      const job = core.jobs.createJob({ jobId: 'j', targets: [groupArn('g')], document: '{}',
        jobExecutionsRolloutConfig: { maximumPerMinute: 100 } });
      const wall0 = Date.now();
      vi.advanceTimersByTime(9_990);
      expect(job.executions.size).toBe(1000);
      expect(Date.now() - wall0).toBe(9_990);
      const last = Math.max(...[...job.executions.values()].map((e) => e.queuedAt));
      expect(last - job.createdAt).toBe(9 * 60_000 + 59_400);
      expect(job.perMinute).toEqual(Array(10).fill(100));
    });
});
