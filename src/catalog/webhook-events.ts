/**
 * Zoho workflow webhook payloads → the items they touch. The payload is only a
 * hint (Zoho signs nothing and fires no event on a stock change): the bridge
 * re-reads the named items through the API. Accepts the default payload
 * wrapped by module (`{"salesorder":{…}}`), bare records, a raw
 * `${JSONString}` body and x-www-form-urlencoded with a `JSONString` field.
 */
import { createHash } from 'node:crypto';
import { parseZohoJson } from '../zoho/json.js';

export interface ParsedWebhook {
  /** Normalized module name (`item`, `salesorder`, …) or `unknown`. */
  module: string;
  recordId: string | null;
  lastModified: string | null;
  itemIds: string[];
  /** Stable dedupe key. */
  eventKey: string;
  known: boolean;
}

/** Wrapper keys Zoho may use, to the module name we store. */
const WRAPPERS: Record<string, string> = {
  item: 'item',
  salesorder: 'salesorder',
  sales_order: 'salesorder',
  inventory_adjustment: 'inventory_adjustment',
  inventoryadjustment: 'inventory_adjustment',
  transfer_order: 'transfer_order',
  transferorder: 'transfer_order',
  purchase_receive: 'purchase_receive',
  purchasereceive: 'purchase_receive',
  receive: 'purchase_receive',
  invoice: 'invoice',
  shipment: 'shipment',
  shipment_order: 'shipment',
  shipmentorder: 'shipment',
  package: 'package',
  bill: 'bill',
  creditnote: 'creditnote',
  credit_note: 'creditnote',
  salesreturn: 'salesreturn',
  sales_return: 'salesreturn',
  purchaseorder: 'purchaseorder',
  purchase_order: 'purchaseorder',
};

/** The id field of each module, to recognize bare records. Order matters: an item id also appears on line items. */
const ID_FIELDS: Array<[string, string]> = [
  ['salesorder_id', 'salesorder'],
  ['inventory_adjustment_id', 'inventory_adjustment'],
  ['transfer_order_id', 'transfer_order'],
  ['purchase_receive_id', 'purchase_receive'],
  ['receive_id', 'purchase_receive'],
  ['invoice_id', 'invoice'],
  ['shipment_id', 'shipment'],
  ['package_id', 'package'],
  ['bill_id', 'bill'],
  ['creditnote_id', 'creditnote'],
  ['salesreturn_id', 'salesreturn'],
  ['purchaseorder_id', 'purchaseorder'],
  ['item_id', 'item'],
];

export const MAX_ITEMS_PER_EVENT = 500;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Decodes the body Fastify parsed (or the raw text) into a record, keeping 19-digit ids exact. */
export function decodeWebhookBody(body: unknown, rawBody: Buffer | undefined): unknown {
  if (rawBody && rawBody.length > 0) {
    try {
      return unwrapJsonString(parseZohoJson(rawBody.toString('utf8')));
    } catch {
      return rawBody.toString('utf8');
    }
  }
  if (typeof body === 'string') {
    try {
      return unwrapJsonString(parseZohoJson(body));
    } catch {
      return body;
    }
  }
  return unwrapJsonString(body);
}

function unwrapJsonString(v: unknown): unknown {
  if (isRecord(v) && typeof v.JSONString === 'string') {
    try {
      return parseZohoJson(v.JSONString);
    } catch {
      return v;
    }
  }
  return v;
}

function idString(v: unknown): string | null {
  if (typeof v === 'string' && /^\d{1,30}$/.test(v.trim())) return v.trim();
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return String(v);
  return null;
}

/** Every `item_id` inside `line_items` arrays, at any depth (shipments nest packages, transfers nest lines). */
function collectLineItemIds(node: unknown, out: Set<string>, depth = 0): void {
  if (depth > 6 || out.size >= MAX_ITEMS_PER_EVENT) return;
  if (Array.isArray(node)) {
    for (const x of node) collectLineItemIds(x, out, depth + 1);
    return;
  }
  if (!isRecord(node)) return;
  for (const [k, v] of Object.entries(node)) {
    if ((k === 'line_items' || k === 'mapped_items' || k === 'packages' || k === 'shipments') && Array.isArray(v)) {
      for (const line of v) {
        if (isRecord(line)) {
          const id = idString(line.item_id);
          if (id) out.add(id);
          collectLineItemIds(line, out, depth + 1);
        }
      }
    } else if (isRecord(v) && depth < 2) collectLineItemIds(v, out, depth + 1);
  }
}

export function parseWebhook(decoded: unknown, rawText: string): ParsedWebhook {
  let module = 'unknown';
  let record: Record<string, unknown> | null = null;
  if (isRecord(decoded)) {
    for (const [k, v] of Object.entries(decoded)) {
      const m = WRAPPERS[k.toLowerCase()];
      if (m && isRecord(v)) {
        module = m;
        record = v;
        break;
      }
    }
    if (!record) {
      for (const [field, m] of ID_FIELDS) {
        if (idString(decoded[field])) {
          module = m;
          record = decoded;
          break;
        }
      }
    }
  }
  const itemIds = new Set<string>();
  let recordId: string | null = null;
  let lastModified: string | null = null;
  if (record) {
    const idField = ID_FIELDS.find(([, m]) => m === module)?.[0];
    recordId = idField ? idString(record[idField]) : null;
    if (module === 'purchase_receive' && !recordId) recordId = idString(record.receive_id);
    if (module === 'item') {
      const id = idString(record.item_id);
      if (id) itemIds.add(id);
    }
    collectLineItemIds(record, itemIds);
    lastModified = typeof record.last_modified_time === 'string' && record.last_modified_time !== '' ? record.last_modified_time : null;
  }
  const known = module !== 'unknown' && itemIds.size > 0;
  const eventKey =
    recordId && lastModified
      ? `${module}:${recordId}:${lastModified}`
      : `${module}:sha256:${createHash('sha256').update(rawText).digest('hex').slice(0, 32)}`;
  return { module, recordId, lastModified, itemIds: [...itemIds], eventKey, known };
}
