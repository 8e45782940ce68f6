/**
 * The one error catalogue of ota-sim.
 *
 * Two families live here:
 * - AWS service errors (`ApiError`): the exception shape names and HTTP statuses of the IoT
 *   control plane (protocol.md §1.2). The REST layer turns them into `x-amzn-ErrorType` + JSON.
 * - ota-sim's own errors (`SimError`): stable `OTASIM_*` codes for bad local input (files,
 *   flags, fixtures). Their messages say what, where and what was expected.
 */

export const AWS_ERROR_STATUS = {
  InvalidRequestException: 400,
  ThrottlingException: 400,
  UnauthorizedException: 401,
  ResourceNotFoundException: 404,
  ResourceAlreadyExistsException: 409,
  VersionConflictException: 409,
  InvalidStateTransitionException: 409,
  DeleteConflictException: 409,
  ConflictException: 409,
  LimitExceededException: 410,
  // Certificate registry (iot 2015-05-28 model).
  CertificateStateException: 406,
  CertificateValidationException: 400,
  CertificateConflictException: 409,
  InternalFailureException: 500,
  ServiceUnavailableException: 503,
  // S3-style and Signer errors share the catalogue so every HTTP answer has one source.
  AccessDeniedException: 403,
  ValidationException: 400,
  NoSuchKey: 404,
  NoSuchBucket: 404,
  InvalidRange: 416,
  NoSuchUpload: 404,
  InvalidPart: 400,
  // SigV4 verification failures (sigv4.ts): rest-json names, then the S3 codes.
  MissingAuthenticationTokenException: 403,
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
  IncompleteSignatureException: 400,
  AccessDenied: 403,
  InvalidAccessKeyId: 403,
  SignatureDoesNotMatch: 403,
  AuthorizationQueryParametersError: 400,
} as const;

export type AwsErrorType = keyof typeof AWS_ERROR_STATUS;

export class ApiError extends Error {
  readonly type: AwsErrorType;
  readonly status: number;
  readonly extra: Record<string, unknown>;
  /** The API operation that failed, when a client knows it (for the AWS CLI error line). */
  operation?: string;

  constructor(type: AwsErrorType, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = type;
    this.type = type;
    this.status = AWS_ERROR_STATUS[type];
    this.extra = extra;
  }

  /** Body as the rest-json protocol expects it (botocore reads `message`). */
  toBody(): Record<string, unknown> {
    return { message: this.message, ...this.extra };
  }
}

/** Stable codes for ota-sim's own failures; never renumber, only add. */
export const SIM_ERRORS = {
  OTASIM_BAD_JSON: 'a JSON input could not be parsed',
  OTASIM_BAD_INPUT_FILE: 'an input file could not be read',
  OTASIM_BAD_OPTION: 'a command-line option has an invalid value',
  OTASIM_CLOUD_UNREACHABLE: 'the cloud endpoint did not answer',
  OTASIM_CLOUD_START: 'the cloud process did not become ready',
  OTASIM_ROLLOUT_INCOMPLETE: 'the rollout ended with executions not SUCCEEDED',
  OTASIM_TIMEOUT: 'a bounded wait ran out',
  OTASIM_FLEET: 'the fleet failed',
} as const;

export type SimErrorCode = keyof typeof SIM_ERRORS;

export class SimError extends Error {
  readonly code: SimErrorCode;

  constructor(code: SimErrorCode, message: string) {
    super(message);
    this.name = 'SimError';
    this.code = code;
  }
}

/** Job-data-plane (MQTT) rejection codes, protocol.md §3.5. */
export type JobsErrorCode =
  | 'InvalidTopic'
  | 'InvalidJson'
  | 'InvalidRequest'
  | 'InvalidStateTransition'
  | 'ResourceNotFound'
  | 'VersionMismatch'
  | 'InternalError'
  | 'RequestThrottled'
  | 'TerminalStateReached';

export class JobsError extends Error {
  readonly code: JobsErrorCode;
  readonly withState: boolean;

  constructor(code: JobsErrorCode, message: string, withState = false) {
    super(message);
    this.code = code;
    this.withState = withState;
  }
}
