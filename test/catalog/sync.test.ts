import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { makeHarness, items, type Harness } from './harness.js';
import { makeItem, LOC } from './fake-zoho.js';
import { formatZohoTime } from '../../src/catalog/mapping.js';
import { CatalogRepository } from '../../src/catalog/repository.js';
import { DEFAULT_FIELD_MAP } from '../../src/catalog/mapping.js';
import { STATE } from '../../src/catalog/sync.js';

describeEachDatabase('catalog sync', (kind) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('full sync reads each list page in detail batches, writing each row once, with progress', async () => {
    h = await makeHarness(kind, items(450));
    const progress: Array<{ phase: string; done: number; total: number }> = [];
    const r = await h.catalog.sync.fullSync({ onProgress: (p) => progress.push(p) });
    expect(r).toMatchObject({ completed: true, listed: 450, detailed: 450 });
    expect(h.zoho.count('items.list')).toBe(3); // 200 + 200 + 50
    expect(h.zoho.count("items.getMany")).toBe(9); // batches of 50
    expect(h.zoho.calls.every((c) => c.priority === 'reconcile')).toBe(true);
    expect(progress.at(-1)).toEqual({ phase: 'done', done: 450, total: 450 });
    // The total is an estimate until the last page is listed.
    expect(progress.some((p) => p.phase === 'details' && p.done === 200)).toBe(true);
    expect(progress.some((p) => p.phase === 'details' && p.done === 450 && p.total === 450)).toBe(true);
    // Page by page: a list call, then that page's detail batches.
    expect(h.zoho.calls.map((c) => c.method)).toEqual([
      'items.list', ...Array(4).fill('items.getMany'), 'items.list', ...Array(4).fill('items.getMany'), 'items.list', 'items.getMany',
    ]);
    expect(h.zoho.calls.filter((c) => c.method === 'items.getMany').every((c) => c.ids === 50)).toBe(true);
    const p = await h.catalog.reader.getBySku('SKU-0007');
    expect(p).toMatchObject({ sku: 'SKU-0007', zohoQuantity: 10, availableQuantity: 10, msrpCents: 1999, clubDiscountBps: 1000, live: true });
  });

  it('full sync pauses on the budget and resumes from its checkpoint', async () => {
    h = await makeHarness(kind, items(450));
    h.zoho.budgetLeft = 4; // list page 1 + 3 of its 4 detail batches
    const first = await h.catalog.sync.fullSync();
    expect(first).toMatchObject({ completed: false, stoppedBy: 'budget', listed: 200, detailed: 150 });
    // The unread quarter of the page is stored from its list row, hidden until detailed.
    expect((await h.catalog.status()).catalog.detailed).toBe(150);
    h.zoho.budgetLeft = Infinity;
    const before = h.zoho.calls.length;
    const second = await h.catalog.sync.fullSync();
    expect(second).toMatchObject({ completed: true, listed: 450, detailed: 450, gone: 0 });
    // No list page re-read, and no detail batch read again: the checkpoint kept page 1's unread ids.
    expect(h.zoho.calls.slice(before).map((c) => c.method)).toEqual([
      'items.getMany', 'items.list', ...Array(4).fill('items.getMany'), 'items.list', 'items.getMany',
    ]);
    expect(h.zoho.calls.filter((c) => c.method === 'items.list').map((c) => c.params?.page)).toEqual([1, 2, 3]);
    expect((await h.catalog.status()).catalog.detailed).toBe(450);
  });

  it('a stop on the last page keeps its unread ids; the resume reads them, then marks unlisted items gone', async () => {
    h = await makeHarness(kind, items(250));
    await h.catalog.sync.fullSync();
    h.clock.advance(60_000);
    h.zoho.details.delete('5000000000000000002');
    h.zoho.budgetLeft = 6; // page 1 + 4 batches, page 2 listed; its one batch refused
    const first = await h.catalog.sync.fullSync({ restart: true });
    expect(first).toMatchObject({ completed: false, stoppedBy: 'budget', listed: 249, detailed: 200 });
    h.zoho.budgetLeft = Infinity;
    const before = h.zoho.calls.length;
    const second = await h.catalog.sync.fullSync();
    expect(second).toMatchObject({ completed: true, listed: 249, detailed: 249, gone: 1 });
    expect(h.zoho.calls.slice(before).map((c) => c.method)).toEqual(['items.getMany']);
    expect(await h.catalog.reader.getBySku('SKU-0002')).toBeNull();
    expect(await h.catalog.reader.getBySku('SKU-0249')).not.toBeNull();
  });

  it('resumes a checkpoint left by the older list-then-details sync', async () => {
    h = await makeHarness(kind, items(450));
    await h.catalog.sync.fullSync();
    const repo = new CatalogRepository(h.store.db);
    const ids = (await h.store.db.selectFrom('catalog_items').select('item_id').orderBy('item_id').execute()).map((r) => r.item_id);
    await repo.setState(STATE.fullSync, { runStartedAt: h.clock.now(), phase: 'details', nextPage: 3, listed: 450, detailAfter: ids[199], detailed: 200 }, h.clock.now());
    await repo.deleteState(STATE.lastFullSync);
    const before = h.zoho.calls.length;
    const r = await h.catalog.sync.fullSync();
    expect(r).toMatchObject({ completed: true, listed: 450, detailed: 450 });
    expect(h.zoho.calls.slice(before).map((c) => c.method)).toEqual(Array(5).fill('items.getMany'));
  });

  it('items missing from a full list walk, or inactive, leave the storefront', async () => {
    h = await makeHarness(kind, items(5));
    await h.catalog.sync.fullSync();
    h.clock.advance(60_000);
    h.zoho.details.delete('5000000000000000002');
    h.zoho.update('5000000000000000003', (it) => {
      it.status = 'inactive';
      it.last_modified_time = formatZohoTime(Date.UTC(2026, 0, 2));
    });
    const r = await h.catalog.sync.fullSync();
    expect(r.gone).toBe(1);
    expect(await h.catalog.reader.getBySku('SKU-0002')).toBeNull();
    expect(await h.catalog.reader.getBySku('SKU-0003')).toBeNull();
    expect(await h.catalog.reader.getBySku('SKU-0003', { includeHidden: true })).toMatchObject({ active: false });
    expect(await h.catalog.reader.getBySku('SKU-0004')).not.toBeNull();
  });

  it('incremental poll re-reads the boundary second and details only what changed (same-second ties)', async () => {
    const t0 = Date.UTC(2026, 0, 1, 10, 0, 0);
    h = await makeHarness(kind, [
      { id: '100', sku: 'A', lmMs: t0 },
      { id: '200', sku: 'B', lmMs: t0 - 60_000 },
      { id: '300', sku: 'C', lmMs: t0 - 120_000 },
    ]);
    await h.catalog.sync.fullSync();
    h.zoho.calls = [];
    // Nothing changed: one list call, no detail call.
    let r = await h.catalog.sync.pollOnce();
    expect(r).toMatchObject({ ran: true, calls: 1, changed: 0 });
    expect(h.zoho.calls[0]!.params).toMatchObject({ sort_column: 'last_modified_time', sort_order: 'A' });
    // The filter starts before the cursor (overlap) in Zoho's format.
    expect(h.zoho.calls[0]!.params!.last_modified_time).toBe(formatZohoTime(t0 - 120_000, -480));

    // Item 200 is edited within the cursor's second, and has a smaller id than the cursor item: still seen.
    h.zoho.update('200', (it) => {
      it.last_modified_time = formatZohoTime(t0, -480);
      it.name = 'B renamed';
    });
    h.zoho.calls = [];
    r = await h.catalog.sync.pollOnce();
    expect(h.zoho.count('items.getMany')).toBe(1);
    expect(h.zoho.calls.find((c) => c.method === 'items.getMany')!.ids).toBe(1);
    expect((await h.catalog.reader.getBySku('B'))!.name).toBe('B renamed');

    // A new item one second later, and a fresh poll: the new one only.
    h.zoho.put(makeItem({ id: '050', sku: 'D', lmMs: t0 + 1000 }));
    h.zoho.calls = [];
    await h.catalog.sync.pollOnce();
    expect(h.zoho.calls.filter((c) => c.method === 'items.getMany').map((c) => c.ids)).toEqual([1]);
    expect(await h.catalog.reader.getBySku('D')).not.toBeNull();
    const cursor = (await h.catalog.status()).lastPoll as { cursor: string };
    expect(cursor.cursor).toBe(formatZohoTime(t0 + 1000, -480));
  });

  it('reconciliation walks the whole catalog in detail batches and sees stock moves that do not touch last_modified_time', async () => {
    h = await makeHarness(kind, items(5), { tuning: { detailBatchSize: 2 } });
    await h.catalog.sync.fullSync();
    h.zoho.setStock('5000000000000000005', 3);
    h.zoho.calls = [];
    await h.catalog.sync.pollOnce();
    expect((await h.catalog.reader.getBySku('SKU-0005'))!.zohoQuantity).toBe(10); // poll cannot see it
    for (let i = 0; i < 3; i++) await h.catalog.sync.reconcileOnce();
    expect(h.zoho.calls.filter((c) => c.method === 'items.getMany').every((c) => c.priority === 'reconcile' && c.ids === 2)).toBe(true);
    expect((await h.catalog.reader.getBySku('SKU-0005'))!.zohoQuantity).toBe(3);
    expect((await h.catalog.status()).lastWalk).not.toBeNull();
  });

  it('a walk batch past the ledger reconcile share goes at poll priority, counted as walk', async () => {
    h = await makeHarness(kind, items(60));
    await h.catalog.sync.fullSync();
    const before = h.zoho.calls.length;
    h.clock.advance(60_000);
    h.zoho.update('5000000000000000004', (it) => {
      (it.locations as Array<Record<string, unknown>>).find((l) => l.location_id === LOC)!.location_actual_available_for_sale_stock = 3;
    });
    const r = await h.catalog.sync.reconcileOnce({ cls: 'walk' });
    expect(r.ran).toBe(true);
    const made = h.zoho.calls.slice(before);
    expect(made.map((c) => [c.method, c.priority])).toEqual([['items.getMany', 'poll']]);
    expect(h.catalog.planner.ownUsage().byClass.walk).toBe(1);
    expect(await h.catalog.reader.getBySku('SKU-0004')).toMatchObject({ zohoQuantity: 3 });
  });

  it('never overwrites a newer value with an older read', async () => {
    h = await makeHarness(kind, [{ id: '1', sku: 'A', stock: 10, lmMs: Date.UTC(2026, 0, 2) }]);
    await h.catalog.sync.fullSync();
    const repo = new CatalogRepository(h.store.db);
    const ctx = { fieldMap: DEFAULT_FIELD_MAP, locationId: LOC, stockFigure: 'actual_available_for_sale' as const };
    const now = h.clock.now();
    // A slow read that started before the sync's read, with an older Zoho modification time.
    const old = makeItem({ id: '1', sku: 'A', name: 'old name', stock: 99, lmMs: Date.UTC(2026, 0, 1) });
    const r = await repo.applyDetails([old], now - 60_000, ctx, now);
    expect(r.changed).toEqual([]);
    let p = (await h.catalog.reader.getBySku('A'))!;
    expect(p).toMatchObject({ name: 'Item A', zohoQuantity: 10 });
    // Same Zoho time, but our read is newer: stock applies (stock moves do not bump last_modified_time).
    h.clock.advance(1000);
    await repo.applyDetails([makeItem({ id: '1', sku: 'A', stock: 4, lmMs: Date.UTC(2026, 0, 2) })], h.clock.now(), ctx, h.clock.now());
    p = (await h.catalog.reader.getBySku('A'))!;
    expect(p.zohoQuantity).toBe(4);
    // Newer Zoho modification but read earlier than the last stock read: fields apply, stock does not.
    await repo.applyDetails([makeItem({ id: '1', sku: 'A', name: 'new name', stock: 50, lmMs: Date.UTC(2026, 0, 3) })], h.clock.now() - 500, ctx, h.clock.now());
    p = (await h.catalog.reader.getBySku('A'))!;
    expect(p).toMatchObject({ name: 'new name', zohoQuantity: 4 });
  });

  it('records mapping problems per item, queryable, and alerts once per sync', async () => {
    h = await makeHarness(kind, [
      { id: '1', sku: 'A', custom: { cf_risk_level: 'extreme' } },
      { id: '2', sku: 'B', custom: { cf_age_required: undefined } },
      { id: '3', sku: 'C' },
      { id: '4', sku: 'D', shape: 'none' },
    ]);
    await h.catalog.sync.fullSync();
    expect(h.alerts.events.filter((e) => e.kind === 'mapping_problem')).toHaveLength(1);
    const a = (await h.catalog.reader.getBySku('A'))!;
    expect(a.riskLevel).toBe('high');
    expect(a.mappingProblems[0]).toMatch(/^riskLevel: invalid/);
    expect((await h.catalog.reader.getBySku('D'))!.zohoQuantity).toBe(0);
    const summary = await h.catalog.mappingProblems();
    expect(summary.items).toBe(3);
    expect(summary.byField).toEqual(
      expect.arrayContaining([
        { field: 'riskLevel', problem: 'invalid', count: 1 },
        { field: 'ageRequired', problem: 'missing', count: 1 },
        { field: 'stock', problem: 'location_missing', count: 1 },
      ]),
    );
    // The same problems seen again by a reconciliation raise nothing new.
    await h.catalog.sync.reconcileOnce();
    expect(h.alerts.events.filter((e) => e.kind === 'mapping_problem')).toHaveLength(1);
    // Fixed in Zoho: the problem disappears.
    h.zoho.update('1', (it) => {
      it.custom_fields!.find((f) => f.api_name === 'cf_risk_level')!.value = 'low';
      it.last_modified_time = formatZohoTime(Date.UTC(2026, 1, 1));
    });
    await h.catalog.sync.reconcileOnce();
    expect((await h.catalog.reader.getBySku('A'))!.mappingProblems).toEqual([]);
    expect((await h.catalog.mappingProblems()).items).toBe(2);
  });

  it('subtracts the bridge reservations from the Zoho figure', async () => {
    h = await makeHarness(kind, [{ id: '1', sku: 'A', stock: 5 }], {
      reservations: { outstandingBySku: async (q) => new Map(q.map((x) => [x.sku, x.sku === 'A' ? 2 : 0])) },
    });
    await h.catalog.sync.fullSync();
    expect(await h.catalog.reader.getBySku('A')).toMatchObject({ zohoQuantity: 5, availableQuantity: 3 });
  });

  it('downloads an image once per change and serves it', async () => {
    h = await makeHarness(kind, [{ id: '1', sku: 'A', image: 'doc1' }, { id: '2', sku: 'B' }]);
    await h.catalog.sync.fullSync();
    await h.catalog.sync.fetchImages();
    await h.catalog.sync.fetchImages();
    expect(h.zoho.count('items.getImage')).toBe(1);
    const res = await h.app.inject({ url: '/api/products/A/image' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.body).toBe('png-of-1-doc1');
    expect((await h.app.inject({ url: '/api/products/A' })).json().imageUrl).toBe('/api/products/A/image');
    expect((await h.app.inject({ url: '/api/products/B/image' })).statusCode).toBe(404);
    h.zoho.update('1', (it) => {
      it.image_document_id = 'doc2';
      it.last_modified_time = formatZohoTime(Date.UTC(2026, 1, 1));
    });
    await h.catalog.sync.reconcileOnce();
    await h.catalog.sync.fetchImages();
    expect(h.zoho.count('items.getImage')).toBe(2);
    expect((await h.app.inject({ url: '/api/products/A/image' })).body).toBe('png-of-1-doc2');
  });
});
