import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Cloud } from '../../src/cloud/cloud.js';
import type { CloudClient } from '../../src/client/cloudClient.js';
import type { OtaAgent } from '../../src/device/agent.js';
import { SIGNING_NAMES, type SigningName } from '../../src/device/signing.js';
import { packVersion } from '../../src/protocol/agentStatus.js';
import { cloudForTest, firmware } from '../helpers.js';
import {
  createOta, deviceConfig, pump, stageSigned, startAgent, StatusRecorder,
} from '../device/support.js';

/**
 * One contract, two download paths: for every signing method, a thing that downloads over
 * MQTT and a thing that downloads over HTTP end with byte-identical images and publish the
 * very same status messages.
 */

const BLOCKS = 70;
const image = firmware(BLOCKS * 4096 - 100, packVersion(1, 0, 1));
const imageSha = createHash('sha256').update(image).digest('hex');

const EXPECTED = [
  '{"status":"IN_PROGRESS","statusDetails":{"receive":"1/70"}}',
  '{"status":"IN_PROGRESS","statusDetails":{"receive":"64/70"}}',
  '{"status":"IN_PROGRESS","statusDetails":{"self_test":"ready","updatedBy":"0x01000000"}}',
  '{"status":"IN_PROGRESS","statusDetails":{"self_test":"active","updatedBy":"0x01000001"}}',
  '{"status":"SUCCEEDED","statusDetails":{"reason":"accepted  v1.0.1","updatedBy":"  v1.0.0"}}',
];

describe('download contract: MQTT and HTTP agree for every signing method', () => {
  const clock = new ManualClock();
  let cloud: Cloud;
  let client: CloudClient;
  let recorder: StatusRecorder;
  const agents: OtaAgent[] = [];
  const results = new Map<string, { statuses: string[]; sha?: string; execution: string }>();

  beforeAll(async () => {
    ({ cloud, client } = await cloudForTest({ clock }));
    recorder = await StatusRecorder.start(cloud.mqttUrl);
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await recorder.stop();
    await cloud.stop();
  });

  async function run(signing: SigningName, protocol: 'MQTT' | 'HTTP') {
    const thing = `contract-${signing}-${protocol}`;
    const staged = await stageSigned(client, { things: [thing], image, signing });
    const agent = startAgent(deviceConfig(cloud, thing, signing, {
      enabledProtocols: [protocol], primaryProtocol: protocol,
    }), clock);
    agents.push(agent);
    const jobId = await createOta(cloud, client, `ct-${signing}-${protocol}`, {
      targets: [staged.groupArn], protocols: [protocol], signingJobId: staged.signingJobId,
      key: staged.key,
    });
    const exOf = () => cloud.core.jobs.getJob(jobId).executions.get(thing);
    await pump(clock, agents, () => ['SUCCEEDED', 'FAILED'].includes(exOf()?.status ?? '') &&
      (recorder.of(thing).length >= EXPECTED.length || agent.stats.phase === 'failed'),
    `${thing} done`);
    const ex = exOf()!;
    results.set(`${signing}/${protocol}`, {
      statuses: recorder.of(thing), sha: agent.flash.receivedSha256, execution: ex.status,
    });
  }

  for (const signing of SIGNING_NAMES) {
    for (const protocol of ['MQTT', 'HTTP'] as const) {
      it(`${signing} over ${protocol}: SUCCEEDED with the exact status messages`, async () => {
        await run(signing, protocol);
        const r = results.get(`${signing}/${protocol}`)!;
        expect(r.statuses).toEqual(EXPECTED);
        expect(r.execution).toBe('SUCCEEDED');
        expect(r.sha).toBe(imageSha);
      });
    }
    it(`${signing}: MQTT and HTTP give identical images and status messages`, () => {
      const m = results.get(`${signing}/MQTT`)!;
      const h = results.get(`${signing}/HTTP`)!;
      expect(h.sha).toBe(m.sha);
      expect(h.statuses).toEqual(m.statuses);
    });
  }
});
