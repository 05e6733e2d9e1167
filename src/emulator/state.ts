/**
 * The emulated organization's data: items with per-location stock, custom
 * field definitions and values, locations, contacts, sales orders and
 * inventory adjustments, plus the serializers that turn them into Zoho's wire
 * shapes. Indexed by id, SKU, email and reference number so a 10,000-item
 * catalog answers in constant or logarithmic time.
 */
import { IdGenerator, round2, zohoDate, zohoTime } from './format.js';

export type StockShape = 'locations' | 'warehouses';

export interface StockCell {
  onHand: number;
  committed: number;
}

export interface EmuItem {
  item_id: string;
  name: string;
  sku: string;
  status: 'active' | 'inactive';
  unit: string;
  brand: string;
  manufacturer: string;
  category_id: string;
  category_name: string;
  group_id: string | null;
  group_name: string | null;
  description: string;
  rate: number;
  purchase_rate: number;
  upc: string;
  ean: string;
  reorder_level: number;
  weight: string;
  weight_unit: string;
  length: string;
  width: string;
  height: string;
  dimension_unit: string;
  image: { name: string; type: string; documentId: string; color: string } | null;
  created: number;
  modified: number;
  /** Custom field values by api_name, as stored (a broken value stays broken). */
  cf: Map<string, unknown>;
  stock: Map<string, StockCell>;
}

export interface EmuLocation {
  location_id: string;
  location_name: string;
  type: 'general' | 'line_item_only';
  parent_location_id: string;
  is_primary: boolean;
  status: 'active' | 'inactive';
  email: string;
  phone: string;
  address: {
    attention: string;
    street_address1: string;
    street_address2: string;
    city: string;
    state: string;
    state_code: string;
    country: string;
    zip: string;
  };
  associated_series_ids: string[];
}

export interface CustomFieldDef {
  customfield_id: string;
  entity: 'item' | 'salesorder' | 'contact';
  label: string;
  api_name: string;
  data_type: string;
  is_active: boolean;
  is_mandatory: boolean;
  index: number;
  values?: string[];
}

export interface EmuAddress {
  address_id: string;
  attention: string;
  address: string;
  street2: string;
  city: string;
  state: string;
  state_code: string;
  zip: string;
  country: string;
  phone: string;
  fax: string;
}

export interface EmuContactPerson {
  contact_person_id: string;
  salutation: string;
  first_name: string;
  last_name: string;
  email: string;
  phone: string;
  mobile: string;
  is_primary_contact: boolean;
}

export interface EmuContact {
  contact_id: string;
  contact_name: string;
  company_name: string;
  contact_type: string;
  customer_sub_type: string;
  status: 'active' | 'inactive';
  first_name: string;
  last_name: string;
  email: string;
  phone: string;
  mobile: string;
  notes: string;
  billing_address: EmuAddress;
  shipping_address: EmuAddress;
  addresses: EmuAddress[];
  contact_persons: EmuContactPerson[];
  cf: Map<string, unknown>;
  created: number;
  modified: number;
}

export interface EmuSalesOrderLine {
  line_item_id: string;
  item_id: string;
  sku: string;
  name: string;
  description: string;
  rate: number;
  quantity: number;
  unit: string;
  discount: number;
  tax_id: string;
  location_id: string;
  quantity_invoiced: number;
  quantity_packed: number;
  quantity_shipped: number;
  item_total: number;
}

export interface EmuSalesOrder {
  salesorder_id: string;
  salesorder_number: string;
  reference_number: string;
  date: string;
  shipment_date: string;
  status: 'draft' | 'confirmed' | 'void' | 'fulfilled';
  customer_id: string;
  location_id: string;
  line_items: EmuSalesOrderLine[];
  shipping_charge: number;
  discount: number;
  adjustment: number;
  adjustment_description: string;
  is_inclusive_tax: boolean;
  delivery_method: string;
  notes: string;
  terms: string;
  billing_address: EmuAddress | null;
  shipping_address: EmuAddress | null;
  cf: Map<string, unknown>;
  /** Stock this order holds committed, per item and location, so void releases exactly it. */
  committed: Array<{ item_id: string; location_id: string; quantity: number }>;
  created: number;
  modified: number;
}

export interface EmuAdjustmentLine {
  line_item_id: string;
  item_id: string;
  name: string;
  description: string;
  quantity_adjusted: number;
  item_total: number;
  unit: string;
  location_id: string;
}

export interface EmuAdjustment {
  inventory_adjustment_id: string;
  date: string;
  reason: string;
  reason_id: string;
  description: string;
  reference_number: string;
  adjustment_type: 'quantity' | 'value';
  location_id: string;
  line_items: EmuAdjustmentLine[];
  total: number;
  status: string;
  created: number;
  modified: number;
}

export const ADJUSTMENT_ACCOUNT = { id: '4815162000099000420', name: 'Cost of Goods Sold' };
const SALES_ACCOUNT = { id: '4815162000099000388', name: 'Sales' };
const PURCHASE_ACCOUNT = { id: '4815162000099034003', name: 'Cost of Goods Sold' };
export const CURRENCY = { id: '4815162000099000097', code: 'USD', symbol: '$' };

export type SortColumn = 'name' | 'sku' | 'rate' | 'purchase_rate' | 'created_time' | 'last_modified_time' | 'reorder_level' | 'stock_on_hand';
export const SORT_COLUMNS: readonly SortColumn[] = [
  'name',
  'sku',
  'rate',
  'purchase_rate',
  'created_time',
  'last_modified_time',
  'reorder_level',
  'stock_on_hand',
];

export class EmulatorState {
  readonly ids = new IdGenerator();
  readonly items = new Map<string, EmuItem>();
  private readonly bySku = new Map<string, string>();
  /** Sorted item arrays per column, rebuilt lazily after a change. */
  private sorted = new Map<SortColumn, EmuItem[]>();

  readonly locations: EmuLocation[] = [];
  readonly customFields: CustomFieldDef[] = [];

  readonly contacts = new Map<string, EmuContact>();
  private readonly contactsByEmail = new Map<string, Set<string>>();

  readonly salesOrders = new Map<string, EmuSalesOrder>();
  private readonly soByRef = new Map<string, string[]>();
  private soNumber = 0;

  readonly adjustments = new Map<string, EmuAdjustment>();
  private readonly adjByRef = new Map<string, string[]>();

  constructor(
    readonly organizationId: string,
    readonly stockShape: StockShape,
  ) {}

  // ---------- items ----------

  addItem(item: EmuItem): void {
    this.items.set(item.item_id, item);
    this.bySku.set(item.sku, item.item_id);
    this.sorted.clear();
  }

  itemBySku(sku: string): EmuItem | undefined {
    const id = this.bySku.get(sku);
    return id === undefined ? undefined : this.items.get(id);
  }

  /** Looks an item up by id first, then by SKU (control helpers take either). */
  resolveItem(idOrSku: string): EmuItem | undefined {
    return this.items.get(idOrSku) ?? this.itemBySku(idOrSku);
  }

  changeSku(item: EmuItem, sku: string): void {
    if (this.bySku.get(item.sku) === item.item_id) this.bySku.delete(item.sku);
    item.sku = sku;
    this.bySku.set(sku, item.item_id);
  }

  deleteItem(item: EmuItem): void {
    this.items.delete(item.item_id);
    if (this.bySku.get(item.sku) === item.item_id) this.bySku.delete(item.sku);
    this.sorted.clear();
  }

  /** Call after any change to a field that a list can sort on. */
  itemsChanged(): void {
    this.sorted.clear();
  }

  sortedItems(column: SortColumn): EmuItem[] {
    let list = this.sorted.get(column);
    if (!list) {
      const key = sortKey(column, this);
      list = [...this.items.values()];
      list.sort((a, b) => {
        const ka = key(a);
        const kb = key(b);
        if (ka < kb) return -1;
        if (ka > kb) return 1;
        return a.item_id < b.item_id ? -1 : a.item_id > b.item_id ? 1 : 0;
      });
      this.sorted.set(column, list);
    }
    return list;
  }

  stockCell(item: EmuItem, locationId: string): StockCell {
    let cell = item.stock.get(locationId);
    if (!cell) {
      cell = { onHand: 0, committed: 0 };
      item.stock.set(locationId, cell);
    }
    return cell;
  }

  totalOnHand(item: EmuItem): number {
    let n = 0;
    for (const c of item.stock.values()) n += c.onHand;
    return n;
  }

  totalCommitted(item: EmuItem): number {
    let n = 0;
    for (const c of item.stock.values()) n += c.committed;
    return n;
  }

  location(id: string): EmuLocation | undefined {
    return this.locations.find((l) => l.location_id === id);
  }

  primaryLocation(): EmuLocation {
    const primary = this.locations.find((l) => l.is_primary) ?? this.locations[0];
    if (!primary) throw new Error('emulator has no locations');
    return primary;
  }

  customFieldsFor(entity: CustomFieldDef['entity']): CustomFieldDef[] {
    return this.customFields.filter((f) => f.entity === entity);
  }

  // ---------- contacts ----------

  addContact(c: EmuContact): void {
    this.contacts.set(c.contact_id, c);
    this.indexContact(c);
  }

  reindexContact(c: EmuContact, oldEmails: string[]): void {
    for (const e of oldEmails) this.contactsByEmail.get(e.toLowerCase())?.delete(c.contact_id);
    this.indexContact(c);
  }

  contactEmails(c: EmuContact): string[] {
    const emails = [c.email, ...c.contact_persons.map((p) => p.email)].filter((e) => e);
    return [...new Set(emails)];
  }

  private indexContact(c: EmuContact): void {
    for (const e of this.contactEmails(c)) {
      const key = e.toLowerCase();
      let set = this.contactsByEmail.get(key);
      if (!set) this.contactsByEmail.set(key, (set = new Set()));
      set.add(c.contact_id);
    }
  }

  contactsWithEmail(email: string): EmuContact[] {
    const ids = this.contactsByEmail.get(email.toLowerCase());
    if (!ids) return [];
    return [...ids].map((id) => this.contacts.get(id)).filter((c): c is EmuContact => c !== undefined);
  }

  // ---------- sales orders ----------

  nextSalesOrderNumber(): string {
    this.soNumber += 1;
    return `SO-${String(this.soNumber).padStart(5, '0')}`;
  }

  addSalesOrder(so: EmuSalesOrder): void {
    this.salesOrders.set(so.salesorder_id, so);
    indexByReference(this.soByRef, so.reference_number, so.salesorder_id);
  }

  salesOrdersByRef(ref: string): EmuSalesOrder[] {
    return (this.soByRef.get(ref) ?? []).map((id) => this.salesOrders.get(id)).filter((s): s is EmuSalesOrder => !!s);
  }

  // ---------- adjustments ----------

  addAdjustment(adj: EmuAdjustment): void {
    this.adjustments.set(adj.inventory_adjustment_id, adj);
    indexByReference(this.adjByRef, adj.reference_number, adj.inventory_adjustment_id);
  }

  adjustmentsByRef(ref: string): EmuAdjustment[] {
    return (this.adjByRef.get(ref) ?? []).map((id) => this.adjustments.get(id)).filter((a): a is EmuAdjustment => !!a);
  }

  // ---------- serializers (wire shapes) ----------

  itemListRow(item: EmuItem): Record<string, unknown> {
    const onHand = this.totalOnHand(item);
    const row: Record<string, unknown> = {
      item_id: item.item_id,
      name: item.name,
      item_name: item.name,
      unit: item.unit,
      status: item.status,
      source: 'user',
      is_combo_product: false,
      is_linked_with_zohocrm: false,
      zcrm_product_id: '',
      description: item.description,
      brand: item.brand,
      manufacturer: item.manufacturer,
      category_id: item.category_id,
      category_name: item.category_name,
      rate: item.rate,
      tax_id: '',
      tax_name: '',
      tax_percentage: 0,
      purchase_account_id: PURCHASE_ACCOUNT.id,
      purchase_account_name: PURCHASE_ACCOUNT.name,
      account_id: SALES_ACCOUNT.id,
      account_name: SALES_ACCOUNT.name,
      purchase_description: '',
      purchase_rate: item.purchase_rate,
      item_type: 'inventory',
      product_type: 'goods',
      stock_on_hand: onHand,
      has_attachment: false,
      is_returnable: true,
      available_stock: onHand,
      actual_available_stock: onHand,
      sku: item.sku,
      upc: item.upc,
      ean: item.ean,
      isbn: '',
      part_number: '',
      reorder_level: item.reorder_level,
      image_name: item.image?.name ?? '',
      image_type: item.image?.type ?? '',
      image_document_id: item.image?.documentId ?? '',
      created_time: zohoTime(item.created),
      last_modified_time: zohoTime(item.modified),
      length: item.length,
      width: item.width,
      height: item.height,
      weight: item.weight,
      weight_unit: item.weight_unit,
      dimension_unit: item.dimension_unit,
    };
    if (item.group_id !== null) {
      row.group_id = item.group_id;
      row.group_name = item.group_name ?? '';
    }
    return row;
  }

  itemDetail(item: EmuItem): Record<string, unknown> {
    const row = this.itemListRow(item);
    const onHand = this.totalOnHand(item);
    const committed = this.totalCommitted(item);
    Object.assign(row, {
      committed_stock: committed,
      actual_committed_stock: committed,
      available_for_sale_stock: onHand - committed,
      actual_available_for_sale_stock: onHand - committed,
      asset_value: round2(onHand * item.purchase_rate),
    });
    const { list, hash } = this.customFieldValues('item', item.cf);
    row.custom_fields = list;
    row.custom_field_hash = hash;
    if (this.stockShape === 'locations') {
      row.locations = this.locations.map((loc) => {
        const c = item.stock.get(loc.location_id) ?? { onHand: 0, committed: 0 };
        return {
          location_id: loc.location_id,
          location_name: loc.location_name,
          status: loc.status,
          is_primary: loc.is_primary,
          location_stock_on_hand: c.onHand,
          location_available_stock: c.onHand,
          location_actual_available_stock: c.onHand,
          location_committed_stock: c.committed,
          location_actual_committed_stock: c.committed,
          location_available_for_sale_stock: c.onHand - c.committed,
          location_actual_available_for_sale_stock: c.onHand - c.committed,
          location_quantity_in_transit: 0,
        };
      });
    } else {
      row.warehouses = this.locations.map((loc) => {
        const c = item.stock.get(loc.location_id) ?? { onHand: 0, committed: 0 };
        return {
          warehouse_id: loc.location_id,
          warehouse_name: loc.location_name,
          status: loc.status,
          is_primary: loc.is_primary,
          warehouse_stock_on_hand: c.onHand,
          initial_stock: 0,
          initial_stock_rate: item.purchase_rate,
          warehouse_available_stock: c.onHand,
          warehouse_actual_available_stock: c.onHand,
          warehouse_committed_stock: c.committed,
          warehouse_actual_committed_stock: c.committed,
          warehouse_available_for_sale_stock: c.onHand - c.committed,
          warehouse_actual_available_for_sale_stock: c.onHand - c.committed,
          is_fba_warehouse: false,
          sales_channels: [],
        };
      });
    }
    return row;
  }

  /**
   * `custom_fields[]` and `custom_field_hash` for a record. Like Zoho, only
   * fields holding a value are listed. A value that does not fit its data type
   * (a seeded "broken" field) is sent as stored, formatted as text.
   */
  customFieldValues(entity: CustomFieldDef['entity'], values: Map<string, unknown>): {
    list: Array<Record<string, unknown>>;
    hash: Record<string, unknown>;
  } {
    const list: Array<Record<string, unknown>> = [];
    const hash: Record<string, unknown> = {};
    for (const def of this.customFieldsFor(entity)) {
      if (!values.has(def.api_name)) continue;
      const value = values.get(def.api_name);
      if (value === undefined || value === null || value === '') continue;
      const formatted = formatCustomValue(def.data_type, value);
      list.push({
        customfield_id: def.customfield_id,
        label: def.label,
        api_name: def.api_name,
        placeholder: def.api_name,
        data_type: def.data_type,
        index: def.index,
        is_active: def.is_active,
        show_in_all_pdf: false,
        value,
        value_formatted: formatted,
      });
      hash[def.api_name] = formatted;
      hash[`${def.api_name}_unformatted`] = value;
    }
    return { list, hash };
  }

  customFieldDefinition(def: CustomFieldDef): Record<string, unknown> {
    const out: Record<string, unknown> = {
      customfield_id: def.customfield_id,
      entity: def.entity,
      label: def.label,
      api_name: def.api_name,
      placeholder: def.api_name,
      data_type: def.data_type,
      is_active: def.is_active,
      is_mandatory: def.is_mandatory,
      index: def.index,
    };
    if (def.values) out.values = def.values.map((name, i) => ({ name, order: i + 1 }));
    return out;
  }

  locationRecord(loc: EmuLocation): Record<string, unknown> {
    return {
      location_id: loc.location_id,
      location_name: loc.location_name,
      type: loc.type,
      parent_location_id: loc.parent_location_id,
      is_primary: loc.is_primary,
      status: loc.status,
      email: loc.email,
      phone: loc.phone,
      address: { ...loc.address },
      associated_series_ids: [...loc.associated_series_ids],
    };
  }

  warehouseRecord(loc: EmuLocation): Record<string, unknown> {
    const a = loc.address;
    return {
      warehouse_id: loc.location_id,
      warehouse_name: loc.location_name,
      status: loc.status,
      is_primary: loc.is_primary,
      is_org_level_primary: loc.is_primary,
      is_fba_warehouse: false,
      attention: a.attention,
      address: a.street_address1,
      address1: a.street_address1,
      address2: a.street_address2,
      city: a.city,
      state: a.state,
      state_code: a.state_code,
      country: a.country,
      country_code: a.country === 'U.S.A' ? 'US' : '',
      zip: a.zip,
      phone: loc.phone,
      email: loc.email,
    };
  }

  contactRecord(c: EmuContact): Record<string, unknown> {
    const { list, hash } = this.customFieldValues('contact', c.cf);
    // The detail is the list row plus what only the detail carries.
    return {
      ...this.contactListRow(c),
      notes: c.notes,
      billing_address: addressRecord(c.billing_address),
      shipping_address: addressRecord(c.shipping_address),
      contact_persons: c.contact_persons.map((p) => ({ ...p })),
      custom_fields: list,
      custom_field_hash: hash,
    };
  }

  contactListRow(c: EmuContact): Record<string, unknown> {
    return {
      contact_id: c.contact_id,
      contact_name: c.contact_name,
      company_name: c.company_name,
      contact_type: c.contact_type,
      customer_sub_type: c.customer_sub_type,
      status: c.status,
      first_name: c.first_name,
      last_name: c.last_name,
      email: c.email,
      phone: c.phone,
      mobile: c.mobile,
      currency_id: CURRENCY.id,
      currency_code: CURRENCY.code,
      created_time: zohoTime(c.created),
      last_modified_time: zohoTime(c.modified),
    };
  }

  salesOrderRecord(so: EmuSalesOrder): Record<string, unknown> {
    const customer = this.contacts.get(so.customer_id);
    const loc = this.location(so.location_id);
    const subTotal = round2(so.line_items.reduce((s, l) => s + l.item_total, 0));
    const total = round2(subTotal - so.discount + so.shipping_charge + so.adjustment);
    const locKey = this.stockShape === 'locations' ? 'location' : 'warehouse';
    const { list } = this.customFieldValues('salesorder', so.cf);
    return {
      salesorder_id: so.salesorder_id,
      salesorder_number: so.salesorder_number,
      date: so.date,
      status: so.status,
      order_status: so.status,
      invoiced_status: '',
      paid_status: '',
      shipped_status: so.status === 'fulfilled' ? 'shipped' : '',
      shipment_date: so.shipment_date,
      reference_number: so.reference_number,
      customer_id: so.customer_id,
      customer_name: customer?.contact_name ?? '',
      contact_persons_associated: [],
      currency_id: CURRENCY.id,
      currency_code: CURRENCY.code,
      currency_symbol: CURRENCY.symbol,
      exchange_rate: 1,
      discount_amount: so.discount,
      discount: so.discount,
      discount_type: 'entity_level',
      is_discount_before_tax: true,
      is_inclusive_tax: so.is_inclusive_tax,
      delivery_method: so.delivery_method,
      [`${locKey}_id`]: so.location_id,
      [`${locKey}_name`]: loc?.location_name ?? '',
      line_items: so.line_items.map((l) => {
        const lloc = this.location(l.location_id);
        return {
          line_item_id: l.line_item_id,
          item_id: l.item_id,
          sku: l.sku,
          name: l.name,
          description: l.description,
          rate: l.rate,
          quantity: l.quantity,
          unit: l.unit,
          discount: l.discount,
          tax_id: l.tax_id,
          tax_name: '',
          tax_type: 'tax',
          tax_percentage: 0,
          item_total: l.item_total,
          [`${locKey}_id`]: l.location_id,
          [`${locKey}_name`]: lloc?.location_name ?? '',
          quantity_invoiced: l.quantity_invoiced,
          quantity_packed: l.quantity_packed,
          quantity_shipped: l.quantity_shipped,
          item_custom_fields: [],
        };
      }),
      shipping_charge: so.shipping_charge,
      adjustment: so.adjustment,
      adjustment_description: so.adjustment_description,
      sub_total: subTotal,
      tax_total: 0,
      total,
      taxes: [],
      price_precision: 2,
      is_emailed: false,
      packages: [],
      invoices: [],
      purchaseorders: [],
      billing_address: so.billing_address ? addressRecord(so.billing_address) : emptyAddress(),
      shipping_address: so.shipping_address ? addressRecord(so.shipping_address) : emptyAddress(),
      notes: so.notes,
      terms: so.terms,
      custom_fields: list.map((f) => ({
        customfield_id: f.customfield_id,
        label: f.label,
        api_name: f.api_name,
        data_type: f.data_type,
        value: f.value,
        value_formatted: f.value_formatted,
      })),
      created_time: zohoTime(so.created),
      last_modified_time: zohoTime(so.modified),
    };
  }

  salesOrderListRow(so: EmuSalesOrder): Record<string, unknown> {
    const full = this.salesOrderRecord(so);
    const keys = [
      'salesorder_id',
      'salesorder_number',
      'date',
      'status',
      'order_status',
      'invoiced_status',
      'paid_status',
      'shipped_status',
      'shipment_date',
      'reference_number',
      'customer_id',
      'customer_name',
      'currency_id',
      'currency_code',
      'total',
      'delivery_method',
      'created_time',
      'last_modified_time',
    ];
    const row: Record<string, unknown> = {};
    for (const k of keys) row[k] = full[k];
    return row;
  }

  adjustmentRecord(adj: EmuAdjustment): Record<string, unknown> {
    const locKey = this.stockShape === 'locations' ? 'location' : 'warehouse';
    const loc = this.location(adj.location_id);
    return {
      inventory_adjustment_id: adj.inventory_adjustment_id,
      date: adj.date,
      reason: adj.reason,
      reason_id: adj.reason_id,
      description: adj.description,
      reference_number: adj.reference_number,
      adjustment_type: adj.adjustment_type,
      status: adj.status,
      [`${locKey}_id`]: adj.location_id,
      [`${locKey}_name`]: loc?.location_name ?? '',
      line_items: adj.line_items.map((l) => ({
        line_item_id: l.line_item_id,
        item_id: l.item_id,
        name: l.name,
        description: l.description,
        quantity_adjusted: l.quantity_adjusted,
        item_total: l.item_total,
        unit: l.unit,
        is_combo_product: false,
        adjustment_account_id: ADJUSTMENT_ACCOUNT.id,
        adjustment_account_name: ADJUSTMENT_ACCOUNT.name,
        [`${locKey}_id`]: l.location_id,
        [`${locKey}_name`]: this.location(l.location_id)?.location_name ?? '',
      })),
      total: adj.total,
      custom_fields: [],
      created_time: zohoTime(adj.created),
      last_modified_time: zohoTime(adj.modified),
    };
  }

  organizationRecord(now: number): Record<string, unknown> {
    return {
      organization_id: this.organizationId,
      name: 'BMB Wholesale',
      contact_name: 'BMB Wholesale Admin',
      email: 'admin@bmbwholesale.example',
      is_default_org: true,
      plan_type: 9,
      plan_name: 'Enterprise',
      language_code: 'en',
      fiscal_year_start_month: 0,
      account_created_date: '2021-03-15',
      time_zone: 'America/Los_Angeles',
      is_org_active: true,
      currency_id: CURRENCY.id,
      currency_code: CURRENCY.code,
      currency_symbol: CURRENCY.symbol,
      currency_format: '###,##0.00',
      price_precision: 2,
      country: 'U.S.A',
      state: 'California',
      date_format: 'yyyy-MM-dd',
      is_locations_enabled: this.stockShape === 'locations',
      today: zohoDate(now),
    };
  }
}

export function formatCustomValue(dataType: string, value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(',');
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (dataType === 'amount' && typeof value === 'number') return `$${value.toFixed(2)}`;
  if (dataType === 'percent' && typeof value === 'number') return `${value}%`;
  return String(value);
}

export function addressRecord(a: EmuAddress): Record<string, unknown> {
  return { ...a };
}

export function emptyAddress(): Record<string, unknown> {
  return { address: '', street2: '', city: '', state: '', zip: '', country: '', fax: '' };
}

function sortKey(column: SortColumn, state: EmulatorState): (i: EmuItem) => string | number {
  switch (column) {
    case 'name':
      return (i) => i.name.toLowerCase();
    case 'sku':
      return (i) => i.sku.toLowerCase();
    case 'rate':
      return (i) => i.rate;
    case 'purchase_rate':
      return (i) => i.purchase_rate;
    case 'created_time':
      return (i) => Math.floor(i.created / 1000);
    case 'last_modified_time':
      return (i) => Math.floor(i.modified / 1000);
    case 'reorder_level':
      return (i) => i.reorder_level;
    case 'stock_on_hand':
      return (i) => state.totalOnHand(i);
  }
}

/** Reference numbers are not unique in Zoho: each maps to every record that carries it. */
function indexByReference(index: Map<string, string[]>, reference: string | null | undefined, id: string): void {
  if (!reference) return;
  const list = index.get(reference) ?? [];
  list.push(id);
  index.set(reference, list);
}
