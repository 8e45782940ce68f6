import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateOTAUpdateCommand, DescribeJobCommand, GetJobDocumentCommand, GetOTAUpdateCommand,
  IoTClient, ListJobExecutionsForJobCommand, ListOTAUpdatesCommand, ResourceNotFoundException,
  InvalidRequestException, type CreateOTAUpdateCommandInput,
} from '@aws-sdk/client-iot';
import fs from 'node:fs';
import type { Cloud } from '../../src/cloud/cloud.js';
import { applyPreload, readPreloadFile } from '../../src/cloud/preload.js';
import { cloudForTest } from '../helpers.js';

/** The AWS SDK for JavaScript v3 drives the same flow as the AWS CLI suite. */

const example = JSON.parse(fs.readFileSync('fixtures/create-ota-update.fixed.json', 'utf8')) as
  CreateOTAUpdateCommandInput;

function client(cloud: Cloud, secretAccessKey = 'secret1') {
  return new IoTClient({ endpoint: cloud.endpointUrl, region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDOTASIM', secretAccessKey } });
}

describe('@aws-sdk/client-iot against the local cloud', () => {
  let cloud: Cloud;
  let iot: IoTClient;

  beforeAll(async () => {
    ({ cloud } = await cloudForTest({ verifySigV4: { keys: { AKIDOTASIM: 'secret1' } } }));
    applyPreload(cloud.core, readPreloadFile('fixtures/preload-example.json'));
    iot = client(cloud);
  });
  afterAll(async () => {
    iot.destroy();
    await cloud.stop();
  });

  it('creates the page example and follows it to a job on every target', async () => {
    const created = await iot.send(new CreateOTAUpdateCommand(example));
    expect(created.awsIotJobId).toBe('AFR_OTA-ota12345');
    expect(created.otaUpdateStatus).toBe('CREATE_PENDING');
    await cloud.core.ota.get('ota12345').done;

    const got = await iot.send(new GetOTAUpdateCommand({ otaUpdateId: 'ota12345' }));
    expect(got.otaUpdateInfo?.otaUpdateStatus).toBe('CREATE_COMPLETE');
    expect(got.otaUpdateInfo?.creationDate).toBeInstanceOf(Date);

    const job = await iot.send(new DescribeJobCommand({ jobId: 'AFR_OTA-ota12345' }));
    expect(job.job?.status).toBe('IN_PROGRESS');
    expect(job.job?.jobProcessDetails?.numberOfQueuedThings).toBe(4);

    const doc = await iot.send(new GetJobDocumentCommand({ jobId: 'AFR_OTA-ota12345' }));
    const afr = (JSON.parse(doc.document!) as { afr_ota: { streamname: string;
      files: Array<Record<string, unknown>> } }).afr_ota;
    expect(afr.streamname).toBe('004');
    expect(afr.files[0]!.fileid).toBe(123);
    expect(afr.files[0]!['sig-sha256-ecdsa']).toBe(
      cloud.core.signer.getJob('48c67f3c-63bb-4f92-a98a-4ee0fbc2bef6').signature);

    const ex = await iot.send(new ListJobExecutionsForJobCommand({ jobId: 'AFR_OTA-ota12345' }));
    expect(ex.executionSummaries?.map((s) => s.thingArn)).toEqual([1, 2, 3, 4].map((n) =>
      `arn:aws:iot:us-east-1:123456789012:thing/device${n}`));
  });

  it('pages ListOTAUpdates with maxResults and nextToken, filtered by status', async () => {
    for (const id of ['p1', 'p2']) {
      await iot.send(new CreateOTAUpdateCommand({ ...example, otaUpdateId: id }));
      await cloud.core.ota.get(id).done;
    }
    const first = await iot.send(new ListOTAUpdatesCommand({ maxResults: 2,
      otaUpdateStatus: 'CREATE_COMPLETE' }));
    expect(first.otaUpdates?.map((u) => u.otaUpdateId)).toEqual(['ota12345', 'p1']);
    const second = await iot.send(new ListOTAUpdatesCommand({ maxResults: 2,
      otaUpdateStatus: 'CREATE_COMPLETE', nextToken: first.nextToken }));
    expect(second.otaUpdates?.map((u) => u.otaUpdateId)).toEqual(['p2']);
    expect(second.nextToken).toBeUndefined();
  });

  it('surfaces modelled errors with their type and HTTP status', async () => {
    const missing = await iot.send(new GetOTAUpdateCommand({ otaUpdateId: 'nope' }))
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect((missing as ResourceNotFoundException).$metadata.httpStatusCode).toBe(404);
    const bad = await iot.send(new CreateOTAUpdateCommand({ ...example, otaUpdateId: 'x',
      protocols: ['FTP' as 'MQTT'] })).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(InvalidRequestException);
    expect((bad as Error).message).toBe("1 validation error detected: Value 'FTP' at " +
      "'protocols.1.member' failed to satisfy constraint: Member must satisfy enum value set: " +
      '[MQTT, HTTP]');
  });

  it('is refused with a wrong secret when SigV4 verification is on', async () => {
    const wrong = client(cloud, 'not-the-secret');
    const e = await wrong.send(new ListOTAUpdatesCommand({})).catch((x: unknown) => x);
    wrong.destroy();
    expect((e as Error).name).toBe('InvalidSignatureException');
    expect((e as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(403);
  });
});
