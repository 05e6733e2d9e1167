/**
 * Orders module: checkout, reservations, the outbox worker that pushes orders
 * to Zoho exactly once, cancellations, dead letters and held orders.
 *
 * Dependencies (all passed in):
 * - config: Config (STOCK_MODE, LOW_STOCK_RECHECK_THRESHOLD, RESERVATION_TTL_SECONDS,
 *   ZOHO_LOCATION_ID, TAX_MAP, CUSTOM_FIELD_MAP's `salesorder` section)
 * - store: Store (tables in ./tables.ts, migrations 400_*)
 * - zoho: ZohoInventoryApi (contacts, salesOrders, inventoryAdjustments)
 * - catalog: CatalogReader (stock, prices, compliance attributes; refreshItems at 'order' priority)
 * - compliance: ComplianceService (assess, recordDecision, recordShipment, cancelShipment,
 *   checkAgeVerification) plus, when it has one, a way to subscribe to settled age verifications
 * - logger, registry (prom-client), alerts (AlertSink), clock
 * - options: overrides of everything in ./options.ts (tests use tiny backoffs and leases)
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { CatalogReader } from '../catalog/types.js';
import type { AgeWebhookEvent, ComplianceService } from '../compliance/types.js';
import type { Config } from '../config/load.js';
import { ordersAdminRoutes, ordersRoutes } from '../http/routes/orders.js';
import type { AlertSink } from '../observability/alerts.js';
import { systemClock, type Clock } from '../shared/clock.js';
import type { Store } from '../store/db.js';
import type { ZohoInventoryApi } from '../zoho/types.js';
import { createOrdersMetrics, type OrdersContext, type WorkerHook } from './context.js';
import type { CheckoutAnswer } from './checkout.js';
import type { OrderDetail, OrderStatus, OrderSummary, OrderView } from './model.js';
import { resolveOrdersOptions, type OrdersOptions, type OrdersOptionsInput } from './options.js';
import { createReservationsReader } from './reservations.js';
import { createOrdersService, type HeldDecisionAnswer, type OperatorDecision, type OrdersService } from './service.js';
import type { ReservationsReader } from './types.js';
import { createWorker, type OrdersWorker } from './worker.js';

export type { HeldDecisionAnswer, OperatorDecision };
export type { OrdersService, OrdersWorker, OrdersOptions, OrdersOptionsInput, CheckoutAnswer, OrderDetail, OrderSummary, OrderView, OrderStatus };
export type { PlaceOrderRequest } from './model.js';

/** What a compliance module may offer for settled AgeChecker webhooks (name tolerant: see subscribeAgeSettled). */
type AgeSettledSource = {
  onAgeVerificationSettled?: (listener: (event: AgeWebhookEvent) => void | Promise<void>) => unknown;
};

export interface OrdersModuleDeps {
  config: Config;
  store: Store;
  zoho: ZohoInventoryApi;
  catalog: CatalogReader;
  compliance: ComplianceService & AgeSettledSource;
  logger: Logger;
  registry: Registry;
  alerts: AlertSink;
  clock?: Clock;
  options?: OrdersOptionsInput;
  /** Test seam: called at named points of the worker's steps (crash tests). */
  hook?: WorkerHook;
}

export interface OrdersModule {
  service: OrdersService;
  worker: OrdersWorker;
  reservations: ReservationsReader;
  options: OrdersOptions;
  /** Storefront routes: POST /api/orders, GET /api/orders/:id, POST /api/orders/:id/cancel. */
  routes: (app: import('fastify').FastifyInstance) => Promise<void>;
  /** Operator routes under /api/admin/orders (no auth of their own). */
  adminRoutes: (app: import('fastify').FastifyInstance) => Promise<void>;
  /** Call from the AgeChecker webhook route when the compliance module offers no subscription. */
  onAgeVerificationSettled(event: AgeWebhookEvent): Promise<void>;
  listOrders(query?: { status?: OrderStatus; limit?: number }): Promise<OrderSummary[]>;
  /**
   * Forgets the cached Zoho contact and address ids. For a Zoho organization
   * that was reset (the demo's fresh emulator reuses ids), where a cached id
   * could name someone else's contact.
   */
  forgetZohoContacts(): Promise<void>;
  getOrder(orderId: string): Promise<OrderDetail | null>;
  retryOrder(orderId: string): Promise<OrderView>;
  cancelOrder(orderId: string): Promise<OrderView>;
  /** Operator decisions on held orders (see OrdersService.approveHeld / refuseHeld). */
  approveHeldOrder(orderId: string, decision: OperatorDecision): Promise<HeldDecisionAnswer>;
  refuseHeldOrder(orderId: string, decision: OperatorDecision): Promise<HeldDecisionAnswer>;
}

export function createOrdersModule(deps: OrdersModuleDeps): OrdersModule {
  const options = resolveOrdersOptions(deps.config, deps.options);
  const db = deps.store.db;
  let worker: OrdersWorker | null = null;
  const ctx: OrdersContext = {
    db,
    zoho: deps.zoho,
    catalog: deps.catalog,
    compliance: deps.compliance,
    logger: deps.logger.child({ module: 'orders' }),
    alerts: deps.alerts,
    clock: deps.clock ?? systemClock,
    options,
    metrics: createOrdersMetrics(deps.registry, db),
    hook: deps.hook ?? (() => undefined),
    notifyWorker: () => worker?.notify(),
  };
  const service = createOrdersService(ctx, () => worker!);
  worker = createWorker(ctx, { sweep: () => service.sweep(), pollHolds: () => service.pollHolds() });

  async function onAgeVerificationSettled(event: AgeWebhookEvent): Promise<void> {
    if (event.status !== 'accepted' && event.status !== 'denied') return;
    await service.resumeByAgeReference(event.reference);
  }
  if (typeof deps.compliance.onAgeVerificationSettled === 'function') {
    deps.compliance.onAgeVerificationSettled((event) =>
      onAgeVerificationSettled(event).catch((err) => ctx.logger.error({ err, reference: event.reference }, 'resuming held orders failed')),
    );
  }

  return {
    service,
    worker,
    reservations: createReservationsReader(db),
    options,
    routes: ordersRoutes(service),
    adminRoutes: ordersAdminRoutes(service),
    onAgeVerificationSettled,
    listOrders: (q) => service.list(q),
    async forgetZohoContacts() {
      await db.deleteFrom('order_contact_addresses').execute();
      await db.deleteFrom('order_contacts').execute();
    },
    getOrder: (id) => service.get(id),
    retryOrder: (id) => service.retry(id),
    cancelOrder: (id) => service.cancel(id),
    approveHeldOrder: (id, d) => service.approveHeld(id, d),
    refuseHeldOrder: (id, d) => service.refuseHeld(id, d),
  };
}
