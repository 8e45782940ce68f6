import { randomUUID } from 'node:crypto';
import { ApiError } from '../protocol/errors.js';
import { arn, type Account } from '../protocol/arn.js';
import { DEFAULTS } from '../protocol/defaults.js';
import type { AfrOtaDocument, AfrOtaFile } from '../protocol/jobDocument.js';
import { sigAlgFromNames, sigAlgFromSignatureAlgorithmName, sigKeyName } from '../pki/index.js';
import type { JobsEngine } from './jobs/engine.js';
import type { ObjectStore } from './objectStore.js';
import type { Signer } from './signer.js';
import type { StreamStore } from './streams/store.js';
import { validateCreateOtaUpdate, type CreateOtaUpdateInput,
  type OtaUpdateFile } from './otaValidate.js';

/**
 * CreateOTAUpdate and friends (§1.3–1.6). Creation answers at once with CREATE_PENDING and does
 * the work afterwards (sign, stream, job), ending CREATE_COMPLETE or CREATE_FAILED + errorInfo.
 */

export type OtaUpdateStatus =
  | 'CREATE_PENDING' | 'CREATE_IN_PROGRESS' | 'CREATE_COMPLETE' | 'CREATE_FAILED'
  | 'DELETE_IN_PROGRESS' | 'DELETE_FAILED';

export interface OtaUpdate {
  input: CreateOtaUpdateInput;
  otaUpdateId: string;
  otaUpdateArn: string;
  status: OtaUpdateStatus;
  creationDate: number;
  lastModifiedDate: number;
  awsIotJobId?: string;
  awsIotJobArn?: string;
  /** The files as GetOTAUpdate echoes them, with the signer job id filled in. */
  files: OtaUpdateFile[];
  errorInfo?: { code: string; message: string };
  /** Streams this update created (DeleteOTAUpdate deleteStream removes only these). */
  createdStreams: string[];
  done: Promise<void>;
  deleted?: boolean;
}

export interface OtaDeps {
  account: Account;
  now(): number;
  jobs: JobsEngine;
  streams: StreamStore;
  objects: ObjectStore;
  signer: Signer;
  warn(message: string): void;
  /** Reject bare thing names as the service would (issue: strict targets). */
  strictTargets?: boolean;
}

export const presignPlaceholder = (bucket: string, key: string, version?: string) =>
  version
    ? `\${aws:iot:s3-presigned-url-v2:https://s3.amazonaws.com/${bucket}/` +
      `${encodeURIComponent(key)}%3FversionId%3D${encodeURIComponent(version)}}`
    : `\${aws:iot:s3-presigned-url:https://s3.amazonaws.com/${bucket}/${key}}`;

export class OtaUpdates {
  readonly updates = new Map<string, OtaUpdate>();

  constructor(private readonly d: OtaDeps) {}

  create(input: CreateOtaUpdateInput): OtaUpdate {
    validateCreateOtaUpdate(input, { strictTargets: !!this.d.strictTargets, warn: this.d.warn });
    if (this.updates.has(input.otaUpdateId)) {
      throw new ApiError('ResourceAlreadyExistsException',
        `OTAUpdate ${input.otaUpdateId} already exists`, {
          resourceId: input.otaUpdateId,
          resourceArn: arn.otaUpdate(this.d.account, input.otaUpdateId),
        });
    }
    // Targets that do not exist fail the request up front, like CreateJob would.
    this.d.jobs.resolveTargets(input.targets);
    const t = this.d.now();
    const jobId = `AFR_OTA-${input.otaUpdateId}`;
    const update: OtaUpdate = {
      input,
      otaUpdateId: input.otaUpdateId,
      otaUpdateArn: arn.otaUpdate(this.d.account, input.otaUpdateId),
      status: 'CREATE_PENDING',
      creationDate: t,
      lastModifiedDate: t,
      awsIotJobId: jobId,
      awsIotJobArn: arn.job(this.d.account, jobId),
      files: structuredClone(input.files),
      createdStreams: [],
      done: Promise.resolve(),
    };
    this.updates.set(update.otaUpdateId, update);
    update.done = new Promise((resolve) => setImmediate(() => {
      this.build(update);
      resolve();
    }));
    return update;
  }

  get(id: string): OtaUpdate {
    const u = this.updates.get(id);
    if (!u) throw new ApiError('ResourceNotFoundException', `OTAUpdate ${id} does not exist`);
    return u;
  }

  delete(id: string, opts: { deleteStream?: boolean; forceDeleteAWSJob?: boolean }): void {
    const u = this.get(id);
    const job = u.awsIotJobId ? this.d.jobs.jobs.get(u.awsIotJobId) : undefined;
    if (job && job.status === 'IN_PROGRESS' && !opts.forceDeleteAWSJob) {
      throw new ApiError('InvalidRequestException',
        `The job ${job.jobId} of OTAUpdate ${id} is IN_PROGRESS; ` +
          'set forceDeleteAWSJob to delete it.');
    }
    if (job) this.d.jobs.deleteJob(job.jobId, true);
    if (opts.deleteStream) for (const s of u.createdStreams) this.d.streams.delete(s);
    // A deletion that overtakes a pending creation cancels it: build() sees the mark.
    u.deleted = true;
    this.updates.delete(id);
  }

  private build(u: OtaUpdate): void {
    if (u.deleted) return;
    u.status = 'CREATE_IN_PROGRESS';
    u.lastModifiedDate = this.d.now();
    try {
      const input = u.input;
      const protocols = input.protocols ?? [...DEFAULTS.protocols];
      const mqtt = protocols.includes('MQTT');
      const http = protocols.includes('HTTP');
      const files: AfrOtaFile[] = [];
      let streamName: string | undefined;
      const needStream = mqtt && input.files.some((f) => !f.fileLocation?.stream);
      const serviceStreamFiles: Array<{ fileId: number; s3Location: { bucket: string; key: string;
        version?: string } }> = [];
      for (const [index, file] of input.files.entries()) {
        const echo = u.files[index]!;
        const signed = this.sign(file, echo);
        const loc = file.fileLocation ?? {};
        let fileId: number;
        let size: number;
        let s3 = loc.s3Location;
        if (loc.stream) {
          const info = this.d.streams.describe(loc.stream.streamId);
          fileId = loc.stream.fileId ?? 0;
          const sf = info.files.find((f) => f.fileId === fileId);
          if (!sf) {
            throw new ApiError('ResourceNotFoundException',
              `Stream ${loc.stream.streamId} has no file with fileId ${fileId}`);
          }
          s3 = sf.s3Location;
          size = signed.size ?? this.d.objects.get(s3.bucket, s3.key, s3.version).data.length;
          streamName ??= loc.stream.streamId;
        } else if (s3) {
          const obj = this.d.objects.get(s3.bucket, s3.key, s3.version);
          size = signed.size ?? obj.data.length;
          fileId = serviceStreamFiles.length;
          serviceStreamFiles.push({ fileId, s3Location: { bucket: s3.bucket, key: s3.key } });
        } else {
          throw new ApiError('InvalidRequestException',
            `files[${index}].fileLocation needs stream or s3Location`);
        }
        const entry: AfrOtaFile = {
          filepath: file.fileName ?? null,
          filesize: size,
          fileid: fileId,
          certfile: signed.certfile ?? null,
        };
        if (file.fileType !== undefined) entry.fileType = file.fileType;
        if (http) {
          if (!s3) throw new ApiError('InvalidRequestException', 'HTTP needs an S3 file location');
          entry.update_data_url = presignPlaceholder(s3.bucket, s3.key, s3.version);
          entry.auth_scheme = 'aws.s3.presigned';
        }
        entry[signed.key as `sig-${string}`] = signed.signature;
        files.push(entry);
      }
      if (needStream && serviceStreamFiles.length > 0) {
        streamName = `AFR_OTA-${randomUUID()}`;
        this.d.streams.create({
          streamId: streamName,
          description: `Stream created by OTAUpdate ${u.otaUpdateId}`,
          files: serviceStreamFiles,
          roleArn: input.roleArn,
        });
        u.createdStreams.push(streamName);
      }
      const doc: AfrOtaDocument = { afr_ota: { protocols, files } };
      if (mqtt && streamName) doc.afr_ota = { protocols, streamname: streamName, files };
      const abort = input.awsJobAbortConfig?.abortCriteriaList;
      this.d.jobs.createJob({
        jobId: u.awsIotJobId!,
        targets: input.targets,
        document: JSON.stringify(doc),
        description: input.description,
        targetSelection: input.targetSelection,
        jobExecutionsRolloutConfig: input.awsJobExecutionsRolloutConfig,
        abortConfig: abort ? { criteriaList: abort } : undefined,
        timeoutConfig: input.awsJobTimeoutConfig,
        presignedUrlConfig: {
          roleArn: input.roleArn,
          expiresInSec: input.awsJobPresignedUrlConfig?.expiresInSec ??
            DEFAULTS.otaPresignedExpiresInSec,
        },
      });
      u.status = 'CREATE_COMPLETE';
    } catch (e) {
      // A failed creation leaves no job and no stream behind (C25).
      for (const s of u.createdStreams) {
        try { this.d.streams.delete(s); } catch { /* already gone */ }
      }
      u.createdStreams = [];
      u.status = 'CREATE_FAILED';
      u.awsIotJobId = undefined;
      u.awsIotJobArn = undefined;
      const code = e instanceof ApiError ? e.type : 'InternalFailureException';
      u.errorInfo = { code, message: (e as Error).message };
    }
    u.lastModifiedDate = this.d.now();
  }

  /** Signature, its job-document key, the device cert path and the signed size (§1.8). */
  private sign(file: OtaUpdateFile, echo: OtaUpdateFile): {
    key: string; signature: string; certfile?: string; size?: number;
  } {
    const cs = file.codeSigning ?? {};
    if (cs.customCodeSigning) {
      const c = cs.customCodeSigning;
      return {
        key: sigKeyName(sigAlgFromNames(c.hashAlgorithm ?? '', c.signatureAlgorithm ?? '')),
        signature: c.signature?.inlineDocument ?? '',
        certfile: c.certificateChain?.certificateName,
      };
    }
    if (cs.awsSignerJobId) {
      const job = this.d.signer.getJob(cs.awsSignerJobId);
      return {
        key: sigKeyName(sigAlgFromSignatureAlgorithmName(job.signatureAlgorithm)),
        signature: job.signature,
        certfile: job.signingParameters.certname,
        size: job.rawPayloadSize,
      };
    }
    const p = cs.startSigningJobParameter;
    if (!p) throw new ApiError('InvalidRequestException', 'codeSigning needs a signing method');
    const s3 = file.fileLocation?.s3Location;
    if (!s3) {
      throw new ApiError('InvalidRequestException',
        'startSigningJobParameter needs fileLocation.s3Location as the source');
    }
    const profileName = p.signingProfileName ?? `ota_sim_${randomUUID().slice(0, 8)}`;
    if (p.signingProfileParameter) {
      const spp = p.signingProfileParameter;
      this.d.signer.putProfile({
        profileName,
        platformId: spp.platform ?? 'AmazonFreeRTOS-Default',
        signingMaterial: spp.certificateArn ? { certificateArn: spp.certificateArn } : undefined,
        signingParameters: spp.certificatePathOnDevice
          ? { certname: spp.certificatePathOnDevice } : {},
      });
    }
    const dest = p.destination?.s3Destination;
    const job = this.d.signer.startJob({
      source: { s3: { bucketName: s3.bucket, key: s3.key, version: s3.version } },
      destination: { s3: { bucketName: dest?.bucket ?? s3.bucket, prefix: dest?.prefix } },
      profileName,
    });
    // The raw image is written over the signed object's key (§1.5 step 2).
    const raw = this.d.objects.get(s3.bucket, s3.key, s3.version).data;
    const signedKey = job.signedObject.s3;
    const rawVersion = this.d.objects.put(signedKey.bucketName, signedKey.key, raw);
    file.fileLocation = {
      s3Location: {
        bucket: signedKey.bucketName, key: signedKey.key, version: rawVersion.versionId,
      },
    };
    echo.codeSigning = { ...echo.codeSigning, awsSignerJobId: job.jobId };
    return {
      key: sigKeyName(sigAlgFromSignatureAlgorithmName(job.signatureAlgorithm)),
      signature: job.signature,
      certfile: job.signingParameters.certname,
      size: job.rawPayloadSize,
    };
  }
}
