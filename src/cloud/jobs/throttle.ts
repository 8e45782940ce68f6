/**
 * Per-thing request limit for the Jobs MQTT API (case C24: polling faster than allowed gets
 * RequestThrottled answers, not silence). A token bucket on the cloud's virtual clock: `rate`
 * requests per second with bursts of `burst`.
 */
export class ThingThrottle {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly rate: number, private readonly burst: number,
    private readonly now: () => number) {}

  allow(thing: string): boolean {
    const t = this.now();
    const b = this.buckets.get(thing) ?? { tokens: this.burst, at: t };
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.rate);
    b.at = t;
    this.buckets.set(thing, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  describe(): string {
    return `at most ${this.rate} requests per second per thing (bursts of ${this.burst})`;
  }
}
