import type { Kysely, Migration } from 'kysely';

// Tables owned by this module. Conventions: src/store/columns.ts.

/** One row per alert that was sent (repeats inside the dedupe window only bump `suppressed`). */
export interface OpsAlertEventsTable {
  id: string;
  /** epoch ms of the first occurrence */
  raised_at: number;
  /** epoch ms of the latest repeat (equals raised_at until one arrives) */
  last_seen_at: number;
  kind: string;
  severity: string;
  message: string;
  dedupe_key: string;
  /** JSON object */
  details: string;
  /** JSON array of { sink, ok, error?, at } */
  deliveries: string;
  /** repeats suppressed by the dedupe window */
  suppressed: number;
}

export interface OpsTables {
  ops_alert_events: OpsAlertEventsTable;
}

export const opsMigrations: Record<string, Migration> = {
  '500_001_alert_events': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('ops_alert_events')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('raised_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('dedupe_key', 'text', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('deliveries', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('suppressed', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('ops_alert_events_raised_at').ifNotExists().on('ops_alert_events').column('raised_at').execute();
      await db.schema.createIndex('ops_alert_events_dedupe').ifNotExists().on('ops_alert_events').columns(['dedupe_key', 'raised_at']).execute();
    },
  },
};
