import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Cloud } from '../../src/cloud/cloud.js';
import type { CloudClient } from '../../src/client/cloudClient.js';
import type { OtaAgent } from '../../src/device/agent.js';
import { packVersion } from '../../src/protocol/agentStatus.js';
import { cloudForTest, firmware } from '../helpers.js';
import {
  createOta, deviceConfig, pump, stageSigned, startAgent, StatusRecorder,
} from '../device/support.js';

/** Field cases that need the real jobs engine and the device together (C02, C21, C24). */

describe('field cases against the real cloud', () => {
  const clock = new ManualClock();
  let cloud: Cloud;
  let client: CloudClient;
  let recorder: StatusRecorder;
  const agents: OtaAgent[] = [];
  const image = firmware(40 * 4096, packVersion(1, 0, 1));

  beforeAll(async () => {
    ({ cloud, client } = await cloudForTest({ clock }));
    recorder = await StatusRecorder.start(cloud.mqttUrl);
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await recorder.stop();
    await cloud.stop();
  });

  it('C21: one thing fails its self-test: job COMPLETED, 1 succeeded, 1 failed, old image back',
    async () => {
      const things = ['c21-a', 'c21-b'];
      const s = await stageSigned(client, { things, image, signing: 'ecdsa-sha256' });
      const [a, b] = [startAgent(deviceConfig(cloud, 'c21-a', 'ecdsa-sha256'), clock),
        startAgent(deviceConfig(cloud, 'c21-b', 'ecdsa-sha256', { behaviour: 'fail-self-test' }),
          clock)];
      agents.push(a!, b!);
      const jobId = await createOta(cloud, client, 'c21', { targets: [s.groupArn],
        protocols: ['MQTT'], signingJobId: s.signingJobId, key: s.key });
      await pump(clock, agents, () => cloud.core.jobs.getJob(jobId).status === 'COMPLETED' &&
        b!.stats.phase === 'idle', 'job COMPLETED');
      const d = await client.call<{ job: { status: string; jobProcessDetails: Record<string,
        number> } }>('GET', `/jobs/${jobId}`);
      expect(d.job.status).toBe('COMPLETED');
      expect(d.job.jobProcessDetails).toMatchObject({ numberOfSucceededThings: 1,
        numberOfFailedThings: 1 });
      const ex = cloud.core.jobs.getJob(jobId).executions;
      expect(ex.get('c21-b')!.statusDetails).toEqual({ reason: 'rejected: 0x00000000' });
      expect(b!.flash.runningVersion).toBe(packVersion(1, 0, 0));
      expect(a!.flash.runningVersion).toBe(packVersion(1, 0, 1));
    });

  it('C02: the in-progress timeout fires mid-download: TIMED_OUT, the agent drops the file',
    async () => {
      const s = await stageSigned(client, { things: ['c02-a'], image, signing: 'ecdsa-sha256' });
      const agent = startAgent(deviceConfig(cloud, 'c02-a', 'ecdsa-sha256',
        { behaviour: 'stall' }), clock);
      agents.push(agent);
      const jobId = await createOta(cloud, client, 'c02', { targets: [s.groupArn],
        protocols: ['MQTT'], signingJobId: s.signingJobId, key: s.key, timeoutMinutes: 1 });
      const ex = () => cloud.core.jobs.getJob(jobId).executions.get('c02-a')!;
      await pump(clock, agents, () => agent.stats.blocks === 20 && ex().status === 'IN_PROGRESS',
        'stalled at half');
      const sent = recorder.of('c02-a').length;
      clock.advance(60_000);
      await pump(clock, agents, () => agent.stats.phase === 'idle', 'agent dropped the file');
      expect(ex().status).toBe('TIMED_OUT');
      expect(ex().statusDetails).toEqual({ receive: '1/40' });
      expect(recorder.of('c02-a').length).toBe(sent);
      // Ten more minutes: the agent asks for nothing and reports nothing for the dead job.
      const requests = agent.stats.requests;
      clock.advance(600_000);
      expect(agent.stats.requests).toBe(requests);
      expect(agent.stats.outcome).toBeUndefined();
    });

  it.each([false, true])('C03: CancelJob(force=%s) at block 10 of 40', async (force) => {
    const thing = `c03-${force}`;
    const s = await stageSigned(client, { things: [thing], image, signing: 'ecdsa-sha256' });
    let jobId = '';
    let canceled = false;
    // MQTT: notify-next and the stream data share one connection, so the order is fixed.
    const agent = startAgent(deviceConfig(cloud, thing, 'ecdsa-sha256', {
      faults: { onBlockRequest: (i) => {
        if (i === 10 && jobId && !canceled) {
          canceled = true;
          cloud.core.jobs.cancelJob(jobId, { force });
        }
      } },
    }), clock);
    agents.push(agent);
    jobId = await createOta(cloud, client, `c03${force}`, { targets: [s.groupArn],
      protocols: ['MQTT'], signingJobId: s.signingJobId, key: s.key });
    const ex = () => cloud.core.jobs.getJob(jobId).executions.get(thing)!;
    if (!force) {
      // Without force an IN_PROGRESS execution is left alone and the device finishes.
      await pump(clock, agents, () => ex().status === 'SUCCEEDED', 'SUCCEEDED');
      expect(cloud.core.jobs.getJob(jobId).status).toBe('CANCELED');
      expect(agent.stats.blocks).toBe(40);
      return;
    }
    await pump(clock, agents, () => ex().status === 'CANCELED' && agent.stats.phase === 'idle',
      'agent dropped the canceled job');
    expect(agent.stats.blocks).toBe(10);
    const s2 = await stageSigned(client, { things: [thing], image, signing: 'ecdsa-sha256' });
    const job2 = await createOta(cloud, client, 'c03next', { targets: [s2.groupArn],
      protocols: ['MQTT'], signingJobId: s2.signingJobId, key: s2.key });
    await pump(clock, agents, () => cloud.core.jobs.getJob(job2).executions.get(thing)!.status ===
      'SUCCEEDED', 'second update SUCCEEDED');
    expect(ex().status).toBe('CANCELED');
  });

  it('C24: a thing that connects after the job was created finds it with $next/get',
    async () => {
      const s = await stageSigned(client, { things: ['c24-a'], image, signing: 'ecdsa-sha256' });
      const jobId = await createOta(cloud, client, 'c24', { targets: [s.groupArn],
        protocols: ['HTTP'], signingJobId: s.signingJobId, key: s.key });
      clock.advance(5 * 60_000);
      const agent = startAgent(deviceConfig(cloud, 'c24-a', 'ecdsa-sha256',
        { enabledProtocols: ['HTTP'], primaryProtocol: 'HTTP' }), clock);
      agents.push(agent);
      await pump(clock, agents, () => cloud.core.jobs.getJob(jobId).executions.get('c24-a')!
        .status === 'SUCCEEDED', 'SUCCEEDED');
      expect(agent.stats.blocks).toBe(40);
    });
});
