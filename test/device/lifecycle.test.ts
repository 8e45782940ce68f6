import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { ThingConfig } from '../../src/device/config.js';
import { packVersion } from '../../src/protocol/agentStatus.js';
import { firmware } from '../helpers.js';
import { FakeCloud } from './fakeLink.js';
import { cfgFor, docFor, drive, job } from './fixtures.js';

/** Reboot, self-test window, version checks, rollback and image states (§5.9, §5.10). */

const V100 = packVersion(1, 0, 0);
const V101 = packVersion(1, 0, 1);

function setup(imageVersion: number, cfg: Partial<ThingConfig> = {}, doc = {}) {
  const image = firmware(3 * 4096, imageVersion);
  const fake = new FakeCloud();
  fake.image = image;
  fake.job = job({ ...docFor(image), ...doc });
  const clock = new ManualClock();
  const agent = fake.agent(cfgFor('ecdsa', { firmwareVersion: V100, ...cfg }), clock);
  return { fake, clock, agent };
}

describe('reboot and self-test', () => {
  it('reports ready, reboots (disconnect, boot delay, reconnect), self-tests and commits',
    async () => {
      const { fake, clock, agent } = setup(V101);
      await drive(fake, clock, agent, () => agent.stats.phase === 'rebooting');
      expect(agent.flash.state).toBe('PendingCommit');
      expect(agent.flash.runningVersion).toBe(V101);
      expect(fake.connections).toHaveLength(1);
      clock.advance(99);
      await fake.settle();
      expect(fake.connections).toHaveLength(1);
      await drive(fake, clock, agent);
      expect(fake.connections).toHaveLength(2);
      expect(fake.updates.slice(-3)).toEqual([
        '{"status":"IN_PROGRESS","statusDetails":{"self_test":"ready","updatedBy":"0x01000000"}}',
        '{"status":"IN_PROGRESS","statusDetails":{"self_test":"active","updatedBy":"0x01000001"}}',
        '{"status":"SUCCEEDED","statusDetails":{"reason":"accepted  v1.0.1","updatedBy":' +
          '"  v1.0.0"}}',
      ]);
      expect(agent.flash).toMatchObject({ state: 'Valid', runningVersion: V101,
        previousVersion: undefined });
      await agent.stop();
    });

  it('the same version is rejected with 0x10 and the old image boots again', async () => {
    const { fake, clock, agent } = setup(V100);
    await drive(fake, clock, agent);
    expect(fake.job!.statusDetails).toEqual({ reason: 'rejected: 0x00000010' });
    await drive(fake, clock, agent, () => agent.stats.phase === 'idle');
    expect(agent.flash).toMatchObject({ state: 'Valid', runningVersion: V100 });
    await agent.stop();
  });

  it('a downgrade is rejected with 0x0f and rolled back', async () => {
    const { fake, clock, agent } = setup(packVersion(0, 9, 0));
    await drive(fake, clock, agent);
    expect(fake.job!.statusDetails).toEqual({ reason: 'rejected: 0x0000000f' });
    await drive(fake, clock, agent, () => agent.stats.phase === 'idle');
    expect(agent.flash).toMatchObject({ state: 'Valid', runningVersion: V100 });
    await agent.stop();
  });

  it('a failed self-test reports rejected: 0x00000000 and rolls back (C21)', async () => {
    const { fake, clock, agent } = setup(V101, { behaviour: 'fail-self-test' });
    await drive(fake, clock, agent);
    expect(fake.job!.status).toBe('FAILED');
    expect(fake.job!.statusDetails).toEqual({ reason: 'rejected: 0x00000000' });
    await drive(fake, clock, agent, () => agent.stats.phase === 'idle');
    expect(agent.flash).toMatchObject({ state: 'Valid', runningVersion: V100 });
    await agent.stop();
  });

  it('the application declining the update reports a user abort and downloads ' +
    'nothing', async () => {
    const { fake, clock, agent } = setup(V101, { behaviour: 'reject' });
    await drive(fake, clock, agent);
    expect(fake.job!.statusDetails).toEqual({ reason: 'aborted: 0x00000013' });
    expect(agent.stats.blocks).toBe(0);
    expect(agent.flash).toMatchObject({ state: 'Valid', runningVersion: V100 });
    expect(fake.connections).toHaveLength(1);
    await agent.stop();
  });

  it('no answer within the 16 s self-test window: the watchdog rolls back', async () => {
    const { fake, clock, agent } = setup(V101);
    await drive(fake, clock, agent, () => agent.stats.phase === 'rebooting');
    fake.muteJobs = true;
    clock.advance(100);
    await fake.settle();
    clock.advance(15_999);
    await fake.settle();
    expect(agent.flash.state).toBe('PendingCommit');
    clock.advance(1);
    await fake.settle();
    expect(agent.flash).toMatchObject({ state: 'Valid', runningVersion: V100 });
    expect(agent.stats.phase).toBe('rebooting');
    expect(fake.updates.some((u) => u.includes('SUCCEEDED'))).toBe(false);
    await agent.stop();
  });

  it('PendingCommit but the job is gone: silent rollback, nothing published (C19 reverse)',
    async () => {
      const { fake, clock, agent } = setup(V101);
      await drive(fake, clock, agent, () => agent.stats.phase === 'rebooting');
      const before = fake.updates.length;
      fake.job = undefined;
      await drive(fake, clock, agent, () => fake.connections.length === 3);
      expect(agent.flash).toMatchObject({ state: 'Valid', runningVersion: V100 });
      expect(fake.updates.length).toBe(before);
      await agent.stop();
    });

  it('C19: without bootloader rollback the job is rejected with 0x11, new image keeps running',
    async () => {
      const { fake, clock, agent } = setup(V101, { rollbackSupported: false });
      await drive(fake, clock, agent);
      expect(fake.job!.statusDetails).toEqual({ reason: 'rejected: 0x00000011' });
      expect(agent.flash).toMatchObject({ state: 'Valid', runningVersion: V101 });
      await agent.stop();
    });

  it('a non-firmware file (fileType 2) succeeds at once, without reboot', async () => {
    const { fake, clock, agent } = setup(V101, {}, {});
    fake.job = job(docFor(fake.image, { fileType: 2 }));
    await drive(fake, clock, agent);
    expect(fake.updates.at(-1)).toBe(
      '{"status":"SUCCEEDED","statusDetails":{"reason":"accepted  v0.0.2",' +
      '"updatedBy":"  v0.0.0"}}');
    expect(fake.connections).toHaveLength(1);
    expect(agent.flash.runningVersion).toBe(V100);
    await agent.stop();
  });
});

describe('C20: reconnecting outside a self-test arms no timer', () => {
  it('an idle thing that loses and regains its link never resets', async () => {
    const fake = new FakeCloud();
    const clock = new ManualClock();
    const agent = fake.agent(cfgFor('ecdsa'), clock);
    await drive(fake, clock, agent, () => agent.stats.phase === 'idle');
    (agent as unknown as { client: { stream: { destroy(): void } } }).client.stream.destroy();
    await drive(fake, clock, agent, () => agent.stats.connects === 2);
    expect(clock.pending()).toBe(0);
    clock.advance(60_000);
    await fake.settle();
    expect(agent.stats.phase).toBe('idle');
    expect(fake.connections).toHaveLength(1);
    await agent.stop();
  });
});
