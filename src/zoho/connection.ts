import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import type { Clock } from '../shared/clock.js';
import type { AlertSink } from '../observability/alerts.js';
import type { Database } from '../store/database.js';
import { acquireLease, releaseLease } from '../store/leases.js';
import { ZohoAuthError, ZohoUnavailableError } from './errors.js';
import type { ConnectionStatus } from './types.js';
import type { ZohoConnectionRow } from './tables.js';
import type { TokenCipher } from './crypto.js';
import { AccountsError, type AccountsClient, type TokenResponse } from './accounts.js';
import { acceptAccountsServer, assertOutboundUrl } from './outbound.js';
import type { ZohoMetrics } from './metrics.js';
import type { TokenSource } from './client.js';

/** Least-privilege scopes (design.md; reference/zoho-api.md §2.7). */
export const BASE_SCOPES = [
  'ZohoInventory.items.READ',
  'ZohoInventory.contacts.READ',
  'ZohoInventory.contacts.CREATE',
  'ZohoInventory.contacts.UPDATE',
  'ZohoInventory.salesorders.READ',
  'ZohoInventory.salesorders.CREATE',
  'ZohoInventory.salesorders.UPDATE',
  'ZohoInventory.settings.READ',
];
/**
 * Adjustment mode writes adjustments and, before any resend, looks one up by
 * reference (`GET /inventoryadjustments` needs `.READ`, §5.3), so it asks for both.
 */
export const ADJUSTMENT_SCOPES = ['ZohoInventory.inventoryadjustments.CREATE', 'ZohoInventory.inventoryadjustments.READ'];

export function requestedScopes(config: Pick<Config, 'ZOHO_SCOPES' | 'STOCK_MODE'>): string[] {
  if (config.ZOHO_SCOPES) return config.ZOHO_SCOPES.split(',').map((s) => s.trim()).filter(Boolean);
  return config.STOCK_MODE === 'adjustment' ? [...BASE_SCOPES, ...ADJUSTMENT_SCOPES] : [...BASE_SCOPES];
}

/** Why a callback was refused; the route maps it to the documented error codes. */
export class OAuthFlowError extends Error {
  constructor(
    readonly code: 'oauth_state_invalid' | 'oauth_denied' | 'oauth_exchange_failed',
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
    this.name = 'OAuthFlowError';
  }
}

export interface ConnectionOptions {
  connectionId?: string;
  /** Refresh this long before expiry (default 5 min). */
  refreshAheadMs?: number;
  /** Consent `state` lifetime (default 10 min). */
  stateTtlMs?: number;
  /** First wait after Zoho's refresh throttle ("Access Denied"); doubles, capped at 10 min. */
  throttleBackoffMs?: number;
  /** Cool-down after another refresh failure, shared through the database. */
  failureCooldownMs?: number;
  leaseTtlMs?: number;
  leaseWaitMs?: number;
}

export interface ConnectionDeps {
  db: Kysely<Database>;
  config: Config;
  logger: Logger;
  clock: Clock;
  alerts: AlertSink;
  metrics: ZohoMetrics;
  cipher: TokenCipher;
  accounts: AccountsClient;
  options?: ConnectionOptions;
}

interface CachedToken {
  token: string;
  expiresAt: number;
  /** When to refresh: refreshAheadMs before expiry, or halfway for short-lived tokens. */
  refreshAt: number;
  apiBase: string;
}

export interface CallbackQuery {
  code?: string;
  state?: string;
  error?: string;
  location?: string;
  'accounts-server'?: string;
  [key: string]: unknown;
}

export interface ExchangeOptions {
  scopes?: string[];
  location?: string | null;
  /** The redirect URI sent with the code (`null` for a Self Client code: none is needed). */
  redirectUri?: string | null;
}

const ACCESS = 'zoho_connection.access_token';
const REFRESH = 'zoho_connection.refresh_token';
const MAX_THROTTLE_BACKOFF = 10 * 60_000;

/**
 * The Zoho connection: consent, callback, code exchange, encrypted token
 * storage, and the access token for every call. Refresh is single-flight in
 * the process (one promise) and across processes (a lease row; after taking
 * it the row is read again, and a token another process just wrote is used
 * as is: Nango's pattern, anchors.md §3.1).
 */
export class ZohoConnection implements TokenSource {
  private readonly id: string;
  private readonly refreshAheadMs: number;
  private readonly stateTtlMs: number;
  private readonly throttleBackoffMs: number;
  private readonly failureCooldownMs: number;
  private readonly leaseTtlMs: number;
  private readonly leaseWaitMs: number;
  private readonly live: boolean;
  private cache: CachedToken | null = null;
  private inflight: Promise<CachedToken> | null = null;

  constructor(private readonly deps: ConnectionDeps) {
    const o = deps.options ?? {};
    this.id = o.connectionId ?? 'default';
    this.refreshAheadMs = o.refreshAheadMs ?? 5 * 60_000;
    this.stateTtlMs = o.stateTtlMs ?? 10 * 60_000;
    this.throttleBackoffMs = o.throttleBackoffMs ?? 2 * 60_000;
    this.failureCooldownMs = o.failureCooldownMs ?? 10_000;
    this.leaseTtlMs = o.leaseTtlMs ?? 15_000;
    this.leaseWaitMs = o.leaseWaitMs ?? 20_000;
    this.live = !deps.config.demo;
  }

  // ---- consent -------------------------------------------------------------

  scopes(): string[] {
    return requestedScopes(this.deps.config);
  }

  redirectUri(): string {
    const { config } = this.deps;
    if (config.ZOHO_REDIRECT_URI) return config.ZOHO_REDIRECT_URI;
    if (config.PUBLIC_URL) return `${config.PUBLIC_URL.replace(/\/+$/, '')}/oauth/zoho/callback`;
    const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
    return `http://${host}:${config.PORT}/oauth/zoho/callback`;
  }

  /** The consent URL, with a fresh single-use state stored (hashed) for stateTtlMs. */
  async consentUrl(): Promise<{ url: string; state: string; expiresAt: number }> {
    const { config, clock, db } = this.deps;
    const clientId = this.clientId();
    const now = clock.now();
    const state = randomBytes(24).toString('base64url');
    const scopes = this.scopes();
    const redirectUri = this.redirectUri();
    const expiresAt = now + this.stateTtlMs;
    await db.deleteFrom('zoho_oauth_states').where('expires_at', '<', now - 86_400_000).execute();
    await db
      .insertInto('zoho_oauth_states')
      .values({ state_hash: hashState(state), created_at: now, expires_at: expiresAt, used_at: null, scopes: JSON.stringify(scopes), redirect_uri: redirectUri })
      .execute();
    const accounts = assertOutboundUrl(config.zohoAccountsUrl, 'ZOHO_ACCOUNTS_URL', this.live);
    const params = new URLSearchParams({
      scope: scopes.join(','),
      client_id: clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      access_type: 'offline',
      prompt: 'consent',
      state,
    });
    return { url: `${accounts}/oauth/v2/auth?${params.toString()}`, state, expiresAt };
  }

  /**
   * The redirect back from Zoho: the state must be ours, unused and fresh; a
   * multi-DC `accounts-server` must be a known Zoho accounts host (or the
   * configured one). Throws OAuthFlowError; resolves with the new status.
   */
  async handleCallback(query: CallbackQuery): Promise<ConnectionStatus> {
    const state = typeof query.state === 'string' ? query.state : '';
    const stateRow = state ? await this.consumeState(state) : undefined;
    if (typeof query.error === 'string' && query.error !== '') {
      throw new OAuthFlowError(
        'oauth_denied',
        query.error === 'access_denied' ? 'The Zoho consent was declined; nothing was connected' : `Zoho refused the consent: ${query.error}`,
      );
    }
    if (!stateRow) {
      throw new OAuthFlowError('oauth_state_invalid', 'The sign-in link is invalid, expired (10 minutes) or was already used; start again at /oauth/zoho/start');
    }
    const code = typeof query.code === 'string' ? query.code : '';
    if (!code) throw new OAuthFlowError('oauth_exchange_failed', 'Zoho sent no authorization code');
    let accountsServer: string | undefined;
    const given = query['accounts-server'];
    if (typeof given === 'string' && given !== '') {
      const accepted = acceptAccountsServer(given, this.deps.config.zohoAccountsUrl);
      if (!accepted) {
        this.deps.logger.warn({ accountsServer: given.slice(0, 200) }, 'refused an OAuth callback naming an unknown accounts server');
        throw new OAuthFlowError('oauth_exchange_failed', 'The callback names an accounts server that is not a Zoho accounts host; nothing was sent to it');
      }
      accountsServer = accepted;
    }
    try {
      return await this.exchangeCode(code, accountsServer, {
        scopes: safeJsonArray(stateRow.scopes),
        location: typeof query.location === 'string' && /^[a-z]{2,3}$/.test(query.location) ? query.location : null,
        redirectUri: stateRow.redirect_uri,
      });
    } catch (err) {
      if (err instanceof ZohoAuthError || err instanceof ZohoUnavailableError) {
        throw new OAuthFlowError('oauth_exchange_failed', err.message, err instanceof ZohoUnavailableError ? 502 : 400);
      }
      throw err;
    }
  }

  private async consumeState(state: string): Promise<{ scopes: string; redirect_uri: string } | undefined> {
    const now = this.deps.clock.now();
    // One conditional UPDATE: exactly one request can spend a state.
    return this.deps.db
      .updateTable('zoho_oauth_states')
      .set({ used_at: now })
      .where('state_hash', '=', hashState(state))
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning(['scopes', 'redirect_uri'])
      .executeTakeFirst();
  }

  /** Exchanges a grant code (consent callback, `dtc-bridge auth exchange`, or a Self Client code). */
  async exchangeCode(code: string, accountsServer?: string, options: ExchangeOptions = {}): Promise<ConnectionStatus> {
    const { config, accounts, logger } = this.deps;
    let server = config.zohoAccountsUrl;
    if (accountsServer) {
      const accepted = acceptAccountsServer(accountsServer, config.zohoAccountsUrl);
      if (!accepted) throw new ZohoAuthError('oauth_error', `${accountsServer} is not a Zoho accounts host`);
      server = accepted;
    }
    assertOutboundUrl(server, 'the Zoho accounts server', this.live);
    this.clientId();
    let response: TokenResponse;
    try {
      response = await accounts.exchangeCode(server, code, options.redirectUri === undefined ? this.redirectUri() : options.redirectUri);
    } catch (err) {
      this.deps.metrics.refreshes.inc({ outcome: err instanceof AccountsError ? errorLabel(err) : 'network' });
      throw this.mapExchangeError(err, options.redirectUri === undefined ? this.redirectUri() : options.redirectUri);
    }
    const existing = await this.read();
    if (!response.refresh_token && !existing?.refresh_token_enc) {
      logger.warn('Zoho returned no refresh token (access_type=offline and prompt=consent are needed); the connection lasts one hour');
    }
    await this.storeTokens(response, {
      accountsServer: server,
      location: options.location ?? null,
      scopes: options.scopes ?? this.scopes(),
      connectedNow: true,
    });
    logger.info({ accountsServer: server, apiDomain: response.api_domain }, 'Zoho connected');
    return this.status();
  }

  /**
   * Self Client bootstrap: a refresh token pasted from the API console. The
   * first refresh gives the access token and the api_domain.
   */
  async bootstrapFromRefreshToken(refreshToken: string): Promise<ConnectionStatus> {
    const { config, accounts, clock } = this.deps;
    const server = assertOutboundUrl(config.zohoAccountsUrl, 'ZOHO_ACCOUNTS_URL', this.live);
    this.clientId();
    let response: TokenResponse;
    try {
      response = await accounts.refresh(server, refreshToken);
    } catch (err) {
      if (err instanceof AccountsError) {
        this.deps.metrics.refreshes.inc({ outcome: errorLabel(err) });
        if (err.error === 'invalid_code') {
          const message = 'ZOHO_REFRESH_TOKEN was refused by Zoho (invalid_code): it was revoked or replaced by a newer one; generate a new one in the API console';
          await this.upsert({ state: 'needs_reauth', last_error: message, updated_at: clock.now() });
          this.raiseNeedsReauth(message);
          throw new ZohoAuthError('needs_reauth', message);
        }
      }
      throw this.mapExchangeError(err, null);
    }
    this.deps.metrics.refreshes.inc({ outcome: 'success' });
    await this.storeTokens({ ...response, refresh_token: refreshToken }, { accountsServer: server, location: null, scopes: [], connectedNow: true });
    return this.status();
  }

  /**
   * Start-up: bootstraps from ZOHO_REFRESH_TOKEN when nothing is stored yet,
   * or when the stored connection needs re-authorization and the variable now
   * holds a different token. Safe to call from several processes at once.
   */
  async init(): Promise<void> {
    const envToken = this.deps.config.ZOHO_REFRESH_TOKEN;
    if (!envToken) return;
    const needed = async () => {
      const row = await this.read();
      if (!row?.refresh_token_enc) return true;
      return row.state === 'needs_reauth' && this.decrypt(row.refresh_token_enc, REFRESH) !== envToken;
    };
    if (!(await needed())) return;
    const owner = randomUUID();
    const lease = this.leaseName();
    if (!(await acquireLease(this.deps.db, lease, owner, this.leaseTtlMs, this.leaseWaitMs))) return;
    try {
      if (await needed()) await this.bootstrapFromRefreshToken(envToken);
    } finally {
      await releaseLease(this.deps.db, lease, owner);
    }
  }

  // ---- tokens for calls ----------------------------------------------------

  /**
   * A usable access token and the API base. `rejected`: a token Zoho just
   * answered 401 to; it is replaced even if not yet expired, unless another
   * caller or process has already replaced it.
   */
  async getAccessToken(options?: { rejected?: string }): Promise<{ token: string; apiBase: string }> {
    const cached = this.cache;
    const rejected = options?.rejected;
    if (cached && cached.token !== rejected && cached.refreshAt > this.deps.clock.now()) return cached;
    if (!this.inflight) {
      this.inflight = this.refreshShared(rejected).finally(() => {
        this.inflight = null;
      });
    }
    return this.inflight;
  }

  /** The stored token if usable: 'fresh' = before its refresh point, 'valid' = not expired yet. */
  private usable(row: ZohoConnectionRow | undefined, rejected: string | undefined, mode: 'fresh' | 'valid'): CachedToken | null {
    if (!row || row.state !== 'connected' || !row.access_token_enc || row.access_expires_at === null) return null;
    const expiresAt = Number(row.access_expires_at);
    const issuedAt = Number(row.last_refresh_at ?? expiresAt - 3_600_000);
    const refreshAt = expiresAt - Math.min(this.refreshAheadMs, Math.max(0, (expiresAt - issuedAt) / 2));
    const now = this.deps.clock.now();
    if ((mode === 'fresh' ? refreshAt : expiresAt) <= now) return null;
    const token = this.decrypt(row.access_token_enc, ACCESS);
    if (token === rejected) return null;
    return { token, expiresAt, refreshAt, apiBase: this.apiBaseFor(row) };
  }

  private async refreshShared(rejected: string | undefined): Promise<CachedToken> {
    try {
      return await this.refreshSharedInner(rejected);
    } catch (err) {
      if (err instanceof UseStillValid) return (this.cache = err.token);
      throw err;
    }
  }

  private async refreshSharedInner(rejected: string | undefined): Promise<CachedToken> {
    let row = await this.read();
    const fresh = this.usable(row, rejected, 'fresh');
    if (fresh) return (this.cache = fresh);
    this.assertRefreshable(row, rejected);

    const owner = randomUUID();
    const lease = this.leaseName();
    const won = await acquireLease(this.deps.db, lease, owner, this.leaseTtlMs, this.leaseWaitMs);
    try {
      // Re-read: while we waited, another process may have refreshed already.
      row = await this.read();
      const now = this.usable(row, rejected, 'fresh');
      if (now) return (this.cache = now);
      if (!won) {
        const stillValid = this.usable(row, rejected, 'valid');
        if (stillValid) return (this.cache = stillValid);
        throw new ZohoAuthError('oauth_error', 'Timed out waiting for another process to refresh the Zoho token');
      }
      this.assertRefreshable(row, rejected);
      return (this.cache = await this.refreshLocked(row!, rejected));
    } finally {
      if (won) await releaseLease(this.deps.db, lease, owner);
    }
  }

  /** Throws when no refresh may be attempted now (not connected, needs re-auth, throttled, cooling down). */
  private assertRefreshable(row: ZohoConnectionRow | undefined, rejected: string | undefined): void {
    const now = this.deps.clock.now();
    if (!row || (!row.refresh_token_enc && row.state !== 'needs_reauth')) {
      throw new ZohoAuthError('not_connected', 'Zoho is not connected: open /oauth/zoho/start (or run `dtc-bridge auth url`), or set ZOHO_REFRESH_TOKEN');
    }
    if (row.state === 'needs_reauth') {
      throw new ZohoAuthError('needs_reauth', row.last_error ?? 'The Zoho connection needs to be authorized again');
    }
    if (!row.refresh_token_enc) throw new ZohoAuthError('not_connected', 'No Zoho refresh token is stored');
    const blockedUntil = Math.max(Number(row.throttled_until), Number(row.retry_after));
    if (blockedUntil > now) {
      // A still-valid token is better than no token while we wait out the throttle.
      const stillValid = this.usable(row, rejected, 'valid');
      if (stillValid) throw new UseStillValid(stillValid);
      const throttled = Number(row.throttled_until) > now;
      throw new ZohoAuthError(
        throttled ? 'throttled' : row.last_error?.includes('invalid_client') ? 'invalid_client' : 'oauth_error',
        `${throttled ? 'Zoho throttled token refreshes' : `The last Zoho token refresh failed (${row.last_error ?? 'unknown'})`}; next attempt in ${Math.ceil((blockedUntil - now) / 1000)} s`,
      );
    }
  }

  private async refreshLocked(row: ZohoConnectionRow, rejected: string | undefined): Promise<CachedToken> {
    const { accounts, clock, metrics, logger } = this.deps;
    const server = assertOutboundUrl(row.accounts_server ?? this.deps.config.zohoAccountsUrl, 'the Zoho accounts server', this.live);
    const refreshToken = this.decrypt(row.refresh_token_enc!, REFRESH);
    let response: TokenResponse;
    try {
      response = await accounts.refresh(server, refreshToken);
    } catch (err) {
      const label = err instanceof AccountsError ? errorLabel(err) : 'network';
      metrics.refreshes.inc({ outcome: label });
      const failure = await this.recordRefreshFailure(row, err);
      const stillValid = failure instanceof ZohoAuthError && failure.reason === 'needs_reauth' ? null : this.usable(row, rejected, 'valid');
      if (stillValid) {
        logger.warn({ outcome: label }, 'Zoho token refresh failed; the current access token is still valid');
        return stillValid;
      }
      throw failure;
    }
    metrics.refreshes.inc({ outcome: 'success' });
    await this.storeTokens(response, { connectedNow: false });
    const updated = await this.read();
    const token = this.usable(updated, undefined, 'valid');
    if (!token) throw new ZohoAuthError('oauth_error', `Zoho returned an access token that expires at once (expires_in ${response.expires_in}) at ${clock.now()}`);
    return token;
  }

  private async recordRefreshFailure(row: ZohoConnectionRow, err: unknown): Promise<Error> {
    const { clock, logger, alerts } = this.deps;
    const now = clock.now();
    const failures = Number(row.consecutive_failures) + 1;
    if (err instanceof AccountsError && err.error === 'invalid_code') {
      const message =
        'Zoho refused the stored refresh token (invalid_code): it was revoked, or pushed out by a newer consent (Zoho keeps 20 per user and client). Connect again at /oauth/zoho/start or with `dtc-bridge auth url`.';
      await this.update({ state: 'needs_reauth', last_error: message, consecutive_failures: failures, updated_at: now });
      this.cache = null;
      this.raiseNeedsReauth(message);
      return new ZohoAuthError('needs_reauth', message);
    }
    if (err instanceof AccountsError && err.throttled) {
      const wait = Math.min(MAX_THROTTLE_BACKOFF, this.throttleBackoffMs * 2 ** Math.min(10, failures - 1));
      await this.update({ throttled_until: now + wait, last_error: 'Access Denied (refresh throttled by Zoho)', consecutive_failures: failures, updated_at: now });
      logger.warn({ waitMs: wait }, 'Zoho throttled the token refresh (Access Denied); backing off');
      this.maybeAlertFailing(failures, 'Zoho is throttling token refreshes');
      return new ZohoAuthError('throttled', `Zoho throttled token refreshes; next attempt in ${Math.ceil(wait / 1000)} s`);
    }
    const mapped = this.mapExchangeError(err, null);
    const state = mapped instanceof ZohoAuthError && mapped.reason === 'invalid_client' ? 'error' : row.state;
    await this.update({ state, retry_after: now + this.failureCooldownMs, last_error: mapped.message, consecutive_failures: failures, updated_at: now });
    logger.error({ reason: mapped instanceof ZohoAuthError ? mapped.reason : 'unavailable' }, `Zoho token refresh failed: ${mapped.message}`);
    if (mapped instanceof ZohoAuthError && mapped.reason === 'invalid_client') {
      alerts.raise({ kind: 'config_error', severity: 'critical', message: mapped.message, dedupeKey: 'zoho_invalid_client' });
    } else {
      this.maybeAlertFailing(failures, mapped.message);
    }
    return mapped;
  }

  private maybeAlertFailing(failures: number, message: string): void {
    if (failures >= 3) {
      this.deps.alerts.raise({ kind: 'token_refresh_failing', severity: 'warning', message: `Zoho token refresh failed ${failures} times in a row: ${message}`, dedupeKey: 'token_refresh_failing' });
    }
  }

  private raiseNeedsReauth(message: string): void {
    this.deps.alerts.raise({ kind: 'needs_reauth', severity: 'critical', message, dedupeKey: `needs_reauth:${this.id}` });
  }

  private mapExchangeError(err: unknown, redirectUri: string | null): Error {
    const { config } = this.deps;
    if (!(err instanceof AccountsError)) {
      return err instanceof ZohoUnavailableError ? err : new ZohoUnavailableError('oauth/token', err);
    }
    switch (err.error) {
      case 'invalid_client':
        return new ZohoAuthError(
          'invalid_client',
          `Zoho does not know this OAuth client (invalid_client): check ZOHO_CLIENT_ID and ZOHO_CLIENT_SECRET, and that ZOHO_DC (${config.ZOHO_DC}) is the data centre the client was registered in`,
        );
      case 'invalid_code':
        return new ZohoAuthError('oauth_error', 'Zoho refused the authorization code (invalid_code): it expired (codes live about 2 minutes), was already used, or belongs to another data centre; start again');
      case 'invalid_redirect_uri':
        return new ZohoAuthError('oauth_error', `Zoho refused the redirect URI (invalid_redirect_uri): ZOHO_REDIRECT_URI (${redirectUri ?? 'none'}) must match the API console entry exactly`);
      default:
        if (err.throttled) return new ZohoAuthError('throttled', 'Zoho is throttling token requests (Access Denied); wait a few minutes');
        return new ZohoAuthError('oauth_error', `Zoho Accounts answered ${err.error}${err.description ? `: ${err.description}` : ''}`);
    }
  }

  // ---- storage ---------------------------------------------------------------

  private async storeTokens(
    response: TokenResponse,
    meta: { accountsServer?: string; location?: string | null; scopes?: string[]; connectedNow: boolean },
  ): Promise<void> {
    const { clock, cipher } = this.deps;
    const now = clock.now();
    const apiDomain = response.api_domain ? assertOutboundUrl(response.api_domain, 'api_domain from Zoho', this.live) : undefined;
    const existing = await this.read();
    const values: Partial<ZohoConnectionRow> = {
      state: 'connected',
      access_token_enc: cipher.encrypt(response.access_token, ACCESS),
      access_expires_at: now + response.expires_in * 1000,
      last_refresh_at: now,
      last_error: null,
      throttled_until: 0,
      retry_after: 0,
      consecutive_failures: 0,
      token_version: Number(existing?.token_version ?? 0) + 1,
      updated_at: now,
    };
    // Zoho sends a refresh token only on a code exchange: never replace a stored one with nothing.
    if (response.refresh_token) values.refresh_token_enc = cipher.encrypt(response.refresh_token, REFRESH);
    if (apiDomain) values.api_domain = apiDomain;
    if (meta.accountsServer) values.accounts_server = meta.accountsServer;
    if (meta.location !== undefined && (meta.location !== null || meta.connectedNow)) values.location = meta.location;
    if (meta.scopes) values.scopes = JSON.stringify(meta.scopes);
    if (meta.connectedNow) values.connected_at = now;
    await this.upsert(values);
    this.cache = null;
  }

  private async upsert(values: Partial<ZohoConnectionRow>): Promise<void> {
    const { db, clock } = this.deps;
    await db
      .insertInto('zoho_connection')
      .values({
        id: this.id,
        state: 'not_connected',
        access_token_enc: null,
        refresh_token_enc: null,
        access_expires_at: null,
        api_domain: null,
        accounts_server: null,
        location: null,
        scopes: '[]',
        token_version: 0,
        last_refresh_at: null,
        last_error: null,
        throttled_until: 0,
        retry_after: 0,
        consecutive_failures: 0,
        connected_at: null,
        updated_at: clock.now(),
        ...values,
      })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
      .execute();
  }

  private async update(values: Partial<ZohoConnectionRow>): Promise<void> {
    await this.deps.db.updateTable('zoho_connection').set(values).where('id', '=', this.id).execute();
  }

  private async read(): Promise<ZohoConnectionRow | undefined> {
    return this.deps.db.selectFrom('zoho_connection').selectAll().where('id', '=', this.id).executeTakeFirst();
  }

  private decrypt(envelope: string, purpose: string): string {
    try {
      return this.deps.cipher.decrypt(envelope, purpose);
    } catch {
      throw new ZohoAuthError('needs_reauth', 'The stored Zoho tokens cannot be decrypted (TOKEN_ENCRYPTION_KEY changed?); connect again');
    }
  }

  private apiBaseFor(row: ZohoConnectionRow | undefined): string {
    const { config } = this.deps;
    if (config.zohoApiBaseOverride) return config.zohoApiBaseOverride;
    return `${row?.api_domain ?? config.zohoApiDomain}/inventory/v1`;
  }

  private clientId(): string {
    const id = this.deps.config.ZOHO_CLIENT_ID;
    if (!id || !this.deps.config.ZOHO_CLIENT_SECRET) throw new ZohoAuthError('invalid_client', 'ZOHO_CLIENT_ID and ZOHO_CLIENT_SECRET are not set');
    return id;
  }

  private leaseName(): string {
    return `zoho:token:${this.id}`;
  }

  // ---- status and revoke -------------------------------------------------------

  async status(): Promise<ConnectionStatus> {
    const { config } = this.deps;
    const row = await this.read();
    return {
      state: row?.state ?? 'not_connected',
      dataCentre: row?.location ?? config.ZOHO_DC,
      organizationId: config.ZOHO_ORGANIZATION_ID,
      accountsServer: row?.accounts_server ?? config.zohoAccountsUrl,
      apiDomain: row?.api_domain ?? null,
      scopes: safeJsonArray(row?.scopes ?? '[]'),
      accessTokenExpiresAt: row?.access_expires_at === null || row?.access_expires_at === undefined ? null : Number(row.access_expires_at),
      lastRefreshAt: row?.last_refresh_at === null || row?.last_refresh_at === undefined ? null : Number(row.last_refresh_at),
      lastError: row?.last_error ?? null,
    };
  }

  /** Revokes the refresh token at Zoho (which also kills its access tokens) and forgets the tokens. */
  async revoke(): Promise<ConnectionStatus> {
    const row = await this.read();
    if (row?.refresh_token_enc || row?.access_token_enc) {
      const server = assertOutboundUrl(row.accounts_server ?? this.deps.config.zohoAccountsUrl, 'the Zoho accounts server', this.live);
      const token = row.refresh_token_enc ? this.decrypt(row.refresh_token_enc, REFRESH) : this.decrypt(row.access_token_enc!, ACCESS);
      await this.deps.accounts.revoke(server, token);
    }
    await this.upsert({ state: 'not_connected', access_token_enc: null, refresh_token_enc: null, access_expires_at: null, last_error: null, updated_at: this.deps.clock.now() });
    this.cache = null;
    return this.status();
  }
}

/** Internal control flow: a throttled refresh while the current token still works. */
class UseStillValid extends Error {
  constructor(readonly token: CachedToken) {
    super('use still-valid token');
  }
}

function errorLabel(err: AccountsError): string {
  if (err.throttled) return 'throttled';
  return ['invalid_code', 'invalid_client', 'invalid_redirect_uri'].includes(err.error) ? err.error : 'error';
}

function hashState(state: string): string {
  return createHash('sha256').update(state).digest('hex');
}

function safeJsonArray(text: string): string[] {
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
