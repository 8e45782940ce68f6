import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cloud } from '../../src/cloud/cloud.js';
import { applyPreload, readPreloadFile } from '../../src/cloud/preload.js';
import { cloudForTest } from '../helpers.js';

/**
 * Every model limit CreateOTAUpdate and its neighbours enforce, with the error type (header),
 * HTTP status and message the cloud sends (protocol.md §1.2, §1.3, §1.7, §2.1).
 */

let cloud: Cloud;

beforeAll(async () => {
  ({ cloud } = await cloudForTest());
  applyPreload(cloud.core, readPreloadFile('fixtures/preload-example.json'));
});
afterAll(async () => {
  await cloud.stop();
});

const ROLE = 'arn:aws:iam::123456789012:role/service-role/my_ota_role';
const valid = () => ({
  targets: ['arn:aws:iot:us-east-1:123456789012:thing/device1'],
  files: [{ fileName: 'firmware.bin', fileLocation: { stream: { streamId: '004', fileId: 123 } },
    codeSigning: { awsSignerJobId: '48c67f3c-63bb-4f92-a98a-4ee0fbc2bef6' } }],
  roleArn: ROLE,
});

async function send(method: string, path: string, body?: unknown) {
  const res = await fetch(`${cloud.endpointUrl}${path}`, { method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: { 'content-type': 'application/json' } });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('x-amzn-errortype'),
    body: text ? JSON.parse(text) as Record<string, unknown> : {} };
}

const one = (value: string, at: string, constraint: string) =>
  `1 validation error detected: Value ${value} at '${at}' failed to satisfy constraint: ` +
  `Member must ${constraint}`;

describe('CreateOTAUpdate limits', () => {
  const cases: Array<[string, string, Record<string, unknown>, string]> = [
    ['otaUpdateId pattern', 'bad!id', {},
      one("'bad!id'", 'otaUpdateId', 'satisfy regular expression pattern: [a-zA-Z0-9_-]+')],
    ['otaUpdateId length', 'a'.repeat(129), {},
      one(`'${'a'.repeat(129)}'`, 'otaUpdateId', 'have length less than or equal to 128')],
    ['description length', 'd1', { description: 'x'.repeat(2029) },
      one(`'${'x'.repeat(2029)}'`, 'description', 'have length less than or equal to 2028')],
    ['description control characters', 'd2', { description: 'line\nbreak' },
      one("'line\nbreak'", 'description', 'satisfy regular expression pattern: [^\\p{C}]+')],
    ['targets at least one', 't1', { targets: [] },
      one("'[]'", 'targets', 'have length greater than or equal to 1')],
    // The OTA model's Target has no limit; the Jobs TargetArn limit is applied by ota-sim.
    ['target length', 't2', { targets: ['x'.repeat(2049)] },
      `target "${'x'.repeat(2049)}" must be an ARN of at most 2048 characters`],
    ['protocols enum', 'p1', { protocols: ['FTP'] },
      one("'FTP'", 'protocols.1.member', 'satisfy enum value set: [MQTT, HTTP]')],
    ['protocols at most two', 'p2', { protocols: ['MQTT', 'HTTP', 'MQTT'] },
      one("'[\"MQTT\",\"HTTP\",\"MQTT\"]'", 'protocols', 'have length less than or equal to 2')],
    ['targetSelection enum', 's1', { targetSelection: 'SOMETIMES' },
      one("'SOMETIMES'", 'targetSelection', 'satisfy enum value set: [CONTINUOUS, SNAPSHOT]')],
    ['maximumPerMinute range', 'r1', { awsJobExecutionsRolloutConfig: { maximumPerMinute: 1001 } },
      one("'1001'", 'awsJobExecutionsRolloutConfig.maximumPerMinute',
        'have value less than or equal to 1000')],
    ['baseRatePerMinute range', 'r2', { awsJobExecutionsRolloutConfig: { exponentialRate: {
      baseRatePerMinute: 0, incrementFactor: 2, rateIncreaseCriteria: {} } } },
    one("'0'", 'awsJobExecutionsRolloutConfig.exponentialRate.baseRatePerMinute',
      'have value greater than or equal to 1')],
    ['abort threshold', 'a1', { awsJobAbortConfig: { abortCriteriaList: [{ failureType: 'ALL',
      action: 'CANCEL', thresholdPercentage: 101, minNumberOfExecutedThings: 1 }] } },
    one("'101'", 'awsJobAbortConfig.abortCriteriaList.1.member.thresholdPercentage',
      'have value less than or equal to 100')],
    ['abort action enum', 'a2', { awsJobAbortConfig: { abortCriteriaList: [{ failureType: 'ALL',
      action: 'STOP', thresholdPercentage: 10, minNumberOfExecutedThings: 1 }] } },
    one("'STOP'", 'awsJobAbortConfig.abortCriteriaList.1.member.action',
      'satisfy enum value set: [CANCEL]')],
    ['timeout range', 'o1', { awsJobTimeoutConfig: { inProgressTimeoutInMinutes: 0 } },
      'awsJobTimeoutConfig.inProgressTimeoutInMinutes is 0; expected 1-10080'],
    ['fileType range', 'f1', { files: [{ ...valid().files[0], fileType: 256 }] },
      one("'256'", 'files.1.member.fileType', 'have value less than or equal to 255')],
    ['stream fileId range', 'f2', { files: [{ ...valid().files[0],
      fileLocation: { stream: { streamId: '004', fileId: -1 } } }] },
    one("'-1'", 'files.1.member.fileLocation.stream.fileId',
      'have value greater than or equal to 0')],
    ['streamId pattern', 'f3', { files: [{ ...valid().files[0],
      fileLocation: { stream: { streamId: 'no/slash', fileId: 1 } } }] },
    one("'no/slash'", 'files.1.member.fileLocation.stream.streamId',
      'satisfy regular expression pattern: [a-zA-Z0-9_-]+')],
    ['roleArn length', 'ro1', { roleArn: 'arn:aws:iam::1:r' },
      one("'arn:aws:iam::1:r'", 'roleArn', 'have length greater than or equal to 20')],
    ['tag key length', 'g1', { tags: [{ Key: '', Value: 'v' }] },
      one("''", 'tags.1.member.Key', 'have length greater than or equal to 1')],
    ['files required', 'q1', { files: undefined },
      'Value null at \'files\' failed to satisfy constraint: Member must not be null'],
  ];
  for (const [name, id, patch, message] of cases) {
    it(`rejects ${name} with InvalidRequestException 400`, async () => {
      const r = await send('POST', `/otaUpdates/${encodeURIComponent(id)}`,
        { ...valid(), ...patch });
      expect(r.status).toBe(400);
      expect(r.type).toBe('InvalidRequestException');
      expect(r.body.message).toBe(message.startsWith('Value null')
        ? `1 validation error detected: ${message}` : message);
    });
  }

  it('lists several violations in one message', async () => {
    const r = await send('POST', '/otaUpdates/multi', { ...valid(), targets: [],
      roleArn: 'short' });
    expect(r.body.message).toBe("2 validation errors detected: Value '[]' at 'targets' failed " +
      'to satisfy constraint: Member must have length greater than or equal to 1; Value ' +
      "'short' at 'roleArn' failed to satisfy constraint: Member must have length greater " +
      'than or equal to 20');
  });

  it('rejects an otaUpdateId whose job id would pass 64 characters', async () => {
    const id = 'a'.repeat(57);
    const r = await send('POST', `/otaUpdates/${id}`, valid());
    expect([r.status, r.type]).toEqual([400, 'InvalidRequestException']);
    expect(r.body.message).toBe(`otaUpdateId '${id}' is 57 characters; the job id ` +
      `AFR_OTA-${id} would exceed the 64-character job id limit, so at most 56 are allowed`);
  });

  it('answers ResourceAlreadyExistsException 409 with resourceId and resourceArn', async () => {
    expect((await send('POST', '/otaUpdates/dup1', valid())).status).toBe(200);
    const r = await send('POST', '/otaUpdates/dup1', valid());
    expect([r.status, r.type]).toEqual([409, 'ResourceAlreadyExistsException']);
    expect(r.body).toEqual({ message: 'OTAUpdate dup1 already exists', resourceId: 'dup1',
      resourceArn: 'arn:aws:iot:us-east-1:123456789012:otaupdate/dup1' });
  });

  it('answers ResourceNotFoundException 404 for unknown updates and targets', async () => {
    const r = await send('GET', '/otaUpdates/none');
    expect([r.status, r.type, r.body.message]).toEqual([404, 'ResourceNotFoundException',
      'OTAUpdate none does not exist']);
    const t = await send('POST', '/otaUpdates/t404', { ...valid(),
      targets: ['arn:aws:iot:us-east-1:123456789012:thing/ghost'] });
    expect([t.status, t.type, t.body.message]).toEqual([404, 'ResourceNotFoundException',
      'Thing ghost cannot be found.']);
  });

  it('warns about bare thing names in a response header', async () => {
    const res = await fetch(`${cloud.endpointUrl}/otaUpdates/bare1`, { method: 'POST',
      body: JSON.stringify({ ...valid(), targets: ['device1'] }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ota-sim-warning')).toBe('targets device1 are bare thing names; ' +
      'AWS IoT expects thing or thing-group ARNs (arn:aws:iot:<region>:<account>:thing/<name>).' +
      ' ota-sim treats them as thing names; start the cloud with strict targets to reject them.');
  });
});

describe('neighbour operation limits', () => {
  it('ListOTAUpdates maxResults and status enum', async () => {
    const r = await send('GET', '/otaUpdates?maxResults=251');
    expect([r.status, r.type, r.body.message]).toEqual([400, 'InvalidRequestException',
      one("'251'", 'maxResults', 'have value less than or equal to 250')]);
    const s = await send('GET', '/otaUpdates?otaUpdateStatus=DONE');
    expect(s.body.message).toBe(one("'DONE'", 'otaUpdateStatus', 'satisfy enum value set: ' +
      '[CREATE_PENDING, CREATE_IN_PROGRESS, CREATE_COMPLETE, CREATE_FAILED, ' +
      'DELETE_IN_PROGRESS, DELETE_FAILED]'));
  });

  it('CreateStream allows at most 50 files', async () => {
    const files = Array.from({ length: 51 }, (_, i) => ({ fileId: i,
      s3Location: { bucket: 'ota-sim-fixtures', key: 'firmware.bin' } }));
    const r = await send('POST', '/streams/s51', { files, roleArn: ROLE });
    expect([r.status, r.type]).toEqual([400, 'InvalidRequestException']);
    expect(String(r.body.message)).toBe(one(`'${JSON.stringify(files)}'`, 'files',
      'have length less than or equal to 50'));
  });

  it('UpdateStream past version 65535 is LimitExceededException 410', async () => {
    const files = [{ fileId: 0, s3Location: { bucket: 'ota-sim-fixtures', key: 'firmware.bin' } }];
    await send('POST', '/streams/v1', { files, roleArn: ROLE });
    for (let v = 1; v < 65_535; v++) cloud.core.streams.update('v1', {});
    const r = await send('PUT', '/streams/v1', { description: 'one more' });
    expect([r.status, r.type, r.body.message]).toEqual([410, 'LimitExceededException',
      'Stream v1 reached version 65535.']);
  });

  it('CreateJob job id pattern and DescribeJobExecution on an unknown thing', async () => {
    const r = await send('PUT', '/jobs/bad.id', { targets: ['x'], document: '{}' });
    expect(r.body.message).toBe(one("'bad.id'", 'jobId',
      'satisfy regular expression pattern: [a-zA-Z0-9_-]+'));
    const e = await send('GET', '/things/ghost/jobs/AFR_OTA-dup1');
    expect([e.status, e.type]).toEqual([404, 'ResourceNotFoundException']);
  });

  it('Signer answers ValidationException 400', async () => {
    const r = await send('PUT', '/signing-profiles/x', { platformId: 'AmazonFreeRTOS-Default' });
    expect([r.status, r.type, r.body.message]).toEqual([400, 'ValidationException',
      "2 validation errors detected: Value 'x' at 'profileName' failed to satisfy constraint: " +
      'Member must have length greater than or equal to 2; Value \'x\' at \'profileName\' ' +
      'failed to satisfy constraint: Member must satisfy regular expression pattern: ' +
      '^[a-zA-Z0-9_]{2,}']);
  });
});
