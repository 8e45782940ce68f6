import { ApiError, SimError } from '../protocol/errors.js';

/** Exit codes follow the AWS CLI: 252 usage/parameter, 254 service error, 255 anything else. */
export const EXIT = { ok: 0, usage: 252, service: 254, other: 255, failedRollout: 1 } as const;

export function reportError(e: unknown, operation?: string): number {
  if (e instanceof ApiError) {
    const op = e.operation ?? operation ?? 'requested';
    process.stderr.write(`\nAn error occurred (${e.type}) when calling the ${op} operation: ` +
      `${e.message}\n`);
    return EXIT.service;
  }
  if (e instanceof SimError) {
    process.stderr.write(`ota-sim: ${e.code}: ${e.message}\n`);
    return e.code === 'OTASIM_BAD_JSON' || e.code === 'OTASIM_BAD_OPTION' ||
      e.code === 'OTASIM_BAD_INPUT_FILE' ? EXIT.usage : EXIT.other;
  }
  process.stderr.write(`ota-sim: ${(e as Error)?.stack ?? String(e)}\n`);
  return EXIT.other;
}
