import { parseTargetArn } from '../../protocol/arn.js';

/**
 * Response header that carries per-request warnings to the caller (the ota-sim CLI prints it
 * to stderr; the AWS CLI ignores it). Used for bare thing names in `targets` (§1.11), which
 * the cloud accepts unless started with strictTargets.
 */
export const WARNING_HEADER = 'x-ota-sim-warning';

export function bareTargetWarning(targets: unknown): Record<string, string> {
  if (!Array.isArray(targets)) return {};
  const bare = targets.filter((t): t is string => typeof t === 'string' && !parseTargetArn(t));
  if (bare.length === 0) return {};
  // Header values must stay single-line ASCII; thing names are [a-zA-Z0-9:_-] so they are.
  return { [WARNING_HEADER]: `targets ${bare.join(', ')} are bare thing names; AWS IoT ` +
    'expects thing or thing-group ARNs (arn:aws:iot:<region>:<account>:thing/<name>). ' +
    'ota-sim treats them as thing names; start the cloud with strict targets to reject them.' };
}
