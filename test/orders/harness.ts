import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { createHttpServer } from '../../src/http/server.js';
import { createMetricsRegistry } from '../../src/observability/metrics.js';
import { RecordingAlertSink } from '../../src/observability/alerts.js';
import { testConfig } from '../../src/config/load.js';
import { createOrdersModule, type OrdersModule } from '../../src/orders/index.js';
import type { OrdersOptionsInput } from '../../src/orders/options.js';
import type { PlaceOrderRequest } from '../../src/orders/model.js';
import type { Store } from '../../src/store/db.js';
import type { ZohoInventoryApi } from '../../src/zoho/types.js';
import type { CatalogReader } from '../../src/catalog/types.js';
import type { ComplianceService } from '../../src/compliance/types.js';
import { openTestStore, type DatabaseKind } from '../support/databases.js';
import { FakeCatalog, product } from './fakes/catalog.js';
import { FakeCompliance } from './fakes/compliance.js';
import { FakeZoho } from './fakes/zoho.js';

export const FAST_WORKER = { backoffBaseMs: 1, backoffMaxMs: 5, maxAttempts: 4, leaseMs: 5_000, pollIntervalMs: 20, sweepIntervalMs: 60_000 };

export interface Harness {
  registry: ReturnType<typeof createMetricsRegistry>;
  store: Store;
  orders: OrdersModule;
  app: FastifyInstance;
  alerts: RecordingAlertSink;
  close(): Promise<void>;
}

export async function buildHarness(
  kind: DatabaseKind,
  deps: { zoho: ZohoInventoryApi; catalog: CatalogReader; compliance: ComplianceService },
  options: OrdersOptionsInput = {},
  store?: Store,
): Promise<Harness> {
  const s = store ?? (await openTestStore(kind));
  const alerts = new RecordingAlertSink();
  const logger = pino({ level: 'silent' });
  const registry = createMetricsRegistry(false);
  const orders = createOrdersModule({
    config: testConfig(),
    store: s,
    ...deps,
    logger,
    registry,
    alerts,
    options: { locationId: '460000000038080', ...options, worker: { ...FAST_WORKER, ...options.worker } },
  });
  const app = await createHttpServer({ logger });
  await app.register(orders.routes);
  await app.register(orders.adminRoutes);
  await app.ready();
  return {
    registry,
    store: s,
    orders,
    app,
    alerts,
    async close() {
      await orders.worker.stop();
      await app.close();
      if (!store) await s.close();
    },
  };
}

export interface FakeWorld extends Harness {
  zoho: FakeZoho;
  catalog: FakeCatalog;
  compliance: FakeCompliance;
}

export async function fakeWorld(kind: DatabaseKind, options: OrdersOptionsInput = {}): Promise<FakeWorld> {
  const zoho = new FakeZoho();
  const catalog = new FakeCatalog();
  const compliance = new FakeCompliance();
  catalog.add(product('ACC-RAW-KSS', { msrpCents: 399, clubDiscountBps: 1250, zohoQuantity: 50 }));
  catalog.add(product('VAPE-MINT', { msrpCents: 2499, complianceCategory: 'vape_flavored', flavored: true, zohoQuantity: 20 }));
  catalog.add(product('LAST-ONE', { zohoQuantity: 1 }));
  catalog.add(product('HIDDEN', { live: false }));
  const h = await buildHarness(kind, { zoho: zoho.api(), catalog, compliance }, options);
  catalog.reservations = h.orders.reservations;
  return Object.assign(h, { zoho, catalog, compliance });
}

let n = 0;
export function orderBody(over: Partial<PlaceOrderRequest> = {}): PlaceOrderRequest {
  n++;
  return {
    orderId: `VIP-${Date.now().toString(36)}-${n}`,
    customer: { email: `ana${n}@example.com`, firstName: 'Ana', lastName: 'Ruiz', dob: '1990-04-12', phone: '+17605550100' },
    shippingAddress: { line1: '73-510 Fred Waring Dr', line2: null, city: 'Palm Desert', state: 'CA', zip: '92260' },
    billingAddress: null,
    items: [{ sku: 'ACC-RAW-KSS', quantity: 2 }],
    clubMember: false,
    ip: '203.0.113.7',
    ageVerification: { provider: 'agechecker', reference: `ok-${n}` },
    ...over,
  };
}

export async function post(app: FastifyInstance, body: unknown, key?: string) {
  const res = await app.inject({ method: 'POST', url: '/api/orders', payload: body as object, headers: key ? { 'idempotency-key': key } : {} });
  return { status: res.statusCode, body: res.json() as any, headers: res.headers };
}
