import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Config } from '../config/load.js';
import { AppError } from '../shared/errors.js';

/** One tax per destination state and compliance category; `*` matches any state or category. */
export const taxMapSchema = z.record(
  z.string(),
  z.record(z.string(), z.object({ zohoTaxId: z.string().min(1), rateBps: z.number().int().min(0).max(100_000) })),
);
export type TaxMap = z.infer<typeof taxMapSchema>;

/** Sales-order custom fields by api_name; null leaves one out (an org without that field). */
export interface SalesOrderFieldNames {
  shopOrderId: string | null;
  decisionId: string | null;
  ageReference: string | null;
  addressValidation: string | null;
  /** A text field carrying `pact_shipment=yes|no` and the shipment requirements. */
  complianceFlags: string | null;
}

export interface WorkerOptions {
  /** How long a claim holds an outbox row; renewed by a heartbeat while the worker runs it. */
  leaseMs: number;
  /** Idle poll interval of the loop (it is also woken when an order is accepted). */
  pollIntervalMs: number;
  /** Attempts of one order's push before it is dead-lettered. */
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Orders pushed at the same time by one worker. */
  concurrency: number;
  /** How often a held order's age verification is polled. */
  agePollIntervalMs: number;
  /** Sweeper cadence (expired reservations, holds, stale claims). */
  sweepIntervalMs: number;
}

export interface OrdersOptions {
  stockMode: 'commit' | 'adjustment';
  /** Re-read an item from Zoho at checkout when its cached quantity is at or below this. */
  lowStockThreshold: number;
  /** A low-stock item read from Zoho less than this long ago is not re-read. */
  lowStockFreshMs: number;
  reservationTtlMs: number;
  /** How long an order may wait for age verification or review before it is refused. */
  holdTtlMs: number;
  /** A `received` row older than this belongs to a request that died: the sweeper removes it. */
  staleReceivedMs: number;
  locationId: string | undefined;
  taxMap: TaxMap;
  salesOrderFields: SalesOrderFieldNames;
  /** Zoho reads `date` in the organization's time zone (reference/zoho-api.md §7.8). */
  orgTimeZone: string;
  adjustmentReason: string;
  worker: WorkerOptions;
}

export const DEFAULT_SALES_ORDER_FIELDS: SalesOrderFieldNames = {
  shopOrderId: 'cf_shop_order_id',
  decisionId: 'cf_compliance_decision_id',
  ageReference: 'cf_age_verification_ref',
  addressValidation: 'cf_address_validation',
  complianceFlags: 'cf_compliance_flags',
};

export type OrdersOptionsInput = Partial<Omit<OrdersOptions, 'worker' | 'salesOrderFields'>> & {
  worker?: Partial<WorkerOptions>;
  salesOrderFields?: Partial<SalesOrderFieldNames>;
};

export function resolveOrdersOptions(config: Config, input: OrdersOptionsInput = {}): OrdersOptions {
  const env = config as Config & Record<string, unknown>;
  return {
    stockMode: input.stockMode ?? config.STOCK_MODE,
    lowStockThreshold: input.lowStockThreshold ?? config.LOW_STOCK_RECHECK_THRESHOLD,
    lowStockFreshMs: input.lowStockFreshMs ?? 2_000,
    reservationTtlMs: input.reservationTtlMs ?? config.RESERVATION_TTL_SECONDS * 1000,
    holdTtlMs: input.holdTtlMs ?? numberFrom(env.ORDER_HOLD_TTL_SECONDS, 2 * 3600) * 1000,
    staleReceivedMs: input.staleReceivedMs ?? 120_000,
    locationId: input.locationId ?? config.ZOHO_LOCATION_ID,
    taxMap: input.taxMap ?? loadTaxMap(config.TAX_MAP),
    salesOrderFields: { ...DEFAULT_SALES_ORDER_FIELDS, ...salesOrderFieldsFrom(stringFrom(env.SALES_ORDER_FIELD_MAP)), ...input.salesOrderFields },
    orgTimeZone: input.orgTimeZone ?? 'America/Los_Angeles',
    adjustmentReason: input.adjustmentReason ?? 'DTC web order',
    worker: {
      leaseMs: 60_000,
      pollIntervalMs: 1_000,
      maxAttempts: 8,
      backoffBaseMs: 2_000,
      backoffMaxMs: 5 * 60_000,
      concurrency: 4,
      agePollIntervalMs: 60_000,
      sweepIntervalMs: 30_000,
      ...input.worker,
    },
  };
}

function stringFrom(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function numberFrom(value: unknown, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/** TAX_MAP is a file path or inline JSON (`{ "CA": { "ends_vape": { "zohoTaxId": "…", "rateBps": 1250 } } }`). */
export function loadTaxMap(value: string | undefined): TaxMap {
  if (!value) return {};
  let text = value.trim();
  if (!text.startsWith('{')) {
    try {
      text = readFileSync(text, 'utf8');
    } catch (err) {
      throw new AppError('config_error', `TAX_MAP file cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 500);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AppError('config_error', 'TAX_MAP is not valid JSON', 500);
  }
  const parsed = taxMapSchema.safeParse(json);
  if (!parsed.success) throw new AppError('config_error', `TAX_MAP is invalid: ${parsed.error.issues[0]?.message ?? 'bad shape'}`, 500);
  return parsed.data;
}

/**
 * SALES_ORDER_FIELD_MAP (not yet in the config schema: read when present) maps our
 * sales-order fields to Zoho api_names, e.g. `{ "decisionId": "cf_x", "complianceFlags": null }`.
 * It is apart from CUSTOM_FIELD_MAP, whose parser (catalog) refuses keys it does not know.
 */
export function salesOrderFieldsFrom(value: string | undefined): Partial<SalesOrderFieldNames> {
  if (!value) return {};
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    throw new AppError('config_error', 'SALES_ORDER_FIELD_MAP is not valid JSON', 500);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new AppError('config_error', 'SALES_ORDER_FIELD_MAP must be a JSON object', 500);
  const out: Partial<SalesOrderFieldNames> = {};
  for (const [k, v] of Object.entries(json as Record<string, unknown>)) {
    if (!(k in DEFAULT_SALES_ORDER_FIELDS)) throw new AppError('config_error', `SALES_ORDER_FIELD_MAP has an unknown field "${k}"`, 500);
    if (v !== null && (typeof v !== 'string' || !/^[A-Za-z0-9_]+$/.test(v))) throw new AppError('config_error', `SALES_ORDER_FIELD_MAP.${k} must be a Zoho api_name or null`, 500);
    out[k as keyof SalesOrderFieldNames] = v as string | null;
  }
  return out;
}
