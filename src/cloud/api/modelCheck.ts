import { ApiError } from '../../protocol/errors.js';
import { findOperation, shapeOf } from '../../protocol/awsModel/index.js';
import {
  validateMembers, violationMessage, type Violation,
} from '../../protocol/awsModel/validate.js';
import type { Request } from './router.js';

/**
 * Required members the cloud does not insist on: idempotency tokens (every SDK and the AWS CLI
 * fill them; ota-sim's own CloudClient does not) and the source object version of
 * StartSigningJob (the Signer then signs the newest version, which is what ota-sim's stage and
 * demo code mean).
 */
const WAIVED: ReadonlySet<string> = new Set(['StartSigningJobRequest.clientRequestToken',
  'S3Source.version']);

/**
 * Validates a routed request against its operation's input shape before the handler runs, so
 * every operation enforces the model's limits, enums and patterns (protocol.md §1.2, §1.3,
 * §2.1) with one set of messages. Operations outside the model slice pass through.
 */
export function checkRequest(operation: string, req: Request): void {
  const found = findOperation(operation);
  if (!found?.op.input) return;
  const { model, op } = found;
  const shape = shapeOf(model, op.input!);
  const input: Record<string, unknown> = {};
  const violations: Violation[] = [];
  let body: Record<string, unknown> | undefined;
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const wire = ref.locationName ?? name;
    if (ref.location === 'uri') {
      input[name] = req.params[wire];
    } else if (ref.location === 'querystring') {
      const text = req.query.get(wire);
      if (text !== null) input[name] = fromQuery(shapeOf(model, ref.shape).type, text);
    } else if (!ref.location) {
      body ??= req.json();
      input[name] = body[name];
    }
  }
  validateMembers(model, op.input!, input, '', violations, WAIVED);
  const message = violationMessage(violations);
  if (message) {
    const type = model.metadata.signingName === 'signer' ? 'ValidationException'
      : 'InvalidRequestException';
    throw new ApiError(type, message);
  }
}

// Query values arrive as text; a value that does not parse stays text so the type check names it.
function fromQuery(type: string, text: string): unknown {
  if (type === 'integer' || type === 'long') {
    return /^-?\d+$/.test(text) ? Number(text) : text;
  }
  if (type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  return text;
}
