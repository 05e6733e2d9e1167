import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Named leases in the database: the cross-process mutex used for single-flight
 * token refresh, the poller's leadership and other "one at a time" jobs.
 * Works the same on SQLite and PostgreSQL: a conditional UPDATE that only one
 * contender can win.
 */
export interface LeaseTables {
  leases: { name: string; owner: string | null; expires_at: number };
}

export const leaseMigrations: Record<string, Migration> = {
  '000_001_leases': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('leases')
        .ifNotExists()
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text')
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
};

export async function tryAcquireLease(
  db: Kysely<LeaseTables>,
  name: string,
  owner: string,
  ttlMs: number,
  now = Date.now(),
): Promise<boolean> {
  await db
    .insertInto('leases')
    .values({ name, owner: null, expires_at: 0 })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const result = await db
    .updateTable('leases')
    .set({ owner, expires_at: now + ttlMs })
    .where('name', '=', name)
    .where((eb) => eb.or([eb('owner', '=', owner), eb('owner', 'is', null), eb('expires_at', '<', now)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function releaseLease(db: Kysely<LeaseTables>, name: string, owner: string): Promise<void> {
  await db.updateTable('leases').set({ owner: null, expires_at: 0 }).where('name', '=', name).where('owner', '=', owner).execute();
}

/** Waits (polling) until the lease is won or the deadline passes. */
export async function acquireLease(
  db: Kysely<LeaseTables>,
  name: string,
  owner: string,
  ttlMs: number,
  waitMs: number,
): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  let delay = 10;
  for (;;) {
    if (await tryAcquireLease(db, name, owner, ttlMs)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 200);
  }
}

export { sql };
