import { SimError } from '../protocol/errors.js';
import type { Behaviour } from '../device/config.js';

/**
 * `--mix fail=20,reject=5,stall=5`: percentages of things whose application fails the
 * self-test, rejects the update, or stalls mid-download. Assignment is seeded, so a replay
 * with the same seed picks the same things.
 */
export type Mix = Partial<Record<'fail' | 'reject' | 'stall', number>>;

const BEHAVIOUR: Record<keyof Mix, Behaviour> = {
  fail: 'fail-self-test',
  reject: 'reject',
  stall: 'stall',
};

export function parseMix(text: string | undefined): Mix {
  const mix: Mix = {};
  if (!text) return mix;
  let total = 0;
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(fail|reject|stall)=(\d+(?:\.\d+)?)$/.exec(part);
    if (!m) {
      throw new SimError('OTASIM_BAD_OPTION',
        `--mix: '${part}' is not NAME=PERCENT with NAME one of fail, reject, stall`);
    }
    const pct = Number(m[2]);
    total += pct;
    mix[m[1] as keyof Mix] = pct;
  }
  if (total > 100) {
    throw new SimError('OTASIM_BAD_OPTION', `--mix: percentages add up to ${total} (> 100)`);
  }
  return mix;
}

/** mulberry32: small, fast, and good enough to pick things reproducibly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Exactly round(pct% of n) things per behaviour, chosen by a seeded shuffle, so the counts in a
 * report are the configured ones and not a sample of them.
 */
export function assignBehaviours(n: number, mix: Mix, seed: number): Behaviour[] {
  const out: Behaviour[] = new Array(n).fill('ok');
  const order = Array.from({ length: n }, (_, i) => i);
  const rnd = seededRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  let cursor = 0;
  for (const key of ['fail', 'reject', 'stall'] as const) {
    const count = Math.round(((mix[key] ?? 0) / 100) * n);
    for (let k = 0; k < count && cursor < n; k++) out[order[cursor++]!] = BEHAVIOUR[key];
  }
  return out;
}

/** The terminal status each behaviour should end in: what "ended as expected" means. */
export function expectedStatus(b: Behaviour): string[] {
  switch (b) {
    case 'ok': return ['SUCCEEDED'];
    case 'fail-self-test': return ['FAILED'];
    case 'reject': return ['FAILED'];
    case 'stall': return ['TIMED_OUT', 'IN_PROGRESS', 'CANCELED'];
  }
}
