import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { CloudClient } from '../client/cloudClient.js';
import { SIGNING_PLATFORMS, keyKindForCertificate, type SigningJob } from '../cloud/signer.js';
import { signingCertificateArn, signingFor, SIGNING_NAMES, type SigningChoice } from
  '../device/signing.js';
import { DEFAULTS } from '../protocol/defaults.js';
import { SimError } from '../protocol/errors.js';
import { loadOrCreateChain, signatureAlgorithmName, signData, type KeyKind } from '../pki/index.js';

/**
 * `ota-sim sign`: signs a file the way the cloud's Signer does (protocol.md §6.1, §6.2).
 * Offline it writes the JSONEmbedded signed object next to the file and prints a signing job
 * record a cloud can import (`--preload`); with `--endpoint-url` it uploads the file and runs
 * PutSigningProfile + StartSigningJob against that cloud instead.
 */

export interface SignFileOptions {
  file: string;
  /** A name from SIGNING_NAMES; ignored when `platformId` is given. Default ecdsa-sha256. */
  signing?: string;
  /** A Signer platform of §6.1 (or a local OtaSim-* one). */
  platformId?: string;
  /** With `platformId`: which development key signs (default by the platform's algorithm). */
  keyKind?: KeyKind;
  certsDir?: string;
  /** certname / certificatePathOnDevice: becomes `certfile` in the job document. */
  certname?: string;
  /** Offline: where the signed object goes (default `<file>.signed.json`). */
  out?: string;
  endpointUrl?: string;
  bucket?: string;
  key?: string;
  profileName?: string;
  region?: string;
  accountId?: string;
}

export interface SignFileResult {
  jobId: string;
  platformId: string;
  signatureAlgorithm: string;
  signatureKey: string;
  rawPayloadSize: number;
  certname: string;
  /** Offline only: the signed object file and the job record for `ota-sim cloud --preload`. */
  signedObjectFile?: string;
  signingJob?: SigningJob;
  /** Online only. */
  signedObject?: { bucketName: string; key: string };
}

/** The signing method of the options, as a platform, key kind and algorithm. */
export function resolveSigning(opts: Pick<SignFileOptions, 'signing' | 'platformId' |
  'keyKind'>): SigningChoice {
  if (!opts.platformId) {
    try {
      return signingFor(opts.signing ?? 'ecdsa-sha256');
    } catch (e) {
      throw new SimError('OTASIM_BAD_OPTION', (e as Error).message);
    }
  }
  const p = SIGNING_PLATFORMS.find((x) => x.platformId === opts.platformId);
  if (!p) {
    throw new SimError('OTASIM_BAD_OPTION', `--platform ${opts.platformId}: expected one of ` +
      SIGNING_PLATFORMS.map((x) => x.platformId).join(', '));
  }
  const kind = opts.keyKind ?? keyKindForCertificate('', p.alg);
  const found = SIGNING_NAMES.map((n) => signingFor(n))
    .find((s) => s.alg === p.alg && s.keyKind === kind);
  if (!found) {
    throw new SimError('OTASIM_BAD_OPTION',
      `--key-kind ${kind} cannot sign for ${p.platformId} (${p.alg})`);
  }
  return { ...found, platformId: p.platformId };
}

export async function signFile(opts: SignFileOptions): Promise<SignFileResult> {
  const choice = resolveSigning(opts);
  const certname = opts.certname ?? DEFAULTS.fleet.certPath;
  let data: Buffer;
  try {
    data = await readFile(opts.file);
  } catch (e) {
    throw new SimError('OTASIM_BAD_INPUT_FILE', `${opts.file}: ${(e as Error).message}`);
  }
  return opts.endpointUrl
    ? signOnline(opts, choice, certname, data)
    : signOffline(opts, choice, certname, data);
}

async function signOffline(opts: SignFileOptions, choice: SigningChoice, certname: string,
  data: Buffer): Promise<SignFileResult> {
  const chain = await loadOrCreateChain(resolve(opts.certsDir ?? join('certs', 'dev')),
    choice.keyKind);
  const signature = signData(choice.alg, data, chain.leafKeyPem).toString('base64');
  const signatureAlgorithm = signatureAlgorithmName(choice.alg);
  const out = resolve(opts.out ?? `${opts.file}.signed.json`);
  await writeFile(out, JSON.stringify({ rawPayloadSize: data.length, signature,
    signatureAlgorithm, payload: data.toString('base64') }));
  const region = opts.region ?? DEFAULTS.region;
  const account = opts.accountId ?? DEFAULTS.accountId;
  const jobId = randomUUID();
  const bucket = opts.bucket ?? 'ota-sim-signed';
  const key = opts.key ?? basename(opts.file);
  const now = Date.now();
  const signingJob: SigningJob = {
    jobId,
    jobArn: `arn:aws:signer:${region}:${account}:/signing-jobs/${jobId}`,
    profileName: opts.profileName ?? `ota_sim_sign_${choice.name.replace(/-/g, '_')}`,
    profileVersion: 'offline',
    platformId: choice.platformId,
    platformDisplayName: SIGNING_PLATFORMS.find((p) => p.platformId === choice.platformId)!
      .displayName,
    source: { s3: { bucketName: bucket, key, version: 'offline' } },
    destination: { s3: { bucketName: bucket, prefix: 'signed/' } },
    signingMaterial: { certificateArn: signingCertificateArn(choice, region, account) },
    signingParameters: { certname },
    signedObject: { s3: { bucketName: bucket, key: `signed/${jobId}` } },
    status: 'Succeeded',
    createdAt: now,
    completedAt: now,
    requestedBy: `arn:aws:iam::${account}:user/ota-sim`,
    jobOwner: account,
    jobInvoker: account,
    signature,
    signatureAlgorithm,
    rawPayloadSize: data.length,
    alg: choice.alg,
  };
  return { jobId, platformId: choice.platformId, signatureAlgorithm,
    signatureKey: choice.signatureKey, rawPayloadSize: data.length, certname,
    signedObjectFile: out, signingJob };
}

async function signOnline(opts: SignFileOptions, choice: SigningChoice, certname: string,
  data: Buffer): Promise<SignFileResult> {
  const client = new CloudClient(opts.endpointUrl!);
  const bucket = opts.bucket ?? 'ota-sim-firmware';
  const key = opts.key ?? basename(opts.file);
  const profileName = opts.profileName ?? `ota_sim_sign_${choice.name.replace(/-/g, '_')}`;
  await client.putObject(bucket, key, data);
  await client.call('PUT', `/signing-profiles/${profileName}`, { body: {
    platformId: choice.platformId,
    signingMaterial: { certificateArn: signingCertificateArn(choice,
      opts.region ?? DEFAULTS.region, opts.accountId ?? DEFAULTS.accountId) },
    signingParameters: { certname },
  } });
  const started = await client.call<{ jobId: string }>('POST', '/signing-jobs', { body: {
    source: { s3: { bucketName: bucket, key } },
    destination: { s3: { bucketName: bucket, prefix: 'signed/' } },
    profileName,
  } });
  const job = await client.call<{ signedObject: { s3: { bucketName: string; key: string } } }>(
    'GET', `/signing-jobs/${started.jobId}`);
  return { jobId: started.jobId, platformId: choice.platformId,
    signatureAlgorithm: signatureAlgorithmName(choice.alg), signatureKey: choice.signatureKey,
    rawPayloadSize: data.length, certname, signedObject: job.signedObject.s3 };
}

/** Adds `sign <file>` to a yargs instance; main.ts wires it in. */
export function registerSignCommand<T>(y: Argv<T>): Argv<T> {
  return y.command('sign <file>', 'Sign a file like the Signer does and print the signing job id',
    (c) => c
      .positional('file', { type: 'string', demandOption: true, describe: 'file to sign' })
      .option('signing', { type: 'string', choices: [...SIGNING_NAMES],
        describe: 'signing method (default ecdsa-sha256)' })
      .option('platform', { type: 'string', choices: SIGNING_PLATFORMS.map((p) => p.platformId),
        describe: 'a signing platform instead of --signing' })
      .option('key-kind', { type: 'string', choices: ['ecdsa', 'rsa2048', 'rsa3072'],
        describe: 'with --platform: the development key that signs' })
      .option('certname', { type: 'string', describe: 'certificate path on the device' })
      .option('certs-dir', { type: 'string', describe: 'development chains (default certs/dev)' })
      .option('out', { type: 'string', describe: 'offline: signed object file' })
      .option('endpoint-url', { type: 'string', describe: 'sign on this cloud instead' })
      .option('bucket', { type: 'string', describe: 'S3 bucket for the file' })
      .option('key', { type: 'string', describe: 'S3 key for the file' })
      .option('profile-name', { type: 'string', describe: 'signing profile to create or reuse' }),
    async (a) => {
      const r = await signFile({ file: a.file!, signing: a.signing, platformId: a.platform,
        keyKind: a['key-kind'] as KeyKind | undefined, certname: a.certname,
        certsDir: a['certs-dir'], out: a.out, endpointUrl: a['endpoint-url'], bucket: a.bucket,
        key: a.key, profileName: a['profile-name'] });
      process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    });
}
