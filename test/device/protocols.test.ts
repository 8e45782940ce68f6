import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { DataProtocol } from '../../src/device/config.js';
import { packVersion } from '../../src/protocol/agentStatus.js';
import { firmware } from '../helpers.js';
import { FakeCloud } from './fakeLink.js';
import { cfgFor, docFor, drive, job } from './fixtures.js';

/** Protocol choice (§5.2), block-size limits and what fails before or during a download. */

const image = firmware(3 * 4096 + 7, packVersion(1, 0, 1));

async function choose(offered: string[], enabled: DataProtocol[], primary: DataProtocol) {
  const fake = new FakeCloud();
  fake.image = image;
  fake.job = job(docFor(image, { protocols: offered }));
  const clock = new ManualClock();
  const agent = fake.agent(cfgFor('ecdsa', { enabledProtocols: enabled,
    primaryProtocol: primary }), clock);
  await drive(fake, clock, agent);
  await agent.stop();
  const used = fake.httpRanges.length ? 'HTTP' : fake.streamRequests.length ? 'MQTT' : 'none';
  return { used, status: fake.job.status, reason: fake.job.statusDetails.reason };
}

describe('protocol choice (§5.2)', () => {
  it.each([
    [['MQTT'], ['MQTT'], 'MQTT', 'MQTT'],
    [['HTTP'], ['HTTP'], 'HTTP', 'HTTP'],
    [['MQTT', 'HTTP'], ['MQTT', 'HTTP'], 'MQTT', 'MQTT'],
    [['MQTT', 'HTTP'], ['MQTT', 'HTTP'], 'HTTP', 'HTTP'],
    [['HTTP', 'MQTT'], ['MQTT', 'HTTP'], 'MQTT', 'MQTT'],
    [['HTTP'], ['MQTT', 'HTTP'], 'MQTT', 'HTTP'],
    [['MQTT'], ['MQTT', 'HTTP'], 'HTTP', 'MQTT'],
    [['MQTT', 'HTTP'], ['HTTP'], 'HTTP', 'HTTP'],
  ] as const)('job offers %j, thing has %j primary %s → %s', async (offered, enabled, primary,
    want) => {
    const r = await choose([...offered], [...enabled], primary);
    expect(r).toEqual({ used: want, status: 'SUCCEEDED', reason: 'accepted  v1.0.1' });
  });

  it.each([
    [['MQTT'], ['HTTP'], 'HTTP'],
    [['HTTP'], ['MQTT'], 'MQTT'],
    [['FTP'], ['MQTT', 'HTTP'], 'MQTT'],
  ] as const)('job offers %j, thing has %j → FAILED aborted: 0x0000000d', async (offered,
    enabled, primary) => {
    expect(await choose([...offered], [...enabled], primary))
      .toEqual({ used: 'none', status: 'FAILED', reason: 'aborted: 0x0000000d' });
  });
});

describe('block size and file checks', () => {
  it('a thing configured outside 256..131072-byte blocks is refused at construction', () => {
    const fake = new FakeCloud();
    const clock = new ManualClock();
    for (const log2 of [7, 18]) {
      expect(() => fake.agent(cfgFor('ecdsa', { log2BlockSize: log2 }), clock))
        .toThrow(RangeError);
    }
    for (const log2 of [8, 17]) {
      expect(() => fake.agent(cfgFor('ecdsa', { log2BlockSize: log2 }), clock)).not.toThrow();
    }
  });

  it('filesize 0 fails at parse time: 0x0000000c: 0x00000003', async () => {
    const fake = new FakeCloud();
    fake.image = image;
    const doc = docFor(image, { extraFile: { filesize: 0 } });
    fake.job = job(doc);
    const clock = new ManualClock();
    const agent = fake.agent(cfgFor('ecdsa'), clock);
    await drive(fake, clock, agent);
    expect(fake.job.statusDetails).toEqual({ reason: '0x0000000c: 0x00000003' });
    await agent.stop();
  });

  it('a last block longer than the file says fails the update: 0x000000e0: 0x00000000',
    async () => {
      const fake = new FakeCloud();
      fake.image = image;
      fake.job = job(docFor(image, { extraFile: { filesize: image.length - 3 } }));
      const clock = new ManualClock();
      const agent = fake.agent(cfgFor('ecdsa'), clock);
      await drive(fake, clock, agent);
      expect(fake.job.statusDetails).toEqual({ reason: '0x000000e0: 0x00000000' });
      expect(agent.stats.blocks).toBe(3);
      await agent.stop();
    });

  it('the maximum file (bitmap full: 1024 blocks of 4 KiB) parses; one block more does not',
    async () => {
      for (const [blocks, want] of [[1024, 'SUCCEEDED'], [1025, 'FAILED']] as const) {
        const big = firmware(blocks * 4096, packVersion(1, 0, 1));
        const fake = new FakeCloud();
        fake.image = big;
        fake.job = job(docFor(big));
        const clock = new ManualClock();
        const agent = fake.agent(cfgFor('ecdsa', { maxBlocksPerRequest: 64 }), clock);
        await drive(fake, clock, agent, undefined, { rounds: 2000 });
        expect(fake.job.status, `${blocks} blocks`).toBe(want);
        if (want === 'FAILED') {
          expect(fake.job.statusDetails).toEqual({ reason: '0x0000000c: 0x00000005' });
        }
        await agent.stop();
      }
    });
});
