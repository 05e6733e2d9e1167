/**
 * A burst of 300 orders against the emulator enforcing 100 requests/minute
 * (the bridge's budget set to the same 100/min). Time runs 20x faster on a
 * scaled clock shared by the emulator and the bridge, so the minutes are
 * simulated but every request is real HTTP. Prints orders placed per minute
 * as a share of the ceiling (100 / measured calls per order); goal >= 90 %.
 * 30 customers place 10 orders each: first orders cost 4 calls, later ones 2.
 */
import type { Clock } from '../src/shared/clock.js';
import { benchOrder, benchWorld, postOrder } from './orders-world.js';

class ScaledClock implements Clock {
  private readonly realStart = performance.now();
  constructor(
    private readonly base: number,
    readonly factor: number,
    /** When set, long sleeps wake early (what-if: a budget that re-polls its sliding window instead of sleeping to the minute boundary). */
    private readonly maxSleepMs = Infinity,
  ) {}
  now(): number {
    return Math.floor(this.base + (performance.now() - this.realStart) * this.factor);
  }
  sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, Math.max(0, Math.min(ms, this.maxSleepMs) / this.factor)));
  }
}

export async function run(): Promise<void> {
  const ORDERS = 300;
  const CUSTOMERS = 30;
  const whatIf = process.env.BENCH_BUDGET_REPOLL === '1';
  const clock = new ScaledClock(Date.UTC(2026, 10, 28, 9, 0, 0), 20, whatIf ? 600 : Infinity);
  if (whatIf) console.log('what-if: sleeps capped at 600 ms of simulated time (budget re-polls its window)');
  const w = await benchWorld({
    clock,
    env: { ZOHO_PER_MINUTE_LIMIT: process.env.BENCH_BUDGET_PER_MINUTE ?? '100' },
    emulator: { perMinuteLimit: 100 },
    beforeSync: (emu) => emu.control.setStock('ACC-RAW-KSS', emu.control.locationIds.dtc, 10_000),
    orders: { worker: { pollIntervalMs: 5, leaseMs: 3_600_000, backoffBaseMs: 500, backoffMaxMs: 10_000, concurrency: 4, maxAttempts: 50 } },
  });
  try {
    // Start on a fresh minute window, as a burst would after a quiet minute.
    await clock.sleep(60_000 - (clock.now() % 60_000));
    w.emu.control.resetCounters();
    const t0 = clock.now();
    const requestTimes: number[] = [];
    let lastTotal = 0;
    const sampler = setInterval(() => {
      const total = w.emu.control.counters().total;
      for (let k = lastTotal; k < total; k++) requestTimes.push(clock.now());
      lastTotal = total;
    }, 5);
    w.orders.worker.start();
    for (let i = 0; i < ORDERS; i += 10) {
      await Promise.all(Array.from({ length: 10 }, (_, k) => postOrder(w.app, benchOrder(((i + k) % CUSTOMERS) + 1))));
    }
    let placed = 0;
    for (;;) {
      const row = await w.store.db.selectFrom('orders').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'placed').executeTakeFirst();
      placed = Number(row?.n ?? 0);
      if (placed >= ORDERS) break;
      const failed = await w.orders.listOrders({ status: 'failed', limit: 1 });
      if (failed.length > 0) throw new Error(`order dead-lettered: ${failed[0]!.lastError}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const t1 = clock.now();
    clearInterval(sampler);
    const counters = w.emu.control.counters();
    const minutes = (t1 - t0) / 60_000;
    const callsPerOrder = counters.total / ORDERS;
    const ceiling = 100 / callsPerOrder;
    const achieved = ORDERS / minutes;
    // Zoho requests per simulated minute, as the emulator saw them (the budget's pacing shows here).
    const perMinute = new Map<number, number>();
    for (const t of requestTimes) perMinute.set(Math.floor((t - t0) / 60_000), (perMinute.get(Math.floor((t - t0) / 60_000)) ?? 0) + 1);
    console.log(`requests per minute: ${[...perMinute.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v).join(' ')}`);
    console.log(`${ORDERS} orders placed in ${minutes.toFixed(2)} simulated minutes; ${counters.total} Zoho requests (${callsPerOrder.toFixed(2)} per order), ${counters.rateLimited} answered 429`);
    console.log(`orders/minute ${achieved.toFixed(1)} vs ceiling ${ceiling.toFixed(1)} (100 req/min / calls per order): share ${((achieved / ceiling) * 100).toFixed(1)} % (goal >= 90 %)`);
  } finally {
    await w.close();
  }
}
