/**
 * Typed Zoho failures. The orders workflow decides what to do from the class,
 * never from a message: retryable errors are retried by the client already;
 * what reaches a caller is final for that attempt.
 */
export type ZohoPriority = 'order' | 'webhook' | 'poll' | 'reconcile';

export class ZohoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Zoho answered with an error: a non-2xx status or a non-zero envelope `code` (even on HTTP 200). */
export class ZohoApiError extends ZohoError {
  constructor(
    readonly httpStatus: number,
    readonly zohoCode: number | undefined,
    readonly zohoMessage: string,
    readonly endpoint: string,
    readonly retryable: boolean,
  ) {
    super(`Zoho ${endpoint} failed: HTTP ${httpStatus}${zohoCode !== undefined ? ` code ${zohoCode}` : ''}: ${zohoMessage}`);
  }
}

/** A write was sent and no answer came back (timeout, reset, lost response): it may or may not have happened. */
export class ZohoOutcomeUnknownError extends ZohoError {
  constructor(
    readonly endpoint: string,
    override readonly cause: unknown,
  ) {
    super(`Zoho ${endpoint}: outcome unknown (${cause instanceof Error ? cause.message : String(cause)})`);
  }
}

/** The network failed before anything reached Zoho, after every retry. Safe to try again later. */
export class ZohoUnavailableError extends ZohoError {
  constructor(
    readonly endpoint: string,
    override readonly cause: unknown,
  ) {
    super(`Zoho ${endpoint}: unavailable (${cause instanceof Error ? cause.message : String(cause)})`);
  }
}

/** The local budget (daily, per-minute or priority reserve) refuses the call; nothing was sent. */
export class ZohoBudgetExceededError extends ZohoError {
  constructor(
    readonly priority: ZohoPriority,
    readonly scope: 'daily' | 'minute' | 'reserve',
    readonly retryAfterMs: number,
  ) {
    super(`Zoho call budget exhausted (${scope}) for ${priority} calls; retry in ${Math.ceil(retryAfterMs / 1000)} s`);
  }
}

/** No usable connection: not connected yet, refresh token revoked (`needs_reauth`), or a client misconfiguration. */
export class ZohoAuthError extends ZohoError {
  constructor(
    readonly reason: 'not_connected' | 'needs_reauth' | 'invalid_client' | 'throttled' | 'oauth_error',
    message: string,
  ) {
    super(message);
  }
}
