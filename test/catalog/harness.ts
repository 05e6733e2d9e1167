import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { FakeClock } from '../../src/shared/clock.js';
import { RecordingAlertSink } from '../../src/observability/alerts.js';
import { createMetricsRegistry } from '../../src/observability/metrics.js';
import { createLogger } from '../../src/observability/logger.js';
import { noReservations, type ReservationsReader } from '../../src/orders/types.js';
import { createHttpServer } from '../../src/http/server.js';
import { createCatalogModule, type CatalogModuleDeps, type CatalogModule } from '../../src/catalog/index.js';
import { openTestStore, type DatabaseKind } from '../support/databases.js';
import type { Store } from '../../src/store/db.js';
import { FakeZoho, LOC, type FakeItemSpec } from './fake-zoho.js';

export const SECRET = 'test-webhook-secret-0123456789';

export interface Harness {
  store: Store;
  zoho: FakeZoho;
  clock: FakeClock;
  alerts: RecordingAlertSink;
  catalog: CatalogModule;
  app: FastifyInstance;
  registry: ReturnType<typeof createMetricsRegistry>;
  close(): Promise<void>;
}

export async function makeHarness(
  kind: DatabaseKind,
  specs: FakeItemSpec[] = [],
  overrides: Partial<CatalogModuleDeps> & { reservations?: ReservationsReader } = {},
): Promise<Harness> {
  const store = await openTestStore(kind);
  const zoho = new FakeZoho(specs);
  const clock = (overrides.clock as FakeClock | undefined) ?? new FakeClock();
  const alerts = new RecordingAlertSink();
  const registry = createMetricsRegistry(false);
  const logger = createLogger('silent');
  const catalog = createCatalogModule({
    store,
    zoho,
    reservations: noReservations,
    logger,
    registry,
    alerts,
    clock,
    imageDir: mkdtempSync(join(tmpdir(), 'catalog-img-')),
    locationId: LOC,
    webhookSecret: SECRET,
    dailyLimit: 1000,
    ...overrides,
  });
  const app = await createHttpServer({ logger });
  await app.register(catalog.routes);
  await app.register(catalog.webhookRoutes);
  await app.ready();
  return {
    store,
    zoho,
    clock,
    alerts,
    catalog,
    app,
    registry,
    async close() {
      await catalog.close();
      await app.close();
      await store.close();
    },
  };
}

export function items(n: number, from = 1, extra: Partial<FakeItemSpec> = {}): FakeItemSpec[] {
  return Array.from({ length: n }, (_, i) => {
    const k = from + i;
    return { id: `5000000000000${String(k).padStart(6, '0')}`, sku: `SKU-${String(k).padStart(4, '0')}`, ...extra };
  });
}
