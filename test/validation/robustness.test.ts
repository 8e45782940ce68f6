import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import mqtt from 'mqtt';
import { ManualClock } from '../../src/clock.js';
import { CloudCore } from '../../src/cloud/core.js';
import { handleJobsRequest } from '../../src/cloud/jobs/deviceApi.js';
import type { Cloud } from '../../src/cloud/cloud.js';
import type { CloudClient } from '../../src/client/cloudClient.js';
import { cloudForTest } from '../helpers.js';

/** Bugs found by breaking the cloud: each stays fixed. */
describe('the REST endpoint under bad requests', () => {
  let cloud: Cloud;
  let client: CloudClient;
  beforeAll(async () => { ({ cloud, client } = await cloudForTest()); });
  afterAll(async () => { await cloud.stop(); });

  it('answers a malformed %-escape with 400 and keeps serving', async () => {
    const r = await request(`${cloud.endpointUrl}/otaUpdates/%E0%A4%A`,
      { method: 'POST', body: '{}' });
    expect(r.statusCode).toBe(400);
    expect(r.headers['x-amzn-errortype']).toBe('InvalidRequestException');
    expect(await r.body.json())
      .toEqual({ message: 'the path /otaUpdates/%E0%A4%A has a malformed %-escape' });
    const again = await request(`${cloud.endpointUrl}/otaUpdates`);
    expect(again.statusCode).toBe(200);
    await again.body.dump();
  });

  it('reads a null member as not given, as the service does', async () => {
    await client.call('POST', '/things/n1', { body: {} });
    const out = await client.call('PUT', '/jobs/null-desc', { body: {
      targets: ['arn:aws:iot:us-east-1:123456789012:thing/n1'], document: '{}',
      description: null } });
    expect(out).toEqual({ jobArn: 'arn:aws:iot:us-east-1:123456789012:job/null-desc',
      jobId: 'null-desc' });
  });

  it('refuses a pre-signed URL used with another method than GET, as S3 does', async () => {
    await client.putObject('fw', 'keep.bin', Buffer.from('firmware'));
    for (const method of ['PUT', 'POST', 'DELETE', 'HEAD'] as const) {
      const r = await request(`${cloud.endpointUrl}/fw/keep.bin?X-Amz-Algorithm=AWS4-HMAC-SHA256` +
        '&X-Amz-Signature=00', { method, body: method === 'PUT' ? 'x' : undefined });
      expect([method, r.statusCode]).toEqual([method, 403]);
      await r.body.dump();
    }
    const get = await request(`${cloud.endpointUrl}/fw/keep.bin`, { headers: {
      authorization: 'AWS4-HMAC-SHA256 Credential=a/20260101/us-east-1/s3/aws4_request' } });
    expect(await get.body.text()).toBe('firmware');
  });

  it('answers a publish to the bare jobs topic with InvalidTopic', async () => {
    const c = await mqtt.connectAsync(cloud.mqttUrl,
      { clientId: 'observer-1', reconnectPeriod: 0 });
    await c.subscribeAsync('$aws/things/t9/jobs/rejected');
    const answer = new Promise<Record<string, unknown>>((resolve) => c.on('message',
      (_t, p) => resolve(JSON.parse(p.toString()) as Record<string, unknown>)));
    await c.publishAsync('$aws/things/t9/jobs', '{}');
    expect(await answer).toMatchObject({ code: 'InvalidTopic',
      message: 'The topic does not name a Jobs API.' });
    await c.endAsync();
  });

  it('reads a Range header the same way for HEAD and GET', async () => {
    await client.putObject('fw', 'range.bin', Buffer.alloc(100, 1));
    const s3 = {
      authorization: 'AWS4-HMAC-SHA256 Credential=a/20260101/us-east-1/s3/aws4_request' };
    const seen: Array<[string, string, number]> = [];
    for (const range of ['bytes=200-', 'bytes=50-10', 'bytes=90-']) {
      for (const method of ['GET', 'HEAD'] as const) {
        const r = await request(`${cloud.endpointUrl}/fw/range.bin`,
          { method, headers: { ...s3, range } });
        seen.push([range, method, r.statusCode]);
        await r.body.dump();
      }
    }
    expect(seen).toEqual([
      ['bytes=200-', 'GET', 416], ['bytes=200-', 'HEAD', 416],
      ['bytes=50-10', 'GET', 200], ['bytes=50-10', 'HEAD', 200],
      ['bytes=90-', 'GET', 206], ['bytes=90-', 'HEAD', 206],
    ]);
  });

  it('refuses a body over the cap with 413 without buffering it', async () => {
    const big = Buffer.alloc(64 * 1024 * 1024 + 1, 0x20);
    const r = await request(`${cloud.endpointUrl}/otaUpdates/huge`, { method: 'POST', body: big });
    expect(r.statusCode).toBe(413);
    expect(await r.body.json()).toEqual({ message: 'the request body is 67108865 bytes; at most ' +
      '67108864 are accepted' });
  });
});

describe('a deletion that overtakes a pending creation', () => {
  it('leaves no job and no stream behind', async () => {
    const core = new CloudCore({ clock: new ManualClock(), account: { region: 'us-east-1',
      accountId: '123456789012' }, chains: () => { throw new Error('unused'); },
      publish: () => {} });
    core.registry.createThing('t1');
    core.objects.put('b', 'k', Buffer.alloc(100));
    const u = core.ota.create({ otaUpdateId: 'race',
      targets: ['arn:aws:iot:us-east-1:123456789012:thing/t1'],
      roleArn: 'arn:aws:iam::123456789012:role/ota', files: [{ fileLocation: { s3Location: {
        bucket: 'b', key: 'k' } },
        codeSigning: { customCodeSigning: { signature: { inlineDocument: 'AA==' },
        hashAlgorithm: 'SHA256', signatureAlgorithm: 'ECDSA' } } }] });
    core.ota.delete('race', { deleteStream: true, forceDeleteAWSJob: true });
    await u.done;
    expect(core.jobs.jobs.size).toBe(0);
    expect(core.streams.list({}).streams).toEqual([]);
  });
});

describe('jobs MQTT request members are typed strictly', () => {
  const core = new CloudCore({ clock: new ManualClock(), account: { region: 'us-east-1',
    accountId: '123456789012' }, chains: () => { throw new Error('unused'); }, publish: () => {} });
  core.registry.createThing('t1');
  core.jobs.createJob({ jobId: 'j', targets: ['arn:aws:iot:us-east-1:123456789012:thing/t1'],
    document: '{}' });
  const update = (body: Record<string, unknown>) => handleJobsRequest(core.jobs, 't1',
    { api: 'update', jobId: 'j' }, Buffer.from(JSON.stringify(body))).body;

  it('refuses an expectedVersion that is not a whole number or a string of digits', () => {
    for (const v of [true, [1], ' 1 ', '', 'abc', 1.5]) {
      expect(update({ status: 'IN_PROGRESS', expectedVersion: v })).toMatchObject({
        code: 'InvalidRequest',
        message: 'expectedVersion must be a whole number (or a string of digits).' });
    }
    expect(update({ status: 'IN_PROGRESS', expectedVersion: '1' })).not.toHaveProperty('code');
  });

  it('refuses a string executionNumber and a string includeJobDocument', () => {
    expect(update({ status: 'IN_PROGRESS', executionNumber: '1' }).code).toBe('InvalidRequest');
    expect(update({ status: 'IN_PROGRESS', includeJobDocument: 'false' }).code)
      .toBe('InvalidRequest');
  });

  it('refuses format characters in statusDetails and counts the client token in bytes', () => {
    expect(update({ status: 'IN_PROGRESS', statusDetails: { a: 'x\u200by' } }).code)
      .toBe('InvalidRequest');
    expect(update({ status: 'IN_PROGRESS', clientToken: 'é'.repeat(33) }).code)
      .toBe('InvalidRequest');
  });
});
