import pino, { type DestinationStream, type Logger } from "pino";

// Field names that can carry a secret anywhere in a log line's metadata.
const SECRET_PATHS = [
  "token",
  "*.token",
  "signing_secret",
  "*.signing_secret",
  "secret",
  "*.secret",
  "api_token",
  "*.api_token",
  "password",
  "*.password",
  "api_key",
  "*.api_key",
  "apiKey",
  "*.apiKey",
  "credentials",
  "*.credentials",
  "authorization",
  "*.authorization",
  'headers["x-gitlab-token"]',
  'headers["private-token"]',
  'headers["webhook-signature"]',
  "req.headers.authorization",
  'req.headers["x-gitlab-token"]',
  'req.headers["private-token"]',
  'req.headers["webhook-signature"]',
];

/** The process's root logger: JSON lines, secrets redacted by field name. */
export function createLogger(
  level: string,
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      level,
      base: { service: "flowgate" },
      redact: { paths: SECRET_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
