import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { ManualClock } from '../../src/clock.js';
import type { ThingConfig } from '../../src/device/config.js';
import { packVersion } from '../../src/protocol/agentStatus.js';
import { signData } from '../../src/pki/index.js';
import { firmware } from '../helpers.js';
import { FakeCloud } from '../device/fakeLink.js';
import { cfgFor, devChain, docFor, drive, job, sha256 } from '../device/fixtures.js';

/** The device side of the field cases (field-cases.md), each with its expected value. */

const V100 = packVersion(1, 0, 0);
const V101 = packVersion(1, 0, 1);

function run(image: Buffer, cfg: Partial<ThingConfig> = {},
  doc: Record<string, unknown> = docFor(image)) {
  const fake = new FakeCloud();
  fake.image = image;
  fake.job = job(doc);
  const clock = new ManualClock();
  const agent = fake.agent(cfgFor('ecdsa', { firmwareVersion: V100, ...cfg }), clock);
  return { fake, clock, agent };
}

function seededShuffle(xs: number[], seed: number): number[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('C02/C03: the execution ends under the device mid-download', () => {
  it.each(['TIMED_OUT', 'CANCELED'])('%s: file dropped, no more updates, next job completes',
    async (status) => {
      const image = firmware(40 * 4096, V101);
      const { fake, clock, agent } = run(image);
      fake.serveLimit = 10;
      await drive(fake, clock, agent, () => agent.stats.blocks === 10);
      fake.job!.status = status;
      fake.notify();
      await drive(fake, clock, agent, () => agent.stats.phase === 'idle');
      const sent = fake.updates.length;
      expect(fake.updates).toEqual(['{"status":"IN_PROGRESS","statusDetails":{"receive":"1/40"}}']);
      clock.advance(60_000);
      await fake.settle();
      expect(fake.updates.length).toBe(sent);
      fake.serveLimit = undefined;
      fake.job = job(docFor(image), 'AFR_OTA-u2');
      fake.notify();
      await drive(fake, clock, agent);
      expect(fake.job.status).toBe('SUCCEEDED');
      expect(agent.stats.blocks).toBe(50);
      await agent.stop();
    });
});

describe('C05: a 63-block file is asked for as ff ff ff ff ff ff ff 7f', () => {
  it('sends the whole bitmap, LSB first, with bit 63 clear', async () => {
    const image = firmware(127_762, V101);
    const { fake, clock, agent } = run(image, { log2BlockSize: 11 });
    fake.silentStreams = true;
    await drive(fake, clock, agent, () => fake.streamRequests.length === 1);
    expect(Buffer.from(fake.streamRequests[0]!.b).toString('hex')).toBe('ffffffffffffff7f');
    expect(fake.streamRequests[0]!.o).toBe(0);
    expect(fake.streamRequests[0]!.n).toBe(1);
    await agent.stop();
  });
});

describe('C06: a file with more blocks than the bitmap holds', () => {
  const image = firmware(6 * 1024 * 1024, V101);
  const doc = docFor(image);

  it('device A (128-byte bitmap, 1 KiB blocks) fails at parse time: 0x0000000c: 0x00000005',
    async () => {
      const { fake, clock, agent } = run(image, { log2BlockSize: 10 }, doc);
      await drive(fake, clock, agent);
      expect(fake.job!.statusDetails).toEqual({ reason: '0x0000000c: 0x00000005' });
      expect(fake.streamRequests).toEqual([]);
      await agent.stop();
    });

  it('device B (windowed 128-byte requests) completes with the right image', async () => {
    const { fake, clock, agent } = run(image, { log2BlockSize: 10, maxBitmapBytes: 768,
      requestWindowBytes: 128, maxBlocksPerRequest: 64 }, doc);
    await drive(fake, clock, agent, undefined, { rounds: 5000 });
    expect(fake.job!.status).toBe('SUCCEEDED');
    expect(agent.flash.receivedSha256).toBe(sha256(image));
    expect(fake.streamRequests.every((r) => r.b.length <= 128 && r.o % 8 === 0)).toBe(true);
    expect(Math.max(...fake.streamRequests.map((r) => r.o))).toBeGreaterThan(5000);
    expect(fake.streamRequests).toHaveLength(6144 / 64);
    await agent.stop();
  });
});

describe('C07: blocks out of order', () => {
  it('each block lands at its own offset; the last (1000 B) only as block 19', async () => {
    const image = firmware(19 * 4096 + 1000, V101);
    const { fake, clock, agent } = run(image, { maxBlocksPerRequest: 20 });
    fake.order = (blocks) => seededShuffle(blocks, 42);
    await drive(fake, clock, agent);
    expect(fake.job!.status).toBe('SUCCEEDED');
    expect(agent.flash.receivedSha256).toBe(sha256(image));
    expect(fake.streamRequests).toHaveLength(1);
    expect(agent.stats.blocks).toBe(20);
    await agent.stop();
  });
});

describe('C08: duplicate blocks', () => {
  it('are dropped without a write, a request or a failure', async () => {
    const image = firmware(30 * 4096, V101);
    const { fake, clock, agent } = run(image);
    fake.repeat = 2;
    await drive(fake, clock, agent);
    expect(fake.job!.status).toBe('SUCCEEDED');
    expect(agent.stats.blocks).toBe(30);
    // The copy of the last block arrives after the file closed and is not even looked at.
    expect(agent.stats.duplicates).toBe(29);
    expect(agent.stats.requests).toBe(30);
    expect(agent.flash.receivedSha256).toBe(sha256(image));
    await agent.stop();
  });
});

describe('C11: data messages larger than the MQTT receive buffer', () => {
  it('are dropped; after 32 unanswered requests: FAILED aborted: 0x00000000', async () => {
    const image = firmware(8 * 4096, V101);
    const { fake, clock, agent } = run(image, { maxMessageBytes: 2048 });
    await drive(fake, clock, agent, undefined, { timers: 10_000 });
    expect(fake.job!.statusDetails).toEqual({ reason: 'aborted: 0x00000000' });
    expect(fake.streamRequests).toHaveLength(32);
    expect(agent.stats.blocks).toBe(0);
    expect(agent.flash).toMatchObject({ state: 'Valid', runningVersion: V100 });
    await agent.stop();
  });
});

describe('C15: signature size against the agent buffer', () => {
  const image = firmware(2 * 4096, V101);
  const rsa3072 = devChain('rsa3072');
  const sig = signData('sha256-rsa', image, rsa3072.leafKey);
  const doc = docFor(image, { alg: 'sha256-rsa', signature: sig });
  const cfg = (maxSignatureBytes: number) => ({ ...cfgFor('rsa3072'), firmwareVersion: V100,
    maxSignatureBytes });

  it('384-byte signature, 256-byte buffer: parse-time FAILED 0x0000000c: 0x00000004',
    async () => {
      expect(sig.length).toBe(384);
      const { fake, clock, agent } = run(image, cfg(256), doc);
      await drive(fake, clock, agent);
      expect(fake.job!.statusDetails).toEqual({ reason: '0x0000000c: 0x00000004' });
      expect(fake.streamRequests).toEqual([]);
      await agent.stop();
    });

  it('384-byte buffer: downloads and verifies', async () => {
    const { fake, clock, agent } = run(image, cfg(384), doc);
    await drive(fake, clock, agent);
    expect(fake.job!.status).toBe('SUCCEEDED');
    await agent.stop();
  });

  it('512-byte signature, 384-byte buffer: parse-time FAILED, never truncated', async () => {
    const big = docFor(image, { alg: 'sha256-rsa', signature: randomBytes(512) });
    const { fake, clock, agent } = run(image, cfg(384), big);
    await drive(fake, clock, agent);
    expect(fake.job!.statusDetails).toEqual({ reason: '0x0000000c: 0x00000004' });
    await agent.stop();
  });
});

describe('C23: the image carries another thing name', () => {
  it('the thing reconnects as the other name, rolls back and never succeeds', async () => {
    const image = firmware(3 * 4096, V101);
    const { fake, clock, agent } = run(image, { identityFromImage: 'thing-b' });
    fake.jobThing = 'thing-a';
    await drive(fake, clock, agent);
    expect(fake.connections).toEqual(['thing-a', 'thing-b', 'thing-a']);
    // Back on the old image as thing-a, the self-test job names the running version.
    expect(fake.job!.statusDetails).toEqual({ reason: 'rejected: 0x00000010' });
    expect(agent.flash).toMatchObject({ state: 'Valid', runningVersion: V100 });
    expect(agent.thingName).toBe('thing-a');
    await agent.stop();
  });
});

describe('C24: offline when the job was created, restarted mid-download', () => {
  it('asks with $next/get on connect and completes without any notify-next', async () => {
    const image = firmware(5 * 4096, V101);
    const { fake, clock, agent } = run(image);
    await drive(fake, clock, agent);
    expect(fake.job!.status).toBe('SUCCEEDED');
    await agent.stop();
  });

  it('a device restarted at block 50 of 150 starts the file over and completes', async () => {
    const image = firmware(150 * 4096, V101);
    const { fake, clock, agent } = run(image);
    fake.serveLimit = 50;
    await drive(fake, clock, agent, () => agent.stats.blocks === 50);
    await agent.stop();
    expect(fake.job!.status).toBe('IN_PROGRESS');
    fake.serveLimit = undefined;
    const again = fake.agent(agent.cfg, clock);
    await drive(fake, clock, again);
    expect(fake.job!.status).toBe('SUCCEEDED');
    expect(again.stats.blocks).toBe(150);
    await again.stop();
  });
});

describe('C26: two files in one job', () => {
  it('fails at parse time with 0x0000000c: 0x00000005, nothing downloaded', async () => {
    const image = firmware(2 * 4096, V101);
    const { fake, clock, agent } = run(image, {}, docFor(image, { files: 2 }));
    await drive(fake, clock, agent);
    expect(fake.job!.statusDetails).toEqual({ reason: '0x0000000c: 0x00000005' });
    expect(fake.streamRequests).toEqual([]);
    await agent.stop();
  });
});
