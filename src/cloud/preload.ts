import { createPublicKey, verify } from 'node:crypto';
import fs from 'node:fs';
import { SimError } from '../protocol/errors.js';
import { arn } from '../protocol/arn.js';
import { hashOf, signData, signatureAlgorithmName, type SigAlg } from '../pki/index.js';
import type { CloudCore } from './core.js';
import { keyKindForCertificate, type SigningJob } from './signer.js';

/**
 * Seeds a cloud with the resources a scripted CreateOTAUpdate refers to but cannot create
 * itself: things, groups, S3 objects, streams and completed signing jobs with fixed ids (the
 * AWS CLI page's example names stream 004 and signing job 48c67f3c-…). `ota-sim cloud
 * --preload FILE` reads a PreloadDoc; fixtures/preload-example.json is the page's world.
 */

export interface PreloadDoc {
  things?: Array<{ thingName: string; attributes?: Record<string, string> }>;
  thingGroups?: Array<{ thingGroupName: string; description?: string; things?: string[] }>;
  objects?: Array<{ bucket: string; key: string; contentBase64: string; contentType?: string }>;
  streams?: Array<{
    streamId: string;
    description?: string;
    roleArn: string;
    files: Array<{ fileId: number; s3Location: { bucket: string; key: string; version?: string } }>;
  }>;
  signingJobs?: Array<{
    jobId: string;
    profileName: string;
    platformId: string;
    /** Where the device finds the code-signing certificate (job document `certfile`). */
    certname: string;
    source: { bucket: string; key: string };
    /** base64 DER (ECDSA) or raw PKCS#1 (RSA) signature over the source object. */
    signature: string;
  }>;
}

export interface PreloadResult {
  things: number;
  groups: number;
  objects: number;
  streams: number;
  signingJobs: number;
  /** Signing jobs whose fixture signature did not verify with this cloud's dev chain. */
  resigned: string[];
}

function bad(message: string): never {
  throw new SimError('OTASIM_BAD_INPUT_FILE', message);
}

/** Reads a PreloadDoc; a JSON error names the file. */
export function readPreloadFile(file: string): PreloadDoc {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    bad(`cannot read preload file ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as PreloadDoc;
  } catch (e) {
    throw new SimError('OTASIM_BAD_JSON', `preload file ${file}: ${(e as Error).message}`);
  }
}

export function applyPreload(core: CloudCore, doc: PreloadDoc): PreloadResult {
  const result: PreloadResult = { things: 0, groups: 0, objects: 0, streams: 0, signingJobs: 0,
    resigned: [] };
  for (const t of doc.things ?? []) {
    core.registry.createThing(t.thingName, t.attributes ?? {});
    result.things += 1;
  }
  for (const g of doc.thingGroups ?? []) {
    core.registry.createGroup(g.thingGroupName, g.description);
    for (const t of g.things ?? []) core.registry.addToGroup(g.thingGroupName, t);
    result.groups += 1;
  }
  for (const o of doc.objects ?? []) {
    core.objects.put(o.bucket, o.key, Buffer.from(o.contentBase64, 'base64'), o.contentType);
    result.objects += 1;
  }
  for (const s of doc.streams ?? []) {
    core.streams.create({ streamId: s.streamId, description: s.description, files: s.files,
      roleArn: s.roleArn });
    result.streams += 1;
  }
  for (const j of doc.signingJobs ?? []) {
    if (importSigningJob(core, j)) result.resigned.push(j.jobId);
    result.signingJobs += 1;
  }
  return result;
}

type SigningJobDoc = NonNullable<PreloadDoc['signingJobs']>[number];

/** Registers a completed signing job; returns true when the signature had to be remade. */
function importSigningJob(core: CloudCore, j: SigningJobDoc): boolean {
  const plat = core.signer.platform(j.platformId);
  const object = core.objects.find(j.source.bucket, j.source.key);
  if (!object) bad(`signing job ${j.jobId}: object s3://${j.source.bucket}/${j.source.key} ` +
    'is not in the preload objects');
  const account = core.opts.account;
  const profile = core.signer.profiles.get(j.profileName) ?? core.signer.putProfile({
    profileName: j.profileName, platformId: j.platformId,
    signingParameters: { certname: j.certname },
  });
  const kind = keyKindForCertificate(profile.signingMaterial.certificateArn, plat.alg);
  const chain = core.opts.chains(kind);
  let signature = j.signature;
  // certs/dev is generated per machine: a fixture signed elsewhere cannot verify here, and a
  // device would reject it, so it is remade with this cloud's key (and reported).
  const ok = verifies(plat.alg, object.data, signature, chain.leafPem);
  if (!ok) {
    signature = signData(plat.alg, object.data, chain.leafKeyPem).toString('base64');
    core.opts.warn?.(`preload: signing job ${j.jobId} signature does not verify with the ` +
      `${kind} dev chain in use; re-signed s3://${j.source.bucket}/${j.source.key}`);
  }
  const t = core.opts.clock.now();
  const job: SigningJob = {
    jobId: j.jobId,
    jobArn: arn.signingJob(account, j.jobId),
    profileName: profile.profileName,
    profileVersion: profile.profileVersion,
    platformId: plat.platformId,
    platformDisplayName: plat.displayName,
    source: { s3: { bucketName: j.source.bucket, key: j.source.key, version: object.versionId } },
    destination: { s3: { bucketName: j.source.bucket, prefix: 'signed/' } },
    signingMaterial: profile.signingMaterial,
    signingParameters: { certname: j.certname },
    signedObject: { s3: { bucketName: j.source.bucket, key: `signed/${j.jobId}` } },
    status: 'Succeeded',
    createdAt: t,
    completedAt: t,
    requestedBy: `arn:aws:iam::${account.accountId}:user/ota-sim`,
    jobOwner: account.accountId,
    jobInvoker: account.accountId,
    signature,
    signatureAlgorithm: signatureAlgorithmName(plat.alg),
    rawPayloadSize: object.data.length,
    alg: plat.alg,
  };
  core.signer.importJob(job);
  return !ok;
}

function verifies(alg: SigAlg, data: Buffer, signatureB64: string, certPem: string): boolean {
  const key = createPublicKey(certPem);
  const sig = Buffer.from(signatureB64, 'base64');
  try {
    return alg.endsWith('-ecdsa')
      ? verify(hashOf(alg), data, { key, dsaEncoding: 'der' }, sig)
      : verify(hashOf(alg), data, key, sig);
  } catch {
    return false;
  }
}
