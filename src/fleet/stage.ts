import type { CloudClient } from '../client/cloudClient.js';

/** Setting the stage for a rollout through the public REST API, as a user's script would. */

async function inBatches<T>(items: T[], width: number, fn: (item: T) => Promise<unknown>) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  });
  await Promise.all(lanes);
}

export async function registerThings(client: CloudClient, group: string | undefined,
  names: string[], width = 16): Promise<void> {
  if (group) await client.call('POST', `/thing-groups/${encodeURIComponent(group)}`, { body: {} });
  await inBatches(names, width, async (name) => {
    await client.call('POST', `/things/${encodeURIComponent(name)}`, { body: {} });
    if (group) {
      await client.call('PUT', '/thing-groups/addThingToThingGroup',
        { body: { thingGroupName: group, thingName: name } });
    }
  });
}

export interface SignedImage {
  bucket: string;
  key: string;
  signingJobId: string;
  profileName: string;
}

/** Uploads an image and signs it with a profile, the way `aws signer start-signing-job` would. */
export async function uploadAndSign(client: CloudClient, opts: {
  bucket: string; key: string; image: Buffer; platformId: string; certname: string;
  profileName: string; certificateArn?: string;
}): Promise<SignedImage> {
  await client.putObject(opts.bucket, opts.key, opts.image);
  await client.call('PUT', `/signing-profiles/${opts.profileName}`, { body: {
    platformId: opts.platformId,
    signingParameters: { certname: opts.certname },
    ...(opts.certificateArn ? { signingMaterial: { certificateArn: opts.certificateArn } } : {}),
  } });
  const job = await client.call<{ jobId: string }>('POST', '/signing-jobs', { body: {
    source: { s3: { bucketName: opts.bucket, key: opts.key } },
    destination: { s3: { bucketName: opts.bucket, prefix: 'SignedImages/' } },
    profileName: opts.profileName,
  } });
  return { bucket: opts.bucket, key: opts.key, signingJobId: job.jobId,
    profileName: opts.profileName };
}
