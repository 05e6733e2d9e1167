import type { Kysely, Migration } from 'kysely';

// Tables owned by the zoho module. Conventions: src/store/columns.ts
// (epoch-ms bigint, 0/1 integers, JSON in text, Zoho ids in text).

export interface ZohoConnectionRow {
  /** One connection per bridge today; the key leaves room for a staging org later. */
  id: string;
  state: 'not_connected' | 'connected' | 'needs_reauth' | 'error';
  /** AES-256-GCM envelopes (src/zoho/crypto.ts), never the plain token. */
  access_token_enc: string | null;
  refresh_token_enc: string | null;
  access_expires_at: number | null;
  api_domain: string | null;
  accounts_server: string | null;
  /** DC code from a multi-DC redirect (`location=eu`), when Zoho sent one. */
  location: string | null;
  /** JSON array of the scopes asked for at consent ([] = unknown, e.g. Self Client). */
  scopes: string;
  /** Bumped on every token write: lets a waiter see that someone else refreshed. */
  token_version: number;
  last_refresh_at: number | null;
  last_error: string | null;
  /** Zoho's refresh throttle ("Access Denied"): no process asks again before this. */
  throttled_until: number;
  /** Cool-down after any other refresh failure, shared by every process. */
  retry_after: number;
  consecutive_failures: number;
  connected_at: number | null;
  updated_at: number;
}

export interface ZohoOAuthStateRow {
  /** sha256 of the state value: a database leak does not hand out live states. */
  state_hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  scopes: string;
  redirect_uri: string;
}

export interface ZohoBudgetDayRow {
  /** UTC date `YYYY-MM-DD`: the bridge's budget day (Zoho's own reset time is not documented). */
  day: string;
  used: number;
  used_order: number;
  used_webhook: number;
  used_poll: number;
  used_reconcile: number;
  /** Set when Zoho itself answered code 45 (daily quota): nothing is sent before it. */
  exhausted_until: number;
}

export interface ZohoBudgetMinuteRow {
  /** floor(epochMs / 60000). */
  minute: number;
  used: number;
}

export interface ZohoCallLogRow {
  at: number;
  endpoint: string;
  method: string;
  /** HTTP status, or 0 when no response came back. */
  status: number;
  zoho_code: number | null;
  duration_ms: number;
  priority: string;
  attempt: number;
}

export interface ZohoTables {
  zoho_connection: ZohoConnectionRow;
  zoho_oauth_states: ZohoOAuthStateRow;
  zoho_budget_days: ZohoBudgetDayRow;
  zoho_budget_minutes: ZohoBudgetMinuteRow;
  zoho_call_log: ZohoCallLogRow;
}

export const zohoMigrations: Record<string, Migration> = {
  '100_001_zoho_connection': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('zoho_connection')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('access_token_enc', 'text')
        .addColumn('refresh_token_enc', 'text')
        .addColumn('access_expires_at', 'bigint')
        .addColumn('api_domain', 'text')
        .addColumn('accounts_server', 'text')
        .addColumn('location', 'text')
        .addColumn('scopes', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('token_version', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_refresh_at', 'bigint')
        .addColumn('last_error', 'text')
        .addColumn('throttled_until', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('retry_after', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('connected_at', 'bigint')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '100_002_zoho_oauth_states': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('zoho_oauth_states')
        .ifNotExists()
        .addColumn('state_hash', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('redirect_uri', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '100_003_zoho_budget': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('zoho_budget_days')
        .ifNotExists()
        .addColumn('day', 'text', (c) => c.primaryKey())
        .addColumn('used', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('used_order', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('used_webhook', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('used_poll', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('used_reconcile', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('exhausted_until', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('zoho_budget_minutes')
        .ifNotExists()
        .addColumn('minute', 'bigint', (c) => c.primaryKey())
        .addColumn('used', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
  '100_004_zoho_call_log': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('zoho_call_log')
        .ifNotExists()
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('endpoint', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('zoho_code', 'integer')
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('priority', 'text', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('zoho_call_log_at').ifNotExists().on('zoho_call_log').column('at').execute();
    },
  },
};
