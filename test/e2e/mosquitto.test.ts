import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../src/clock.js';
import type { Cloud } from '../../src/cloud/cloud.js';
import type { CloudClient } from '../../src/client/cloudClient.js';
import type { OtaAgent } from '../../src/device/agent.js';
import { cloudForTest, firmware, stage, startAgents, thingConfig, tmpDir,
  waitFor } from '../helpers.js';

/** The cloud as an ordinary client of a real Mosquitto broker (design.md, external broker). */
function mosquittoPath(): string | undefined {
  for (const p of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto']) if (fs.existsSync(p)) return p;
  try {
    return execFileSync('which', ['mosquitto'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

const bin = mosquittoPath();
const required = process.env.CI === 'true';

describe.skipIf(!bin && !required)('a rollout through a real Mosquitto broker', () => {
  let broker: ChildProcess;
  let cloud: Cloud;
  let client: CloudClient;
  let agents: OtaAgent[] = [];
  const clock = new ScaledClock({ scale: 1 });

  beforeAll(async () => {
    if (!bin) throw new Error('mosquitto is not installed; .ci/run installs it');
    const port = await freePort();
    const dir = tmpDir();
    const conf = path.join(dir, 'mosquitto.conf');
    fs.writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\n`);
    broker = spawn(bin, ['-c', conf], { stdio: 'ignore' });
    await waitFor(() => new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.end(); resolve(true); });
      s.on('error', () => resolve(false));
    }), 10_000, 'mosquitto listening');
    ({ cloud, client } = await cloudForTest({ clock, brokerUrl: `mqtt://127.0.0.1:${port}` }));
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await cloud?.stop();
    broker?.kill('SIGTERM');
  });

  it('takes five things to SUCCEEDED when devices subscribe to their reply topics', async () => {
    const things = ['m1', 'm2', 'm3', 'm4', 'm5'];
    const s = await stage(cloud, client, { things, image: firmware(30_000) });
    agents = startAgents(things.map((t) =>
      thingConfig(cloud, t, { subscribeReplies: true })), clock);
    await client.call('POST', '/otaUpdates/mosq1', { body: {
      targets: [s.groupArn], roleArn: 'arn:aws:iam::123456789012:role/ota',
      files: [{ fileName: 'firmware.bin', fileLocation: { s3Location: { bucket: 'fw-bucket',
        key: 'firmware.bin' } }, codeSigning: { awsSignerJobId: s.signingJobId } }],
    } });
    await waitFor(async () => {
      const j = await client.call<{ job: { status: string } }>('GET', '/jobs/AFR_OTA-mosq1');
      return j.job.status === 'COMPLETED';
    }, 60_000, 'job COMPLETED');
    expect(agents.map((a) => a.stats.outcome?.status)).toEqual(Array(5).fill('SUCCEEDED'));
  });
});
