import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { runAws } from '../../src/cli/aws/index.js';
import { captureIo, fakeService } from './fakeService.js';
import { tmpDir } from '../helpers.js';

const CREATED = {
  otaUpdateId: 'ota12345', awsIotJobId: 'AFR_OTA-ota12345',
  otaUpdateArn: 'arn:aws:iot:us-east-1:123456789012:otaupdate/ota12345',
  awsIotJobArn: 'arn:aws:iot:us-east-1:123456789012:job/AFR_OTA-ota12345',
  otaUpdateStatus: 'CREATE_PENDING',
};
const ROLE = 'arn:aws:iam::123456789012:role/ota';
const FILES = 'fileName=firmware.bin,fileLocation={stream={streamId=004,fileId=123}},' +
  'codeSigning={awsSignerJobId=48c67f3c-63bb-4f92-a98a-4ee0fbc2bef6}';

let svc: Awaited<ReturnType<typeof fakeService>>;
afterEach(async () => {
  await svc?.close();
});

describe('ota-sim create-ota-update', () => {
  it('rejects the page example with its missing comma, naming file, line and column, ' +
    'and sends nothing', async () => {
    svc = await fakeService(() => ({ body: CREATED }));
    const io = captureIo();
    const code = await runAws(['create-ota-update', '--cli-input-json',
      'file://fixtures/create-ota-update.json', '--endpoint-url', svc.url], io);
    expect(code).toBe(252);
    expect(io.out).toBe('');
    expect(io.err).toBe('\nError parsing parameter \'cli-input-json\': Invalid JSON in ' +
      'fixtures/create-ota-update.json at line 28, column 5: expected \',\' or \'}\' after the ' +
      'value of member "files", found \'"\'\n' +
      '    "roleArn": "arn:aws:iam:123456789012:role/service-role/my_ota_role"\n' +
      '    ^\n');
    expect(svc.requests).toHaveLength(0);
  });

  it('sends the comma-fixed example as the CreateOTAUpdate REST call', async () => {
    svc = await fakeService(() => ({ body: CREATED }));
    const io = captureIo();
    const code = await runAws(['create-ota-update', '--cli-input-json',
      'file://fixtures/create-ota-update.fixed.json', '--endpoint-url', svc.url], io);
    expect(code).toBe(0);
    expect(svc.requests[0]!.method).toBe('POST');
    expect(svc.requests[0]!.url).toBe('/otaUpdates/ota12345');
    const sent = JSON.parse(svc.requests[0]!.body) as Record<string, unknown>;
    const page = JSON.parse(fs.readFileSync('fixtures/create-ota-update.fixed.json', 'utf8')) as
      Record<string, unknown>;
    delete page.otaUpdateId;
    expect(sent).toEqual(page);
    expect(JSON.parse(io.out)).toEqual(CREATED);
  });

  it('lets command-line options override --cli-input-json members', async () => {
    svc = await fakeService(() => ({ body: CREATED }));
    const io = captureIo();
    await runAws(['create-ota-update', '--cli-input-json',
      'file://fixtures/create-ota-update.fixed.json', '--description', 'overridden',
      '--targets', 'arn:aws:iot:us-east-1:123456789012:thing/device9',
      '--endpoint-url', svc.url], io);
    const sent = JSON.parse(svc.requests[0]!.body) as Record<string, unknown>;
    expect(sent.description).toBe('overridden');
    expect(sent.targets).toEqual(['arn:aws:iot:us-east-1:123456789012:thing/device9']);
    expect(sent.roleArn).toBe('arn:aws:iam:123456789012:role/service-role/my_ota_role');
  });

  it('accepts inline --cli-input-json', async () => {
    svc = await fakeService(() => ({ body: CREATED }));
    const io = captureIo();
    const code = await runAws(['get-ota-update', '--cli-input-json', '{"otaUpdateId":"u1"}',
      '--endpoint-url', svc.url], io);
    expect(code).toBe(0);
    expect(svc.requests[0]!.url).toBe('/otaUpdates/u1');
  });

  it('reads every structure in shorthand syntax and lists as separate values', async () => {
    svc = await fakeService(() => ({ body: CREATED }));
    const io = captureIo();
    const code = await runAws(['create-ota-update', '--ota-update-id', 'u1',
      '--targets', 'device1', 'device2', '--protocols', 'MQTT,HTTP',
      '--target-selection', 'CONTINUOUS',
      '--aws-job-executions-rollout-config', 'maximumPerMinute=10,exponentialRate=' +
        '{baseRatePerMinute=5,incrementFactor=1.5,' +
        'rateIncreaseCriteria={numberOfNotifiedThings=20}}',
      '--aws-job-presigned-url-config', 'expiresInSec=600',
      '--aws-job-abort-config', 'abortCriteriaList=[{failureType=FAILED,action=CANCEL,' +
        'thresholdPercentage=12.5,minNumberOfExecutedThings=3}]',
      '--aws-job-timeout-config', 'inProgressTimeoutInMinutes=30',
      '--files', FILES, '--role-arn', ROLE,
      '--additional-parameters', 'k1=v1,k2=v2',
      '--tags', 'Key=team,Value=fw', 'Key=env,Value=lab',
      '--endpoint-url', svc.url], io);
    expect(io.err).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(svc.requests[0]!.body)).toEqual({
      targets: ['device1', 'device2'],
      protocols: ['MQTT', 'HTTP'],
      targetSelection: 'CONTINUOUS',
      awsJobExecutionsRolloutConfig: { maximumPerMinute: 10, exponentialRate: {
        baseRatePerMinute: 5, incrementFactor: 1.5,
        rateIncreaseCriteria: { numberOfNotifiedThings: 20 } } },
      awsJobPresignedUrlConfig: { expiresInSec: 600 },
      awsJobAbortConfig: { abortCriteriaList: [{ failureType: 'FAILED', action: 'CANCEL',
        thresholdPercentage: 12.5, minNumberOfExecutedThings: 3 }] },
      awsJobTimeoutConfig: { inProgressTimeoutInMinutes: 30 },
      files: [{ fileName: 'firmware.bin', fileLocation: { stream: { streamId: '004',
        fileId: 123 } }, codeSigning: { awsSignerJobId: '48c67f3c-63bb-4f92-a98a-4ee0fbc2bef6' } }],
      roleArn: ROLE,
      additionalParameters: { k1: 'v1', k2: 'v2' },
      tags: [{ Key: 'team', Value: 'fw' }, { Key: 'env', Value: 'lab' }],
    });
  });

  it('reads the same structures as JSON and from file://', async () => {
    svc = await fakeService(() => ({ body: CREATED }));
    const dir = tmpDir();
    const filesJson = path.join(dir, 'files.json');
    fs.writeFileSync(filesJson, JSON.stringify([{ fileName: 'a.bin', fileLocation: {
      s3Location: { bucket: 'b', key: 'k' } }, codeSigning: { awsSignerJobId: 'j1' } }]));
    const io = captureIo();
    await runAws(['create-ota-update', '--ota-update-id', 'u1', '--targets', '["t1","t2"]',
      '--aws-job-executions-rollout-config', '{"maximumPerMinute": 7}',
      '--files', `file://${filesJson}`, '--role-arn', ROLE, '--endpoint-url', svc.url], io);
    const sent = JSON.parse(svc.requests[0]!.body) as Record<string, unknown>;
    expect(sent.targets).toEqual(['t1', 't2']);
    expect(sent.awsJobExecutionsRolloutConfig).toEqual({ maximumPerMinute: 7 });
    expect(sent.files).toEqual([{ fileName: 'a.bin', fileLocation: { s3Location: {
      bucket: 'b', key: 'k' } }, codeSigning: { awsSignerJobId: 'j1' } }]);
  });

  it('prints the input skeleton without any other option', async () => {
    const io = captureIo();
    expect(await runAws(['get-ota-update', '--generate-cli-skeleton'], io)).toBe(0);
    expect(io.out).toBe('{\n    "otaUpdateId": ""\n}\n');
    const io2 = captureIo();
    await runAws(['create-ota-update', '--generate-cli-skeleton', 'input'], io2);
    const sk = JSON.parse(io2.out) as Record<string, unknown>;
    expect(Object.keys(sk)).toEqual(['otaUpdateId', 'description', 'targets', 'protocols',
      'targetSelection', 'awsJobExecutionsRolloutConfig', 'awsJobPresignedUrlConfig',
      'awsJobAbortConfig', 'awsJobTimeoutConfig', 'files', 'roleArn', 'additionalParameters',
      'tags']);
    expect(sk.protocols).toEqual(['MQTT']);
    expect(sk.additionalParameters).toEqual({ KeyName: '' });
  });

  it('validates the inputs and prints a sample output for --generate-cli-skeleton output',
    async () => {
      const io = captureIo();
      expect(await runAws(['create-ota-update', '--generate-cli-skeleton', 'output',
        '--ota-update-id', 'x', '--targets', 'a', '--files', '[{"fileName":"a"}]',
        '--role-arn', ROLE], io)).toBe(0);
      expect(io.out).toBe('{\n    "otaUpdateId": "otaUpdateId",\n    "awsIotJobId": ' +
        '"awsIotJobId",\n    "otaUpdateArn": "otaUpdateArn",\n    "awsIotJobArn": ' +
        '"awsIotJobArn",\n    "otaUpdateStatus": "otaUpdateStatus"\n}\n');
      const bad = captureIo();
      expect(await runAws(['create-ota-update', '--generate-cli-skeleton', 'output',
        '--ota-update-id', 'x', '--targets', 'a', '--files', '[{"fileName":"a"}]',
        '--role-arn', 'short'], bad)).toBe(252);
      expect(bad.err).toBe('\nParameter validation failed:\nInvalid length for parameter ' +
        'roleArn, value: 5, valid min length: 20\n');
    });
});

describe('ota-sim output, query and exit codes', () => {
  const LIST = { otaUpdates: [
    { otaUpdateId: 'a', otaUpdateArn: 'arn:a', creationDate: 1557863215.995 },
    { otaUpdateId: 'b', otaUpdateArn: 'arn:b', creationDate: 1557863216 },
  ] };

  it('prints json with four-space indent and ISO 8601 timestamps', async () => {
    svc = await fakeService(() => ({ body: LIST }));
    const io = captureIo();
    await runAws(['list-ota-updates', '--endpoint-url', svc.url], io);
    expect(io.out).toBe(JSON.stringify({ otaUpdates: [
      { otaUpdateId: 'a', otaUpdateArn: 'arn:a', creationDate: '2019-05-14T19:46:55.995000+00:00' },
      { otaUpdateId: 'b', otaUpdateArn: 'arn:b', creationDate: '2019-05-14T19:46:56+00:00' },
    ] }, null, 4) + '\n');
  });

  it('prints text with upper-cased list names and sorted tab-separated columns', async () => {
    svc = await fakeService(() => ({ body: LIST }));
    const io = captureIo();
    await runAws(['list-ota-updates', '--endpoint-url', svc.url, '--output', 'text'], io);
    expect(io.out).toBe('OTAUPDATES\t2019-05-14T19:46:55.995000+00:00\tarn:a\ta\n' +
      'OTAUPDATES\t2019-05-14T19:46:56+00:00\tarn:b\tb\n');
  });

  it('prints a titled table', async () => {
    svc = await fakeService(() => ({ body: CREATED }));
    const io = captureIo();
    await runAws(['get-ota-update', '--ota-update-id', 'x', '--endpoint-url', svc.url,
      '--output', 'table', '--query', '{id: otaUpdateId, status: otaUpdateStatus}'], io);
    expect(io.out).toBe([
      '---------------------------',
      '|      GetOTAUpdate       |',
      '+--------+----------------+',
      '| id     | ota12345       |',
      '| status | CREATE_PENDING |',
      '+--------+----------------+',
      '',
    ].join('\n'));
  });

  it('applies --query with JMESPath and follows pagination unless --no-paginate', async () => {
    svc = await fakeService((r) => (r.url.includes('nextToken=p2')
      ? { body: { otaUpdates: [{ otaUpdateId: 'c' }] } }
      : { body: { otaUpdates: [{ otaUpdateId: 'a' }, { otaUpdateId: 'b' }], nextToken: 'p2' } }));
    const io = captureIo();
    await runAws(['list-ota-updates', '--endpoint-url', svc.url, '--query',
      'otaUpdates[].otaUpdateId', '--output', 'text'], io);
    expect(io.out).toBe('a\tb\tc\n');
    const one = captureIo();
    await runAws(['list-ota-updates', '--endpoint-url', svc.url, '--no-paginate', '--query',
      '[otaUpdates[].otaUpdateId, nextToken]'], one);
    expect(JSON.parse(one.out)).toEqual([['a', 'b'], 'p2']);
  });

  it('exits 252 for missing required options and bad shorthand, sending nothing', async () => {
    svc = await fakeService();
    const io = captureIo();
    expect(await runAws(['create-ota-update', '--ota-update-id', 'x',
      '--endpoint-url', svc.url], io)).toBe(252);
    expect(io.err).toBe('\nota-sim: error: the following arguments are required: --targets, ' +
      '--files, --role-arn\n');
    const sh = captureIo();
    expect(await runAws(['create-ota-update', '--ota-update-id', 'x', '--targets', 't',
      '--role-arn', ROLE, '--files', 'fileName', '--endpoint-url', svc.url], sh)).toBe(252);
    expect(sh.err).toBe("\nError parsing parameter '--files': expected '=' after key " +
      "'fileName' at position 9 of: fileName\n");
    const unknown = captureIo();
    expect(await runAws(['get-ota-update', '--ota-update-id', 'x', '--bogus', '1',
      '--endpoint-url', svc.url], unknown)).toBe(252);
    expect(svc.requests).toHaveLength(0);
  });

  it('exits 254 with the AWS CLI error line for a service error', async () => {
    svc = await fakeService(() => ({ status: 404,
      headers: { 'x-amzn-ErrorType': 'ResourceNotFoundException:http://internal/' },
      body: { message: 'OTAUpdate nope does not exist' } }));
    const io = captureIo();
    expect(await runAws(['get-ota-update', '--ota-update-id', 'nope',
      '--endpoint-url', svc.url], io)).toBe(254);
    expect(io.err).toBe('\nAn error occurred (ResourceNotFoundException) when calling the ' +
      'GetOTAUpdate operation: OTAUpdate nope does not exist\n');
  });

  it('exits 255 when the endpoint cannot be reached', async () => {
    svc = await fakeService();
    const url = svc.url;
    await svc.close();
    const io = captureIo();
    expect(await runAws(['get-ota-update', '--ota-update-id', 'x', '--endpoint-url', url],
      io)).toBe(255);
    expect(io.err).toContain(`Could not connect to the endpoint URL: "${url}/otaUpdates/x"`);
  });

  it('signs with the profile credentials and prints the warning header to stderr', async () => {
    svc = await fakeService(() => ({ body: CREATED,
      headers: { 'x-ota-sim-warning': 'targets device1 are bare thing names' } }));
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'credentials'),
      '[lab]\naws_access_key_id = AKIDLAB\naws_secret_access_key = s\n');
    const io = captureIo({ AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'credentials') });
    await runAws(['get-ota-update', '--ota-update-id', 'x', '--profile', 'lab',
      '--region', 'eu-west-1', '--endpoint-url', svc.url], io);
    expect(String(svc.requests[0]!.headers.authorization)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDLAB\/\d{8}\/eu-west-1\/iot\/aws4_request, /);
    expect(io.err).toBe('warning: targets device1 are bare thing names\n');
    const missing = captureIo();
    expect(await runAws(['get-ota-update', '--ota-update-id', 'x', '--profile', 'nope',
      '--endpoint-url', svc.url], missing)).toBe(255);
    expect(missing.err).toBe('\nThe config profile (nope) could not be found\n');
  });
});
