import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Cloud } from '../../src/cloud/cloud.js';
import type { CloudClient } from '../../src/client/cloudClient.js';
import type { OtaAgent } from '../../src/device/agent.js';
import type { ThingConfig } from '../../src/device/config.js';
import { packVersion } from '../../src/protocol/agentStatus.js';
import { cloudForTest, firmware } from '../helpers.js';
import {
  counterValue, createOta, deviceConfig, pump, stageSigned, startAgent,
} from '../device/support.js';

/** Resume and URL refresh: no block is ever fetched twice (§5.6, §5.7; case C24). */

const BLOCKS = 150;
const image = firmware(BLOCKS * 4096 - 1000, packVersion(1, 0, 1));

describe('resume and URL refresh', () => {
  const clock = new ManualClock();
  let cloud: Cloud;
  let client: CloudClient;
  const agents: OtaAgent[] = [];
  let n = 0;

  beforeAll(async () => {
    ({ cloud, client } = await cloudForTest({ clock }));
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await cloud.stop();
  });

  async function rollout(protocols: string[], cfg: Partial<ThingConfig>, offered = protocols) {
    const thing = `resume-${++n}`;
    const staged = await stageSigned(client, { things: [thing], image, signing: 'ecdsa-sha256' });
    const agent = startAgent(deviceConfig(cloud, thing, 'ecdsa-sha256', {
      enabledProtocols: protocols as Array<'MQTT' | 'HTTP'>,
      primaryProtocol: protocols[0] as 'MQTT' | 'HTTP', ...cfg,
    }), clock);
    agents.push(agent);
    const jobId = await createOta(cloud, client, `resume${n}`, {
      targets: [staged.groupArn], protocols: offered, signingJobId: staged.signingJobId,
      key: staged.key,
    });
    const ex = () => cloud.core.jobs.getJob(jobId).executions.get(thing);
    await pump(clock, agents, () => ['SUCCEEDED', 'FAILED'].includes(ex()?.status ?? ''),
      `${thing} finished`);
    return { agent, thing, ex: ex()! };
  }

  const ranged = (status: string) =>
    counterValue(cloud.core.metrics.httpRequests, { operation: 'GetObject', status });

  it('an expired URL mid-download: the thing re-fetches its job and finishes, no block twice',
    async () => {
      const ok0 = await ranged('206');
      const denied0 = await ranged('403');
      let expired = false;
      const { agent, ex } = await rollout(['HTTP'], { faults: {
        // The URL dies just before block 50 is asked for (1800 s + 1 s on the virtual clock).
        onBlockRequest: (i) => {
          if (i === 50 && !expired) {
            expired = true;
            clock.advance(1_801_000);
          }
        },
      } });
      expect(ex.status).toBe('SUCCEEDED');
      expect(agent.stats.urlRefreshes).toBe(1);
      expect(agent.stats.blocks).toBe(BLOCKS);
      expect(agent.stats.duplicates).toBe(0);
      expect(await ranged('206') - ok0).toBe(BLOCKS);
      expect(await ranged('403') - denied0).toBe(1);
      expect(agent.stats.requests).toBe(BLOCKS + 1);
    });

  it.each(['MQTT', 'HTTP'])('disconnect at block 50 of 150 over %s: resumes, 150 blocks fetched',
    async (protocol) => {
      const served0 = await counterValue(cloud.core.metrics.blocksServed);
      const ok0 = await ranged('206');
      const { agent, ex } = await rollout([protocol], { faults: { disconnectAtBlock: 50 } });
      expect(ex.status).toBe('SUCCEEDED');
      expect(agent.stats.blocks).toBe(BLOCKS);
      expect(agent.stats.duplicates).toBe(0);
      // Boot, reconnect after the drop, boot into the new image.
      expect(agent.stats.connects).toBe(3);
      const fetched = protocol === 'MQTT'
        ? await counterValue(cloud.core.metrics.blocksServed) - served0
        : await ranged('206') - ok0;
      expect(fetched).toBe(BLOCKS);
    });

  it('C28: a thing that URL-decodes the URL is refused every time and aborts on momentum',
    async () => {
      const { agent, ex } = await rollout(['HTTP'], { faults: { decodeUrl: true } });
      expect(ex.status).toBe('FAILED');
      expect(ex.statusDetails).toEqual({ reason: 'aborted: 0x00000000' });
      expect(agent.stats.requests).toBe(32);
      expect(agent.stats.urlRefreshes).toBe(32);
      expect(agent.stats.blocks).toBe(0);
    });
});
