import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../src/clock.js';
import type { Cloud } from '../../src/cloud/cloud.js';
import type { CloudClient } from '../../src/client/cloudClient.js';
import type { OtaAgent } from '../../src/device/agent.js';
import type { Behaviour } from '../../src/device/config.js';
import { expectedStatus } from '../../src/fleet/mix.js';
import { cloudForTest, firmware, stage, startAgents, thingConfig, waitFor } from '../helpers.js';

/**
 * The mix behaviours on the real agent and cloud, over loopback MQTT. The clock runs 30 times
 * faster than the wall, so the stalled thing's 1-minute in-progress timeout takes 2 s.
 */
describe('thing behaviours of the --mix', () => {
  let cloud: Cloud;
  let client: CloudClient;
  let agents: OtaAgent[] = [];
  const clock = new ScaledClock({ scale: 30 });

  beforeAll(async () => {
    ({ cloud, client } = await cloudForTest({ clock }));
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await cloud.stop();
  });

  it('each thing reports what the FreeRTOS agent would: accepted, self-test rejected, user ' +
    'abort, and silence until the cloud times the stalled one out', async () => {
    const behaviours: Record<string, Behaviour> = {
      'b-ok': 'ok', 'b-fail': 'fail-self-test', 'b-reject': 'reject', 'b-stall': 'stall' };
    const things = Object.keys(behaviours);
    const s = await stage(cloud, client, { things, image: firmware(64 * 4096) });
    agents = startAgents(things.map((t) => thingConfig(cloud, t, { behaviour: behaviours[t]! })),
      clock);
    await waitFor(() => agents.every((a) => a.stats.connects > 0), 10_000, 'things online');
    await client.call('POST', '/otaUpdates/mix1', { body: {
      targets: [s.groupArn], protocols: ['MQTT'], roleArn: 'arn:aws:iam::123456789012:role/ota',
      awsJobTimeoutConfig: { inProgressTimeoutInMinutes: 1 },
      files: [{ fileName: 'firmware.bin', fileLocation: { s3Location: { bucket: 'fw-bucket',
        key: 'firmware.bin' } }, codeSigning: { awsSignerJobId: s.signingJobId } }],
    } });
    await waitFor(async () => {
      const j = await client.call<{ job: { status: string } }>('GET', '/jobs/AFR_OTA-mix1');
      return j.job.status === 'COMPLETED';
    }, 30_000, 'job COMPLETED');
    const detail = async (t: string) => (await client.call<{ execution: { status: string;
      statusDetails: { detailsMap: Record<string, string> } } }>('GET',
      `/things/${t}/jobs/AFR_OTA-mix1`)).execution;
    const ok = await detail('b-ok');
    const fail = await detail('b-fail');
    const reject = await detail('b-reject');
    const stall = await detail('b-stall');
    expect([ok.status, ok.statusDetails.detailsMap.reason]).toEqual(['SUCCEEDED',
      'accepted  v1.0.1']);
    expect([fail.status, fail.statusDetails.detailsMap.reason]).toEqual(['FAILED',
      'rejected: 0x00000000']);
    expect([reject.status, reject.statusDetails.detailsMap]).toEqual(['FAILED',
      { reason: 'aborted: 0x00000013' }]);
    expect(stall.status).toBe('TIMED_OUT');
    // The stalled thing's last word was a block report (block 1 and every 64th, §5.10).
    expect(stall.statusDetails.detailsMap).toEqual({ receive: '1/64' });
    for (const [t, b] of Object.entries(behaviours)) {
      expect(expectedStatus(b)).toContain((await detail(t)).status);
    }
    const byName = new Map(agents.map((a) => [a.cfg.thingName, a]));
    expect(byName.get('b-reject')!.stats.blocks).toBe(0);
    const stalled = byName.get('b-stall')!.stats;
    expect(stalled.blocks).toBe(32);
    // notify-next after TIMED_OUT made the agent drop the file (C02).
    await waitFor(() => stalled.phase === 'idle', 5_000, 'stalled thing back to idle');
    const d = await client.call<{ job: { jobProcessDetails: Record<string, number> } }>('GET',
      '/jobs/AFR_OTA-mix1');
    expect(d.job.jobProcessDetails).toMatchObject({ numberOfSucceededThings: 1,
      numberOfFailedThings: 2, numberOfTimedOutThings: 1, numberOfQueuedThings: 0,
      numberOfInProgressThings: 0 });
  });
});
