/**
 * PACT Act delivery-sale records and the monthly per-state report
 * (15 U.S.C. 376(a)(2): for every shipment of the previous month, the
 * recipient's name and address, the brand, the quantity, and who delivered
 * it; organized by city/town and ZIP). Built from the bridge's own records;
 * cancelled orders are excluded.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/database.js';
import type { PactShipmentRecord } from './types.js';
import type { Ruleset } from './ruleset.js';
import { csvCell } from './audit.js';

export async function recordShipment(db: Kysely<Database>, shipment: PactShipmentRecord, now = Date.now()): Promise<void> {
  const row = {
    order_id: shipment.orderId,
    zoho_sales_order_id: shipment.zohoSalesOrderId,
    shipped_at: shipment.shippedAt,
    ship_state: shipment.address.state.trim().toUpperCase(),
    recipient_name: shipment.recipientName,
    line1: shipment.address.line1,
    line2: shipment.address.line2 ?? null,
    city: shipment.address.city,
    zip: shipment.address.zip,
    delivery_service: shipment.deliveryService,
    lines: JSON.stringify(shipment.lines),
    cancelled_at: null,
    created_at: now,
    updated_at: now,
  };
  // Re-recording an order (e.g. the sales-order id arrived later) replaces it.
  await db
    .insertInto('compliance_pact_shipments')
    .values(row)
    .onConflict((oc) =>
      oc.column('order_id').doUpdateSet({
        zoho_sales_order_id: row.zoho_sales_order_id,
        shipped_at: row.shipped_at,
        ship_state: row.ship_state,
        recipient_name: row.recipient_name,
        line1: row.line1,
        line2: row.line2,
        city: row.city,
        zip: row.zip,
        delivery_service: row.delivery_service,
        lines: row.lines,
        cancelled_at: null,
        updated_at: now,
      }),
    )
    .execute();
}

export async function cancelShipment(db: Kysely<Database>, orderId: string, now = Date.now()): Promise<void> {
  await db.updateTable('compliance_pact_shipments').set({ cancelled_at: now, updated_at: now }).where('order_id', '=', orderId).execute();
}

export interface Deliverer {
  name: string;
  address: string;
  phone: string;
}

export interface PactReportOptions {
  /** YYYY-MM */
  month: string;
  /** Two-letter state; all states when absent. */
  state?: string;
  ruleset: Ruleset;
  /** The month is the seller's calendar month (default America/Los_Angeles). */
  timeZone?: string;
  /** Name, address and phone of each delivery service (the law asks for the deliverer's details). */
  deliverers?: Record<string, Deliverer>;
  now?: number;
}

export interface PactReportRow {
  orderId: string;
  zohoSalesOrderId: string | null;
  shipDate: string;
  recipientName: string;
  line1: string;
  line2: string | null;
  city: string;
  state: string;
  zip: string;
  sku: string;
  productName: string;
  brand: string | null;
  category: string;
  quantity: number;
  deliveryService: string;
  delivererName: string | null;
  delivererAddress: string | null;
  delivererPhone: string | null;
}

export interface PactStateReport {
  state: string;
  rows: PactReportRow[];
  totals: { shipments: number; lines: number; units: number };
}

export interface PactReport {
  month: string;
  timeZone: string;
  generatedAt: string;
  states: PactStateReport[];
  totals: { states: number; shipments: number; lines: number; units: number };
  csv: string;
  json: string;
}

const CSV_HEADER = [
  'state',
  'city',
  'zip',
  'ship_date',
  'order_id',
  'zoho_sales_order_id',
  'recipient_name',
  'address_line1',
  'address_line2',
  'sku',
  'product',
  'brand',
  'category',
  'quantity',
  'delivery_service',
  'deliverer_name',
  'deliverer_address',
  'deliverer_phone',
];

export async function buildPactReport(db: Kysely<Database>, options: PactReportOptions): Promise<PactReport> {
  const m = /^(\d{4})-(\d{2})$/.exec(options.month);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new Error(`month must be YYYY-MM, got ${options.month}`);
  const timeZone = options.timeZone ?? 'America/Los_Angeles';
  const year = Number(m[1]);
  const month = Number(m[2]);
  // Query a window two days wider than the UTC month, then keep the rows whose local date is in the month.
  const from = Date.UTC(year, month - 1, 1) - 2 * 86_400_000;
  const to = Date.UTC(year, month, 1) + 2 * 86_400_000;
  let q = db
    .selectFrom('compliance_pact_shipments')
    .selectAll()
    .where('shipped_at', '>=', from)
    .where('shipped_at', '<', to)
    .where('cancelled_at', 'is', null);
  if (options.state) q = q.where('ship_state', '=', options.state.trim().toUpperCase());
  const shipments = await q.execute();

  const dayFmt = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const covered = (category: string) => {
    const def = options.ruleset.categories[category];
    // Unknown category or pact_covered null (UNCONFIRMED): reported (most restrictive).
    return !def || def.pact_covered !== false;
  };

  const byState = new Map<string, PactReportRow[]>();
  for (const s of shipments) {
    const shipDate = dayFmt.format(new Date(Number(s.shipped_at)));
    if (shipDate.slice(0, 7) !== options.month) continue;
    const lines = JSON.parse(s.lines) as PactShipmentRecord['lines'];
    const deliverer = options.deliverers?.[s.delivery_service];
    for (const line of lines) {
      if (!covered(line.category) || line.quantity <= 0) continue;
      const row: PactReportRow = {
        orderId: s.order_id,
        zohoSalesOrderId: s.zoho_sales_order_id,
        shipDate,
        recipientName: s.recipient_name,
        line1: s.line1,
        line2: s.line2,
        city: s.city,
        state: s.ship_state,
        zip: s.zip,
        sku: line.sku,
        productName: line.name,
        brand: line.brand,
        category: line.category,
        quantity: line.quantity,
        deliveryService: s.delivery_service,
        delivererName: deliverer?.name ?? null,
        delivererAddress: deliverer?.address ?? null,
        delivererPhone: deliverer?.phone ?? null,
      };
      const list = byState.get(row.state) ?? [];
      list.push(row);
      byState.set(row.state, list);
    }
  }

  const states: PactStateReport[] = [...byState.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([state, rows]) => {
      // Organized by city or town and by ZIP code, as the statute asks.
      rows.sort((a, b) => a.city.localeCompare(b.city) || a.zip.localeCompare(b.zip) || a.shipDate.localeCompare(b.shipDate) || a.orderId.localeCompare(b.orderId) || a.sku.localeCompare(b.sku));
      return {
        state,
        rows,
        totals: { shipments: new Set(rows.map((r) => r.orderId)).size, lines: rows.length, units: rows.reduce((n, r) => n + r.quantity, 0) },
      };
    });
  const totals = {
    states: states.length,
    shipments: states.reduce((n, s) => n + s.totals.shipments, 0),
    lines: states.reduce((n, s) => n + s.totals.lines, 0),
    units: states.reduce((n, s) => n + s.totals.units, 0),
  };
  const generatedAt = new Date(options.now ?? Date.now()).toISOString();
  const csvLines = [CSV_HEADER.join(',')];
  for (const s of states) {
    for (const r of s.rows) {
      csvLines.push(
        [r.state, r.city, r.zip, r.shipDate, r.orderId, r.zohoSalesOrderId, r.recipientName, r.line1, r.line2, r.sku, r.productName, r.brand, r.category, r.quantity, r.deliveryService, r.delivererName, r.delivererAddress, r.delivererPhone]
          .map(csvCell)
          .join(','),
      );
    }
  }
  const body = { month: options.month, timeZone, generatedAt, states, totals };
  return { ...body, csv: `${csvLines.join('\n')}\n`, json: JSON.stringify(body, null, 2) };
}
