/**
 * Divides the organization's daily Zoho budget between the catalog's jobs.
 *
 * - A reserve for orders is held back: the forecast of what checkouts still
 *   need today (the configured reserve scaled by the part of the day left,
 *   or today's observed order rate carried to midnight if that is higher).
 * - When webhooks are healthy a share is kept for their follow-up reads, and
 *   polling/reconciliation slow to a safety-net cadence (spend less).
 * - Everything else is paced evenly over what is left of the (UTC) day:
 *   reconciliation walks the catalog in detail batches (the only way to see
 *   stock moves, which do not touch last_modified_time), polling catches
 *   edits and new items, images get a small share while some are missing.
 * The staleness bound it promises is one full walk of the catalog.
 * `canSpend` is asked before every call the scheduler makes, so the plan
 * never spends past the budget even when orders eat more than forecast.
 */
import type { BudgetSnapshot } from '../zoho/types.js';
import type { Clock } from '../shared/clock.js';

export type SyncCallClass = 'poll' | 'reconcile' | 'image' | 'webhook' | 'full' | 'refresh';

export interface BudgetSource {
  snapshot(): BudgetSnapshot | Promise<BudgetSnapshot>;
}

export interface PlannerOptions {
  /** Used when no budget snapshot is available (ZOHO_DAILY_CALL_BUDGET). */
  dailyLimit: number;
  /** Calls per day held for checkouts (default 40 % of the daily limit). */
  orderReserveCalls?: number;
  /** Share kept for webhook follow-ups while webhooks are healthy (default 0.15). */
  webhookReserveFraction?: number;
  /** Items per detail call (`/itemdetails` batch). */
  detailBatchSize: number;
  /** Share of the sync pace given to incremental polling (default 0.2). */
  pollShare?: number;
  /** Share given to image downloads while some are missing (default 0.1). */
  imageShare?: number;
  minPollIntervalMs?: number;
  minReconcileIntervalMs?: number;
  /** When webhooks are healthy: walk the catalog at least this often (default 60 min). */
  healthyWalkPeriodMs?: number;
  /** When webhooks are healthy: poll this often (default 30 min). */
  healthyPollIntervalMs?: number;
  /** A webhook within this window means webhooks are healthy (default 2 h). */
  webhookHealthyWindowMs?: number;
}

export interface PlanInput {
  catalogSize: number;
  lastWebhookAt: number | null;
  imagesPending: boolean;
}

export interface Plan {
  at: number;
  day: string;
  dailyLimit: number;
  usedToday: number;
  usedByClass: Record<string, number>;
  orderReserveLeft: number;
  webhookReserveLeft: number;
  safetyMargin: number;
  /** Calls the catalog may still spend today on polling, reconciliation and images. */
  syncCallsLeft: number;
  msLeftInDay: number;
  webhooks: 'healthy' | 'silent';
  pollIntervalMs: number | null;
  reconcileIntervalMs: number | null;
  imageIntervalMs: number | null;
  reconcileBatchSize: number;
  /** Detail calls for one full walk of the catalog. */
  walkCalls: number;
  /** Worst age of a stock figure the plan guarantees (one walk plus one poll), or null when the budget is spent. */
  stalenessBoundMs: number | null;
}

const DAY = 86_400_000;

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export class SyncPlanner {
  private readonly o: Required<PlannerOptions>;
  /** The catalog's own calls today, by class (used when there is no budget snapshot, and for the dashboard). */
  private own = { day: '', byClass: {} as Record<string, number>, total: 0 };

  constructor(
    options: PlannerOptions,
    private readonly clock: Clock,
    private readonly budget?: BudgetSource,
  ) {
    this.o = {
      orderReserveCalls: Math.round(options.dailyLimit * 0.4),
      webhookReserveFraction: 0.15,
      pollShare: 0.2,
      imageShare: 0.1,
      minPollIntervalMs: 60_000,
      minReconcileIntervalMs: 30_000,
      healthyWalkPeriodMs: 60 * 60_000,
      healthyPollIntervalMs: 30 * 60_000,
      webhookHealthyWindowMs: 2 * 60 * 60_000,
      ...options,
    };
  }

  get options(): Readonly<Required<PlannerOptions>> {
    return this.o;
  }

  /** Records calls the catalog made (whatever their class). */
  note(cls: SyncCallClass, calls = 1): void {
    const day = utcDay(this.clock.now());
    if (this.own.day !== day) this.own = { day, byClass: {}, total: 0 };
    this.own.byClass[cls] = (this.own.byClass[cls] ?? 0) + calls;
    this.own.total += calls;
  }

  ownUsage(): { day: string; byClass: Record<string, number>; total: number } {
    const day = utcDay(this.clock.now());
    if (this.own.day !== day) return { day, byClass: {}, total: 0 };
    return { day: this.own.day, byClass: { ...this.own.byClass }, total: this.own.total };
  }

  async plan(input: PlanInput): Promise<Plan> {
    const now = this.clock.now();
    const day = utcDay(now);
    const dayStart = Date.parse(`${day}T00:00:00Z`);
    const msLeft = Math.max(60_000, dayStart + DAY - now);
    const fracLeft = Math.min(1, msLeft / DAY);
    const snap = this.budget ? await this.budget.snapshot() : null;
    const own = this.ownUsage();
    const dailyLimit = snap?.dailyLimit ?? this.o.dailyLimit;
    // The ledger's day may lag ours by a tick around midnight; its counts win when it is today.
    const usedToday = snap && snap.day === day ? snap.usedToday : snap ? 0 : own.total;
    const usedOrders = snap && snap.day === day ? (snap.usedByPriority.order ?? 0) : 0;
    const reserve = Math.min(this.o.orderReserveCalls, dailyLimit);
    // What checkouts will still need today: the configured reserve pro rata, or today's observed
    // order rate carried to midnight when orders run hotter than configured (after an hour of data).
    const elapsed = DAY - msLeft;
    const observed = elapsed >= 3_600_000 ? (usedOrders / elapsed) * msLeft : 0;
    const orderReserveLeft = Math.ceil(Math.min(Math.max(0, dailyLimit - usedToday), Math.max(reserve * fracLeft, observed)));
    const healthy = input.lastWebhookAt !== null && now - input.lastWebhookAt <= this.o.webhookHealthyWindowMs;
    const webhookReserveLeft = healthy ? Math.ceil(dailyLimit * this.o.webhookReserveFraction * fracLeft) : 0;
    const safetyMargin = Math.max(5, Math.ceil(dailyLimit * 0.01));
    const syncCallsLeft = Math.max(0, Math.floor(dailyLimit - usedToday - orderReserveLeft - webhookReserveLeft - safetyMargin));

    const batch = Math.max(1, this.o.detailBatchSize);
    const walkCalls = Math.max(1, input.catalogSize / batch);
    const perMs = syncCallsLeft / msLeft;
    const imageShare = input.imagesPending ? this.o.imageShare : 0;
    const pollShare = this.o.pollShare;
    const reconcileShare = 1 - pollShare - imageShare;
    const interval = (share: number, min: number) => (perMs > 0 && share > 0 ? Math.max(min, 1 / (perMs * share)) : null);
    let pollIntervalMs = interval(pollShare, this.o.minPollIntervalMs);
    let reconcileIntervalMs = interval(reconcileShare, this.o.minReconcileIntervalMs);
    const imageIntervalMs = interval(imageShare, this.o.minReconcileIntervalMs);
    if (healthy) {
      if (pollIntervalMs !== null) pollIntervalMs = Math.max(pollIntervalMs, this.o.healthyPollIntervalMs);
      if (reconcileIntervalMs !== null) reconcileIntervalMs = Math.max(reconcileIntervalMs, this.o.healthyWalkPeriodMs / walkCalls);
    }
    const stalenessBoundMs =
      reconcileIntervalMs === null || pollIntervalMs === null ? null : Math.round(Math.ceil(walkCalls) * reconcileIntervalMs + pollIntervalMs);
    return {
      at: now,
      day,
      dailyLimit,
      usedToday,
      usedByClass: own.byClass,
      orderReserveLeft,
      webhookReserveLeft,
      safetyMargin,
      syncCallsLeft,
      msLeftInDay: msLeft,
      webhooks: healthy ? 'healthy' : 'silent',
      pollIntervalMs: pollIntervalMs === null ? null : Math.round(pollIntervalMs),
      reconcileIntervalMs: reconcileIntervalMs === null ? null : Math.round(reconcileIntervalMs),
      imageIntervalMs: imageIntervalMs === null ? null : Math.round(imageIntervalMs),
      reconcileBatchSize: batch,
      walkCalls: Math.ceil(walkCalls),
      stalenessBoundMs,
    };
  }

  /** May the catalog make `calls` more calls now without touching the order/webhook reserves? */
  async canSpend(calls = 1, input?: Partial<PlanInput>): Promise<boolean> {
    const p = await this.plan({ catalogSize: input?.catalogSize ?? 0, lastWebhookAt: input?.lastWebhookAt ?? null, imagesPending: false });
    return p.syncCallsLeft >= calls;
  }
}
