import { createHash } from 'node:crypto';
import { fromJson } from '../store/columns.js';
import type { OrderEventsRow, OrderLinesRow, OrdersRow } from './tables.js';
import { totalsFromCents, type Totals } from './pricing.js';

export interface OrderAddressInput {
  line1: string;
  line2?: string | null;
  city: string;
  state: string;
  zip: string;
}

/** The body of `POST /api/orders` (design.md, "Public contract"). */
export interface PlaceOrderRequest {
  orderId: string;
  customer: { email: string; firstName: string; lastName: string; dob: string; phone?: string | null };
  shippingAddress: OrderAddressInput;
  billingAddress?: OrderAddressInput | null;
  items: Array<{ sku: string; quantity: number }>;
  clubMember?: boolean;
  ip?: string | null;
  ageVerification?: { provider: string; reference: string } | null;
}

export type OrderStatus =
  | 'received'
  | 'pending_verification'
  | 'review'
  | 'accepted'
  | 'placed'
  | 'refused'
  | 'failed'
  | 'cancelling'
  | 'cancelled';

export interface OrderReason {
  code: string;
  message: string;
  sku?: string;
}

export interface OrderLineView {
  sku: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
  unitPrice: string;
  taxCents: number;
}

export interface OrderView {
  orderId: string;
  status: OrderStatus;
  reasons: OrderReason[];
  zohoSalesOrderId: string | null;
  zohoSalesOrderNumber: string | null;
  totals: Totals;
  lines: OrderLineView[];
  pactShipment: boolean;
  createdAt: string;
  updatedAt: string;
  placedAt: string | null;
  cancelledAt: string | null;
  lastError: string | null;
}

export interface OrderEventView {
  at: string;
  step: string;
  status: string;
  detail: Record<string, unknown> | null;
}

export interface OrderDetail extends OrderView {
  history: OrderEventView[];
  attempts: number;
}

export interface OrderSummary {
  orderId: string;
  status: OrderStatus;
  zohoSalesOrderId: string | null;
  totalCents: number;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Canonical JSON (sorted keys) hashed: the same body in another key order is the same request. */
export function requestHash(body: unknown): string {
  return createHash('sha256').update(canonical(body)).digest('hex');
}

function canonical(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

const iso = (ms: number | null) => (ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString());

export function orderView(row: OrdersRow, lines: OrderLinesRow[]): OrderView {
  return {
    orderId: row.order_id,
    status: row.status as OrderStatus,
    reasons: fromJson<OrderReason[]>(row.reasons_json, []),
    zohoSalesOrderId: row.zoho_salesorder_id,
    zohoSalesOrderNumber: row.zoho_salesorder_number,
    totals: totalsFromCents(Number(row.subtotal_cents), Number(row.discount_cents), Number(row.tax_cents)),
    lines: lines
      .sort((a, b) => a.line_no - b.line_no)
      .map((l) => ({
        sku: l.sku,
        name: l.name,
        quantity: Number(l.quantity),
        unitPriceCents: Number(l.unit_price_cents),
        unitPrice: (Number(l.unit_price_cents) / 100).toFixed(2),
        taxCents: Number(l.tax_cents),
      })),
    pactShipment: row.pact_shipment === 1,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    placedAt: iso(row.placed_at),
    cancelledAt: iso(row.cancelled_at),
    lastError: row.last_error,
  };
}

export function eventView(row: OrderEventsRow): OrderEventView {
  return { at: iso(row.at)!, step: row.step, status: row.status, detail: fromJson<Record<string, unknown> | null>(row.detail_json, null) };
}

/** The HTTP status a checkout answer carries for an order in this state. */
export function httpStatusFor(status: OrderStatus): number {
  switch (status) {
    case 'pending_verification':
    case 'review':
    case 'received':
      return 202;
    case 'refused':
      return 422;
    default:
      return 201;
  }
}
