import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Cloud } from '../../src/cloud/cloud.js';
import type { EmbeddedBus } from '../../src/cloud/broker.js';
import type { CloudClient } from '../../src/client/cloudClient.js';
import { provisionThingCertificates } from '../../src/fleet/tlsIdentities.js';
import { firmware, readLeaf, stage, tmpDir } from '../helpers.js';
import { tlsCloud } from './fixtures.js';

const PROGRAM = path.resolve('examples', 'aws-iot-ota-device', 'ota-device.mjs');

function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [PROGRAM, ...args],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('a device program written for AWS IoT Core, unmodified', () => {
  let cloud: Cloud;
  let client: CloudClient;

  beforeAll(async () => {
    ({ cloud, client } = await tlsCloud());
  });
  afterAll(async () => {
    await client.close();
    await cloud.stop();
  });

  it('does its OTA update over the TLS port without subscribing to reply topics', async () => {
    const image = firmware(50_000);
    const s = await stage(cloud, client, { things: ['example-dev'], image });
    const [id] = (await provisionThingCertificates(client, ['example-dev'])).identities;
    const dir = tmpDir();
    const file = (name: string, text: string) => {
      fs.writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    const subscribed: string[] = [];
    (cloud.bus as EmbeddedBus).aedes.on('subscribe', (subs, c) => {
      if (c.id === 'example-dev') subscribed.push(...subs.map((x) => x.topic));
    });
    await client.call('POST', '/otaUpdates/example1', { body: {
      targets: ['arn:aws:iot:us-east-1:123456789012:thing/example-dev'], protocols: ['MQTT'],
      roleArn: 'arn:aws:iam::123456789012:role/ota',
      files: [{ fileName: 'firmware.bin', fileLocation: { s3Location: { bucket: 'fw-bucket',
        key: 'firmware.bin' } }, codeSigning: { awsSignerJobId: s.signingJobId } }],
    } });
    const out = path.join(dir, 'firmware.bin');
    const r = await run(['--endpoint', cloud.mqttsUrl!, '--thing', 'example-dev',
      '--cert', file('thing.crt', id!.certPem), '--key', file('thing.key', id!.keyPem),
      '--ca', file('root.pem', cloud.info().tlsRootPem),
      '--signer-cert', file('codesign.crt', readLeaf('ecdsa')), '--out', out]);
    expect([r.code, r.stderr.trim().split('\n').at(-1)])
      .toEqual([0, '[example-dev] reported SUCCEEDED']);
    expect(fs.readFileSync(out).equals(image)).toBe(true);
    const ex = await client.call<{ execution: { status: string } }>('GET',
      '/things/example-dev/jobs/AFR_OTA-example1');
    expect(ex.execution.status).toBe('SUCCEEDED');
    expect(subscribed).toEqual(['$aws/things/example-dev/jobs/notify-next']);
  });
});
