/**
 * A worker process for the crash-safety tests: builds the real zoho and
 * compliance modules and the orders worker against the database and emulator
 * named in the environment, drains the outbox, and SIGKILLs itself at the
 * named point (CRASH_AT) the first time it gets there.
 *
 * Env: DB_KIND (sqlite|postgres), DB_FILE or DB_URL + DB_SCHEMA, EMU_URL, EMU_API,
 *      LOCATION_ID, REFRESH_TOKEN, TOKEN_KEY, STOCK_MODE, CRASH_AT, LEASE_MS.
 */
import pino from 'pino';
import { openStore } from '../../src/store/db.js';
import { testConfig } from '../../src/config/load.js';
import { createZohoModule } from '../../src/zoho/index.js';
import { createComplianceModule } from '../../src/compliance/index.js';
import { createOrdersModule } from '../../src/orders/index.js';
import { createMetricsRegistry } from '../../src/observability/metrics.js';
import { logAlertSink } from '../../src/observability/alerts.js';
import type { CatalogReader } from '../../src/catalog/types.js';

const env = process.env;
const crashAt = env.CRASH_AT ?? '';
const logger = pino({ level: 'silent' });
const store = await openStore(
  env.DB_KIND === 'postgres' ? { kind: 'postgres', connectionString: env.DB_URL! } : { kind: 'sqlite', filename: env.DB_FILE! },
  env.DB_SCHEMA ? { schema: env.DB_SCHEMA } : {},
);
const config = testConfig({
  ZOHO_CLIENT_ID: 'emulator-client-id',
  ZOHO_CLIENT_SECRET: 'emulator-client-secret',
  ZOHO_ACCOUNTS_URL: env.EMU_URL!,
  ZOHO_API_URL: env.EMU_API!,
  ZOHO_REFRESH_TOKEN: env.REFRESH_TOKEN!,
  ZOHO_LOCATION_ID: env.LOCATION_ID!,
  ZOHO_REDIRECT_URI: 'http://127.0.0.1:3000/oauth/zoho/callback',
  TOKEN_ENCRYPTION_KEY: env.TOKEN_KEY!,
  STOCK_MODE: env.STOCK_MODE ?? 'commit',
});
const registry = createMetricsRegistry(false);
const alerts = logAlertSink(logger);
const zoho = createZohoModule({
  config,
  store,
  logger,
  registry,
  alerts,
  options: { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 20 }, requestTimeoutMs: 2_000, budget: { flushIntervalMs: 10 } },
});
await zoho.init();
const compliance = createComplianceModule({ config, store, logger, registry, alerts });
// The worker never reads the catalog.
const catalog = new Proxy({}, { get: () => () => Promise.reject(new Error('catalog not available in the worker process')) }) as CatalogReader;
const orders = createOrdersModule({
  config,
  store,
  zoho: zoho.api,
  catalog,
  compliance: compliance.service,
  logger,
  registry,
  alerts,
  options: { worker: { leaseMs: Number(env.LEASE_MS ?? 400), backoffBaseMs: 1, backoffMaxMs: 5, maxAttempts: 5, sweepIntervalMs: 600_000 } },
  hook: (point) => {
    process.stdout.write(`point ${point}\n`);
    if (point === crashAt) process.kill(process.pid, 'SIGKILL');
  },
});
await orders.worker.drain({ timeoutMs: 20_000 });
process.stdout.write('drained\n');
await zoho.close();
await store.close();
process.exit(0);
