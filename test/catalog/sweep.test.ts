import { afterEach, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { makeHarness, items, type Harness } from './harness.js';
import { FakeClock } from '../../src/shared/clock.js';
import type { BudgetSnapshot } from '../../src/zoho/types.js';
import { listStockSig } from '../../src/catalog/mapping.js';
import type { FakeZoho } from './fake-zoho.js';

describe('listStockSig', () => {
  it('normalizes numeric strings and tells moved aggregates apart', () => {
    const a = listStockSig({ item_id: '1', name: 'a', stock_on_hand: 5, available_stock: '5.000000' } as never);
    const b = listStockSig({ item_id: '1', name: 'a', stock_on_hand: '5.00', available_stock: 5 } as never);
    const c = listStockSig({ item_id: '1', name: 'a', stock_on_hand: 4, available_stock: 5 } as never);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });
});

describeEachDatabase('aggregate sweep', (kind) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('re-reads in detail only the items whose aggregates moved, even without a last_modified_time change', async () => {
    h = await makeHarness(kind, items(500));
    await h.catalog.sync.fullSync();
    const id1 = '5000000000000000007';
    const id2 = '5000000000000000321';
    const lmBefore = h.zoho.details.get(id1)!.last_modified_time;
    h.zoho.moveStock(id1, 3);
    h.zoho.moveStock(id2, 77);
    expect(h.zoho.details.get(id1)!.last_modified_time).toBe(lmBefore);
    h.zoho.calls = [];
    const r = await h.catalog.sync.sweepOnce();
    expect(h.zoho.count('items.list')).toBe(3); // 500 items, 200 per page
    expect(h.zoho.count('items.getMany')).toBe(1); // both moved items in one batch
    expect(h.zoho.calls.find((c) => c.method === 'items.getMany')!.ids).toBe(2);
    expect(r.changed).toBe(2);
    expect((await h.catalog.reader.getBySku('SKU-0007'))!.zohoQuantity).toBe(3);
    expect((await h.catalog.reader.getBySku('SKU-0321'))!.zohoQuantity).toBe(77);
    // Nothing moved since: a sweep costs its list pages and no detail call.
    h.zoho.calls = [];
    await h.catalog.sync.sweepOnce();
    expect(h.zoho.count('items.list')).toBe(3);
    expect(h.zoho.count('items.getMany')).toBe(0);
  });

  it('keeps a moved item for the next sweep when its detail read is refused, and leaves transfers to the walk', async () => {
    h = await makeHarness(kind, items(30));
    await h.catalog.sync.fullSync();
    h.zoho.moveStock('5000000000000000004', 1);
    h.zoho.budgetLeft = 1; // the list call passes, the detail read is refused
    const stopped = await h.catalog.sync.sweepOnce();
    expect(stopped.stoppedBy).toBe('budget');
    expect((await h.catalog.reader.getBySku('SKU-0004'))!.zohoQuantity).toBe(10);
    h.zoho.budgetLeft = Infinity;
    await h.catalog.sync.sweepOnce();
    expect((await h.catalog.reader.getBySku('SKU-0004'))!.zohoQuantity).toBe(1);
    // A transfer between locations leaves the org aggregates unchanged: the sweep cannot see it…
    h.zoho.setStock('5000000000000000005', 42);
    h.zoho.calls = [];
    await h.catalog.sync.sweepOnce();
    expect(h.zoho.count('items.getMany')).toBe(0);
    expect((await h.catalog.reader.getBySku('SKU-0005'))!.zohoQuantity).toBe(10);
    // …the reconciliation walk does.
    await h.catalog.sync.reconcileOnce({ batchSize: 50 });
    expect((await h.catalog.reader.getBySku('SKU-0005'))!.zohoQuantity).toBe(42);
  });

  it('marks items that a complete sweep no longer lists as gone', async () => {
    h = await makeHarness(kind, items(10));
    await h.catalog.sync.fullSync();
    h.clock.advance(60_000);
    h.zoho.details.delete('5000000000000000003');
    await h.catalog.sync.sweepOnce(); // starts and completes a walk
    // One walk that missed it is not proof (a deletion mid-walk shifts pages); two in a row are.
    expect(await h.catalog.reader.getBySku('SKU-0003', { includeHidden: true })).not.toBeNull();
    expect((await h.catalog.reader.getBySku('SKU-0003', { includeHidden: true }))!.gone).toBe(false);
    h.clock.advance(60_000);
    await h.catalog.sync.sweepOnce();
    expect(await h.catalog.reader.getBySku('SKU-0003')).toBeNull();
    expect(await h.catalog.reader.getBySku('SKU-0004')).not.toBeNull();
  });
});

describe('planner with the sweep over a simulated day', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('never exceeds the budget, promises <= 15 min for aggregate moves, and keeps that promise', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 28, 0, 0, 0));
    const limit = 1000;
    let orderCalls = 0;
    let zoho: FakeZoho | null = null;
    const budget = {
      snapshot: (): BudgetSnapshot => ({
        day: new Date(clock.now()).toISOString().slice(0, 10),
        dailyLimit: limit,
        usedToday: zoho!.calls.length + orderCalls,
        usedByPriority: { order: orderCalls, webhook: 0, poll: zoho!.count(undefined, 'poll'), reconcile: zoho!.count(undefined, 'reconcile') },
        perMinuteLimit: 100, usedThisMinute: 0, inFlight: 0, concurrencyLimit: 5, hourly: [],
      }),
    };
    h = await makeHarness('sqlite', items(500), { clock, budget, dailyLimit: limit });
    zoho = h.zoho;
    const tickMs = 180_000;
    const day = 86_400_000;
    const start = clock.now();
    // 150 stock moves (no last_modified_time change) at deterministic pseudo-random times and items.
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const moves = Array.from({ length: 150 }, () => ({ at: start + 3_600_000 + Math.floor(rnd() * (day - 2 * 3_600_000)), n: 1 + Math.floor(rnd() * 500), qty: Math.floor(rnd() * 40) })).sort((a, b) => a.at - b.at);
    const pending = new Map<string, { since: number; qty: number }>();
    let worst = 0;
    let worstBound = 0;
    let next = 0;
    let n = 0;
    while (clock.now() < start + day - tickMs) {
      clock.advance(tickMs);
      n++;
      while (orderCalls / 2 < Math.min(200, Math.floor((n * 200) / 470))) {
        expect(h.zoho.calls.length + orderCalls + 2).toBeLessThanOrEqual(limit);
        orderCalls += 2;
      }
      while (next < moves.length && moves[next]!.at <= clock.now()) {
        const m = moves[next++]!;
        const sku = `SKU-${String(m.n).padStart(4, '0')}`;
        h.zoho.moveStock(`5000000000000${String(m.n).padStart(6, '0')}`, m.qty);
        if (!pending.has(sku)) pending.set(sku, { since: m.at, qty: m.qty });
        else pending.get(sku)!.qty = m.qty;
      }
      const r = await h.catalog.scheduler.tick();
      expect(h.zoho.calls.length + orderCalls).toBeLessThanOrEqual(limit);
      if (r.plan?.stalenessBoundMs && n > 10) worstBound = Math.max(worstBound, r.plan.stalenessBoundMs);
      for (const [sku, p] of pending) {
        const shown = (await h.catalog.reader.getBySku(sku))!.zohoQuantity;
        if (shown === p.qty) pending.delete(sku);
        else worst = Math.max(worst, clock.now() - p.since);
      }
    }
    expect(orderCalls).toBe(400);
    expect(h.zoho.calls.length + orderCalls).toBeLessThanOrEqual(limit);
    expect(worstBound).toBeGreaterThan(0);
    expect(worstBound).toBeLessThanOrEqual(15 * 60_000);
    expect(worst).toBeLessThanOrEqual(worstBound + tickMs);
    const by = h.catalog.planner.ownUsage().byClass;
    expect(by.sweep).toBeGreaterThan(90 * 3 - 1);
    expect(by.reconcile).toBeGreaterThan(0);
    // Unchanged items cost nothing: detail reads stay near the number of moves, far below a walk per sweep.
    expect(by['sweep-detail']!).toBeLessThanOrEqual(150);
  }, 180_000);
});
