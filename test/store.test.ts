import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase, openTestStore, testDatabase, dropSchema } from './support/databases.js';
import { openStore } from '../src/store/db.js';
import { allMigrations } from '../src/store/migrations.js';
import { tryAcquireLease, releaseLease } from '../src/store/leases.js';
import type { Store } from '../src/store/db.js';

describeEachDatabase('store', (kind) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it('migrates and answers a query', async () => {
    store = await openTestStore(kind);
    const rows = await store.db.selectFrom('leases').selectAll().execute();
    expect(rows).toEqual([]);
  });

  it('grants a lease to one owner at a time and hands it over after expiry', async () => {
    store = await openTestStore(kind);
    const now = 1_000_000;
    expect(await tryAcquireLease(store.db, 'refresh', 'a', 1000, now)).toBe(true);
    expect(await tryAcquireLease(store.db, 'refresh', 'b', 1000, now + 10)).toBe(false);
    expect(await tryAcquireLease(store.db, 'refresh', 'b', 1000, now + 1001)).toBe(true);
    await releaseLease(store.db, 'refresh', 'b');
    expect(await tryAcquireLease(store.db, 'refresh', 'a', 1000, now + 1002)).toBe(true);
  });

  it('lets exactly one of many concurrent contenders win', async () => {
    store = await openTestStore(kind);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => tryAcquireLease(store!.db, 'race', `o${i}`, 60_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('records every module migration once, even when several processes start at the same time', async () => {
    const { config, schema } = testDatabase(kind);
    // Real processes: SQLite's driver is synchronous, so contenders must not share a thread.
    const child = join(dirname(fileURLToPath(import.meta.url)), 'support/open-store-child.ts');
    const run = () =>
      new Promise<number>((resolve) => {
        const p = spawn(process.execPath, ['--import', 'tsx', child], {
          env: { ...process.env, DTC_TEST_DB: JSON.stringify(config), DTC_TEST_SCHEMA: schema ?? '' },
          stdio: 'inherit',
        });
        p.on('exit', (code) => resolve(code ?? 1));
      });
    const codes = await Promise.all([run(), run(), run()]);
    expect(codes).toEqual([0, 0, 0]);
    const store = await openStore(config, schema ? { schema } : {});
    try {
      const rows = await store.db.selectFrom('schema_migrations' as never).selectAll().execute();
      expect(rows).toHaveLength(Object.keys(allMigrations()).length);
    } finally {
      await store.close();
      if (schema) await dropSchema(schema);
    }
  });
});
