/**
 * The virtual clock every timer goes through (design.md "The virtual clock").
 *
 * Virtual time = anchorVirtual + (wall elapsed since anchorWall) * scale. Two processes that
 * share the anchors and the scale read the same virtual time, which is how the fleet follows
 * the cloud's clock without a round trip per read.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Virtual epoch milliseconds. */
  now(): number;
  /**
   * Runs `fn` after `ms` virtual milliseconds. `minWallMs` is for timers that wait on the
   * network, which the virtual clock does not speed up: such a timer never fires sooner than
   * min(minWallMs, ms) wall milliseconds, so a high time scale cannot turn a round trip into a
   * timeout. At scale 1 it changes nothing; a manual clock ignores it.
   */
  setTimeout(fn: () => void, ms: number, opts?: { minWallMs?: number }): TimerHandle;
  readonly scale: number;
}

export interface ClockAnchor {
  scale: number;
  anchorWall: number;
  anchorVirtual: number;
}

export class ScaledClock implements Clock {
  readonly scale: number;
  private readonly anchorWall: number;
  private readonly anchorVirtual: number;

  constructor(anchor: Partial<ClockAnchor> = {}) {
    const wall = Date.now();
    this.scale = anchor.scale ?? 1;
    if (!(this.scale > 0)) throw new RangeError(`time scale must be > 0, got ${this.scale}`);
    this.anchorWall = anchor.anchorWall ?? wall;
    this.anchorVirtual = anchor.anchorVirtual ?? wall;
  }

  anchor(): ClockAnchor {
    return { scale: this.scale, anchorWall: this.anchorWall, anchorVirtual: this.anchorVirtual };
  }

  now(): number {
    return this.anchorVirtual + (Date.now() - this.anchorWall) * this.scale;
  }

  setTimeout(fn: () => void, ms: number, opts?: { minWallMs?: number }): TimerHandle {
    let wall = Math.max(0, ms / this.scale);
    if (opts?.minWallMs) wall = Math.max(wall, Math.min(opts.minWallMs, ms));
    const t = setTimeout(fn, wall);
    // Simulation timers must not keep a finished process alive.
    t.unref();
    return { cancel: () => clearTimeout(t) };
  }
}

interface ManualTimer {
  at: number;
  seq: number;
  fn: () => void;
  live: boolean;
}

/** A clock that moves only when told to: tests use it instead of sleeping. */
export class ManualClock implements Clock {
  readonly scale = 1;
  private current: number;
  private seq = 0;
  private timers: ManualTimer[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: ManualTimer = {
      at: this.current + Math.max(0, ms), seq: this.seq++, fn, live: true,
    };
    this.timers.push(timer);
    return { cancel: () => { timer.live = false; } };
  }

  /** Moves time forward, firing due timers in time order (ties in creation order). */
  advance(ms: number): void {
    const end = this.current + ms;
    for (;;) {
      this.timers = this.timers.filter((t) => t.live);
      let next: ManualTimer | undefined;
      for (const t of this.timers) {
        if (t.at <= end && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) {
          next = t;
        }
      }
      if (!next) break;
      next.live = false;
      this.current = Math.max(this.current, next.at);
      next.fn();
    }
    this.current = end;
  }

  pending(): number {
    return this.timers.filter((t) => t.live).length;
  }
}
