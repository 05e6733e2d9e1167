/**
 * A simulated day (FakeClock, 5-minute scheduler ticks): daily budget 1000,
 * 500 SKUs, 200 orders (3 order-priority calls each), webhooks off. Prints
 * the calls by class, the budget total (never above 1000) and the worst
 * staleness of a stock figure seen (goal <= 15 min), beside the planner's
 * promised bound. NOTE: runs on the in-memory FakeZoho of test/catalog (not
 * the emulator yet); the call arithmetic is the same.
 */
import { FakeClock } from '../src/shared/clock.js';
import type { BudgetSnapshot } from '../src/zoho/types.js';
import { makeHarness, items } from '../test/catalog/harness.js';

export async function run(): Promise<void> {
  const clock = new FakeClock(Date.UTC(2026, 10, 28, 0, 0, 0));
  let orderCalls = 0;
  const limit = 1000;
  let calls = () => 0;
  const budget = {
    snapshot: (): BudgetSnapshot => ({
      day: new Date(clock.now()).toISOString().slice(0, 10), dailyLimit: limit, usedToday: calls() + orderCalls,
      usedByPriority: { order: orderCalls, webhook: 0, poll: 0, reconcile: 0 }, perMinuteLimit: 100, usedThisMinute: 0, inFlight: 0, concurrencyLimit: 5, hourly: [],
    }),
  };
  const h = await makeHarness('sqlite', items(500), { clock, budget, dailyLimit: limit });
  calls = () => h.zoho.calls.length;
  try {
    let worst = 0;
    let bound = 0;
    let maxUsed = 0;
    for (let n = 1; n < 288; n++) {
      clock.advance(300_000);
      while (orderCalls / 3 < Math.min(200, Math.floor((n * 200) / 280)) && calls() + orderCalls + 3 <= limit) orderCalls += 3;
      const r = await h.catalog.scheduler.tick();
      maxUsed = Math.max(maxUsed, calls() + orderCalls);
      if (r.plan?.stalenessBoundMs) bound = Math.max(bound, r.plan.stalenessBoundMs);
      if (n > 12) {
        const row = await h.store.db.selectFrom('catalog_items').select((eb) => eb.fn.min<number>('stock_seen_at').as('m')).where('gone', '=', 0).executeTakeFirstOrThrow();
        worst = Math.max(worst, clock.now() - Number(row.m));
      }
    }
    const by = h.catalog.planner.ownUsage().byClass;
    console.log(`calls by class: orders ${orderCalls}, ${Object.entries(by).map(([k, v]) => `${k} ${v}`).join(', ')}; total ${calls() + orderCalls} / ${limit} (max seen ${maxUsed})`);
    console.log(`worst staleness ${(worst / 60_000).toFixed(1)} min (goal <= 15 min); planner bound ${(bound / 60_000).toFixed(1)} min; ratio worst/goal ${(worst / 900_000).toFixed(2)}`);
  } finally {
    await h.close();
  }
}
