import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../src/clock.js';
import type { Cloud } from '../../src/cloud/cloud.js';
import type { CloudClient } from '../../src/client/cloudClient.js';
import type { OtaAgent } from '../../src/device/agent.js';
import { provisionThingCertificates } from '../../src/fleet/tlsIdentities.js';
import { firmware, stage, startAgents, thingConfig, waitFor } from '../helpers.js';
import { tlsCloud } from './fixtures.js';

describe('an OTA update over mutual TLS', () => {
  let cloud: Cloud;
  let client: CloudClient;
  let agents: OtaAgent[] = [];
  const clock = new ScaledClock({ scale: 1 });

  beforeAll(async () => {
    ({ cloud, client } = await tlsCloud({ clock }));
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await client.close();
    await cloud.stop();
  });

  it('takes things with their own certificates to SUCCEEDED over the TLS port', async () => {
    const things = ['ota-tls-1', 'ota-tls-2'];
    const s = await stage(cloud, client, { things, image: firmware(20_000) });
    const { identities } = await provisionThingCertificates(client, things);
    const rootPem = cloud.info().tlsRootPem;
    agents = startAgents(identities.map((id) => thingConfig(cloud, id.thingName, {
      mqttUrl: cloud.mqttsUrl!, mqttUsername: '?SDK=ota-sim&Version=0.1.0',
      tls: { certPem: id.certPem, keyPem: id.keyPem, caPem: rootPem },
    })), clock);
    await client.call('POST', '/otaUpdates/tls1', { body: {
      targets: [s.groupArn], protocols: ['MQTT'], roleArn: 'arn:aws:iam::123456789012:role/ota',
      files: [{ fileName: 'firmware.bin', fileLocation: { s3Location: { bucket: 'fw-bucket',
        key: 'firmware.bin' } }, codeSigning: { awsSignerJobId: s.signingJobId } }],
    } });
    await waitFor(async () => {
      const j = await client.call<{ job: { status: string } }>('GET', '/jobs/AFR_OTA-tls1');
      return j.job.status === 'COMPLETED';
    }, 30_000, 'job COMPLETED');
    const statuses = [];
    for (const t of things) {
      const ex = await client.call<{ execution: { status: string } }>('GET',
        `/things/${t}/jobs/AFR_OTA-tls1`);
      statuses.push(ex.execution.status);
    }
    expect(statuses).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    // Each agent connected at least twice (boot and after the self-test reboot), all over TLS.
    expect(agents.map((a) => a.stats.connects >= 2)).toEqual([true, true]);
  });
});
