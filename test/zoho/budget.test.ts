import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { describeEachDatabase, openTestStore } from '../support/databases.js';
import type { Store } from '../../src/store/db.js';
import { FakeClock } from '../../src/shared/clock.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetricsRegistry } from '../../src/observability/metrics.js';
import { RecordingAlertSink } from '../../src/observability/alerts.js';
import { ZohoBudget, type BudgetOptions } from '../../src/zoho/budget.js';
import { ZohoBudgetExceededError, type ZohoPriority } from '../../src/zoho/errors.js';
import { zohoMetrics } from '../../src/zoho/metrics.js';

describeEachDatabase('zoho budget', (kind) => {
  let store: Store;
  let clock: FakeClock;
  let alerts: RecordingAlertSink;
  const make = (options: Partial<BudgetOptions> = {}) =>
    new ZohoBudget(
      store.db,
      { dailyLimit: 10, perMinuteLimit: 100, maxConcurrency: 5, maxMinuteWaitMs: 0, flushIntervalMs: 5, ...options },
      { clock, logger: createLogger('silent'), alerts, metrics: zohoMetrics(createMetricsRegistry(false)) },
    );
  const take = async (b: ZohoBudget, p: ZohoPriority) => (await b.acquire(p))();
  const refused = (b: ZohoBudget, p: ZohoPriority) => b.acquire(p).then(() => null, (e: unknown) => e as ZohoBudgetExceededError);

  beforeEach(async () => {
    store = await openTestStore(kind);
    // 08:00:30 UTC: mid-minute, so a full minute window is not the previous one's spill-over.
    clock = new FakeClock(Date.UTC(2026, 10, 28, 8, 0, 30));
    alerts = new RecordingAlertSink();
  });
  afterEach(async () => {
    await store.close();
  });

  it('stops at the daily limit and says so (UTC day)', async () => {
    const b = make();
    for (let i = 0; i < 10; i++) await take(b, 'order');
    const err = await refused(b, 'order');
    expect(err).toBeInstanceOf(ZohoBudgetExceededError);
    expect(err).toMatchObject({ scope: 'daily', priority: 'order' });
    expect(err!.retryAfterMs).toBe(Date.UTC(2026, 10, 29) - clock.now());
    expect(alerts.events.map((e) => e.kind)).toEqual(['budget_high', 'budget_exhausted']);
    const snap = await b.snapshot();
    expect(snap).toMatchObject({ day: '2026-11-28', dailyLimit: 10, usedToday: 10 });
    // A new UTC day starts a new ledger.
    clock.set(Date.UTC(2026, 10, 29, 0, 0, 30));
    await take(b, 'poll');
  });

  it('serves orders before polling: lower classes are refused first as the day runs low', async () => {
    const b = make(); // reconcile 70 %, poll 85 %, webhook 95 %, orders 100 % of 10
    for (let i = 0; i < 7; i++) await take(b, 'reconcile');
    expect(await refused(b, 'reconcile')).toMatchObject({ scope: 'reserve' });
    await take(b, 'poll');
    expect(await refused(b, 'poll')).toMatchObject({ scope: 'reserve' });
    await take(b, 'webhook');
    expect(await refused(b, 'webhook')).toMatchObject({ scope: 'reserve' });
    await take(b, 'order'); // 7 + 1 + 1 + 1 = the whole day
    expect(await refused(b, 'order')).toMatchObject({ scope: 'daily' });
    const snap = await b.snapshot();
    expect(snap.usedByPriority).toEqual({ order: 1, webhook: 1, poll: 1, reconcile: 7 });
  });

  it('the shares are options', async () => {
    const b = make({ dailyShare: { poll: 0.2 } });
    await take(b, 'poll');
    await take(b, 'poll');
    expect(await refused(b, 'poll')).toMatchObject({ scope: 'reserve' });
  });

  it('shares the ledger between processes on one database', async () => {
    const a = make();
    const c = make();
    const results = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : c).acquire('order').then((release) => release())));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    expect((await a.snapshot()).usedToday).toBe(10);
  });

  it('per-minute window: orders keep a reserve, polling waits (bounded) for the next minute and then goes', async () => {
    const b = make({ dailyLimit: 1000, perMinuteLimit: 10, maxMinuteWaitMs: 120_000 });
    for (let i = 0; i < 9; i++) await take(b, 'poll'); // 90 %: the order reserve is 10 %
    let pollDone = false;
    const poll = b.acquire('poll').then((r) => {
      pollDone = true;
      r();
    });
    await take(b, 'order'); // the order goes through at once
    await new Promise((r) => setTimeout(r, 20));
    expect(pollDone).toBe(false);
    // Next minute (plus the previous minute's weight at the start): advance well into it.
    clock.advance(60_000 + 45_000);
    await poll;
    expect(pollDone).toBe(true);
  });

  it('refuses with scope minute when the wait would exceed the bound', async () => {
    const b = make({ dailyLimit: 1000, perMinuteLimit: 2, maxMinuteWaitMs: 0, minuteOrderReserve: 0, blockSize: 1 });
    await take(b, 'poll');
    await take(b, 'poll');
    expect(await refused(b, 'poll')).toMatchObject({ scope: 'minute' });
    // A refused minute reservation does not spend the day.
    expect((await b.snapshot()).usedToday).toBe(2);
  });

  it('caps concurrency and hands free slots to orders first', async () => {
    const b = make({ dailyLimit: 1000, maxConcurrency: 1 });
    const release = await b.acquire('reconcile');
    const order: string[] = [];
    const poll = b.acquire('poll').then((r) => {
      order.push('poll');
      r();
    });
    const ord = b.acquire('order').then((r) => {
      order.push('order');
      r();
    });
    await vi.waitFor(() => expect(b.waiting).toBe(2));
    expect((await b.snapshot()).inFlight).toBe(1);
    expect(order).toEqual([]);
    release();
    await Promise.all([poll, ord]);
    expect(order).toEqual(['order', 'poll']);
  });

  it('Zoho code 45 stops every process until the UTC day ends', async () => {
    const a = make({ dailyLimit: 1000 });
    const c = make({ dailyLimit: 1000 });
    await take(a, 'order');
    await a.markDailyExhausted();
    expect(await refused(a, 'order')).toMatchObject({ scope: 'daily' });
    expect(await refused(c, 'order')).toMatchObject({ scope: 'daily' });
    clock.set(Date.UTC(2026, 10, 29, 0, 1));
    await take(c, 'order');
  });

  it('records calls: 24 hourly counts and a pruned log', async () => {
    const b = make({ dailyLimit: 1000 });
    const rec = (priority: ZohoPriority) => b.record({ endpoint: '/items', method: 'GET', status: 200, zohoCode: 0, durationMs: 12, priority, attempt: 1 });
    rec('poll');
    rec('order');
    clock.advance(3 * 3_600_000);
    rec('order');
    const snap = await b.snapshot();
    expect(snap.hourly).toHaveLength(24);
    expect(snap.hourly[8]).toBe(2);
    expect(snap.hourly[11]).toBe(1);
    clock.advance(8 * 86_400_000);
    rec('poll');
    (b as unknown as { lastPrune: number }).lastPrune = 0;
    await b.flush();
    const rows = await store.db.selectFrom('zoho_call_log').selectAll().execute();
    expect(rows).toHaveLength(1);
  });

  it('reserves in blocks while the windows are far from full, and gives unused slots back on close', async () => {
    const b = make({ dailyLimit: 1000, perMinuteLimit: 1000, blockSize: 8 });
    for (let i = 0; i < 20; i++) await take(b, 'poll');
    const during = await b.snapshot();
    // Three blocks of 8 are reserved in the database, but the operator sees the 20 calls made.
    const ledger = await store.db.selectFrom('zoho_budget_days').select('used').executeTakeFirstOrThrow();
    expect(Number(ledger.used)).toBe(24);
    expect(during.usedToday).toBe(20);
    expect(during.usedByPriority.poll).toBe(20);
    await b.close();
    const after = await make({ dailyLimit: 1000 }).snapshot();
    expect(after.usedToday).toBe(20);
    expect(after.usedByPriority.poll).toBe(20);
  });

  it('alerts budget_high above 80 % of the day, once', async () => {
    const b = make();
    for (let i = 0; i < 8; i++) await take(b, 'order');
    expect(alerts.events).toHaveLength(0);
    await take(b, 'order');
    await take(b, 'order');
    expect(alerts.events.filter((e) => e.kind === 'budget_high')).toHaveLength(1);
  });
});
