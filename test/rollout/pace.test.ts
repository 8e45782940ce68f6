import { describe, expect, it } from 'vitest';
import { MINUTE, nextDue, rateAtStep, recordSent, RolloutQueue, stepEarned,
  type PaceState } from '../../src/cloud/jobs/rollout.js';

describe('rollout pacing', () => {
  it('spreads a minute\'s notifications evenly and waits for the next minute when it is full',
    () => {
    const p: PaceState = { createdAt: 1000, minute: 0, sentThisMinute: 0, recent: [] };
    expect(nextDue(p, 4)).toBe(1000);
    recordSent(p, 1000, 4);
    expect(nextDue(p, 4)).toBe(16_000);
    recordSent(p, 16_000, 4);
    recordSent(p, 31_000, 4);
    recordSent(p, 46_000, 4);
    expect(nextDue(p, 4)).toBe(61_000);
  });

  it('holds a notification back while the rate-th previous one is under 60 s old ' +
    '(a late timer cannot crowd one window)', () => {
    // Minute 0's ten slots all fired 5 s late; minute 1's first slot must wait for them.
    const recent = Array.from({ length: 10 }, (_, i) => 5000 + i * 6000);
    const p: PaceState = { createdAt: 0, minute: 1, sentThisMinute: 0, recent };
    expect(nextDue(p, 10)).toBe(65_000);
    // A higher rate in the new minute leaves room at once.
    expect(nextDue(p, 20)).toBe(MINUTE);
  });

  it('keeps only the recent times the window check can use', () => {
    const p: PaceState = { createdAt: 0, minute: 0, sentThisMinute: 0, recent: [] };
    for (let i = 0; i < 21; i++) recordSent(p, i, 10);
    expect(p.recent).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
  });

  it('computes exponential rates floored and capped', () => {
    const r = { maximumPerMinute: 500, exponentialRate: { baseRatePerMinute: 10,
      incrementFactor: 1.1, rateIncreaseCriteria: { numberOfNotifiedThings: 5 } } };
    expect([0, 1, 2, 3].map((s) => rateAtStep(r, s))).toEqual([10, 11, 12, 13]);
    expect(rateAtStep(r, 60)).toBe(500);
    expect(stepEarned(r, 2, 9, 0)).toBe(false);
    expect(stepEarned(r, 2, 10, 0)).toBe(true);
    const both = { exponentialRate: { baseRatePerMinute: 1, incrementFactor: 2,
      rateIncreaseCriteria: { numberOfNotifiedThings: 100, numberOfSucceededThings: 3 } } };
    expect(stepEarned(both, 1, 0, 3)).toBe(true);
    expect(stepEarned(both, 1, 99, 2)).toBe(false);
  });
});

describe('RolloutQueue', () => {
  it('hands things out in order, skips removed ones, and lists what is left', () => {
    const q = new RolloutQueue(['a', 'b', 'c', 'd']);
    expect(q.shift()).toBe('a');
    expect(q.remove('c')).toBe(true);
    expect(q.remove('a')).toBe(false);
    expect(q.list()).toEqual(['b', 'd']);
    expect(q.size).toBe(2);
    expect(q.shift()).toBe('b');
    expect(q.shift()).toBe('d');
    expect(q.shift()).toBeUndefined();
    expect(q.size).toBe(0);
  });
});
