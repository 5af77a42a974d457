// One pino logger for the process (Fastify's request logs and our own). Redaction is a
// second line of defence: nothing we log should hold a secret in the first place.
import pino from 'pino';

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
