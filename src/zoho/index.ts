/**
 * The Zoho module: OAuth connection, HTTP client (retry classifier, budget)
 * and typed Inventory resources.
 *
 * Deps (all injected by the composition root):
 * - config: Config (ZOHO_*, STOCK_MODE, TOKEN_ENCRYPTION_KEY, DATA_DIR, demo flag)
 * - store: Store (tables of src/zoho/tables.ts, the `leases` table)
 * - logger: pino Logger; registry: prom-client Registry; alerts: AlertSink
 * - clock?: Clock (default systemClock)
 * - fetch?: FetchLike (default undici fetch on a keep-alive Agent)
 * - options?: tuning (retry policy, timeouts, budget shares, connection timings)
 *
 * Call `await zoho.init()` once at start (Self Client bootstrap from
 * ZOHO_REFRESH_TOKEN), `await zoho.close()` at shutdown (flushes the call log).
 */
import { Agent, fetch as undiciFetch } from 'undici';
import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from '../config/load.js';
import type { Store } from '../store/db.js';
import type { AlertSink } from '../observability/alerts.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { oauthRoutes, type OAuthRoutesOptions } from '../http/routes/oauth.js';
import { AccountsClient } from './accounts.js';
import { ZohoBudget, type BudgetOptions } from './budget.js';
import { ZohoHttpClient, type FetchLike } from './client.js';
import { ZohoConnection, type ConnectionOptions } from './connection.js';
import { createTokenCipher, loadTokenKey } from './crypto.js';
import { zohoMetrics } from './metrics.js';
import { createInventoryApi } from './resources.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
import type { ZohoInventoryApi } from './types.js';

export interface ZohoModuleOptions {
  retry?: Partial<RetryPolicy>;
  /** Per-request timeout for Inventory calls (default 20 s). */
  requestTimeoutMs?: number;
  /** Timeout for token-endpoint calls (default 15 s). */
  accountsTimeoutMs?: number;
  budget?: Partial<BudgetOptions>;
  connection?: ConnectionOptions;
  /** 32-byte key; overrides TOKEN_ENCRYPTION_KEY / the demo key file (tests). */
  tokenKey?: Buffer;
}

export interface ZohoModuleDeps {
  config: Config;
  store: Store;
  logger: Logger;
  registry: Registry;
  alerts: AlertSink;
  clock?: Clock;
  fetch?: FetchLike;
  options?: ZohoModuleOptions;
}

export interface ZohoModule {
  api: ZohoInventoryApi;
  client: ZohoHttpClient;
  connection: ZohoConnection;
  budget: ZohoBudget;
  /** Fastify plugin: GET /oauth/zoho/start, GET /oauth/zoho/callback. Register with `{ requireAdmin }`. */
  routes: FastifyPluginAsync<OAuthRoutesOptions>;
  init(): Promise<void>;
  close(): Promise<void>;
}

export function createZohoModule(deps: ZohoModuleDeps): ZohoModule {
  const { config, store, logger: parentLogger, registry, alerts } = deps;
  const logger = parentLogger.child({ module: 'zoho' });
  const clock = deps.clock ?? systemClock;
  const options = deps.options ?? {};
  const requestTimeoutMs = options.requestTimeoutMs ?? 20_000;
  let agent: Agent | undefined;
  let fetchImpl = deps.fetch;
  if (!fetchImpl) {
    // Keep-alive pool: one TLS handshake per connection, not per call. The
    // agent's header/body timeouts are the per-request timeout (no timer per call).
    agent = new Agent({
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 60_000,
      connections: Math.max(2, config.ZOHO_MAX_CONCURRENCY * 2),
      headersTimeout: requestTimeoutMs,
      bodyTimeout: requestTimeoutMs,
      connect: { timeout: Math.min(10_000, requestTimeoutMs) },
    });
    const dispatcher = agent;
    fetchImpl = (url, init) => undiciFetch(url, { ...init, dispatcher }) as ReturnType<FetchLike>;
  }
  const metrics = zohoMetrics(registry);
  const cipher = createTokenCipher(options.tokenKey ?? loadTokenKey(config, logger));
  const accounts = new AccountsClient({
    fetch: fetchImpl,
    clientId: config.ZOHO_CLIENT_ID ?? '',
    clientSecret: config.ZOHO_CLIENT_SECRET ?? '',
    timeoutMs: options.accountsTimeoutMs ?? 15_000,
  });
  const connection = new ZohoConnection({ db: store.db, config, logger, clock, alerts, metrics, cipher, accounts, ...(options.connection ? { options: options.connection } : {}) });
  const budget = new ZohoBudget(
    store.db,
    {
      dailyLimit: config.ZOHO_DAILY_CALL_BUDGET,
      perMinuteLimit: config.ZOHO_PER_MINUTE_LIMIT,
      maxConcurrency: config.ZOHO_MAX_CONCURRENCY,
      ...options.budget,
    },
    { clock, logger, alerts, metrics },
  );
  const client = new ZohoHttpClient(connection, budget, fetchImpl, {
    organizationId: config.ZOHO_ORGANIZATION_ID,
    timeoutMs: requestTimeoutMs,
    retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    transportEnforcesTimeout: agent !== undefined,
  }, { clock, logger });
  const api = createInventoryApi(client);
  const routes = oauthRoutes(connection, { production: config.NODE_ENV === 'production' });

  return {
    api,
    client,
    connection,
    budget,
    routes,
    init: () => connection.init(),
    async close() {
      await budget.close();
      await agent?.close();
    },
  };
}

export { ZohoConnection, OAuthFlowError, requestedScopes, BASE_SCOPES, ADJUSTMENT_SCOPES } from './connection.js';
export { ZohoBudget, utcDay } from './budget.js';
export { ZohoHttpClient } from './client.js';
export type { FetchLike, TokenSource, RequestSpec } from './client.js';
export { runDoctor, type DoctorCheck, type DoctorInput } from './doctor.js';
export { classify } from './retry.js';
export { ITEM_DETAILS_CHUNK } from './resources.js';
export { assertOutboundUrl, acceptAccountsServer } from './outbound.js';
