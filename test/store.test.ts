import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase, openTestStore } from './support/databases.js';
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
});
