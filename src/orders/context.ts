import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CatalogReader } from '../catalog/types.js';
import type { ComplianceService } from '../compliance/types.js';
import type { AlertSink } from '../observability/alerts.js';
import type { Clock } from '../shared/clock.js';
import type { Database } from '../store/database.js';
import { toJson } from '../store/columns.js';
import type { ZohoInventoryApi } from '../zoho/types.js';
import type { OrdersOptions } from './options.js';
import type { OrderLinesRow, OrdersRow } from './tables.js';

export interface OrdersMetrics {
  ordersTotal: Counter<'status'>;
  deadLetter: Gauge;
  checkoutSeconds: Histogram<'status'>;
}

export function createOrdersMetrics(registry: Registry, db: Kysely<Database>): OrdersMetrics {
  return {
    ordersTotal: new Counter({ name: 'orders_total', help: 'Orders entering each status', labelNames: ['status'], registers: [registry] }),
    deadLetter: new Gauge({
      name: 'orders_dead_letter',
      help: 'Orders parked in the dead-letter state, waiting for an operator',
      registers: [registry],
      async collect() {
        const row = await db.selectFrom('orders').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'failed').executeTakeFirst();
        this.set(Number(row?.n ?? 0));
      },
    }),
    checkoutSeconds: new Histogram({
      name: 'orders_checkout_duration_seconds',
      help: 'POST /api/orders handling time (the bridge part and its providers), by answer status',
      labelNames: ['status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

/** Test seams for the crash-safety tests: called at named points of the worker's steps. */
export type WorkerHook = (point: string, orderId: string) => void | Promise<void>;

export interface OrdersContext {
  db: Kysely<Database>;
  zoho: ZohoInventoryApi;
  catalog: CatalogReader;
  compliance: ComplianceService;
  logger: Logger;
  alerts: AlertSink;
  clock: Clock;
  options: OrdersOptions;
  metrics: OrdersMetrics;
  hook: WorkerHook;
  notifyWorker(): void;
}

let seqCounter = 0;

export async function addEvent(
  db: Kysely<Database>,
  orderId: string,
  step: string,
  status: string,
  now: number,
  detail?: Record<string, unknown>,
): Promise<void> {
  seqCounter = (seqCounter + 1) % 1_000_000;
  await db
    .insertInto('order_events')
    .values({ id: randomUUID(), order_id: orderId, at: now, seq: seqCounter, step, status, detail_json: detail ? toJson(detail) : null })
    .execute();
}

export async function loadOrder(db: Kysely<Database>, orderId: string): Promise<OrdersRow | undefined> {
  return db.selectFrom('orders').selectAll().where('order_id', '=', orderId).executeTakeFirst();
}

export async function loadLines(db: Kysely<Database>, orderId: string): Promise<OrderLinesRow[]> {
  return db.selectFrom('order_lines').selectAll().where('order_id', '=', orderId).orderBy('line_no').execute();
}

/** Queues the order for the worker (due now); re-arms an existing row. */
export async function upsertOutbox(trx: Kysely<Database>, orderId: string, now: number): Promise<void> {
  await trx
    .insertInto('order_outbox')
    .values({ order_id: orderId, due_at: now, lease_owner: null, lease_expires_at: 0, fence: 0, attempts: 0, created_at: now })
    .onConflict((oc) => oc.column('order_id').doUpdateSet({ due_at: now, attempts: 0 }))
    .execute();
}
