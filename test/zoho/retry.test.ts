import { describe, expect, it } from 'vitest';
import { classify, networkErrorWasSent, parseRetryAfter, backoff, type AttemptOutcome, type HttpMethod, type RetryDecision } from '../../src/zoho/retry.js';

const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 10_000, random: () => 0.5 };
const NOW = Date.UTC(2026, 0, 1);

function decide(method: HttpMethod, outcome: AttemptOutcome, attempt = 1, refreshed = false): RetryDecision {
  return classify({ method, attempt, refreshed, outcome, now: NOW }, policy);
}
const res = (status: number, zohoCode?: number, retryAfter?: string): AttemptOutcome => ({ kind: 'response', status, zohoCode, retryAfter });

describe('retry classifier', () => {
  const table: Array<[string, HttpMethod, AttemptOutcome, RetryDecision['action'], number?]> = [
    ['200 code 0', 'GET', res(200, 0), 'ok'],
    ['201 code 0 on a write', 'POST', res(201, 0), 'ok'],
    ['200 with a non-zero code is an error, not retried', 'GET', res(200, 1002), 'fail'],
    ['200 with throttle code 44 is retried', 'GET', res(200, 44), 'retry'],
    ['400 never retried', 'GET', res(400, 2), 'fail'],
    ['400 on a write never retried', 'POST', res(400, 2), 'fail'],
    ['404 never retried', 'GET', res(404, 5), 'fail'],
    ['405 never retried', 'PUT', res(405, 37), 'fail'],
    ['401 → refresh once', 'GET', res(401, 57), 'refresh_and_retry'],
    ['401 on a write → refresh once (nothing was done)', 'POST', res(401, 14), 'refresh_and_retry'],
    ['429 retried', 'GET', res(429, 44), 'retry'],
    ['429 on a write retried (refused, not done)', 'POST', res(429), 'retry'],
    ['code 45 daily quota → stop', 'GET', res(429, 45), 'daily_quota'],
    ['code 45 on HTTP 200 → stop', 'POST', res(200, 45), 'daily_quota'],
    ['500 on a read retried', 'GET', res(500), 'retry'],
    ['503 on a read retried', 'GET', res(503), 'retry'],
    ['502 on a read retried', 'GET', res(502), 'retry'],
    ['500 on a write retried (Zoho refused)', 'POST', res(500), 'retry'],
    ['503 on a write retried', 'PUT', res(503), 'retry'],
    ['502 on a write → outcome unknown', 'POST', res(502), 'outcome_unknown'],
    ['504 on a write → outcome unknown', 'POST', res(504), 'outcome_unknown'],
    ['network error before sending, read → retry', 'GET', { kind: 'network', sent: false }, 'retry'],
    ['network error before sending, write → retry', 'POST', { kind: 'network', sent: false }, 'retry'],
    ['network error after sending, read → retry', 'GET', { kind: 'network', sent: true }, 'retry'],
    ['network error after sending, write → outcome unknown', 'POST', { kind: 'network', sent: true }, 'outcome_unknown'],
    ['network error after sending, DELETE → outcome unknown', 'DELETE', { kind: 'network', sent: true }, 'outcome_unknown'],
  ];
  for (const [name, method, outcome, action] of table) {
    it(name, () => {
      expect(decide(method, outcome).action).toBe(action);
    });
  }

  it('a second 401 after a refresh fails', () => {
    expect(decide('GET', res(401, 57), 2, true)).toEqual({ action: 'fail', retryable: false });
  });

  it('gives up after maxAttempts: retryable API error, or unavailable for the network', () => {
    expect(decide('GET', res(503), 4)).toEqual({ action: 'fail', retryable: true });
    expect(decide('GET', res(429), 4)).toEqual({ action: 'fail', retryable: true });
    expect(decide('GET', { kind: 'network', sent: false }, 4)).toEqual({ action: 'unavailable' });
  });

  it('honours Retry-After (seconds and HTTP date) as a floor on the backoff', () => {
    expect(decide('GET', res(429, undefined, '3'))).toEqual({ action: 'retry', delayMs: 3000 });
    expect(decide('GET', res(503, undefined, new Date(NOW + 5000).toUTCString()))).toEqual({ action: 'retry', delayMs: 5000 });
    // Smaller than the computed backoff: the backoff wins.
    expect(decide('GET', res(429, undefined, '0'), 3)).toEqual({ action: 'retry', delayMs: 200 });
  });

  it('does not wait beyond the cap: a Retry-After above maxDelayMs fails retryable', () => {
    expect(decide('GET', res(429, undefined, '3600'))).toEqual({ action: 'fail', retryable: true });
  });

  it('backoff is exponential, jittered and capped', () => {
    expect(backoff(1, { ...policy, random: () => 1 })).toBe(100);
    expect(backoff(3, { ...policy, random: () => 1 })).toBe(400);
    expect(backoff(20, { ...policy, random: () => 1 })).toBe(10_000);
    expect(backoff(3, { ...policy, random: () => 0 })).toBe(1);
  });

  it('parses Retry-After', () => {
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
    expect(parseRetryAfter('garbage', NOW)).toBeUndefined();
    expect(parseRetryAfter('1.5', NOW)).toBe(1500);
  });

  it('knows which network errors prove nothing was sent', () => {
    const wrapped = (code: string) => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(code), { code }) });
    expect(networkErrorWasSent(wrapped('ECONNREFUSED'))).toBe(false);
    expect(networkErrorWasSent(wrapped('UND_ERR_CONNECT_TIMEOUT'))).toBe(false);
    expect(networkErrorWasSent(wrapped('ENOTFOUND'))).toBe(false);
    expect(networkErrorWasSent(wrapped('ECONNRESET'))).toBe(true);
    expect(networkErrorWasSent(wrapped('UND_ERR_SOCKET'))).toBe(true);
    expect(networkErrorWasSent(new Error('timed out'))).toBe(true);
  });
});
