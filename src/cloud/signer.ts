import { randomUUID } from 'node:crypto';
import { ApiError } from '../protocol/errors.js';
import { arn, type Account } from '../protocol/arn.js';
import type { ObjectStore } from './objectStore.js';
import { signData, signatureAlgorithmName, type DevChain, type KeyKind,
  type SigAlg } from '../pki/index.js';

/**
 * A local "Code Signing for AWS IoT": signing platforms (§6.1), profiles and jobs. Signing is
 * synchronous here, so a job is `Succeeded` when StartSigningJob returns.
 */

export interface SigningPlatform {
  platformId: string;
  displayName: string;
  partner: string;
  target: string;
  category: string;
  signingConfiguration: {
    encryptionAlgorithmOptions: { allowedValues: string[]; defaultValue: string };
    hashAlgorithmOptions: { allowedValues: string[]; defaultValue: string };
  };
  signingImageFormat: { supportedFormats: string[]; defaultFormat: string };
  maxSizeInMB: number;
  revocationSupported: boolean;
  alg: SigAlg;
}

function platform(id: string, name: string, target: string, enc: string, hash: string,
  format: string, maxMb: number, alg: SigAlg, partner = 'AWSIoT'): SigningPlatform {
  return {
    platformId: id, displayName: name, partner, target, category: 'AWSIoT',
    signingConfiguration: {
      encryptionAlgorithmOptions: { allowedValues: [enc], defaultValue: enc },
      hashAlgorithmOptions: { allowedValues: [hash], defaultValue: hash },
    },
    signingImageFormat: { supportedFormats: [format], defaultFormat: format },
    maxSizeInMB: maxMb, revocationSupported: false, alg,
  };
}

export const SIGNING_PLATFORMS: SigningPlatform[] = [
  platform('AmazonFreeRTOS-Default', 'Amazon FreeRTOS SHA256-ECDSA', 'SHA256-ECDSA', 'ECDSA',
    'SHA256', 'JSONEmbedded', 16, 'sha256-ecdsa', 'AmazonFreeRTOS'),
  platform('AmazonFreeRTOS-TI-CC3220SF', 'Amazon FreeRTOS SHA1-RSA CC3220SF-Format',
    'SHA1-RSA-TISHA1', 'RSA', 'SHA1', 'JSONEmbedded', 16, 'sha1-rsa', 'AmazonFreeRTOS'),
  platform('AWSIoTDeviceManagement-SHA256-ECDSA', 'AWS IoT Device Management SHA256-ECDSA',
    'SHA256-ECDSA', 'ECDSA', 'SHA256', 'JSONDetached', 2048, 'sha256-ecdsa'),
  // Local additions so every signature method of §5.8 can be exercised end to end.
  platform('OtaSim-SHA256-RSA', 'ota-sim SHA256-RSA', 'SHA256-RSA', 'RSA', 'SHA256',
    'JSONEmbedded', 16, 'sha256-rsa', 'ota-sim'),
  platform('OtaSim-SHA1-ECDSA', 'ota-sim SHA1-ECDSA', 'SHA1-ECDSA', 'ECDSA', 'SHA1',
    'JSONEmbedded', 16, 'sha1-ecdsa', 'ota-sim'),
];

export interface SigningProfile {
  profileName: string;
  profileVersion: string;
  profileVersionArn: string;
  arn: string;
  platformId: string;
  signingMaterial: { certificateArn: string };
  signingParameters: Record<string, string>;
  status: 'Active';
  tags: Record<string, string>;
}

export interface SigningJob {
  jobId: string;
  jobArn: string;
  profileName: string;
  profileVersion: string;
  platformId: string;
  platformDisplayName: string;
  source: { s3: { bucketName: string; key: string; version: string } };
  destination: { s3: { bucketName: string; prefix?: string } };
  signingMaterial: { certificateArn: string };
  signingParameters: Record<string, string>;
  signedObject: { s3: { bucketName: string; key: string } };
  status: 'Succeeded' | 'Failed';
  statusReason?: string;
  createdAt: number;
  completedAt: number;
  requestedBy: string;
  jobOwner: string;
  jobInvoker: string;
  /** What CreateOTAUpdate copies into the job document. */
  signature: string;
  signatureAlgorithm: string;
  rawPayloadSize: number;
  alg: SigAlg;
}

/** Which development key signs for a certificate ARN: the ARN's last segment names the kind. */
export function keyKindForCertificate(certificateArn: string, alg: SigAlg): KeyKind {
  if (/rsa3072/.test(certificateArn)) return 'rsa3072';
  if (/rsa/i.test(certificateArn) || alg.endsWith('-rsa')) return 'rsa2048';
  return 'ecdsa';
}

export class Signer {
  readonly profiles = new Map<string, SigningProfile>();
  readonly jobs = new Map<string, SigningJob>();

  constructor(
    private readonly account: Account,
    private readonly objects: ObjectStore,
    private readonly chains: (kind: KeyKind) => DevChain,
    private readonly now: () => number,
  ) {}

  platform(id: string): SigningPlatform {
    const p = SIGNING_PLATFORMS.find((x) => x.platformId === id);
    if (!p) {
      throw new ApiError('ValidationException', `platformId '${id}' is not one of ` +
        SIGNING_PLATFORMS.map((x) => x.platformId).join(', '));
    }
    return p;
  }

  putProfile(input: {
    profileName: string;
    platformId: string;
    signingMaterial?: { certificateArn: string };
    signingParameters?: Record<string, string>;
    tags?: Record<string, string>;
  }): SigningProfile {
    if (!/^[a-zA-Z0-9_]{2,64}$/.test(input.profileName ?? '')) {
      throw new ApiError('ValidationException',
        `profileName '${input.profileName}' must be 2-64 characters of [a-zA-Z0-9_]`);
    }
    this.platform(input.platformId);
    // The model's ProfileVersion pattern is exactly ten alphanumerics.
    const version = randomUUID().replace(/-/g, '').slice(0, 10);
    const profileArn = arn.signingProfile(this.account, input.profileName);
    const profile: SigningProfile = {
      profileName: input.profileName,
      profileVersion: version,
      profileVersionArn: `${profileArn}/${version}`,
      arn: profileArn,
      platformId: input.platformId,
      signingMaterial: input.signingMaterial ?? {
        certificateArn: `arn:aws:acm:${this.account.region}:${this.account.accountId}:` +
          'certificate/ota-sim-dev',
      },
      signingParameters: input.signingParameters ?? {},
      status: 'Active',
      tags: input.tags ?? {},
    };
    this.profiles.set(profile.profileName, profile);
    return profile;
  }

  getProfile(name: string): SigningProfile {
    const p = this.profiles.get(name);
    if (!p) {
      throw new ApiError('ResourceNotFoundException', `Signing profile ${name} does not exist`);
    }
    return p;
  }

  startJob(input: {
    source: { s3: { bucketName: string; key: string; version?: string } };
    destination: { s3: { bucketName: string; prefix?: string } };
    profileName: string;
  }): SigningJob {
    const profile = this.getProfile(input.profileName);
    const plat = this.platform(profile.platformId);
    const src = input.source?.s3;
    if (!src?.bucketName || !src.key) {
      throw new ApiError('ValidationException',
        'source.s3.bucketName and source.s3.key are required');
    }
    const dest = input.destination?.s3;
    if (!dest?.bucketName) {
      throw new ApiError('ValidationException', 'destination.s3.bucketName is required');
    }
    const object = this.objects.find(src.bucketName, src.key, src.version);
    if (!object) {
      throw new ApiError('ResourceNotFoundException',
        `source object s3://${src.bucketName}/${src.key} does not exist`);
    }
    if (object.data.length > plat.maxSizeInMB * 1024 * 1024) {
      throw new ApiError('ValidationException',
        `source object is ${object.data.length} bytes; ` +
          `platform ${plat.platformId} allows ${plat.maxSizeInMB} MB`);
    }
    const kind = keyKindForCertificate(profile.signingMaterial.certificateArn, plat.alg);
    const chain = this.chains(kind);
    const signature = signData(plat.alg, object.data, chain.leafKeyPem).toString('base64');
    const signatureAlgorithm = signatureAlgorithmName(plat.alg);
    const jobId = randomUUID();
    const signedKey = `${dest.prefix ?? ''}${jobId}`;
    const signedObject = {
      rawPayloadSize: object.data.length,
      signature,
      signatureAlgorithm,
      payload: object.data.toString('base64'),
    };
    this.objects.put(dest.bucketName, signedKey, Buffer.from(JSON.stringify(signedObject)),
      'application/json');
    const t = this.now();
    const job: SigningJob = {
      jobId,
      jobArn: arn.signingJob(this.account, jobId),
      profileName: profile.profileName,
      profileVersion: profile.profileVersion,
      platformId: plat.platformId,
      platformDisplayName: plat.displayName,
      source: { s3: { bucketName: src.bucketName, key: src.key, version: object.versionId } },
      destination: { s3: { bucketName: dest.bucketName, prefix: dest.prefix } },
      signingMaterial: profile.signingMaterial,
      signingParameters: profile.signingParameters,
      signedObject: { s3: { bucketName: dest.bucketName, key: signedKey } },
      status: 'Succeeded',
      createdAt: t,
      completedAt: t,
      requestedBy: `arn:aws:iam::${this.account.accountId}:user/ota-sim`,
      jobOwner: this.account.accountId,
      jobInvoker: this.account.accountId,
      signature,
      signatureAlgorithm,
      rawPayloadSize: object.data.length,
      alg: plat.alg,
    };
    this.jobs.set(jobId, job);
    return job;
  }

  getJob(jobId: string): SigningJob {
    const j = this.jobs.get(jobId);
    if (!j) throw new ApiError('ResourceNotFoundException', `Signing job ${jobId} does not exist`);
    return j;
  }

  /** Registers a job made elsewhere (a preload fixture or `ota-sim sign`). */
  importJob(job: SigningJob): void {
    this.jobs.set(job.jobId, job);
  }
}
