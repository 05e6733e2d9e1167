import type { Kysely, Migration } from 'kysely';

// Tables owned by this module. Conventions: src/store/columns.ts.

/** One compliance decision; append-only, hash-chained (src/compliance/audit.ts). */
export interface ComplianceAuditTable {
  /** 1, 2, 3… without gaps; the chain order. */
  seq: number;
  id: string;
  decision_id: string;
  created_at: number;
  order_id: string;
  /** checkout | resume | cancel | drill */
  kind: string;
  drill: number;
  outcome: string;
  /** JSON: ComplianceReason[] */
  reasons: string;
  /** JSON: ShipmentRequirement[] */
  requirements: string;
  ruleset_version: string;
  /** JSON: provider references (age uuid and status, address provider and status). */
  provider_refs: string;
  /** JSON: a summary of the inputs without raw DOB or full address (keyed hashes, age band, state, ZIP3). */
  input_summary: string;
  prev_hash: string;
  hash: string;
}

/** The chain head: one row (id 1) updated in the same transaction as each append, so appends serialize. */
export interface ComplianceAuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

/** PACT Act delivery-sale records (the monthly report reads these). */
export interface CompliancePactShipmentsTable {
  order_id: string;
  zoho_sales_order_id: string | null;
  shipped_at: number;
  ship_state: string;
  recipient_name: string;
  line1: string;
  line2: string | null;
  city: string;
  zip: string;
  delivery_service: string;
  /** JSON: [{ sku, name, brand, category, quantity }] */
  lines: string;
  cancelled_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface ComplianceTables {
  compliance_audit: ComplianceAuditTable;
  compliance_audit_head: ComplianceAuditHeadTable;
  compliance_pact_shipments: CompliancePactShipmentsTable;
}

export const AUDIT_GENESIS_HASH = '0'.repeat(64);

export const complianceMigrations: Record<string, Migration> = {
  '300_001_compliance_audit': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('compliance_audit')
        .ifNotExists()
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('decision_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('order_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('drill', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('reasons', 'text', (c) => c.notNull())
        .addColumn('requirements', 'text', (c) => c.notNull())
        .addColumn('ruleset_version', 'text', (c) => c.notNull())
        .addColumn('provider_refs', 'text', (c) => c.notNull())
        .addColumn('input_summary', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('compliance_audit_created_idx').ifNotExists().on('compliance_audit').column('created_at').execute();
      await db.schema.createIndex('compliance_audit_order_idx').ifNotExists().on('compliance_audit').column('order_id').execute();
      await db.schema
        .createTable('compliance_audit_head')
        .ifNotExists()
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db
        .insertInto('compliance_audit_head')
        .values({ id: 1, seq: 0, hash: AUDIT_GENESIS_HASH })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    },
  },
  '300_002_compliance_pact_shipments': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('compliance_pact_shipments')
        .ifNotExists()
        .addColumn('order_id', 'text', (c) => c.primaryKey())
        .addColumn('zoho_sales_order_id', 'text')
        .addColumn('shipped_at', 'bigint', (c) => c.notNull())
        .addColumn('ship_state', 'text', (c) => c.notNull())
        .addColumn('recipient_name', 'text', (c) => c.notNull())
        .addColumn('line1', 'text', (c) => c.notNull())
        .addColumn('line2', 'text')
        .addColumn('city', 'text', (c) => c.notNull())
        .addColumn('zip', 'text', (c) => c.notNull())
        .addColumn('delivery_service', 'text', (c) => c.notNull())
        .addColumn('lines', 'text', (c) => c.notNull())
        .addColumn('cancelled_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('compliance_pact_shipped_idx')
        .ifNotExists()
        .on('compliance_pact_shipments')
        .columns(['shipped_at', 'ship_state'])
        .execute();
    },
  },
};

