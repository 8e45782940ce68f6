import { DEFAULTS } from '../../protocol/defaults.js';
import type { RolloutConfig } from './types.js';

/**
 * Rollout pacing (protocol.md §2.7) as pure functions, so the engine only asks "when is the next
 * notification due" and "what is the rate now".
 *
 * How "stay QUEUED" reads here (the reference is silent, §2.7 gives the AWS model):
 * - A target thing that the rate has not reached yet has NO execution. It waits in the job's
 *   rollout queue, is listed in `processingTargets`, is counted in no `numberOf*Things` field,
 *   and its device hears nothing (no notify, no notify-next, `$next` does not see it).
 * - Rolling a thing out creates its execution as QUEUED and notifies the device at that
 *   instant. "Notified per minute" therefore equals "executions created per minute", and
 *   `numberOfQueuedThings` counts only executions that exist and have not started.
 *
 * Pacing inside a minute: minute k (from the job's creation) has one rate r_k. While the rate is
 * what holds the rollout back, its r_k notifications are spread evenly, the i-th due at
 * start_k + floor(i * 60 s / r_k): a burst would hit the simulated cloud and fleet as one spike,
 * which no rollout config asked for. When everything still waiting fits in what is left of the
 * minute's allowance, it goes out at once (4 targets at 10 per minute: all 4 now), so pacing
 * never stretches a rollout the rate does not limit. On top of the slots, a sliding-window check
 * refuses a notification while the r_k-th previous one is less than 60 s old, so no 60-second
 * window ever holds more than the rate even when timers fire late on a loaded machine.
 *
 * Exponential rate: the rate changes only at a minute boundary, by at most one step per minute.
 * Step s is earned once numberOfNotifiedThings * s things were notified (or
 * numberOfSucceededThings * s succeeded; either criterion suffices), so thresholds accumulate as
 * in the §2.7 example, and the per-minute counts read base, base*f, base*f^2, ... Rates are
 * floored and capped by maximumPerMinute (default 1000).
 */

export const MINUTE = 60_000;

export function rateCap(r: RolloutConfig | undefined): number {
  return r?.maximumPerMinute ?? DEFAULTS.maximumPerMinute;
}

export function initialRate(r: RolloutConfig | undefined): number {
  const cap = rateCap(r);
  return r?.exponentialRate ? Math.min(cap, r.exponentialRate.baseRatePerMinute) : cap;
}

/** The rate after `step` increases; a tiny epsilon keeps 1.1-style factors from flooring low. */
export function rateAtStep(r: RolloutConfig | undefined, step: number): number {
  const exp = r?.exponentialRate;
  if (!exp) return rateCap(r);
  const raw = exp.baseRatePerMinute * exp.incrementFactor ** step;
  return Math.min(rateCap(r), Math.floor(raw + 1e-9));
}

/** Whether step `step` (1-based) has been earned by the counts so far. */
export function stepEarned(r: RolloutConfig | undefined, step: number, notified: number,
  succeeded: number): boolean {
  const c = r?.exponentialRate?.rateIncreaseCriteria;
  if (!c) return false;
  const byNotified = c.numberOfNotifiedThings !== undefined &&
    notified >= c.numberOfNotifiedThings * step;
  const bySucceeded = c.numberOfSucceededThings !== undefined &&
    succeeded >= c.numberOfSucceededThings * step;
  return byNotified || bySucceeded;
}

export interface PaceState {
  createdAt: number;
  /** The minute whose slots are being filled. */
  minute: number;
  /** Notifications made by the rollout in `minute`. */
  sentThisMinute: number;
  /** Times of recent rollout notifications, oldest first. */
  recent: number[];
}

/** The earliest virtual time the next rollout notification may happen. */
export function nextDue(p: PaceState, rate: number, waiting = Infinity): number {
  const start = p.createdAt + p.minute * MINUTE;
  if (p.sentThisMinute >= rate) return start + MINUTE;
  const fits = waiting <= rate - p.sentThisMinute;
  let due = fits ? start : start + Math.floor((p.sentThisMinute * MINUTE) / rate);
  if (p.recent.length >= rate) due = Math.max(due, p.recent[p.recent.length - rate]! + MINUTE);
  return due;
}

/** Remembers a notification; keeps only what the window check can still need. */
export function recordSent(p: PaceState, at: number, cap: number): void {
  p.sentThisMinute += 1;
  p.recent.push(at);
  if (p.recent.length > 2 * cap) p.recent.splice(0, p.recent.length - cap);
}

/**
 * The things a job still has to roll out, in target order. A queue with a moving head, so
 * taking the next thing is O(1) even for a 20,000-thing job; removal (a thing leaving a
 * CONTINUOUS group before its turn) only forgets the name.
 */
export class RolloutQueue {
  private readonly order: string[];
  private readonly waiting: Set<string>;
  private head = 0;

  constructor(things: string[]) {
    this.order = [...things];
    this.waiting = new Set(things);
  }

  get size(): number {
    return this.waiting.size;
  }

  has(thing: string): boolean {
    return this.waiting.has(thing);
  }

  shift(): string | undefined {
    while (this.head < this.order.length) {
      const t = this.order[this.head++]!;
      if (this.waiting.delete(t)) return t;
    }
    return undefined;
  }

  remove(thing: string): boolean {
    return this.waiting.delete(thing);
  }

  clear(): void {
    this.waiting.clear();
    this.head = this.order.length;
  }

  /** The first `limit` waiting things, in rollout order. */
  list(limit = Infinity): string[] {
    const out: string[] = [];
    for (let i = this.head; i < this.order.length && out.length < limit; i++) {
      const t = this.order[i]!;
      if (this.waiting.has(t)) out.push(t);
    }
    return out;
  }
}
