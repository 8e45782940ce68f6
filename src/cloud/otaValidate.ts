import { ApiError } from '../protocol/errors.js';
import { parseTargetArn } from '../protocol/arn.js';
import type { AbortCriteria, RolloutConfig } from './jobs/types.js';

/** The CreateOTAUpdate request (§1.3) and its validation against the model's limits. */

export interface S3Location {
  bucket: string;
  key: string;
  version?: string;
}

export interface OtaUpdateFile {
  fileName?: string;
  fileType?: number;
  fileVersion?: string;
  fileLocation?: {
    stream?: { streamId: string; fileId?: number };
    s3Location?: S3Location;
  };
  codeSigning?: {
    awsSignerJobId?: string;
    startSigningJobParameter?: {
      signingProfileParameter?: {
        certificateArn?: string;
        platform?: string;
        certificatePathOnDevice?: string;
      };
      signingProfileName?: string;
      destination?: { s3Destination?: { bucket?: string; prefix?: string } };
    };
    customCodeSigning?: {
      signature?: { inlineDocument?: string };
      certificateChain?: { certificateName?: string; inlineDocument?: string };
      hashAlgorithm?: string;
      signatureAlgorithm?: string;
    };
  };
  attributes?: Record<string, string>;
}

export interface CreateOtaUpdateInput {
  otaUpdateId: string;
  description?: string;
  targets: string[];
  protocols?: Array<'MQTT' | 'HTTP'>;
  targetSelection?: 'CONTINUOUS' | 'SNAPSHOT';
  awsJobExecutionsRolloutConfig?: RolloutConfig;
  awsJobPresignedUrlConfig?: { expiresInSec?: number };
  awsJobAbortConfig?: { abortCriteriaList: AbortCriteria[] };
  awsJobTimeoutConfig?: { inProgressTimeoutInMinutes?: number };
  files: OtaUpdateFile[];
  roleArn: string;
  additionalParameters?: Record<string, string>;
  tags?: Array<{ Key: string; Value?: string }>;
}

function bad(message: string): never {
  throw new ApiError('InvalidRequestException', message);
}

// eslint-disable-next-line no-control-regex
const NO_CONTROL = /^[^\u0000-\u001f\u007f-\u009f]*$/;

export function validateCreateOtaUpdate(input: CreateOtaUpdateInput,
  opts: { strictTargets: boolean; warn(message: string): void }): void {
  if (typeof input !== 'object' || input === null) bad('the request body must be a JSON object');
  const id = input.otaUpdateId;
  if (typeof id !== 'string' || !/^[a-zA-Z0-9_-]{1,128}$/.test(id)) {
    bad(`otaUpdateId '${String(id)}' must be 1-128 characters of [a-zA-Z0-9_-]`);
  }
  // The job id AFR_OTA-<id> must fit the Jobs limit of 64 characters (§1.5, gap 3).
  if (id.length > 56) {
    bad(`otaUpdateId '${id}' is ${id.length} characters; the job id AFR_OTA-${id} would exceed ` +
      'the 64-character job id limit, so at most 56 are allowed');
  }
  if (input.description !== undefined) {
    if (typeof input.description !== 'string' || input.description.length > 2028 ||
      !NO_CONTROL.test(input.description)) {
      bad('description must be at most 2028 characters without control characters');
    }
  }
  if (!Array.isArray(input.targets) || input.targets.length === 0) {
    bad('targets must list at least one thing or thing-group ARN');
  }
  for (const t of input.targets) {
    if (typeof t !== 'string' || t.length === 0 || t.length > 2048) {
      bad(`target ${JSON.stringify(t)} must be an ARN of at most 2048 characters`);
    }
    if (!parseTargetArn(t)) {
      if (opts.strictTargets) {
        bad(`target '${t}' is not a thing or thing-group ARN ` +
          '(arn:aws:iot:<region>:<account>:thing/<name> or …:thinggroup/<name>)');
      }
      opts.warn(`target '${t}' is a bare name; AWS expects a thing or thing-group ARN. ` +
        'ota-sim treats it as a thing name.');
    }
  }
  if (input.protocols !== undefined) {
    const p = input.protocols;
    if (!Array.isArray(p) || p.length < 1 || p.length > 2 ||
      p.some((x) => x !== 'MQTT' && x !== 'HTTP') || new Set(p).size !== p.length) {
      bad(`protocols ${JSON.stringify(p)} must be [MQTT], [HTTP] or [HTTP, MQTT]`);
    }
  }
  if (input.targetSelection !== undefined &&
    input.targetSelection !== 'SNAPSHOT' && input.targetSelection !== 'CONTINUOUS') {
    bad(`targetSelection '${input.targetSelection}' must be SNAPSHOT or CONTINUOUS`);
  }
  const exp = input.awsJobPresignedUrlConfig?.expiresInSec;
  if (exp !== undefined && (!Number.isInteger(exp) || exp < 60 || exp > 3600)) {
    bad(`awsJobPresignedUrlConfig.expiresInSec is ${exp}; expected 60-3600`);
  }
  // The model leaves this long unbounded; the documented range is 1-10080 (§1.3), and CreateJob
  // would only refuse it after the response, leaving a CREATE_FAILED update behind.
  const timeout = input.awsJobTimeoutConfig?.inProgressTimeoutInMinutes;
  if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 1 || timeout > 10080)) {
    bad(`awsJobTimeoutConfig.inProgressTimeoutInMinutes is ${timeout}; expected 1-10080`);
  }
  const abort = input.awsJobAbortConfig;
  if (abort && (!Array.isArray(abort.abortCriteriaList) || abort.abortCriteriaList.length === 0)) {
    bad('awsJobAbortConfig.abortCriteriaList must list at least one criterion');
  }
  if (!Array.isArray(input.files) || input.files.length === 0) {
    bad('files must list at least one file');
  }
  for (const [i, f] of input.files.entries()) {
    const where = `files[${i}]`;
    if (typeof f !== 'object' || f === null) bad(`${where} must be an object`);
    if (f.fileType !== undefined &&
      (!Number.isInteger(f.fileType) || f.fileType < 0 || f.fileType > 255)) {
      bad(`${where}.fileType is ${f.fileType}; expected an integer 0-255`);
    }
    const loc = f.fileLocation;
    if (loc?.stream) {
      if (!/^[a-zA-Z0-9_-]{1,128}$/.test(loc.stream.streamId ?? '')) {
        bad(`${where}.fileLocation.stream.streamId '${loc.stream.streamId}' must be 1-128 ` +
          'characters of [a-zA-Z0-9_-]');
      }
      const fid = loc.stream.fileId;
      if (fid !== undefined && (!Number.isInteger(fid) || fid < 0 || fid > 255)) {
        bad(`${where}.fileLocation.stream.fileId is ${fid}; expected 0-255`);
      }
    }
    if (loc?.s3Location && (!loc.s3Location.bucket || !loc.s3Location.key)) {
      bad(`${where}.fileLocation.s3Location needs bucket and key`);
    }
    if (!loc?.stream && !loc?.s3Location) bad(`${where}.fileLocation needs stream or s3Location`);
    const cs = f.codeSigning;
    const methods = cs ? [cs.awsSignerJobId, cs.startSigningJobParameter, cs.customCodeSigning]
      .filter((x) => x !== undefined).length : 0;
    if (methods !== 1) {
      bad(`${where}.codeSigning needs exactly one of awsSignerJobId, startSigningJobParameter, ` +
        `customCodeSigning (got ${methods})`);
    }
  }
  if (typeof input.roleArn !== 'string' || input.roleArn.length < 20 ||
    input.roleArn.length > 2048) {
    bad(`roleArn must be 20-2048 characters, got ${JSON.stringify(input.roleArn)}`);
  }
}
