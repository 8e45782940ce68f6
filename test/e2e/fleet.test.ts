import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../src/clock.js';
import type { Cloud } from '../../src/cloud/cloud.js';
import type { CloudClient } from '../../src/client/cloudClient.js';
import { Fleet, type FleetResult } from '../../src/fleet/coordinator.js';
import type { DeviceProfile, ThingSpec } from '../../src/fleet/protocol.js';
import { createChain } from '../../src/pki/index.js';
import { OtaAgent } from '../../src/device/agent.js';
import { cloudForTest, firmware, stage, thingConfig, waitFor } from '../helpers.js';

/**
 * Fifty things in piscina workers against the embedded broker: the main job in miniature, with
 * one corrupted image, one untrusted signer and one latecomer.
 */
describe('a 50-thing rollout through the fleet coordinator', () => {
  let cloud: Cloud;
  let client: CloudClient;
  let result: FleetResult;
  let late: OtaAgent;
  const clock = new ScaledClock({ scale: 1 });
  const names = Array.from({ length: 50 }, (_, i) => `fleet-${i + 1}`);

  beforeAll(async () => {
    ({ cloud, client } = await cloudForTest({ clock }));
    const s = await stage(cloud, client,
      { things: [...names, 'latecomer'], image: firmware(40_000) });
    const foreign = await createChain({ kind: 'ecdsa', commonNamePrefix: 'foreign' });
    const base = thingConfig(cloud, 'template');
    const { thingName: _n, behaviour: _b, faults: _f, ...profile } = base;
    const specs: ThingSpec[] = names.map((name) => ({ name, behaviour: 'ok' }));
    specs[3] = { name: names[3]!, behaviour: 'ok', faults: { corruptBlock: 2 } };
    specs[7] = { name: names[7]!, behaviour: 'ok',
      overrides: { certStore: { '/certs/codesign.crt': foreign.leafPem } } };
    const fleet = new Fleet({ clock: cloud.info().clock, profile: profile as DeviceProfile,
      things: specs, workers: 2, connectSpreadMs: 200 });
    await waitFor(() => fleet.progress().connected === 50, 30_000, 'fleet online');
    await client.call('POST', '/otaUpdates/fleet50', { body: {
      targets: [s.groupArn], roleArn: 'arn:aws:iam::123456789012:role/ota',
      files: [{ fileName: 'firmware.bin', fileLocation: { s3Location: { bucket: 'fw-bucket',
        key: 'firmware.bin' } }, codeSigning: { awsSignerJobId: s.signingJobId } }],
    } });
    await waitFor(async () => {
      const j = await client.call<{ job: { jobProcessDetails: { numberOfQueuedThings: number } } }>(
        'GET', '/jobs/AFR_OTA-fleet50');
      return j.job.jobProcessDetails.numberOfQueuedThings >= 1;
    }, 10_000, 'job created');
    // Connects only after the job exists: it must ask for its job, not wait for notify-next.
    late = new OtaAgent(thingConfig(cloud, 'latecomer'), clock);
    late.start();
    await waitFor(async () => {
      const j = await client.call<{ job: { status: string } }>('GET', '/jobs/AFR_OTA-fleet50');
      return j.job.status === 'COMPLETED';
    }, 60_000, 'job COMPLETED');
    result = await fleet.stop();
  });
  afterAll(async () => {
    await late?.stop();
    await cloud.stop();
  });

  async function execution(thing: string) {
    return (await client.call<{ execution: { status: string; statusDetails: { detailsMap:
      Record<string, string> } } }>('GET', `/things/${thing}/jobs/AFR_OTA-fleet50`)).execution;
  }

  it('takes every healthy thing to SUCCEEDED', async () => {
    expect(result.outcomes).toEqual({ SUCCEEDED: 48, FAILED: 2 });
    const j = await client.call<{ job: { jobProcessDetails: Record<string, number> } }>(
      'GET', '/jobs/AFR_OTA-fleet50');
    expect(j.job.jobProcessDetails.numberOfSucceededThings).toBe(49);
    expect(j.job.jobProcessDetails.numberOfFailedThings).toBe(2);
  });

  it('fails the thing whose image had one byte changed with the signature-check ' +
    'reason', async () => {
    const ex = await execution(names[3]!);
    expect(ex.status).toBe('FAILED');
    expect(ex.statusDetails.detailsMap).toEqual({ reason: '0x000000e3: 0x00000000' });
  });

  it('fails the thing whose signer certificate does not chain to its root, ' +
    'distinctly', async () => {
    const ex = await execution(names[7]!);
    expect(ex.status).toBe('FAILED');
    expect(ex.statusDetails.detailsMap).toEqual({ reason: '0x000000e7: 0x00000001' });
  });

  it('gives the job to a thing that connected after it was created', async () => {
    const ex = await execution('latecomer');
    expect(ex.status).toBe('SUCCEEDED');
    expect(late.stats.outcome?.status).toBe('SUCCEEDED');
  });
});
