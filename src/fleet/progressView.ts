import type { FleetProgress } from './coordinator.js';

/** One status line for the terminal: redrawn in place on a TTY, printed now and then otherwise. */
export function progressLine(p: FleetProgress, elapsedMs: number, virtualMs: number,
  executions?: Record<string, number>): string {
  const ph = p.phases;
  const mb = (p.bytes / 1e6).toFixed(1);
  const ex = executions
    ? Object.entries(executions).filter(([, n]) => n).map(([k, n]) => `${k} ${n}`).join(' ')
    : '';
  return `[${(elapsedMs / 1000).toFixed(1)}s wall, ${(virtualMs / 1000).toFixed(0)}s virtual] ` +
    `online ${p.connected}/${p.things} | downloading ${ph.downloading ?? 0} ` +
    `rebooting ${ph.rebooting ?? 0} self-test ${ph['self-test'] ?? 0} | ${mb} MB` +
    (ex ? ` | ${ex}` : '');
}

export class ProgressPrinter {
  private last = 0;
  constructor(private readonly out: NodeJS.WriteStream, private readonly everyMs = 5000) {}

  update(line: string): void {
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K${line}`);
      return;
    }
    const now = Date.now();
    if (now - this.last >= this.everyMs) {
      this.last = now;
      this.out.write(`${line}\n`);
    }
  }

  done(line: string): void {
    if (this.out.isTTY) this.out.write(`\r\x1b[2K${line}\n`);
    else this.out.write(`${line}\n`);
  }
}
