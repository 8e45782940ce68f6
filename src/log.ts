import { pino, destination, type Logger } from 'pino';

/**
 * Structured logs, quiet by default: only warnings and errors unless OTA_SIM_LOG_LEVEL or
 * --log-level asks for more. Logs go to stderr so stdout stays machine-readable.
 */
let root: Logger | undefined;

export function logger(): Logger {
  root ??= pino(
    { level: process.env.OTA_SIM_LOG_LEVEL ?? 'warn', base: { pid: process.pid } },
    destination(2),
  );
  return root;
}

export function setLogLevel(level: string): void {
  logger().level = level;
}
