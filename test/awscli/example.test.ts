import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cloud } from '../../src/cloud/cloud.js';
import { applyPreload, readPreloadFile } from '../../src/cloud/preload.js';
import { cloudForTest, tmpDir } from '../helpers.js';

/**
 * The real AWS CLI (`aws`, botocore) against a cloud started here: the create-ota-update page
 * example (comma fixed) with the preload fixture, then the calls that watch it.
 */

const AWS = findOnPath('aws');
if (!AWS) {
  console.warn('test/awscli: skipped — the `aws` command is not on PATH (CI installs awscli)');
}

function findOnPath(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch { /* not in this directory */ }
  }
  return undefined;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function aws(endpoint: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const home = tmpDir();
  return new Promise((resolve) => {
    execFile(AWS!, [...args, '--endpoint-url', endpoint], {
      env: {
        PATH: process.env.PATH ?? '', HOME: home, AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'x', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '',
        AWS_CONFIG_FILE: path.join(home, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'), ...env,
      },
    }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe.skipIf(!AWS)('the AWS CLI drives the local cloud', () => {
  let cloud: Cloud;
  let url: string;

  beforeAll(async () => {
    ({ cloud } = await cloudForTest());
    applyPreload(cloud.core, readPreloadFile('fixtures/preload-example.json'));
    url = cloud.endpointUrl;
  });
  afterAll(async () => {
    await cloud.stop();
  });

  it('runs the page example (comma fixed) and answers the five output keys', async () => {
    const r = await aws(url, ['iot', 'create-ota-update', '--cli-input-json',
      'file://fixtures/create-ota-update.fixed.json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      otaUpdateId: 'ota12345',
      awsIotJobId: 'AFR_OTA-ota12345',
      otaUpdateArn: 'arn:aws:iot:us-east-1:123456789012:otaupdate/ota12345',
      awsIotJobArn: 'arn:aws:iot:us-east-1:123456789012:job/AFR_OTA-ota12345',
      otaUpdateStatus: 'CREATE_PENDING',
    });
  });

  it('get-ota-update reaches CREATE_COMPLETE', async () => {
    await cloud.core.ota.get('ota12345').done;
    const r = await aws(url, ['iot', 'get-ota-update', '--ota-update-id', 'ota12345',
      '--query', 'otaUpdateInfo.[otaUpdateStatus,awsIotJobId]', '--output', 'text']);
    expect(r.stdout).toBe('CREATE_COMPLETE\tAFR_OTA-ota12345\n');
  });

  it('describe-job and get-job-document show the afr_ota job on stream 004, file 123', async () => {
    const job = await aws(url, ['iot', 'describe-job', '--job-id', 'AFR_OTA-ota12345']);
    const j = (JSON.parse(job.stdout) as { job: Record<string, unknown> }).job;
    expect(j.jobId).toBe('AFR_OTA-ota12345');
    expect(j.status).toBe('IN_PROGRESS');
    expect(j.targets).toEqual(['device1', 'device2', 'device3', 'device4']);
    expect(j.description).toBe('A critical update needed right away.');
    const doc = await aws(url, ['iot', 'get-job-document', '--job-id', 'AFR_OTA-ota12345']);
    const parsed = JSON.parse((JSON.parse(doc.stdout) as { document: string }).document) as {
      afr_ota: { protocols: string[]; streamname: string; files: Array<Record<string, unknown>> };
    };
    const signing = cloud.core.signer.getJob('48c67f3c-63bb-4f92-a98a-4ee0fbc2bef6');
    expect(parsed.afr_ota).toEqual({
      protocols: ['MQTT'],
      streamname: '004',
      files: [{ filepath: 'firmware.bin', filesize: 8192, fileid: 123,
        certfile: '/certs/codesign.crt', 'sig-sha256-ecdsa': signing.signature }],
    });
  });

  it('list-job-executions-for-job lists every target', async () => {
    const r = await aws(url, ['iot', 'list-job-executions-for-job', '--job-id',
      'AFR_OTA-ota12345', '--query', 'executionSummaries[].thingArn']);
    expect(JSON.parse(r.stdout)).toEqual([1, 2, 3, 4].map((n) =>
      `arn:aws:iot:us-east-1:123456789012:thing/device${n}`));
  });

  it('prints the service validation error as it prints AWS errors', async () => {
    const r = await aws(url, ['iot', 'get-ota-update', '--ota-update-id', 'bad!']);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe('An error occurred (InvalidRequestException) when calling the ' +
      "GetOTAUpdate operation: 1 validation error detected: Value 'bad!' at 'otaUpdateId' " +
      'failed to satisfy constraint: Member must satisfy regular expression pattern: ' +
      '[a-zA-Z0-9_-]+');
    const dup = await aws(url, ['iot', 'create-ota-update', '--cli-input-json',
      'file://fixtures/create-ota-update.fixed.json']);
    expect(dup.stderr.trim()).toBe('An error occurred (ResourceAlreadyExistsException) when ' +
      'calling the CreateOTAUpdate operation: OTAUpdate ota12345 already exists');
  });

  it('aws s3 cp uploads and downloads, and s3api head-object sees the version', async () => {
    const dir = tmpDir();
    const src = path.join(dir, 'fw.bin');
    const data = Buffer.alloc(300_000, 7);
    fs.writeFileSync(src, data);
    const up = await aws(url, ['s3', 'cp', src, 's3://fw-bucket/dir/fw.bin', '--only-show-errors']);
    expect(up.stderr).toBe('');
    expect(cloud.core.objects.get('fw-bucket', 'dir/fw.bin').data.equals(data)).toBe(true);
    const back = path.join(dir, 'back.bin');
    await aws(url, ['s3', 'cp', 's3://fw-bucket/dir/fw.bin', back, '--only-show-errors']);
    expect(fs.readFileSync(back).equals(data)).toBe(true);
    const head = await aws(url, ['s3api', 'head-object', '--bucket', 'fw-bucket', '--key',
      'dir/fw.bin', '--query', '[ContentLength, VersionId]']);
    expect(JSON.parse(head.stdout)).toEqual([300_000,
      cloud.core.objects.get('fw-bucket', 'dir/fw.bin').versionId]);
  });

  it('aws signer signs an uploaded image', async () => {
    const plat = await aws(url, ['signer', 'list-signing-platforms', '--query',
      'platforms[0].platformId', '--output', 'text']);
    expect(plat.stdout).toBe('AmazonFreeRTOS-Default\n');
    await aws(url, ['signer', 'put-signing-profile', '--profile-name', 'cli_profile',
      '--platform-id', 'AmazonFreeRTOS-Default', '--signing-parameters', 'certname=/c.crt']);
    const version = cloud.core.objects.get('fw-bucket', 'dir/fw.bin').versionId;
    const start = await aws(url, ['signer', 'start-signing-job', '--profile-name', 'cli_profile',
      '--source', `s3={bucketName=fw-bucket,key=dir/fw.bin,version=${version}}`,
      '--destination', 's3={bucketName=fw-bucket,prefix=signed/}', '--query', 'jobId',
      '--output', 'text']);
    const jobId = start.stdout.trim();
    const desc = await aws(url, ['signer', 'describe-signing-job', '--job-id', jobId,
      '--query', '[status, signedObject.s3.key]']);
    expect(JSON.parse(desc.stdout)).toEqual(['Succeeded', `signed/${jobId}`]);
  });
});

describe.skipIf(!AWS)('the AWS CLI against a cloud that verifies SigV4', () => {
  let cloud: Cloud;

  beforeAll(async () => {
    ({ cloud } = await cloudForTest({ verifySigV4: { keys: { AKIDOTASIM: 'secret1' } } }));
  });
  afterAll(async () => {
    await cloud.stop();
  });

  it('accepts the configured key and rejects a wrong secret or unknown key', async () => {
    const good = await aws(cloud.endpointUrl, ['iot', 'list-ota-updates'],
      { AWS_ACCESS_KEY_ID: 'AKIDOTASIM', AWS_SECRET_ACCESS_KEY: 'secret1' });
    expect(good.stdout).toBe('{\n    "otaUpdates": []\n}\n');
    const bad = await aws(cloud.endpointUrl, ['iot', 'list-ota-updates'],
      { AWS_ACCESS_KEY_ID: 'AKIDOTASIM', AWS_SECRET_ACCESS_KEY: 'wrong' });
    expect(bad.stderr).toContain('An error occurred (InvalidSignatureException)');
    const unknown = await aws(cloud.endpointUrl, ['iot', 'list-ota-updates'],
      { AWS_ACCESS_KEY_ID: 'nobody', AWS_SECRET_ACCESS_KEY: 'secret1' });
    expect(unknown.stderr).toContain('An error occurred (UnrecognizedClientException)');
    const s3 = await aws(cloud.endpointUrl, ['s3', 'ls'],
      { AWS_ACCESS_KEY_ID: 'AKIDOTASIM', AWS_SECRET_ACCESS_KEY: 'wrong' });
    expect(s3.stderr).toContain('SignatureDoesNotMatch');
  });
});
