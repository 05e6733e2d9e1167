/**
 * The Zoho Inventory surface the rest of the bridge uses. Shapes follow
 * ../shared/reference/zoho-api.md; fields the bridge does not read are left
 * in the index signature. IDs are strings, always.
 */
import type { ZohoPriority } from './errors.js';

export type { ZohoPriority };

export interface CallOptions {
  priority: ZohoPriority;
  signal?: AbortSignal;
}

export interface PageContext {
  page: number;
  per_page: number;
  has_more_page: boolean;
  [key: string]: unknown;
}

export interface ZohoCustomFieldValue {
  customfield_id: string;
  api_name?: string;
  placeholder?: string;
  label?: string;
  data_type?: string;
  value: unknown;
  value_formatted?: string;
  [key: string]: unknown;
}

export interface ZohoItemLocationStock {
  location_id: string;
  location_name?: string;
  status?: string;
  is_primary?: boolean;
  location_stock_on_hand?: number | string;
  location_available_stock?: number | string;
  location_actual_available_stock?: number | string;
  location_committed_stock?: number | string;
  location_actual_committed_stock?: number | string;
  location_available_for_sale_stock?: number | string;
  location_actual_available_for_sale_stock?: number | string;
  [key: string]: unknown;
}

export interface ZohoItemWarehouseStock {
  warehouse_id: string;
  warehouse_name?: string;
  status?: string;
  is_primary?: boolean;
  warehouse_stock_on_hand?: number | string;
  warehouse_available_stock?: number | string;
  warehouse_actual_available_stock?: number | string;
  warehouse_committed_stock?: number | string;
  warehouse_actual_committed_stock?: number | string;
  warehouse_available_for_sale_stock?: number | string;
  warehouse_actual_available_for_sale_stock?: number | string;
  [key: string]: unknown;
}

/** A list row (no per-location stock, no custom fields) or a detail (with them). */
export interface ZohoItem {
  item_id: string;
  name?: string;
  sku?: string;
  status?: string;
  description?: string;
  rate?: number | string;
  brand?: string;
  manufacturer?: string;
  category_id?: string;
  category_name?: string;
  unit?: string;
  product_type?: string;
  item_type?: string;
  tax_id?: string;
  weight?: number | string;
  weight_unit?: string;
  image_name?: string;
  image_document_id?: string;
  created_time?: string;
  last_modified_time?: string;
  stock_on_hand?: number | string;
  actual_available_for_sale_stock?: number | string;
  custom_fields?: ZohoCustomFieldValue[];
  custom_field_hash?: Record<string, unknown>;
  locations?: ZohoItemLocationStock[];
  warehouses?: ZohoItemWarehouseStock[];
  [key: string]: unknown;
}

export interface ItemListParams {
  page?: number;
  per_page?: number;
  search_text?: string;
  filter_by?: string;
  sort_column?: 'name' | 'sku' | 'rate' | 'created_time' | 'last_modified_time' | 'stock_on_hand';
  sort_order?: 'A' | 'D';
  status?: 'active' | 'inactive';
  sku?: string;
  category_id?: string;
  location_id?: string;
  /** Zoho timestamp `yyyy-MM-ddTHH:mm:ss±hhmm`; items modified at or after it (boundary UNCONFIRMED: re-read and dedupe). */
  last_modified_time?: string;
}

/** Locations and legacy warehouses, normalized to one shape. */
export interface ZohoLocation {
  id: string;
  name: string;
  status: string;
  isPrimary: boolean;
  kind: 'location' | 'warehouse';
}

export interface ZohoCustomFieldDefinition {
  customfield_id: string;
  api_name: string;
  label: string;
  data_type: string;
  module: string;
  is_active: boolean;
  [key: string]: unknown;
}

export interface ZohoAddressInput {
  attention?: string;
  address: string;
  street2?: string;
  city: string;
  state: string;
  zip: string;
  country: string;
  phone?: string;
}

export interface ZohoContact {
  contact_id: string;
  contact_name?: string;
  email?: string;
  billing_address?: Record<string, unknown> & { address_id?: string };
  shipping_address?: Record<string, unknown> & { address_id?: string };
  [key: string]: unknown;
}

export interface ZohoContactInput {
  contact_name: string;
  contact_type?: 'customer';
  customer_sub_type?: 'individual' | 'business';
  first_name?: string;
  last_name?: string;
  email?: string;
  phone?: string;
  billing_address?: ZohoAddressInput;
  shipping_address?: ZohoAddressInput;
  contact_persons?: Array<{ first_name?: string; last_name?: string; email?: string; phone?: string; is_primary_contact?: boolean }>;
  custom_fields?: Array<{ customfield_id?: string; api_name?: string; value: unknown }>;
}

export interface ZohoSalesOrderLineInput {
  item_id: string;
  quantity: number;
  rate?: number;
  discount?: number | string;
  tax_id?: string;
  location_id?: string;
  warehouse_id?: string;
  description?: string;
}

export interface ZohoSalesOrderInput {
  customer_id: string;
  reference_number: string;
  date?: string;
  shipment_date?: string;
  line_items: ZohoSalesOrderLineInput[];
  location_id?: string;
  shipping_address_id?: string;
  billing_address_id?: string;
  notes?: string;
  shipping_charge?: number;
  is_inclusive_tax?: boolean;
  custom_fields?: Array<{ customfield_id?: string; api_name?: string; value: unknown }>;
}

export interface ZohoSalesOrder {
  salesorder_id: string;
  salesorder_number?: string;
  reference_number?: string;
  status?: string;
  order_status?: string;
  customer_id?: string;
  total?: number | string;
  line_items?: Array<Record<string, unknown>>;
  custom_fields?: ZohoCustomFieldValue[];
  [key: string]: unknown;
}

export interface ZohoInventoryAdjustmentInput {
  date: string;
  reason: string;
  adjustment_type: 'quantity' | 'value';
  reference_number?: string;
  description?: string;
  location_id?: string;
  line_items: Array<{ item_id: string; quantity_adjusted: number; location_id?: string; warehouse_id?: string }>;
}

export interface ZohoInventoryAdjustment {
  inventory_adjustment_id: string;
  reference_number?: string;
  [key: string]: unknown;
}

export interface ZohoOrganization {
  organization_id: string;
  name: string;
  [key: string]: unknown;
}

/** What the catalog and the orders workflow call. Implemented by src/zoho/client resources. */
export interface ZohoInventoryApi {
  items: {
    list(params: ItemListParams, opts: CallOptions): Promise<{ items: ZohoItem[]; page_context: PageContext }>;
    get(itemId: string, opts: CallOptions): Promise<ZohoItem>;
    /** `/itemdetails?item_ids=…`, chunked; returns details with locations/warehouses and custom fields. */
    getMany(itemIds: string[], opts: CallOptions): Promise<ZohoItem[]>;
    /** Item image bytes, or null when the item has none. */
    getImage(itemId: string, opts: CallOptions): Promise<{ contentType: string; body: Buffer } | null>;
  };
  locations: {
    /** `/locations`, falling back to `/settings/warehouses`, normalized. */
    list(opts: CallOptions): Promise<ZohoLocation[]>;
  };
  customFields: {
    /** Custom fields defined on the items module (shape UNCONFIRMED: tolerant parse). */
    listForItems(opts: CallOptions): Promise<ZohoCustomFieldDefinition[]>;
  };
  contacts: {
    findByEmail(email: string, opts: CallOptions): Promise<ZohoContact | null>;
    get(contactId: string, opts: CallOptions): Promise<ZohoContact>;
    create(input: ZohoContactInput, opts: CallOptions): Promise<ZohoContact>;
    update(contactId: string, input: Partial<ZohoContactInput>, opts: CallOptions): Promise<ZohoContact>;
    addAddress(contactId: string, address: ZohoAddressInput, opts: CallOptions): Promise<{ address_id: string }>;
  };
  salesOrders: {
    create(input: ZohoSalesOrderInput, opts: CallOptions): Promise<ZohoSalesOrder>;
    get(salesOrderId: string, opts: CallOptions): Promise<ZohoSalesOrder>;
    findByReference(referenceNumber: string, opts: CallOptions): Promise<ZohoSalesOrder | null>;
    confirm(salesOrderId: string, opts: CallOptions): Promise<void>;
    void(salesOrderId: string, opts: CallOptions): Promise<void>;
  };
  inventoryAdjustments: {
    create(input: ZohoInventoryAdjustmentInput, opts: CallOptions): Promise<ZohoInventoryAdjustment>;
    findByReference(referenceNumber: string, opts: CallOptions): Promise<ZohoInventoryAdjustment | null>;
  };
  organizations: {
    list(opts: CallOptions): Promise<ZohoOrganization[]>;
  };
}

export interface ConnectionStatus {
  state: 'not_connected' | 'connected' | 'needs_reauth' | 'error';
  dataCentre: string;
  organizationId: string;
  accountsServer: string | null;
  apiDomain: string | null;
  scopes: string[];
  accessTokenExpiresAt: number | null;
  lastRefreshAt: number | null;
  lastError: string | null;
}

export interface BudgetSnapshot {
  day: string;
  dailyLimit: number;
  usedToday: number;
  usedByPriority: Record<ZohoPriority, number>;
  perMinuteLimit: number;
  usedThisMinute: number;
  inFlight: number;
  concurrencyLimit: number;
  /** Calls per hour today, for the dashboard chart (24 entries, UTC hours). */
  hourly: number[];
}
