import { afterEach, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { makeHarness, items, type Harness } from './harness.js';
import { FakeClock } from '../../src/shared/clock.js';
import { SyncPlanner } from '../../src/catalog/planner.js';
import type { BudgetSnapshot } from '../../src/zoho/types.js';
import type { FakeZoho } from './fake-zoho.js';

function budgetOf(zoho: () => FakeZoho, clock: FakeClock, limit: number, orderCalls: () => number) {
  return {
    snapshot(): BudgetSnapshot {
      const z = zoho();
      const byP = { order: orderCalls(), webhook: z.count(undefined, 'webhook'), poll: z.count(undefined, 'poll'), reconcile: z.count(undefined, 'reconcile') };
      return {
        day: new Date(clock.now()).toISOString().slice(0, 10),
        dailyLimit: limit,
        usedToday: byP.order + byP.webhook + byP.poll + byP.reconcile,
        usedByPriority: byP,
        perMinuteLimit: 100,
        usedThisMinute: 0,
        inFlight: 0,
        concurrencyLimit: 5,
        hourly: [],
      };
    },
  };
}

describe('planner arithmetic', () => {
  it('keeps walking at poll priority once the ledger refuses reconcile calls, inside what the sweeps leave', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 28, 22, 0, 0));
    let used = 705; // past the ledger's reconcile cap (70 % of 1000)
    const budget = {
      snapshot: (): BudgetSnapshot => ({ day: '2026-11-28', dailyLimit: 1000, usedToday: used, usedByPriority: { order: 100, webhook: 0, poll: 0, reconcile: 0 }, perMinuteLimit: 100, usedThisMinute: 0, inFlight: 0, concurrencyLimit: 5, hourly: [] }),
    };
    const planner = new SyncPlanner({ dailyLimit: 1000, detailBatchSize: 50 }, clock, budget);
    const late = await planner.plan({ catalogSize: 500, lastWebhookAt: null, imagesPending: false });
    expect(late.reconcileRoom).toBe(0);
    expect(late.walkClass).toBe('walk');
    expect(late.reconcileIntervalMs).not.toBeNull();
    expect(late.walkBoundMs).not.toBeNull();
    expect(late.stalenessExplanation).toContain('poll priority');
    // The walk's pace leaves the sweeps their calls until midnight: walk + sweeps stay inside the poll room.
    const walkCalls = late.msLeftInDay / late.reconcileIntervalMs!;
    const sweepCalls = (late.msLeftInDay / late.sweepIntervalMs!) * (late.sweepPages + late.sweepDetailCallsExpected);
    expect(walkCalls + sweepCalls).toBeLessThanOrEqual(late.pollRoom);
    // Before the reconcile cap the walk keeps its own priority.
    used = 600;
    expect((await planner.plan({ catalogSize: 500, lastWebhookAt: null, imagesPending: false })).walkClass).toBe('reconcile');
    // Poll room all promised to the sweeps: no walk, and the explanation says why.
    used = 800;
    const full = await planner.plan({ catalogSize: 500, lastWebhookAt: null, imagesPending: false });
    expect(full.walkClass).toBeNull();
    expect(full.reconcileIntervalMs).toBeNull();
    expect(full.walkBoundMs).toBeNull();
  });

  it('holds the order reserve, spends the rest, and stops at the budget', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 28, 0, 0, 0));
    let used = 0;
    let orders = 0;
    const budget = {
      snapshot: (): BudgetSnapshot => ({ day: '2026-11-28', dailyLimit: 1000, usedToday: used, usedByPriority: { order: orders, webhook: 0, poll: 0, reconcile: 0 }, perMinuteLimit: 100, usedThisMinute: 0, inFlight: 0, concurrencyLimit: 5, hourly: [] }),
    };
    const planner = new SyncPlanner({ dailyLimit: 1000, detailBatchSize: 50 }, clock, budget);
    const p0 = await planner.plan({ catalogSize: 500, lastWebhookAt: null, imagesPending: false });
    expect(p0).toMatchObject({ orderReserveLeft: 400, webhookReserveLeft: 0, safetyMargin: 10, syncCallsLeft: 590, walkCalls: 10, webhooks: 'silent' });
    // Webhooks healthy: a reserve for their follow-ups, and a slower safety-net pace.
    const p1 = await planner.plan({ catalogSize: 500, lastWebhookAt: clock.now() - 60_000, imagesPending: false });
    expect(p1.webhooks).toBe('healthy');
    expect(p1.webhookReserveLeft).toBe(150);
    expect(p1.reconcileIntervalMs!).toBeGreaterThanOrEqual(p0.reconcileIntervalMs!);
    // Orders ate more than their reserve: the catalog gets what is left, never more.
    orders = 900;
    used = 990;
    const p2 = await planner.plan({ catalogSize: 500, lastWebhookAt: null, imagesPending: false });
    expect(p2.syncCallsLeft).toBe(0);
    expect(p2.stalenessBoundMs).toBeNull();
    expect(await planner.canSpend(1)).toBe(false);
    // Orders running hotter than the reserve: their observed rate is held back instead.
    clock.advance(6 * 3_600_000);
    orders = 300;
    used = 400;
    const hot = await planner.plan({ catalogSize: 500, lastWebhookAt: null, imagesPending: false });
    expect(hot.orderReserveLeft).toBe(600); // 300 calls in 6 h → 900 more by midnight, capped by what is left
    expect(hot.syncCallsLeft).toBe(0);
  });
});

describeEachDatabase('planner over a simulated day', (kind) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('never exceeds the daily budget, reserves for orders, and keeps stock within its promised staleness', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 28, 0, 0, 0));
    let orderCalls = 0;
    const limit = 1000;
    let zohoRef: FakeZoho | null = null;
    h = await makeHarness(kind, items(500), { clock, budget: budgetOf(() => zohoRef!, clock, limit, () => orderCalls), dailyLimit: limit });
    zohoRef = h.zoho;
    const tickMs = 300_000;
    let worstStaleness = 0;
    let worstBound = 0;
    const dayEnd = clock.now() + 86_400_000 - tickMs;
    let n = 0;
    while (clock.now() < dayEnd) {
      clock.advance(tickMs);
      n++;
      // 200 orders over the day, 3 Zoho calls each (contact, sales order, confirm); the real budget refuses past the limit.
      while (orderCalls / 3 < Math.min(200, Math.floor((n * 200) / 280))) {
        expect(h.zoho.calls.length + orderCalls + 3).toBeLessThanOrEqual(limit);
        orderCalls += 3;
      }
      const r = await h.catalog.scheduler.tick();
      const used = h.zoho.calls.length + orderCalls;
      expect(used).toBeLessThanOrEqual(limit);
      // The age of the oldest detail read is bounded by the walk (the sweep's tighter bound covers aggregate moves only).
      if (r.plan?.walkBoundMs) worstBound = Math.max(worstBound, r.plan.walkBoundMs);
      if (n > 12) {
        const row = await h.store.db.selectFrom('catalog_items').select((eb) => eb.fn.min<number>('stock_seen_at').as('m')).where('gone', '=', 0).executeTakeFirstOrThrow();
        worstStaleness = Math.max(worstStaleness, clock.now() - Number(row.m));
      }
    }
    const total = h.zoho.calls.length + orderCalls;
    expect(total).toBeLessThanOrEqual(limit);
    expect(orderCalls).toBe(600);
    // The catalog used most of what orders left under the ledger's poll cap (850 − 600 − margin 10 = 240), without touching the margin.
    expect(h.zoho.calls.length).toBeGreaterThan(200);
    expect(h.zoho.calls.length).toBeLessThanOrEqual(850 - 600);
    expect(h.zoho.calls.length).toBeLessThanOrEqual(limit - 600 - 10);
    // Every item was re-read during the day and the worst age stayed within what the plan promised.
    expect(worstStaleness).toBeGreaterThan(0);
    expect(worstStaleness).toBeLessThanOrEqual(worstBound + tickMs);
    const byClass = h.catalog.planner.ownUsage().byClass;
    expect(byClass.reconcile).toBeGreaterThan(0);
    expect(byClass.sweep).toBeGreaterThan(0);
  }, 180_000);
});
