import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../shared/clock.js';
import type { AlertSink } from '../observability/alerts.js';
import { ZohoBudgetExceededError, type ZohoPriority } from './errors.js';
import type { BudgetSnapshot } from './types.js';
import type { ZohoTables, ZohoCallLogRow } from './tables.js';
import type { ZohoMetrics } from './metrics.js';

/**
 * The Zoho call budget, shared by every process on the same database:
 * - a daily ledger (`zoho_budget_days`, one row per UTC date: Zoho does not
 *   document when its day resets, so the bridge counts UTC days);
 * - a per-minute window (`zoho_budget_minutes`), sliding estimate over the
 *   current and previous minute so two windows cannot be spent back to back;
 * - a per-process concurrency cap (in memory; Zoho's concurrency limit is per
 *   org, so with N processes set ZOHO_MAX_CONCURRENCY to about 5/N).
 * A slot is reserved with one atomic conditional UPDATE per window before the
 * call is sent. Priorities: lower classes are refused first as the day runs
 * low (reserve shares), and wait behind orders for the minute window.
 */
export const PRIORITY_RANK: Record<ZohoPriority, number> = { order: 0, webhook: 1, poll: 2, reconcile: 3 };
export const PRIORITIES: ZohoPriority[] = ['order', 'webhook', 'poll', 'reconcile'];

export interface BudgetOptions {
  dailyLimit: number;
  perMinuteLimit: number;
  maxConcurrency: number;
  /** Share of the daily limit each class may use (the day's total, all classes). */
  dailyShare?: Partial<Record<ZohoPriority, number>>;
  /** Share of each minute window only orders may use. */
  minuteOrderReserve?: number;
  /** Longest a call waits for the minute window before it is refused. */
  maxMinuteWaitMs?: number;
  callLogRetentionMs?: number;
  /** Alert `budget_high` above this share of the day. */
  highWaterMark?: number;
  /** Call-log rows are written in batches (keeps the per-call overhead low). */
  flushIntervalMs?: number;
  /**
   * While a window is less than half spent, a process reserves this many slots
   * per UPDATE and hands them out locally (default 8; 1 = one UPDATE per call).
   * Near the limits it reserves one at a time, so shares and reserves stay exact.
   * Unused day slots are given back on close(). Unused minute slots lapse with
   * their minute: at most blockSize-1 per process, which only makes the window
   * more conservative than ZOHO_PER_MINUTE_LIMIT, never less.
   */
  blockSize?: number;
}

export const DEFAULT_DAILY_SHARE: Record<ZohoPriority, number> = { order: 1, webhook: 0.95, poll: 0.85, reconcile: 0.7 };

export interface CallRecord {
  endpoint: string;
  method: string;
  status: number;
  zohoCode: number | null;
  durationMs: number;
  priority: ZohoPriority;
  attempt: number;
}

interface Waiter {
  rank: number;
  seq: number;
  resolve: () => void;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function msUntilUtcMidnight(ms: number): number {
  return DAY - (ms % DAY);
}

export class ZohoBudget {
  private readonly share: Record<ZohoPriority, number>;
  private readonly minuteOrderReserve: number;
  private readonly maxMinuteWaitMs: number;
  private readonly retentionMs: number;
  private readonly highWaterMark: number;
  private readonly flushIntervalMs: number;
  private inFlight = 0;
  private waiters: Waiter[] = [];
  private seq = 0;
  private ensuredDay: string | null = null;
  private ensuredMinutes = new Set<number>();
  private previousMinute: { minute: number; used: number } | null = null;
  private exhaustedUntil = 0;
  private alertedHighDay: string | null = null;
  private alertedExhaustedDay: string | null = null;
  private buffer: ZohoCallLogRow[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private lastPrune = 0;
  private readonly blockSize: number;
  private minutePool = { minute: -1, slots: 0 };
  private dayPool: { day: string; slots: Record<ZohoPriority, number> } = { day: '', slots: { order: 0, webhook: 0, poll: 0, reconcile: 0 } };

  constructor(
    private readonly db: Kysely<ZohoTables>,
    readonly options: BudgetOptions,
    private readonly deps: { clock: Clock; logger: Logger; alerts: AlertSink; metrics: ZohoMetrics },
  ) {
    this.share = { ...DEFAULT_DAILY_SHARE, ...options.dailyShare };
    this.minuteOrderReserve = options.minuteOrderReserve ?? 0.1;
    this.maxMinuteWaitMs = options.maxMinuteWaitMs ?? 70_000;
    this.retentionMs = options.callLogRetentionMs ?? 7 * DAY;
    this.highWaterMark = options.highWaterMark ?? 0.8;
    this.flushIntervalMs = options.flushIntervalMs ?? 250;
    this.blockSize = Math.max(1, Math.floor(options.blockSize ?? 8));
  }

  /**
   * Reserves one call (daily + minute) and a concurrency slot. Resolves with
   * the release function; rejects with ZohoBudgetExceededError when the day
   * (or this class's share of it) is spent, or the minute window stays full
   * longer than maxMinuteWaitMs. Nothing is sent when it rejects.
   */
  async acquire(priority: ZohoPriority, signal?: AbortSignal): Promise<() => void> {
    await this.reserve(priority, signal);
    await this.takeSlot(priority);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight--;
      this.wakeNext();
    };
  }

  private async reserve(priority: ZohoPriority, signal?: AbortSignal): Promise<void> {
    const { clock } = this.deps;
    const deadline = clock.now() + this.maxMinuteWaitMs;
    for (;;) {
      signal?.throwIfAborted();
      const now = clock.now();
      if (this.exhaustedUntil > now) throw new ZohoBudgetExceededError(priority, 'daily', this.exhaustedUntil - now);
      const day = utcDay(now);
      const minute = Math.floor(now / MINUTE);
      // Fast path: slots this process already reserved in the database.
      if (this.minutePool.minute === minute && this.minutePool.slots > 0 && this.dayPool.day === day && this.dayPool.slots[priority] > 0) {
        this.minutePool.slots--;
        this.dayPool.slots[priority]--;
        return;
      }
      await this.ensureRows(day, minute);

      let minuteUsed = this.minutePool.minute === minute && this.minutePool.slots > 0 ? this.takeMinuteFromPool() : await this.reserveMinute(priority, minute, now);
      // A concurrent caller of this process may have won a block meanwhile.
      if (minuteUsed === undefined && this.minutePool.minute === minute && this.minutePool.slots > 0) minuteUsed = this.takeMinuteFromPool();
      if (minuteUsed === undefined) {
        // Full. The window slides (the previous minute's calls weigh less as this
        // one goes on), so a slot frees up about every 60 s / limit: re-check then
        // rather than at the minute boundary, where the estimate is still full and
        // sleepers would alternate ~100 and ~5 calls a minute. Orders wake first.
        const slotMs = Math.ceil(MINUTE / this.options.perMinuteLimit);
        const wait = Math.min((minute + 1) * MINUTE - now, slotMs) + PRIORITY_RANK[priority] * 25 + 1;
        if (now + wait > deadline) throw new ZohoBudgetExceededError(priority, 'minute', wait);
        await clock.sleep(wait);
        continue;
      }
      const dayUsed = this.dayPool.day === day && this.dayPool.slots[priority] > 0 ? this.takeDayFromPool(priority) : await this.reserveDay(priority, day, now);
      if (dayUsed === undefined) {
        if (minuteUsed === -1) this.minutePool.slots++;
        else await this.db.updateTable('zoho_budget_minutes').set((eb) => ({ used: eb('used', '-', 1) })).where('minute', '=', minute).execute();
        const row = await this.db.selectFrom('zoho_budget_days').selectAll().where('day', '=', day).executeTakeFirst();
        const retryAfter = msUntilUtcMidnight(now);
        const dailyFull = !row || row.used >= this.options.dailyLimit || Number(row.exhausted_until) > now;
        if (dailyFull) {
          if (row && Number(row.exhausted_until) > now) this.exhaustedUntil = Number(row.exhausted_until);
          this.alertExhausted(day);
        }
        throw new ZohoBudgetExceededError(priority, dailyFull ? 'daily' : 'reserve', row && Number(row.exhausted_until) > now ? Number(row.exhausted_until) - now : retryAfter);
      }
      if (dayUsed >= 0 && minuteUsed >= 0) this.afterReserve(day, dayUsed, minuteUsed);
      return;
    }
  }

  /** -1: taken from the local pool (no fresh count to report). */
  private takeMinuteFromPool(): number {
    this.minutePool.slots--;
    return -1;
  }

  private takeDayFromPool(priority: ZohoPriority): number {
    this.dayPool.slots[priority]--;
    return -1;
  }

  private async ensureRows(day: string, minute: number): Promise<void> {
    if (this.ensuredDay !== day) {
      await this.db
        .insertInto('zoho_budget_days')
        .values({ day, used: 0, used_order: 0, used_webhook: 0, used_poll: 0, used_reconcile: 0, exhausted_until: 0 })
        .onConflict((oc) => oc.column('day').doNothing())
        .execute();
      this.ensuredDay = day;
    }
    if (!this.ensuredMinutes.has(minute)) {
      await this.db.insertInto('zoho_budget_minutes').values({ minute, used: 0 }).onConflict((oc) => oc.column('minute').doNothing()).execute();
      if (this.ensuredMinutes.size > 4) this.ensuredMinutes.clear();
      this.ensuredMinutes.add(minute);
    }
  }

  private async reserveMinute(priority: ZohoPriority, minute: number, now: number): Promise<number | undefined> {
    const limit = this.options.perMinuteLimit;
    if (this.previousMinute?.minute !== minute - 1) {
      const prev = await this.db.selectFrom('zoho_budget_minutes').select('used').where('minute', '=', minute - 1).executeTakeFirst();
      this.previousMinute = { minute: minute - 1, used: prev ? Number(prev.used) : 0 };
    }
    const elapsed = (now - minute * MINUTE) / MINUTE;
    let allowed = Math.floor(limit - this.previousMinute.used * (1 - elapsed));
    if (priority !== 'order') allowed = Math.min(allowed, Math.floor(limit * (1 - this.minuteOrderReserve)));
    if (allowed <= 0) return undefined;
    const k = this.blockSize;
    if (k > 1) {
      const block = await this.db
        .updateTable('zoho_budget_minutes')
        .set((eb) => ({ used: eb('used', '+', k) }))
        .where('minute', '=', minute)
        .where('used', '<=', Math.floor(allowed / 2) - k)
        .returning('used')
        .executeTakeFirst();
      if (block) {
        // Concurrent callers may each win a block: add, never overwrite (a lost slot is a wasted call).
        if (this.minutePool.minute !== minute) this.minutePool = { minute, slots: 0 };
        this.minutePool.slots += k - 1;
        return Number(block.used);
      }
    }
    const row = await this.db
      .updateTable('zoho_budget_minutes')
      .set((eb) => ({ used: eb('used', '+', 1) }))
      .where('minute', '=', minute)
      .where('used', '<', allowed)
      .returning('used')
      .executeTakeFirst();
    return row ? Number(row.used) : undefined;
  }

  private async reserveDay(priority: ZohoPriority, day: string, now: number): Promise<number | undefined> {
    const cap = Math.floor(this.options.dailyLimit * Math.min(1, this.share[priority]));
    if (cap <= 0) return undefined;
    const column = `used_${priority}` as 'used_order';
    const k = this.blockSize;
    if (k > 1) {
      const block = await this.db
        .updateTable('zoho_budget_days')
        .set((eb) => ({ used: eb('used', '+', k), [column]: eb(column, '+', k) }))
        .where('day', '=', day)
        .where('used', '<=', Math.floor(cap / 2) - k)
        .where('exhausted_until', '<=', now)
        .returning('used')
        .executeTakeFirst();
      if (block) {
        if (this.dayPool.day !== day) this.dayPool = { day, slots: { order: 0, webhook: 0, poll: 0, reconcile: 0 } };
        this.dayPool.slots[priority] += k - 1;
        return Number(block.used);
      }
    }
    const row = await this.db
      .updateTable('zoho_budget_days')
      .set((eb) => ({ used: eb('used', '+', 1), [column]: eb(column, '+', 1) }))
      .where('day', '=', day)
      .where('used', '<', cap)
      .where('exhausted_until', '<=', now)
      .returning('used')
      .executeTakeFirst();
    return row ? Number(row.used) : undefined;
  }

  private afterReserve(day: string, dayUsed: number, minuteUsed: number): void {
    const { dailyLimit, perMinuteLimit } = this.options;
    this.deps.metrics.budgetRemaining.set({ window: 'day' }, Math.max(0, dailyLimit - dayUsed));
    this.deps.metrics.budgetRemaining.set({ window: 'minute' }, Math.max(0, perMinuteLimit - minuteUsed));
    if (dayUsed > dailyLimit * this.highWaterMark && this.alertedHighDay !== day) {
      this.alertedHighDay = day;
      this.deps.alerts.raise({
        kind: 'budget_high',
        severity: 'warning',
        message: `Zoho API budget: ${dayUsed} of ${dailyLimit} calls used today (UTC); polling and reconciliation stop first`,
        dedupeKey: `budget_high:${day}`,
        details: { day, used: dayUsed, limit: dailyLimit },
      });
    }
  }

  private alertExhausted(day: string): void {
    if (this.alertedExhaustedDay === day) return;
    this.alertedExhaustedDay = day;
    this.deps.alerts.raise({
      kind: 'budget_exhausted',
      severity: 'critical',
      message: `Zoho API budget for ${day} (UTC) is spent; calls resume after midnight UTC`,
      dedupeKey: `budget_exhausted:${day}`,
      details: { day, limit: this.options.dailyLimit },
    });
  }

  private takeSlot(priority: ZohoPriority): Promise<void> {
    if (this.inFlight < this.options.maxConcurrency && this.waiters.length === 0) {
      this.inFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const waiter: Waiter = { rank: PRIORITY_RANK[priority], seq: this.seq++, resolve };
      // Keep the queue sorted: by class, then arrival.
      let i = this.waiters.length;
      while (i > 0 && (this.waiters[i - 1]!.rank > waiter.rank)) i--;
      this.waiters.splice(i, 0, waiter);
      this.wakeNext();
    });
  }

  private wakeNext(): void {
    while (this.inFlight < this.options.maxConcurrency && this.waiters.length > 0) {
      const next = this.waiters.shift()!;
      this.inFlight++;
      next.resolve();
    }
  }

  /** Calls holding a reservation and waiting for a concurrency slot. */
  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Zoho said code 45 (daily quota): stop every process until the UTC day
   * ends (or Zoho's Retry-After, when given), whatever the local ledger says.
   */
  async markDailyExhausted(retryAfterMs?: number): Promise<number> {
    const now = this.deps.clock.now();
    const until = now + (retryAfterMs && retryAfterMs > 0 ? retryAfterMs : msUntilUtcMidnight(now));
    this.exhaustedUntil = until;
    this.dayPool.slots = { order: 0, webhook: 0, poll: 0, reconcile: 0 };
    const day = utcDay(now);
    await this.ensureRows(day, Math.floor(now / MINUTE));
    await this.db.updateTable('zoho_budget_days').set({ exhausted_until: until }).where('day', '=', day).execute();
    this.deps.metrics.budgetRemaining.set({ window: 'day' }, 0);
    this.alertExhausted(day);
    return until - now;
  }

  /** Records one attempt: metrics now, the call-log row in the next batch. */
  record(call: CallRecord): void {
    const { metrics, clock } = this.deps;
    metrics.calls.inc({ endpoint: call.endpoint, status: String(call.status), priority: call.priority });
    metrics.duration.observe({ endpoint: call.endpoint }, call.durationMs / 1000);
    this.buffer.push({
      at: clock.now(),
      endpoint: call.endpoint,
      method: call.method,
      status: call.status,
      zoho_code: call.zohoCode,
      duration_ms: Math.round(call.durationMs),
      priority: call.priority,
      attempt: call.attempt,
    });
    if (this.buffer.length >= 100) void this.flush();
    else if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => void this.flush(), this.flushIntervalMs);
      this.flushTimer.unref();
    }
  }

  async flush(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0) return;
    const rows = this.buffer;
    this.buffer = [];
    this.flushing = (async () => {
      try {
        await this.db.insertInto('zoho_call_log').values(rows).execute();
        await this.pruneIfDue();
      } catch (err) {
        this.deps.logger.warn({ err }, 'could not write the Zoho call log');
      }
    })();
    try {
      await this.flushing;
    } finally {
      this.flushing = null;
    }
  }

  private async pruneIfDue(): Promise<void> {
    const now = this.deps.clock.now();
    if (now - this.lastPrune < HOUR) return;
    this.lastPrune = now;
    await this.db.deleteFrom('zoho_call_log').where('at', '<', now - this.retentionMs).execute();
    await this.db.deleteFrom('zoho_budget_minutes').where('minute', '<', Math.floor(now / MINUTE) - 60).execute();
    await this.db.deleteFrom('zoho_budget_days').where('day', '<', utcDay(now - 40 * DAY)).execute();
  }

  async snapshot(): Promise<BudgetSnapshot> {
    await this.flush();
    const now = this.deps.clock.now();
    const day = utcDay(now);
    const dayStart = now - (now % DAY);
    const minute = Math.floor(now / MINUTE);
    const [dayRow, minuteRow, calls] = await Promise.all([
      this.db.selectFrom('zoho_budget_days').selectAll().where('day', '=', day).executeTakeFirst(),
      this.db.selectFrom('zoho_budget_minutes').select('used').where('minute', '=', minute).executeTakeFirst(),
      this.db.selectFrom('zoho_call_log').select('at').where('at', '>=', dayStart).where('at', '<', dayStart + DAY).execute(),
    ]);
    const hourly = new Array<number>(24).fill(0);
    for (const c of calls) {
      const h = Math.floor((Number(c.at) - dayStart) / HOUR);
      if (h >= 0 && h < 24) hourly[h]! += 1;
    }
    // The ledger counts slots reserved in blocks; slots this process holds but
    // has not spent are not calls, so the operator sees calls actually made.
    const pooled = this.dayPool.day === day ? this.dayPool.slots : { order: 0, webhook: 0, poll: 0, reconcile: 0 };
    const pooledMinute = this.minutePool.minute === minute ? this.minutePool.slots : 0;
    const spent = (p: ZohoPriority) => Math.max(0, Number(dayRow?.[`used_${p}` as const] ?? 0) - pooled[p]);
    const pooledTotal = PRIORITIES.reduce((sum, p) => sum + pooled[p], 0);
    return {
      day,
      dailyLimit: this.options.dailyLimit,
      usedToday: Math.max(0, (dayRow ? Number(dayRow.used) : 0) - pooledTotal),
      usedByPriority: { order: spent('order'), webhook: spent('webhook'), poll: spent('poll'), reconcile: spent('reconcile') },
      perMinuteLimit: this.options.perMinuteLimit,
      usedThisMinute: Math.max(0, (minuteRow ? Number(minuteRow.used) : 0) - pooledMinute),
      inFlight: this.inFlight,
      concurrencyLimit: this.options.maxConcurrency,
      hourly,
    };
  }

  /** Gives unused day slots of this process back to the shared ledger. */
  async releaseUnused(): Promise<void> {
    const { day, slots } = this.dayPool;
    this.dayPool = { day: '', slots: { order: 0, webhook: 0, poll: 0, reconcile: 0 } };
    if (day !== utcDay(this.deps.clock.now())) return;
    for (const p of PRIORITIES) {
      const n = slots[p];
      if (n <= 0) continue;
      const column = `used_${p}` as 'used_order';
      await this.db
        .updateTable('zoho_budget_days')
        .set((eb) => ({ used: eb('used', '-', n), [column]: eb(column, '-', n) }))
        .where('day', '=', day)
        .execute();
    }
  }

  async close(): Promise<void> {
    await this.flush();
    await this.releaseUnused().catch((err: unknown) => this.deps.logger.warn({ err }, 'could not give unused Zoho budget slots back'));
  }
}
