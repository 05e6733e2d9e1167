import pino, { type Logger, type DestinationStream } from 'pino';
import { redactLogObject, redactingReqSerializer } from './redact.js';

/**
 * Paths redacted from every log line. Secrets, tokens and personal data
 * (dates of birth, street addresses) never reach the log.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-webhook-secret"]',
  'req.headers["x-agechecker-signature"]',
  'res.headers["set-cookie"]',
  '*.access_token',
  '*.refresh_token',
  '*.accessToken',
  '*.refreshToken',
  '*.client_secret',
  '*.clientSecret',
  '*.password',
  '*.secret',
  '*.authorization',
  '*.Authorization',
  '*.dob',
  '*.dateOfBirth',
  '*.date_of_birth',
  '*.line1',
  '*.line2',
  '*.address1',
  '*.address2',
  '*.streetAddress',
  '*.street',
  'customer.dob',
  'shippingAddress',
  'billingAddress',
  'body.customer.dob',
  'body.shippingAddress',
  'body.billingAddress',
];

export type { Logger };

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: 'zoho-dtc-bridge' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Paths cannot reach every nesting depth: a key-based pass catches the rest.
      formatters: { log: redactLogObject },
      serializers: { req: redactingReqSerializer },
    },
    destination,
  );
}

/** Removes `secret=` (and token-like) query parameters from a URL before it is logged. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:secret|token|code|refresh_token|access_token|client_secret)=)[^&]*/gi, '$1[redacted]');
}
