/**
 * A small in-memory ZohoInventoryApi for the catalog's unit tests: items with
 * details, list paging/sorting/filtering like Zoho, and a count of every call
 * by method and priority. Only the item surface is implemented.
 */
import type { CallOptions, ItemListParams, ZohoInventoryApi, ZohoItem } from '../../src/zoho/types.js';
import { ZohoBudgetExceededError } from '../../src/zoho/errors.js';
import { formatZohoTime, parseZohoTime } from '../../src/catalog/mapping.js';

export const LOC = '4600000000000000001';
export const OTHER_LOC = '4600000000000000002';

export interface FakeItemSpec {
  id: string;
  sku: string;
  name?: string;
  stock?: number;
  otherStock?: number;
  lmMs?: number;
  status?: 'active' | 'inactive';
  custom?: Record<string, unknown>;
  shape?: 'locations' | 'warehouses' | 'none';
  rate?: number;
  image?: string | null;
  weight?: number;
  weightUnit?: string;
}

export const DEFAULT_CUSTOM = {
  cf_dtc_description: 'Nice thing',
  cf_msrp: '19.99',
  cf_club_discount: '10',
  cf_age_required: true,
  cf_restricted_states: 'UT, Massachusetts',
  cf_compliance_category: 'accessories',
  cf_flavored: false,
  cf_risk_level: 'low',
  cf_dtc_enabled: true,
};

export function makeItem(s: FakeItemSpec): ZohoItem {
  const custom = { ...DEFAULT_CUSTOM, ...(s.custom ?? {}) };
  const qty = s.stock ?? 10;
  const item: ZohoItem = {
    item_id: s.id,
    name: s.name ?? `Item ${s.sku}`,
    sku: s.sku,
    status: s.status ?? 'active',
    description: 'zoho description',
    rate: s.rate ?? 15.5,
    brand: 'Brand',
    category_name: 'Rolling Papers',
    weight: s.weight ?? 100,
    weight_unit: s.weightUnit ?? 'g',
    last_modified_time: formatZohoTime(s.lmMs ?? Date.UTC(2026, 0, 1), -480),
    stock_on_hand: 999,
    actual_available_for_sale_stock: 999,
    custom_fields: Object.entries(custom)
      .filter(([, v]) => v !== undefined)
      .map(([api, value], i) => ({ customfield_id: `70000${i}`, api_name: api, label: `Label ${i}`, value })),
  };
  if (s.image) {
    item.image_document_id = s.image;
    item.image_name = `${s.image}.png`;
  }
  const shape = s.shape ?? 'locations';
  if (shape === 'locations') {
    item.locations = [
      { location_id: OTHER_LOC, location_name: 'Wholesale', location_actual_available_for_sale_stock: s.otherStock ?? 500 },
      { location_id: LOC, location_name: 'VIP Smoke', location_actual_available_for_sale_stock: `${qty}.000000`, location_stock_on_hand: qty + 3 },
    ];
  } else if (shape === 'warehouses') {
    item.warehouses = [
      { warehouse_id: OTHER_LOC, warehouse_actual_available_for_sale_stock: s.otherStock ?? 500 },
      { warehouse_id: LOC, warehouse_actual_available_for_sale_stock: qty, warehouse_stock_on_hand: qty + 3 },
    ];
  }
  return item;
}

function listRow(d: ZohoItem): ZohoItem {
  const { custom_fields: _c, custom_field_hash: _h, locations: _l, warehouses: _w, ...row } = d;
  return row;
}

export class FakeZoho implements ZohoInventoryApi {
  readonly details = new Map<string, ZohoItem>();
  calls: Array<{ method: string; priority: string; ids?: number; params?: ItemListParams }> = [];
  /** Throw ZohoBudgetExceededError after this many calls (for pause/resume tests). */
  budgetLeft = Infinity;
  /** Called inside getMany before answering (to change data mid-read). */
  onGetMany: ((ids: string[]) => void) | null = null;

  constructor(specs: FakeItemSpec[] = []) {
    for (const s of specs) this.put(makeItem(s));
  }

  put(item: ZohoItem): void {
    this.details.set(String(item.item_id), structuredClone(item));
  }

  update(id: string, change: (item: ZohoItem) => void): void {
    const it = this.details.get(id);
    if (!it) throw new Error(`no item ${id}`);
    change(it);
  }

  setStock(id: string, qty: number): void {
    this.update(id, (it) => {
      const loc = it.locations?.find((l) => l.location_id === LOC);
      if (loc) loc.location_actual_available_for_sale_stock = qty;
      const wh = it.warehouses?.find((w) => w.warehouse_id === LOC);
      if (wh) wh.warehouse_actual_available_for_sale_stock = qty;
    });
  }

  /**
   * A stock move at our location that also moves the org-wide aggregates (a
   * sale, a receipt, an adjustment), without touching last_modified_time.
   */
  moveStock(id: string, qty: number): void {
    this.update(id, (it) => {
      const loc = it.locations?.find((l) => l.location_id === LOC);
      const wh = it.warehouses?.find((w) => w.warehouse_id === LOC);
      const before = Number(loc?.location_actual_available_for_sale_stock ?? wh?.warehouse_actual_available_for_sale_stock ?? 0);
      const delta = qty - before;
      const r = it as unknown as Record<string, number>;
      r.stock_on_hand = Number(r.stock_on_hand ?? 0) + delta;
      r.actual_available_for_sale_stock = Number(r.actual_available_for_sale_stock ?? 0) + delta;
    });
    this.setStock(id, qty);
  }

  count(method?: string, priority?: string): number {
    return this.calls.filter((c) => (!method || c.method === method) && (!priority || c.priority === priority)).length;
  }

  private charge(method: string, opts: CallOptions, extra: Partial<{ ids: number; params: ItemListParams }> = {}): void {
    if (this.budgetLeft <= 0) throw new ZohoBudgetExceededError(opts.priority, 'daily', 60_000);
    this.budgetLeft--;
    this.calls.push({ method, priority: opts.priority, ...extra });
  }

  items: ZohoInventoryApi['items'] = {
    list: async (params, opts) => {
      this.charge('items.list', opts, { params });
      let rows = [...this.details.values()];
      if (params.filter_by !== 'Status.All' && params.status !== 'inactive') rows = rows.filter((r) => r.status !== 'inactive' || params.filter_by === 'Status.All');
      if (params.last_modified_time) {
        const since = parseZohoTime(params.last_modified_time)!;
        rows = rows.filter((r) => (parseZohoTime(r.last_modified_time) ?? 0) >= since);
      }
      if (params.sort_column === 'last_modified_time') {
        rows.sort((a, b) => (parseZohoTime(a.last_modified_time) ?? 0) - (parseZohoTime(b.last_modified_time) ?? 0) || a.item_id.localeCompare(b.item_id));
        if (params.sort_order === 'D') rows.reverse();
      } else rows.sort((a, b) => String(a.name).localeCompare(String(b.name)) || a.item_id.localeCompare(b.item_id));
      const per = params.per_page ?? 200;
      const page = params.page ?? 1;
      const slice = rows.slice((page - 1) * per, page * per).map((r) => listRow(structuredClone(r)));
      return { items: slice, page_context: { page, per_page: per, has_more_page: page * per < rows.length } };
    },
    get: async (id, opts) => {
      this.charge('items.get', opts);
      const it = this.details.get(id);
      if (!it) throw new Error('not found');
      return structuredClone(it);
    },
    getMany: async (ids, opts) => {
      this.charge('items.getMany', opts, { ids: ids.length });
      this.onGetMany?.(ids);
      return ids.map((id) => this.details.get(id)).filter((x): x is ZohoItem => Boolean(x)).map((x) => structuredClone(x));
    },
    getImage: async (id, opts) => {
      this.charge('items.getImage', opts);
      const it = this.details.get(id);
      if (!it?.image_document_id) return null;
      return { contentType: 'image/png', body: Buffer.from(`png-of-${id}-${it.image_document_id}`) };
    },
  };

  private notUsed = async (): Promise<never> => {
    throw new Error('not used by the catalog');
  };
  locations = { list: this.notUsed };
  customFields = { listForItems: this.notUsed };
  contacts = { findByEmail: this.notUsed, get: this.notUsed, create: this.notUsed, update: this.notUsed, addAddress: this.notUsed };
  salesOrders = { create: this.notUsed, get: this.notUsed, findByReference: this.notUsed, confirm: this.notUsed, void: this.notUsed };
  inventoryAdjustments = { create: this.notUsed, findByReference: this.notUsed };
  organizations = { list: this.notUsed };
}
