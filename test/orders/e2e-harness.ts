/** The real zoho, catalog and compliance modules against the emulator, with the orders module on top. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { PROJECT_SCOPES, startZohoEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.js';
import { createZohoModule, type ZohoModule } from '../../src/zoho/index.js';
import { createCatalogModule, type CatalogModule } from '../../src/catalog/index.js';
import { createComplianceModule, type ComplianceModule } from '../../src/compliance/index.js';
import { FakeAgeProvider } from '../../src/compliance/age/fake.js';
import { createHttpServer } from '../../src/http/server.js';
import { createMetricsRegistry } from '../../src/observability/metrics.js';
import { RecordingAlertSink } from '../../src/observability/alerts.js';
import { testConfig, type Config } from '../../src/config/load.js';
import { createOrdersModule, type OrdersModule } from '../../src/orders/index.js';
import type { OrdersOptionsInput } from '../../src/orders/options.js';
import type { ReservationsReader } from '../../src/orders/types.js';
import type { Store } from '../../src/store/db.js';
import { openTestStore, type DatabaseKind } from '../support/databases.js';
import { FAST_WORKER } from './harness.js';

export const TEST_KEY_HEX = 'a1'.repeat(32);

export function emulatorConfig(emu: RunningEmulator, refreshToken: string, extra: Record<string, string> = {}): Config {
  return testConfig({
    ZOHO_CLIENT_ID: 'emulator-client-id',
    ZOHO_CLIENT_SECRET: 'emulator-client-secret',
    ZOHO_ACCOUNTS_URL: emu.url,
    ZOHO_API_URL: emu.apiBaseUrl,
    ZOHO_REFRESH_TOKEN: refreshToken,
    ZOHO_LOCATION_ID: emu.control.locationIds.dtc,
    ZOHO_REDIRECT_URI: 'http://127.0.0.1:3000/oauth/zoho/callback',
    TOKEN_ENCRYPTION_KEY: TEST_KEY_HEX,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'orders-e2e-')),
    ...extra,
  });
}

export const FAST_ZOHO = {
  retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 20 },
  requestTimeoutMs: 1_500,
  budget: { flushIntervalMs: 10 },
};

export interface RealWorld {
  emu: RunningEmulator;
  store: Store;
  config: Config;
  zoho: ZohoModule;
  catalog: CatalogModule;
  compliance: ComplianceModule;
  orders: OrdersModule;
  app: FastifyInstance;
  alerts: RecordingAlertSink;
  close(): Promise<void>;
}

export async function realWorld(
  kind: DatabaseKind,
  opts: { env?: Record<string, string>; emulator?: EmulatorOptions; orders?: OrdersOptionsInput; emu?: RunningEmulator; refreshToken?: string; zoho?: Partial<typeof FAST_ZOHO> } = {},
): Promise<RealWorld> {
  const emu = opts.emu ?? (await startZohoEmulator({ ...opts.emulator }));
  const store = await openTestStore(kind);
  // The project's scopes plus inventoryadjustments.READ, which the lookup before an adjustment resend needs
  // (src/zoho asks for it in adjustment mode; the emulator's default token lacks it).
  const scopes = [...PROJECT_SCOPES, 'ZohoInventory.inventoryadjustments.READ'];
  const config = emulatorConfig(emu, opts.refreshToken ?? emu.control.issueRefreshToken({ scopes }), opts.env);
  const logger = pino({ level: 'silent' });
  const registry = createMetricsRegistry(false);
  const alerts = new RecordingAlertSink();
  const zoho = createZohoModule({ config, store, logger, registry, alerts, options: { ...FAST_ZOHO, ...opts.zoho } });
  await zoho.init();
  const compliance = createComplianceModule({ config, store, logger, registry, alerts, ageProvider: new FakeAgeProvider({ pendingResolveMs: 200 }) });
  let orders: OrdersModule | null = null;
  const reservations: ReservationsReader = { outstandingBySku: (q) => orders!.reservations.outstandingBySku(q) };
  const catalog = createCatalogModule({
    store,
    zoho: zoho.api,
    reservations,
    logger,
    registry,
    alerts,
    clock: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
    imageDir: mkdtempSync(join(tmpdir(), 'orders-img-')),
    locationId: emu.control.locationIds.dtc,
    dailyLimit: 100_000,
  });
  orders = createOrdersModule({
    config,
    store,
    zoho: zoho.api,
    catalog: catalog.reader,
    compliance: compliance.service,
    logger,
    registry,
    alerts,
    options: { ...opts.orders, worker: { ...FAST_WORKER, ...opts.orders?.worker } },
  });
  const o = orders;
  compliance.onAgeVerificationSettled((e) => o.onAgeVerificationSettled(e));
  await catalog.sync.fullSync();
  const app = await createHttpServer({ logger });
  await app.register(orders.routes);
  await app.register(orders.adminRoutes);
  await app.ready();
  emu.control.resetCounters();
  return {
    emu,
    store,
    config,
    zoho,
    catalog,
    compliance,
    orders,
    app,
    alerts,
    async close() {
      await o.worker.stop();
      await app.close();
      await catalog.close();
      await zoho.close();
      await store.close();
      if (!opts.emu) await emu.close();
    },
  };
}
