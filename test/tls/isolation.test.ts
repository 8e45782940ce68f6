import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import type { Cloud } from '../../src/cloud/cloud.js';
import type { CloudClient } from '../../src/client/cloudClient.js';
import type { Refusal } from '../../src/cloud/tls/gate.js';
import { provisionThingCertificates, type ThingIdentity } from
  '../../src/fleet/tlsIdentities.js';
import { cloudForTest } from '../helpers.js';
import { closed, connectAs, createThings, nextMessage, subscribeCodes, tlsCloud } from
  './fixtures.js';

const ARN = 'arn:aws:iot:us-east-1:123456789012:thing/';
const STREAM = 'iso-stream';
const FILE = Buffer.alloc(3000, 7);

async function jobFor(client: CloudClient, jobId: string, thing: string) {
  await client.call('PUT', `/jobs/${jobId}`, { body: {
    targets: [ARN + thing], document: JSON.stringify({ step: jobId }) } });
}

/** Collects every message a client receives. */
function recorder(c: mqtt.MqttClient): string[] {
  const topics: string[] = [];
  c.on('message', (t) => topics.push(t));
  return topics;
}

describe('each thing is sealed to its own topics', () => {
  let cloud: Cloud;
  let client: CloudClient;
  let refusals: Refusal[];
  let ids: Map<string, ThingIdentity>;
  const names = ['iso-a', 'iso-b', 'iso-c', 'iso-d'];

  beforeAll(async () => {
    ({ cloud, client, refusals } = await tlsCloud());
    await createThings(client, names);
    ids = new Map((await provisionThingCertificates(client, names)).identities
      .map((i) => [i.thingName, i]));
    await client.putObject('iso-bucket', 'file.bin', FILE);
    await client.call('POST', `/streams/${STREAM}`, { body: {
      files: [{ fileId: 0, s3Location: { bucket: 'iso-bucket', key: 'file.bin' } }],
      roleArn: 'arn:aws:iam::123456789012:role/stream' } });
  });
  afterAll(async () => {
    await client.close();
    await cloud.stop();
  });

  it('refuses A subscriptions to B topics and wildcards, grants its own', async () => {
    const a = await connectAs(cloud, ids.get('iso-a')!, 'iso-a');
    const granted = await subscribeCodes(a, [
      '$aws/things/iso-b/jobs/notify-next', '$aws/things/+/jobs/notify-next', '#',
      '$aws/things/iso-a/jobs/notify-next',
    ], 1);
    expect(granted).toEqual([128, 128, 128, 1]);
    expect(refusals.filter((r) => r.stage === 'subscribe').map((r) => r.reason)).toEqual([
      "subscription to '$aws/things/iso-b/jobs/notify-next' outside $aws/things/iso-a/",
      "subscription to '$aws/things/+/jobs/notify-next' outside $aws/things/iso-a/",
      "subscription to '#' outside $aws/things/iso-a/",
    ]);
    await a.endAsync();
  });

  it('does not let A receive B job notifications or B stream blocks', async () => {
    const a = await connectAs(cloud, ids.get('iso-a')!, 'iso-a');
    const b = await connectAs(cloud, ids.get('iso-b')!, 'iso-b');
    const seenByA = recorder(a);
    expect(await subscribeCodes(a, ['$aws/things/iso-b/jobs/notify-next',
      '$aws/things/iso-b/streams/+/data/json'], 0)).toEqual([128, 128]);
    await b.subscribeAsync('$aws/things/iso-b/jobs/notify-next', { qos: 1 });
    const notified = nextMessage(b, '$aws/things/iso-b/jobs/notify-next');
    await jobFor(client, 'iso-job-b', 'iso-b');
    expect(JSON.parse((await notified).toString()).execution.jobId).toBe('iso-job-b');
    const block = nextMessage(b, `$aws/things/iso-b/streams/${STREAM}/data/json`);
    b.publish(`$aws/things/iso-b/streams/${STREAM}/get/json`,
      JSON.stringify({ f: 0, l: 1024, o: 0, n: 1 }));
    expect(JSON.parse((await block).toString()).i).toBe(0);
    // A's own round trip comes after both deliveries to B.
    const own = nextMessage(a, '$aws/things/iso-a/jobs/$next/get/accepted');
    a.publish('$aws/things/iso-a/jobs/$next/get', '{"clientToken":"a1"}');
    await own;
    expect(seenByA).toEqual(['$aws/things/iso-a/jobs/$next/get/accepted']);
    await Promise.all([a.endAsync(), b.endAsync()]);
  });

  it('ends A connection when it publishes into B topics, without the cloud answering',
    async () => {
      const a = await connectAs(cloud, ids.get('iso-a')!, 'iso-a');
      const handled = cloud.core.metrics.jobsRequests;
      const before = JSON.stringify(await handled.get());
      const gone = closed(a);
      a.publish('$aws/things/iso-b/jobs/$next/get', '{"clientToken":"spoof"}', { qos: 1 });
      await gone;
      expect(refusals.filter((r) => r.stage === 'publish').map((r) => r.reason)).toEqual([
        "publish to '$aws/things/iso-b/jobs/$next/get' outside $aws/things/iso-a/"]);
      expect(JSON.stringify(await handled.get())).toBe(before);
      await a.endAsync(true);
    });

  it('answers a thing that never subscribes: $next/get and its stream blocks', async () => {
    const c = await connectAs(cloud, ids.get('iso-c')!, 'iso-c');
    await jobFor(client, 'iso-job-c', 'iso-c');
    const seen = recorder(c);
    const answer = nextMessage(c, '$aws/things/iso-c/jobs/$next/get/accepted');
    c.publish('$aws/things/iso-c/jobs/$next/get', '{"clientToken":"c1"}');
    const body = JSON.parse((await answer).toString());
    expect([body.clientToken, body.execution.jobId]).toEqual(['c1', 'iso-job-c']);
    const dataTopic = `$aws/things/iso-c/streams/${STREAM}/data/json`;
    const blocks: number[] = [];
    const all = new Promise<void>((resolve) => c.on('message', (t, p) => {
      if (t !== dataTopic) return;
      blocks.push(JSON.parse(p.toString()).i);
      if (blocks.length === 3) resolve();
    }));
    c.publish(`$aws/things/iso-c/streams/${STREAM}/get/json`,
      JSON.stringify({ f: 0, l: 1024, o: 0, n: 3 }));
    await all;
    expect(blocks).toEqual([0, 1, 2]);
    expect(seen).toEqual(['$aws/things/iso-c/jobs/$next/get/accepted',
      dataTopic, dataTopic, dataTopic]);
    await c.endAsync();
  });

  it('answers a subscribed thing exactly once', async () => {
    const d = await connectAs(cloud, ids.get('iso-d')!, 'iso-d');
    const accepted = '$aws/things/iso-d/jobs/$next/get/accepted';
    await d.subscribeAsync(accepted, { qos: 1 });
    const tokens: string[] = [];
    d.on('message', (t, p) => {
      if (t === accepted) tokens.push(JSON.parse(p.toString()).clientToken);
    });
    d.publish('$aws/things/iso-d/jobs/$next/get', '{"clientToken":"d1"}');
    const second = new Promise<void>((resolve) => d.on('message', () => {
      if (tokens.includes('d2')) resolve();
    }));
    d.publish('$aws/things/iso-d/jobs/$next/get', '{"clientToken":"d2"}');
    await second;
    expect(tokens).toEqual(['d1', 'd2']);
    await d.endAsync();
  });
});

describe('topic isolation on the plain listener', () => {
  it('seals a registered thing by client id, leaves other client ids alone', async () => {
    const { cloud, client } = await cloudForTest();
    try {
      await createThings(client, ['plain-a']);
      const a = await mqtt.connectAsync(cloud.mqttUrl, { clientId: 'plain-a', reconnectPeriod: 0 });
      const tool = await mqtt.connectAsync(cloud.mqttUrl, { clientId: 'observer',
        reconnectPeriod: 0 });
      const ga = await subscribeCodes(a, ['$aws/things/plain-b/jobs/notify-next',
        '$aws/things/plain-a/jobs/notify-next'], 0);
      const gt = await subscribeCodes(tool, '$aws/things/+/jobs/notify-next', 0);
      expect([ga, gt]).toEqual([[128, 0], [0]]);
      const gone = closed(a);
      a.publish('$aws/things/plain-b/jobs/get', '{}');
      await gone;
      await tool.endAsync();
    } finally {
      await client.close();
      await cloud.stop();
    }
  });

  it('lets everything through with plainIsolation off', async () => {
    const { cloud, client } = await cloudForTest({ plainIsolation: 'off' });
    try {
      await createThings(client, ['plain-a']);
      const a = await mqtt.connectAsync(cloud.mqttUrl, { clientId: 'plain-a', reconnectPeriod: 0 });
      const ga = await a.subscribeAsync('$aws/things/plain-b/jobs/notify-next', { qos: 0 });
      expect(ga.map((g) => g.qos)).toEqual([0]);
      await a.endAsync();
    } finally {
      await client.close();
      await cloud.stop();
    }
  });
});
