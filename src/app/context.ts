/**
 * Composition root: builds every module once, in dependency order, from the
 * configuration. The server, the CLI and the integration tests all start here,
 * so what they run is the same wiring.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from '../config/load.js';
import { openStore, type Store, type OpenStoreOptions } from '../store/db.js';
import { createLogger } from '../observability/logger.js';
import { createMetricsRegistry } from '../observability/metrics.js';
import { createAlertsService, type AlertsService } from '../observability/alerts-service.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { createZohoModule, ITEM_DETAILS_CHUNK, type ZohoModule, type ZohoModuleOptions } from '../zoho/index.js';
import { createCatalogModule, type CatalogModule, type CatalogTuning } from '../catalog/index.js';
import { createComplianceModule, type ComplianceModule } from '../compliance/index.js';
import { createOrdersModule, type OrdersModule } from '../orders/index.js';
import type { OrdersOptionsInput } from '../orders/options.js';
import type { ReservationsReader } from '../orders/types.js';

export interface AppContext {
  config: Config;
  logger: Logger;
  registry: Registry;
  alerts: AlertsService;
  clock: Clock;
  store: Store;
  zoho: ZohoModule;
  catalog: CatalogModule;
  compliance: ComplianceModule;
  orders: OrdersModule;
  close(): Promise<void>;
}

export interface AppContextOptions {
  logger?: Logger;
  clock?: Clock;
  store?: OpenStoreOptions;
  zoho?: ZohoModuleOptions;
  catalog?: CatalogTuning;
  orders?: OrdersOptionsInput;
  /** Fetch used by provider adapters and alert sinks (tests). */
  fetch?: typeof fetch;
}

export async function createAppContext(config: Config, options: AppContextOptions = {}): Promise<AppContext> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const clock = options.clock ?? systemClock;
  const registry = createMetricsRegistry();
  const store = await openStore(config.database, options.store ?? {});

  const alerts = createAlertsService({
    logger: logger.child({ module: 'alerts' }),
    clock,
    db: store.db,
    registry,
    webhookUrl: config.ALERT_WEBHOOK_URL ?? null,
    smtp: config.SMTP_URL && config.ALERT_EMAIL_TO ? { url: config.SMTP_URL, to: config.ALERT_EMAIL_TO, from: config.ALERT_EMAIL_FROM ?? null } : null,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  const zoho = createZohoModule({ config, store, logger, registry, alerts, clock, ...(options.zoho ? { options: options.zoho } : {}) });

  const compliance = createComplianceModule({ config, store, logger, registry, alerts, clock, ...(options.fetch ? { fetch: options.fetch } : {}) });

  // The catalog subtracts the orders' reservations, and the orders read the
  // catalog: the reader below forwards to the orders module once it exists.
  let ordersModule: OrdersModule | undefined;
  const reservations: ReservationsReader = {
    async outstandingBySku(query) {
      return ordersModule ? ordersModule.reservations.outstandingBySku(query) : new Map();
    },
  };

  const catalog = createCatalogModule({
    store,
    zoho: zoho.api,
    budget: zoho.budget,
    reservations,
    logger,
    registry,
    alerts,
    clock,
    imageDir: join(config.dataDir, 'images'),
    locationId: config.ZOHO_LOCATION_ID,
    stockFigure: config.ZOHO_STOCK_FIELD,
    ...(config.CUSTOM_FIELD_MAP ? { fieldMap: config.CUSTOM_FIELD_MAP } : {}),
    rollout: config.ROLLOUT,
    ...(config.ZOHO_WEBHOOK_SECRET ? { webhookSecret: config.ZOHO_WEBHOOK_SECRET } : {}),
    dailyLimit: config.ZOHO_DAILY_CALL_BUDGET,
    // The planner counts calls per detail batch: it must match the client's /itemdetails chunk.
    tuning: { detailBatchSize: ITEM_DETAILS_CHUNK, ...options.catalog },
  });

  const orders = createOrdersModule({
    config,
    store,
    zoho: zoho.api,
    catalog: catalog.reader,
    compliance: Object.assign(Object.create(compliance.service) as typeof compliance.service, {
      onAgeVerificationSettled: compliance.onAgeVerificationSettled.bind(compliance),
    }),
    logger,
    registry,
    alerts,
    clock,
    ...(options.orders ? { options: options.orders } : {}),
  });
  ordersModule = orders;

  let closed = false;
  return {
    config,
    logger,
    registry,
    alerts,
    clock,
    store,
    zoho,
    catalog,
    compliance,
    orders,
    async close() {
      if (closed) return;
      closed = true;
      await orders.worker.stop();
      await catalog.close();
      await zoho.close();
      await store.close();
    },
  };
}
