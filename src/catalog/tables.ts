import type { Kysely, Migration } from 'kysely';

/**
 * Tables owned by the catalog. Conventions: src/store/columns.ts (epoch-ms
 * bigint, 0/1 integer flags, JSON in text, Zoho ids as text, cents as bigint).
 */
export interface CatalogItemRow {
  item_id: string;
  /** null when Zoho has no SKU: such an item is never shown. */
  sku: string | null;
  name: string;
  /** cf_dtc_description, else Zoho's description. */
  description: string;
  brand: string | null;
  category_id: string | null;
  category_name: string | null;
  /** Normalized Zoho category name (`Rolling Papers` → `rolling_papers`) for the storefront filter. */
  category_slug: string | null;
  /** Zoho status: `active` | `inactive`. */
  status: string;
  /** 1 when the item vanished from Zoho (missing from a full list walk or a detail read). */
  gone: number;
  rate_cents: number | null;
  msrp_cents: number;
  club_discount_bps: number;
  age_required: number;
  /** JSON array of two-letter codes. */
  restricted_states: string;
  compliance_category: string | null;
  flavored: number;
  risk_level: string;
  dtc_enabled: number;
  weight_grams: number | null;
  tax_id: string | null;
  /** Sellable units at the configured location (Zoho figure clamped at 0, floored). */
  zoho_quantity: number;
  /** The figure as Zoho sent it (may be negative or fractional); null when the location was missing. */
  zoho_quantity_raw: number | null;
  /** When the bridge last read this item's stock (start of the read, epoch ms; 0 = never). */
  stock_seen_at: number;
  /** When the bridge last read the mapped fields (detail read). */
  fields_seen_at: number;
  /** When the bridge last saw the item in a list page. */
  list_seen_at: number;
  /**
   * The org-wide stock aggregates of the last list row whose change was read
   * in detail (see listStockSig): the sweep re-reads an item when they move.
   * null = never compared (the next sweep reads the item).
   */
  list_stock_sig: string | null;
  zoho_last_modified: string | null;
  zoho_last_modified_ms: number | null;
  /** Identity of the image in Zoho (document id or name + modified time). */
  image_key: string | null;
  /** image_key of the file on disk. */
  image_fetched_key: string | null;
  image_file: string | null;
  image_content_type: string | null;
  /** JSON array of problem strings (`cf_risk_level: missing`). */
  mapping_problems: string;
  /** Lowercase name, sku, brand and categories for `q` search. */
  search_text: string;
  /** Incremented on every storefront-visible change: part of the ETag. */
  version: number;
  created_at: number;
  updated_at: number;
}

export interface CatalogStateRow {
  key: string;
  /** JSON. */
  value: string;
  num: number;
  updated_at: number;
}

export interface CatalogWebhookEventRow {
  /** Stable dedupe key: module:record_id:last_modified_time, or module:sha256(body). */
  event_key: string;
  module: string;
  record_id: string | null;
  last_modified: string | null;
  /** JSON array of Zoho item ids the event names. */
  item_ids: string;
  /** `pending` | `processing` | `done` | `unknown` | `failed`. */
  status: string;
  /** Only kept for unknown payloads (known ones may carry customer details we do not need). */
  body: string | null;
  received_at: number;
  claimed_by: string | null;
  claimed_at: number | null;
  processed_at: number | null;
  attempts: number;
  last_error: string | null;
}

export interface CatalogMappingProblemRow {
  item_id: string;
  /** Logical field (`riskLevel`, `stock`, …). */
  field: string;
  /** `missing` | `invalid` | `location_missing` | … */
  problem: string;
  detail: string | null;
  first_seen_at: number;
  last_seen_at: number;
}

export interface CatalogTables {
  catalog_items: CatalogItemRow;
  catalog_state: CatalogStateRow;
  catalog_webhook_events: CatalogWebhookEventRow;
  catalog_mapping_problems: CatalogMappingProblemRow;
}

export const catalogMigrations: Record<string, Migration> = {
  '200_001_catalog_items': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('catalog_items')
        .ifNotExists()
        .addColumn('item_id', 'text', (c) => c.primaryKey())
        .addColumn('sku', 'text')
        .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('brand', 'text')
        .addColumn('category_id', 'text')
        .addColumn('category_name', 'text')
        .addColumn('category_slug', 'text')
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
        .addColumn('gone', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('rate_cents', 'bigint')
        .addColumn('msrp_cents', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('club_discount_bps', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('age_required', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('restricted_states', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('compliance_category', 'text')
        .addColumn('flavored', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('risk_level', 'text', (c) => c.notNull().defaultTo('high'))
        .addColumn('dtc_enabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('weight_grams', 'integer')
        .addColumn('tax_id', 'text')
        .addColumn('zoho_quantity', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('zoho_quantity_raw', 'double precision')
        .addColumn('stock_seen_at', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('fields_seen_at', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('list_seen_at', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('zoho_last_modified', 'text')
        .addColumn('zoho_last_modified_ms', 'bigint')
        .addColumn('image_key', 'text')
        .addColumn('image_fetched_key', 'text')
        .addColumn('image_file', 'text')
        .addColumn('image_content_type', 'text')
        .addColumn('mapping_problems', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('search_text', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('catalog_items_sku').ifNotExists().on('catalog_items').column('sku').execute();
      await db.schema.createIndex('catalog_items_modified').ifNotExists().on('catalog_items').columns(['zoho_last_modified_ms', 'item_id']).execute();
      await db.schema.createIndex('catalog_items_stock_seen').ifNotExists().on('catalog_items').column('stock_seen_at').execute();
    },
  },
  '200_002_catalog_state': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('catalog_state')
        .ifNotExists()
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull().defaultTo('null'))
        .addColumn('num', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '200_003_catalog_webhook_events': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('catalog_webhook_events')
        .ifNotExists()
        .addColumn('event_key', 'text', (c) => c.primaryKey())
        .addColumn('module', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text')
        .addColumn('last_modified', 'text')
        .addColumn('item_ids', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('body', 'text')
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('claimed_by', 'text')
        .addColumn('claimed_at', 'bigint')
        .addColumn('processed_at', 'bigint')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .execute();
      await db.schema
        .createIndex('catalog_webhook_events_status')
        .ifNotExists()
        .on('catalog_webhook_events')
        .columns(['status', 'received_at'])
        .execute();
    },
  },
  '200_005_catalog_list_stock_sig': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('catalog_items').addColumn('list_stock_sig', 'text').execute();
    },
  },
  '200_004_catalog_mapping_problems': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('catalog_mapping_problems')
        .ifNotExists()
        .addColumn('item_id', 'text', (c) => c.notNull())
        .addColumn('field', 'text', (c) => c.notNull())
        .addColumn('problem', 'text', (c) => c.notNull())
        .addColumn('detail', 'text')
        .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('catalog_mapping_problems_pk', ['item_id', 'field'])
        .execute();
    },
  },
};
