/** Job and execution vocabulary shared by the cloud and the devices (§2.2, §2.3). */

export const EXECUTION_STATUSES = [
  'QUEUED', 'IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'REJECTED', 'REMOVED', 'CANCELED',
] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<ExecutionStatus> = new Set([
  'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'REJECTED', 'REMOVED', 'CANCELED',
]);

/** Statuses a device may set through UpdateJobExecution (§2.3 notes). */
export const DEVICE_SETTABLE: ReadonlySet<ExecutionStatus> = new Set([
  'IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'REJECTED',
]);

export type JobStatus = 'IN_PROGRESS' | 'CANCELED' | 'COMPLETED' | 'DELETION_IN_PROGRESS';

export function isTerminal(s: ExecutionStatus): boolean {
  return TERMINAL_STATUSES.has(s);
}

export type StatusDetails = Record<string, string>;

const DETAIL_KEY = /^[a-zA-Z0-9:_-]{1,128}$/;
/** The model's `[^\p{C}]+`: control, format, surrogate, private-use and unassigned points. */
const CONTROL = /\p{C}/u;

/** Validates a statusDetails map (§2.5); returns an error message or undefined. */
export function checkStatusDetails(d: unknown): string | undefined {
  if (d === undefined) return undefined;
  if (d === null || typeof d !== 'object' || Array.isArray(d)) {
    return 'statusDetails must be an object of string values';
  }
  const entries = Object.entries(d as Record<string, unknown>);
  if (entries.length > 10) return `statusDetails has ${entries.length} pairs; at most 10 allowed`;
  for (const [k, v] of entries) {
    if (!DETAIL_KEY.test(k)) return `statusDetails key '${k}' must match [a-zA-Z0-9:_-]{1,128}`;
    if (typeof v !== 'string') return `statusDetails.${k} must be a string`;
    if (v.length < 1 || v.length > 1024) return `statusDetails.${k} must be 1-1024 characters`;
    if (CONTROL.test(v)) {
      return `statusDetails.${k} must not contain control or format characters (\\p{C})`;
    }
  }
  return undefined;
}
