// One pino logger for the process (Fastify's request logs and our own). Redaction is a
// second line of defence: nothing we log should hold a secret in the first place.
import pino from 'pino';

/** What the code below the HTTP layer logs through (pino's signature, so the logger fits). */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export function createLogger(level: string) {
  return pino({
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.password',
        '*.refresh',
        '*.access',
        '*.token',
        '*.refresh_token',
      ],
      censor: '[redacted]',
    },
  });
}

export type AppLogger = ReturnType<typeof createLogger>;

/** For tests and commands that must not print. */
export const SILENT_LOGGER: Logger = { info() {}, warn() {}, error() {} };
