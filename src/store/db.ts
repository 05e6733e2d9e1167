import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type { DatabaseConfig } from '../config/load.js';
import type { Database } from './database.js';
import { migrateToLatest } from './migrate.js';

// int8 columns hold epoch milliseconds and cents: well inside 2^53, so numbers are safe.
// Zoho ids are never stored as int8 (they are text), so no precision is lost here.
pg.types.setTypeParser(20, (v) => Number(v));

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Run migrations (default true). */
  migrate?: boolean;
  /** PostgreSQL only: schema to use (created if missing); lets tests isolate themselves. */
  schema?: string;
  /** PostgreSQL pool size. */
  poolSize?: number;
}

export async function openStore(config: DatabaseConfig, options: OpenStoreOptions = {}): Promise<Store> {
  let store: Store;
  if (config.kind === 'sqlite') {
    if (config.filename !== ':memory:') mkdirSync(dirname(config.filename), { recursive: true });
    const sqlite = new SQLite(config.filename);
    sqlite.pragma('journal_mode = WAL');
    // Several processes may share the file (worker + server); wait instead of failing on a lock.
    sqlite.pragma('busy_timeout = 10000');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    store = { db, dialect: 'sqlite', close: () => db.destroy() };
  } else {
    const schema = options.schema;
    const pool = new pg.Pool({
      connectionString: config.connectionString,
      max: options.poolSize ?? 10,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    if (schema) {
      if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`unsafe schema name ${schema}`);
      const client = await pool.connect();
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`).catch((err: { code?: string }) => {
          // Two processes creating it at once: the loser sees a duplicate, which is fine.
          if (err.code !== '23505' && err.code !== '42P06') throw err;
        });
      } finally {
        client.release();
      }
    }
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    store = { db, dialect: 'postgres', close: () => db.destroy() };
  }
  if (options.migrate !== false) await migrateToLatest(store, config.kind === 'postgres' ? options.schema : undefined);
  return store;
}

/** Cheap liveness probe for /readyz. */
export async function pingStore(store: Store): Promise<void> {
  await sql`select 1`.execute(store.db);
}
