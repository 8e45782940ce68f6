import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { runDemo } from '../../src/fleet/demo.js';

/** The demo over mutual TLS, small enough for the suite (1,000 things is run by hand). */
describe('ota-sim demo --tls', () => {
  // Handshakes take wall time the virtual clock does not scale: at --time-scale 60 the 16 s
  // self-test window is 0.27 s of wall time, which 40 simultaneous TLS reconnects can miss.
  it('ends with every execution SUCCEEDED, each thing on its own certificate', async () => {
    const r = await runDemo({ things: 40, protocol: 'MQTT', fileSize: 32 * 1024,
      signing: 'ecdsa-sha256', crypto: 'node', timeScale: 10, seed: 1, workers: 2,
      timeoutSec: 120, tls: true, quiet: true,
      // The default fixture path is resolved for dist/, not for the sources vitest runs.
      otaUpdateFile: path.resolve('fixtures', 'demo-ota-update.json') });
    expect(r.cloudInfo.mqttsUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    expect([r.ok, r.report.executions]).toEqual([true, { SUCCEEDED: 40 }]);
    expect(r.fleet.results.every((t) => t.connects >= 2)).toBe(true);
  });
});
