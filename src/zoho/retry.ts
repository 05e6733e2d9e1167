/**
 * The retry classifier: one pure function that says what to do with the
 * outcome of one attempt. Table-tested in test/zoho/retry.test.ts.
 *
 * - reads: network errors, 5xx and 429 are retried with jittered exponential
 *   backoff, honouring Retry-After;
 * - writes (POST/PUT/DELETE): retried only when Zoho certainly did not act:
 *   the connection never opened, or Zoho answered 429/500/503. A write whose
 *   response was lost after sending (reset, timeout, 502/504 from a gateway)
 *   is "outcome unknown": the caller looks it up by reference instead;
 * - 401: refresh the token once, then retry once;
 * - code 45 (daily quota): stop, never retry;
 * - 400/404/405 and any other non-zero envelope code: never retried.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export type AttemptOutcome =
  | { kind: 'response'; status: number; zohoCode?: number | undefined; retryAfter?: string | null | undefined }
  /** `sent`: whether the request may have reached Zoho (see networkErrorWasSent). */
  | { kind: 'network'; sent: boolean };

export type RetryDecision =
  | { action: 'ok' }
  | { action: 'retry'; delayMs: number }
  | { action: 'refresh_and_retry' }
  | { action: 'fail'; retryable: boolean }
  | { action: 'daily_quota' }
  | { action: 'outcome_unknown' }
  | { action: 'unavailable' };

export interface RetryPolicy {
  /** Total attempts for retryable outcomes (1 = no retry). */
  maxAttempts: number;
  baseDelayMs: number;
  /** Cap on one backoff delay; a Retry-After above it gives up instead of waiting. */
  maxDelayMs: number;
  /** 0..1; default full jitter. Tests inject a fixed random. */
  random?: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 30_000 };

/** Envelope codes that are throttling, not a bad request ([ZI] §3.7: 43, 44 are per-minute throttles). */
const THROTTLE_CODES = new Set([43, 44]);
const DAILY_QUOTA_CODE = 45;

export interface ClassifyInput {
  method: HttpMethod;
  /** 1-based number of the attempt that just finished. */
  attempt: number;
  /** Whether this request already refreshed the token after a 401. */
  refreshed: boolean;
  outcome: AttemptOutcome;
  /** Date.now() for HTTP-date Retry-After values. */
  now: number;
}

export function classify(input: ClassifyInput, policy: RetryPolicy = DEFAULT_RETRY_POLICY): RetryDecision {
  const { method, attempt, outcome } = input;
  const write = method !== 'GET';
  const canRetry = attempt < policy.maxAttempts;

  if (outcome.kind === 'network') {
    if (write && outcome.sent) return { action: 'outcome_unknown' };
    return canRetry ? { action: 'retry', delayMs: backoff(attempt, policy) } : { action: 'unavailable' };
  }

  const { status, zohoCode } = outcome;
  if (zohoCode === DAILY_QUOTA_CODE) return { action: 'daily_quota' };
  if (status >= 200 && status < 300) {
    if (zohoCode === undefined || zohoCode === 0) return { action: 'ok' };
    // An error envelope on HTTP 200: a throttle is retryable, the rest is final.
    if (THROTTLE_CODES.has(zohoCode)) return retryAfterDelay(input, policy, canRetry);
    return { action: 'fail', retryable: false };
  }
  if (status === 401) return input.refreshed ? { action: 'fail', retryable: false } : { action: 'refresh_and_retry' };
  if (status === 429) return retryAfterDelay(input, policy, canRetry);
  if (status >= 500) {
    // A gateway error on a write: Zoho may have done the work behind the gateway.
    // 500 and 503 are Zoho's own refusals; anything else (502, 504, …) is not.
    if (write && status !== 500 && status !== 503) return { action: 'outcome_unknown' };
    return retryAfterDelay(input, policy, canRetry);
  }
  return { action: 'fail', retryable: false };
}

function retryAfterDelay(input: ClassifyInput, policy: RetryPolicy, canRetry: boolean): RetryDecision {
  if (!canRetry) return { action: 'fail', retryable: true };
  const computed = backoff(input.attempt, policy);
  const told = input.outcome.kind === 'response' ? parseRetryAfter(input.outcome.retryAfter, input.now) : undefined;
  if (told !== undefined && told > policy.maxDelayMs) return { action: 'fail', retryable: true };
  return { action: 'retry', delayMs: Math.max(computed, told ?? 0) };
}

/** Full jitter: uniform in [0, min(cap, base·2^(attempt-1))], at least 1 ms. */
export function backoff(attempt: number, policy: RetryPolicy): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const r = (policy.random ?? Math.random)();
  return Math.max(1, Math.round(ceiling * r));
}

/** Retry-After as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Whether a network error may have happened after the request left: only
 * errors raised while opening the connection prove that nothing was sent.
 * Anything else (reset, "other side closed", a timeout once connected, an
 * abort) is treated as "maybe sent".
 */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

export function networkErrorWasSent(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_SENT_CODES.has(code)) return false;
    current = (current as { cause?: unknown }).cause;
  }
  return true;
}
