import type { Kysely, Migration } from 'kysely';

// Tables owned by the orders module. Conventions: src/store/columns.ts
// (epoch-ms bigint, 0/1 integer flags, JSON in text, Zoho ids as text, cents as bigint).

export interface OrdersRow {
  order_id: string;
  idempotency_key: string | null;
  /** sha256 of the canonical request body: same key + other body is refused. */
  request_hash: string;
  /** received | pending_verification | review | accepted | placed | refused | failed | cancelling | cancelled */
  status: string;
  stock_mode: string;
  customer_email: string;
  /** The compliance input without the date of birth (re-assessment of held orders). */
  input_json: string;
  /** Date of birth, kept only while the order is held for verification; erased afterwards. */
  dob_held: string | null;
  age_reference: string | null;
  decision_id: string | null;
  audit_id: string | null;
  assessment_json: string | null;
  reasons_json: string;
  pact_shipment: number;
  subtotal_cents: number;
  discount_cents: number;
  tax_cents: number;
  total_cents: number;
  zoho_contact_id: string | null;
  zoho_shipping_address_id: string | null;
  zoho_billing_address_id: string | null;
  zoho_salesorder_id: string | null;
  zoho_salesorder_number: string | null;
  /** A create was sent whose outcome is not recorded: look it up by reference before any resend. */
  so_sent: number;
  stock_sent: number;
  stock_done: number;
  zoho_adjustment_id: string | null;
  cancel_requested: number;
  void_sent: number;
  void_done: number;
  reversal_sent: number;
  zoho_reversal_id: string | null;
  hold_expires_at: number | null;
  last_polled_at: number | null;
  last_error: string | null;
  attempts: number;
  created_at: number;
  updated_at: number;
  placed_at: number | null;
  cancelled_at: number | null;
}

export interface OrderLinesRow {
  order_id: string;
  line_no: number;
  sku: string;
  zoho_item_id: string;
  name: string;
  brand: string | null;
  category: string | null;
  quantity: number;
  unit_msrp_cents: number;
  unit_price_cents: number;
  discount_cents: number;
  net_cents: number;
  tax_id: string | null;
  tax_rate_bps: number;
  tax_cents: number;
}

export interface OrderEventsRow {
  id: string;
  order_id: string;
  at: number;
  /** Tie-breaker for events in the same millisecond. */
  seq: number;
  step: string;
  status: string;
  detail_json: string | null;
}

export interface OrderReservationsRow {
  order_id: string;
  sku: string;
  quantity: number;
  /** open | consumed (pushed to Zoho) | released */
  state: string;
  /** Null while an accepted order waits for the worker or an operator. */
  expires_at: number | null;
  /** When the stock effect reached Zoho (consumed rows). */
  pushed_at: number | null;
  /** 1 once the catalog has read Zoho after pushed_at and the counter no longer carries it. */
  settled: number;
  created_at: number;
  updated_at: number;
}

/** Per-SKU sum of open reservations and pushed-but-unseen quantities: the row the conditional reserve updates. */
export interface OrderSkuCountersRow {
  sku: string;
  reserved: number;
}

export interface OrderOutboxRow {
  order_id: string;
  /** When the worker may take it; null = parked (dead letter) until an operator acts. */
  due_at: number | null;
  lease_owner: string | null;
  lease_expires_at: number;
  /** Incremented at every claim: a writer whose fence is stale is refused. */
  fence: number;
  attempts: number;
  created_at: number;
}

export interface OrderContactsRow {
  email: string;
  contact_id: string;
  updated_at: number;
}

export interface OrderContactAddressesRow {
  contact_id: string;
  address_key: string;
  address_id: string;
  updated_at: number;
}

export interface OrderTables {
  orders: OrdersRow;
  order_lines: OrderLinesRow;
  order_events: OrderEventsRow;
  order_reservations: OrderReservationsRow;
  order_sku_counters: OrderSkuCountersRow;
  order_outbox: OrderOutboxRow;
  order_contacts: OrderContactsRow;
  order_contact_addresses: OrderContactAddressesRow;
}

export const orderMigrations: Record<string, Migration> = {
  '400_001_orders': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('orders')
        .ifNotExists()
        .addColumn('order_id', 'text', (c) => c.primaryKey())
        .addColumn('idempotency_key', 'text')
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('stock_mode', 'text', (c) => c.notNull())
        .addColumn('customer_email', 'text', (c) => c.notNull())
        .addColumn('input_json', 'text', (c) => c.notNull())
        .addColumn('dob_held', 'text')
        .addColumn('age_reference', 'text')
        .addColumn('decision_id', 'text')
        .addColumn('audit_id', 'text')
        .addColumn('assessment_json', 'text')
        .addColumn('reasons_json', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('pact_shipment', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('subtotal_cents', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('discount_cents', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('tax_cents', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('total_cents', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('zoho_contact_id', 'text')
        .addColumn('zoho_shipping_address_id', 'text')
        .addColumn('zoho_billing_address_id', 'text')
        .addColumn('zoho_salesorder_id', 'text')
        .addColumn('zoho_salesorder_number', 'text')
        .addColumn('so_sent', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('stock_sent', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('stock_done', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('zoho_adjustment_id', 'text')
        .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('void_sent', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('void_done', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('reversal_sent', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('zoho_reversal_id', 'text')
        .addColumn('hold_expires_at', 'bigint')
        .addColumn('last_polled_at', 'bigint')
        .addColumn('last_error', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('placed_at', 'bigint')
        .addColumn('cancelled_at', 'bigint')
        .execute();
      await db.schema.createIndex('orders_idempotency_key_uq').ifNotExists().unique().on('orders').column('idempotency_key').execute();
      await db.schema.createIndex('orders_status_idx').ifNotExists().on('orders').columns(['status', 'updated_at']).execute();
      await db.schema.createIndex('orders_age_reference_idx').ifNotExists().on('orders').column('age_reference').execute();

      await db.schema
        .createTable('order_lines')
        .ifNotExists()
        .addColumn('order_id', 'text', (c) => c.notNull())
        .addColumn('line_no', 'integer', (c) => c.notNull())
        .addColumn('sku', 'text', (c) => c.notNull())
        .addColumn('zoho_item_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('brand', 'text')
        .addColumn('category', 'text')
        .addColumn('quantity', 'integer', (c) => c.notNull())
        .addColumn('unit_msrp_cents', 'bigint', (c) => c.notNull())
        .addColumn('unit_price_cents', 'bigint', (c) => c.notNull())
        .addColumn('discount_cents', 'bigint', (c) => c.notNull())
        .addColumn('net_cents', 'bigint', (c) => c.notNull())
        .addColumn('tax_id', 'text')
        .addColumn('tax_rate_bps', 'integer', (c) => c.notNull())
        .addColumn('tax_cents', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('order_lines_pk', ['order_id', 'line_no'])
        .execute();

      await db.schema
        .createTable('order_events')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('order_id', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('step', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('detail_json', 'text')
        .execute();
      await db.schema.createIndex('order_events_order_idx').ifNotExists().on('order_events').columns(['order_id', 'at', 'seq']).execute();

      await db.schema
        .createTable('order_reservations')
        .ifNotExists()
        .addColumn('order_id', 'text', (c) => c.notNull())
        .addColumn('sku', 'text', (c) => c.notNull())
        .addColumn('quantity', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('pushed_at', 'bigint')
        .addColumn('settled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('order_reservations_pk', ['order_id', 'sku'])
        .execute();
      await db.schema.createIndex('order_reservations_sku_idx').ifNotExists().on('order_reservations').columns(['sku', 'state']).execute();
      await db.schema.createIndex('order_reservations_expiry_idx').ifNotExists().on('order_reservations').columns(['state', 'expires_at']).execute();

      await db.schema
        .createTable('order_sku_counters')
        .ifNotExists()
        .addColumn('sku', 'text', (c) => c.primaryKey())
        .addColumn('reserved', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();

      await db.schema
        .createTable('order_outbox')
        .ifNotExists()
        .addColumn('order_id', 'text', (c) => c.primaryKey())
        .addColumn('due_at', 'bigint')
        .addColumn('lease_owner', 'text')
        .addColumn('lease_expires_at', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('fence', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('order_outbox_due_idx').ifNotExists().on('order_outbox').column('due_at').execute();

      await db.schema
        .createTable('order_contacts')
        .ifNotExists()
        .addColumn('email', 'text', (c) => c.primaryKey())
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('order_contact_addresses')
        .ifNotExists()
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('address_key', 'text', (c) => c.notNull())
        .addColumn('address_id', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('order_contact_addresses_pk', ['contact_id', 'address_key'])
        .execute();
    },
  },
};
