import { sql, type Kysely } from 'kysely';
import type { Store } from './db.js';
import { allMigrations } from './migrations.js';

/**
 * Runs the modules' migrations that have not run yet, in name order, each in
 * its own transaction, recorded in `schema_migrations`.
 *
 * Not Kysely's Migrator: it introspects every table of every schema to find
 * its bookkeeping tables, which gets slow on a PostgreSQL server with many
 * schemas (a shared server, or the test suite). Several processes may start
 * at once: PostgreSQL serializes them with an advisory lock, SQLite with its
 * write lock (busy_timeout).
 */
const MIGRATION_LOCK_KEY = 724_501_337;

export async function migrateToLatest(store: Store, _schema?: string): Promise<void> {
  const db = store.db as unknown as Kysely<any>;
  const migrations = allMigrations();
  const names = Object.keys(migrations).sort();

  const pending = async (q: Kysely<any>) => {
    await q.schema
      .createTable('schema_migrations')
      .ifNotExists()
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('applied_at', 'bigint', (c) => c.notNull())
      .execute();
    const applied = new Set((await q.selectFrom('schema_migrations').select('name').execute()).map((r) => r.name as string));
    return names.filter((n) => !applied.has(n));
  };

  const runAll = async (q: Kysely<any>) => {
    for (const name of await pending(q)) {
      try {
        await migrations[name]!.up(q);
      } catch (err) {
        throw new Error(`database migration ${name} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      await q.insertInto('schema_migrations').values({ name, applied_at: Date.now() }).execute();
    }
  };

  if (store.dialect === 'postgres') {
    // DDL is transactional in PostgreSQL: all or nothing, one process at a time.
    await db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
      await runAll(trx);
    });
    return;
  }
  // SQLite: take the write lock up front (BEGIN IMMEDIATE waits on busy_timeout),
  // so two processes starting together cannot deadlock upgrading a read lock.
  // The dialect uses a single connection, so these statements stay together.
  await sql`begin immediate`.execute(db);
  try {
    await runAll(db);
    await sql`commit`.execute(db);
  } catch (err) {
    await sql`rollback`.execute(db).catch(() => undefined);
    throw err;
  }
}
