import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../src/clock.js';
import type { Cloud } from '../../src/cloud/cloud.js';
import type { CloudClient } from '../../src/client/cloudClient.js';
import { runFleetCommand } from '../../src/fleet/fleetCommand.js';
import { uploadAndSign } from '../../src/fleet/stage.js';
import { cloudForTest, firmware, tmpDir, waitFor } from '../helpers.js';

/** `ota-sim fleet` against a running cloud, with a stalled thing the cloud times out. */
describe('the fleet command', () => {
  let cloud: Cloud;
  let client: CloudClient;
  beforeAll(async () => {
    ({ cloud, client } = await cloudForTest({ clock: new ScaledClock({ scale: 60 }) }));
  });
  afterAll(async () => { await cloud.stop(); });

  it('runs until every thing is done, counting a timed-out stall as done, and reports it',
    async () => {
      const dir = tmpDir();
      const report = path.join(dir, 'fleet.json');
      const run = runFleetCommand({
        endpointUrl: cloud.endpointUrl, things: 5, group: 'fc', prefix: 'fc-', workers: 1,
        report, until: 'done', idleSeconds: 30, mix: 'stall=20', seed: 3,
        signing: 'ecdsa-sha256', crypto: 'node', protocol: 'MQTT', subscribeReplies: false,
        timeoutSec: 120, quiet: true,
      });
      await waitFor(async () => {
        const g = await client.call<{ things: string[] }>('GET', '/thing-groups/fc/things')
          .catch(() => ({ things: [] }));
        return g.things.length === 5;
      }, 20_000, 'things registered');
      const s = await uploadAndSign(client, { bucket: 'fw', key: 'fc.bin', image: firmware(20_000),
        platformId: 'AmazonFreeRTOS-Default', certname: '/certs/codesign.crt', profileName: 'fc' });
      await client.call('POST', '/otaUpdates/fc1', { body: {
        targets: ['arn:aws:iot:us-east-1:123456789012:thinggroup/fc'],
        roleArn: 'arn:aws:iam::123456789012:role/ota',
        awsJobTimeoutConfig: { inProgressTimeoutInMinutes: 2 },
        files: [{ fileLocation: { s3Location: { bucket: 'fw', key: 'fc.bin' } },
          codeSigning: { awsSignerJobId: s.signingJobId } }],
      } });
      const ok = await run;
      expect(ok).toBe(false);
      const r = JSON.parse(fs.readFileSync(report, 'utf8')) as { things: number; jobId: string;
        jobStatus: string; executions: Record<string, number>; virtualDurationMs: number;
        fleetExecutions: Record<string, number>; failures: Array<{ status: string }> };
      expect([r.things, r.jobId, r.jobStatus]).toEqual([5, 'AFR_OTA-fc1', 'COMPLETED']);
      expect(r.executions).toEqual({ SUCCEEDED: 4, TIMED_OUT: 1 });
      expect(r.fleetExecutions).toEqual({ SUCCEEDED: 4 });
      expect(r.failures.map((f) => f.status)).toEqual(['TIMED_OUT']);
      const j = await client.call<{ job: { jobProcessDetails: Record<string, number> } }>(
        'GET', '/jobs/AFR_OTA-fc1');
      expect(j.job.jobProcessDetails.numberOfTimedOutThings).toBe(1);
      expect(r.virtualDurationMs).toBeGreaterThanOrEqual(120_000);
    });
});
