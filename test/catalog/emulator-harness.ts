/**
 * The whole path for end-to-end tests and benchmarks: the Zoho emulator →
 * the real Zoho client (createZohoModule, bootstrapped from a Self Client
 * refresh token) → the catalog module → a Fastify server on 127.0.0.1.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { testConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetricsRegistry } from '../../src/observability/metrics.js';
import { RecordingAlertSink } from '../../src/observability/alerts.js';
import { noReservations } from '../../src/orders/types.js';
import { systemClock, type Clock } from '../../src/shared/clock.js';
import { createHttpServer } from '../../src/http/server.js';
import { startZohoEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createZohoModule, type ZohoModule } from '../../src/zoho/index.js';
import { createCatalogModule, type CatalogModule, type CatalogTuning } from '../../src/catalog/index.js';
import { openTestStore, type DatabaseKind } from '../support/databases.js';
import type { Store } from '../../src/store/db.js';

export const E2E_SECRET = 'e2e-webhook-secret-0123456789abcdef';

export interface E2E {
  store: Store;
  emu: RunningEmulator;
  zoho: ZohoModule;
  catalog: CatalogModule;
  app: FastifyInstance;
  baseUrl: string;
  alerts: RecordingAlertSink;
  close(): Promise<void>;
}

export async function startE2E(opts: {
  kind: DatabaseKind;
  extraItems?: number;
  webhooks?: boolean;
  clock?: Clock;
  emulatorClock?: Clock;
  dailyLimit?: number;
  perMinuteLimit?: number;
  stockShape?: 'locations' | 'warehouses';
  tuning?: CatalogTuning;
  rollout?: string;
  /** The server's logger (default: silent). */
  logger?: ReturnType<typeof createLogger>;
  /** Routes added to the same server before it listens (benchmark baselines). */
  extraRoutes?: (app: FastifyInstance) => void;
}): Promise<E2E> {
  const clock = opts.clock ?? systemClock;
  const store = await openTestStore(opts.kind);
  const emu = await startZohoEmulator({
    seed: { demo: true, extraItems: opts.extraItems ?? 0 },
    clock: opts.emulatorClock ?? clock,
    ...(opts.stockShape ? { stockShape: opts.stockShape } : {}),
    dailyLimit: 1_000_000,
    perMinuteLimit: opts.perMinuteLimit ?? 100_000,
  });
  const logger = opts.logger ?? createLogger('silent');
  const registry = createMetricsRegistry(false);
  const alerts = new RecordingAlertSink();
  const config = testConfig({
    ZOHO_CLIENT_ID: 'emulator-client-id',
    ZOHO_CLIENT_SECRET: 'emulator-client-secret',
    ZOHO_ACCOUNTS_URL: emu.url,
    ZOHO_REFRESH_TOKEN: emu.control.issueRefreshToken(),
    TOKEN_ENCRYPTION_KEY: 'a1'.repeat(32),
    ZOHO_LOCATION_ID: emu.control.locationIds.dtc,
    ZOHO_DAILY_CALL_BUDGET: String(opts.dailyLimit ?? 100_000),
    ZOHO_PER_MINUTE_LIMIT: String(opts.perMinuteLimit ?? 100_000),
    ZOHO_MAX_CONCURRENCY: '5',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'catalog-e2e-')),
  });
  const zoho = createZohoModule({
    config,
    store,
    logger,
    registry,
    alerts,
    clock,
    options: { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 50 }, requestTimeoutMs: 10_000, budget: { flushIntervalMs: 10 } },
  });
  await zoho.init();
  const catalog = createCatalogModule({
    store,
    zoho: zoho.api,
    budget: zoho.budget,
    reservations: noReservations,
    logger,
    registry,
    alerts,
    clock,
    imageDir: join(config.dataDir, 'images'),
    locationId: emu.control.locationIds.dtc,
    webhookSecret: E2E_SECRET,
    dailyLimit: opts.dailyLimit ?? 100_000,
    rollout: opts.rollout ?? 'all',
    tuning: opts.tuning ?? {},
  });
  const app = await createHttpServer({ logger });
  await app.register(catalog.routes);
  await app.register(catalog.webhookRoutes);
  opts.extraRoutes?.(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const baseUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  if (opts.webhooks) emu.control.setWebhook({ url: `${baseUrl}/webhooks/zoho`, headers: { 'X-Webhook-Secret': E2E_SECRET } });
  else emu.control.setWebhook(null);
  return {
    store,
    emu,
    zoho,
    catalog,
    app,
    baseUrl,
    alerts,
    async close() {
      await catalog.close();
      await app.close();
      await zoho.close();
      await emu.close();
      await store.close();
    },
  };
}
