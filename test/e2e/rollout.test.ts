import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../src/clock.js';
import type { Cloud } from '../../src/cloud/cloud.js';
import type { CloudClient } from '../../src/client/cloudClient.js';
import type { OtaAgent } from '../../src/device/agent.js';
import { cloudForTest, firmware, stage, startAgents, thingConfig, waitFor } from '../helpers.js';

describe('a small rollout over the embedded broker', () => {
  let cloud: Cloud;
  let client: CloudClient;
  let agents: OtaAgent[] = [];
  const clock = new ScaledClock({ scale: 1 });

  beforeAll(async () => {
    ({ cloud, client } = await cloudForTest({ clock }));
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await cloud.stop();
  });

  it('takes five things to SUCCEEDED with the agent status messages', async () => {
    const things = ['t1', 't2', 't3', 't4', 't5'];
    const s = await stage(cloud, client, { things, image: firmware(20_000) });
    agents = startAgents(things.map((t) => thingConfig(cloud, t)), clock);
    const created = await client.call('POST', '/otaUpdates/small1', { body: {
      targets: [s.groupArn], protocols: ['MQTT'], roleArn: 'arn:aws:iam::123456789012:role/ota',
      files: [{ fileName: 'firmware.bin', fileLocation: { s3Location: { bucket: 'fw-bucket',
        key: 'firmware.bin' } }, codeSigning: { awsSignerJobId: s.signingJobId } }],
    } });
    expect(created.otaUpdateStatus).toBe('CREATE_PENDING');
    await waitFor(async () => {
      const j = await client.call<{ job: { status: string } }>('GET', '/jobs/AFR_OTA-small1');
      return j.job.status === 'COMPLETED';
    }, 30_000, 'job COMPLETED');
    const ex = await client.call<{ execution: { status: string; statusDetails: { detailsMap:
      Record<string, string> } } }>('GET', '/things/t1/jobs/AFR_OTA-small1');
    expect(ex.execution.status).toBe('SUCCEEDED');
    expect(ex.execution.statusDetails.detailsMap).toEqual({
      reason: 'accepted  v1.0.1', updatedBy: '  v1.0.0' });
    expect(agents.map((a) => a.stats.outcome?.status)).toEqual(Array(5).fill('SUCCEEDED'));
  });
});
