/**
 * Key-based redaction at any depth, for pino. Path-based `redact` (pino's
 * fast-redact) only catches the paths it lists: `*.dob` catches `x.dob`
 * but not `order.customer.dob`, and nothing catches a top-level
 * `access_token` or `headers['x-webhook-secret']`. This walks each log
 * call's object and censors values by key name wherever they sit.
 *
 * Proposed wiring in src/observability/logger.ts (owned by the lead):
 *   pino({ ..., formatters: { log: redactLogObject }, serializers: { req: redactingReqSerializer } })
 * test/observability/redaction.test.ts proves both are needed.
 */
import { redactUrl } from './logger.js';

export const CENSOR = '[redacted]';

/** Keys whose values never reach the log (compared lower-cased, `-` and `_` ignored). */
const SENSITIVE_KEYS = new Set(
  [
    'access_token',
    'refresh_token',
    'id_token',
    'token',
    'accesstoken',
    'refreshtoken',
    'client_secret',
    'clientsecret',
    'secret',
    'webhooksecret',
    'x-webhook-secret',
    'x-agechecker-signature',
    'signature',
    'password',
    'adminpassword',
    'authorization',
    'cookie',
    'set-cookie',
    'api_key',
    'apikey',
    'x-api-key',
    'session',
    'sessionsecret',
    'encryptionkey',
    'token_encryption_key',
    'dob',
    'dateofbirth',
    'date_of_birth',
    'birthdate',
    'line1',
    'line2',
    'address1',
    'address2',
    'street',
    'streetaddress',
    'street2',
    'address',
    'shippingaddress',
    'billingaddress',
    'shipping_address',
    'billing_address',
    'shipto',
  ].map(normalizeKey),
);

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEYS.has(normalizeKey(key));
}

function isPlain(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Copy of `value` with sensitive keys censored. Only plain objects and arrays
 * are walked (requests, errors and buffers go to their serializers); a
 * string value under a URL-ish key has its secret query parameters removed.
 */
export function redactDeep(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (depth > 10) return value;
  if (Array.isArray(value)) {
    if (seen.has(value)) return '[circular]';
    seen.add(value);
    return value.map((v) => redactDeep(v, depth + 1, seen));
  }
  if (!isPlain(value)) return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (isSensitiveKey(k) && v !== null && v !== undefined) out[k] = CENSOR;
    else if (typeof v === 'string' && /url|uri|href|path/i.test(k) && v.includes('=')) out[k] = redactUrl(v);
    else out[k] = redactDeep(v, depth + 1, seen);
  }
  return out;
}

/** pino `formatters.log`. */
export function redactLogObject(object: Record<string, unknown>): Record<string, unknown> {
  return redactDeep(object) as Record<string, unknown>;
}

/** Fastify request serializer: the default one logs the raw URL, `?secret=` included. */
export function redactingReqSerializer(req: {
  method?: string;
  url?: string;
  host?: string;
  hostname?: string;
  ip?: string;
  socket?: { remotePort?: number } | null;
}): Record<string, unknown> {
  return {
    method: req.method,
    url: req.url ? redactUrl(req.url) : req.url,
    host: req.host ?? req.hostname,
    remoteAddress: req.ip,
    remotePort: req.socket ? req.socket.remotePort : undefined,
  };
}
