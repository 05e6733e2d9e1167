/**
 * Divides the organization's daily Zoho budget between the catalog's jobs.
 *
 * - A reserve for orders is held back: the forecast of what checkouts still
 *   need today (the configured reserve scaled by the part of the day left,
 *   or today's observed order rate carried to midnight if that is higher).
 * - When webhooks are healthy a share is kept for their follow-up reads, and
 *   the sweep/reconciliation slow to a safety-net cadence (spend less).
 * - The rest is paced evenly over what is left of the (UTC) day, first to the
 *   aggregate SWEEP (list every page, 200 items per call, and re-read in
 *   detail only the items whose org-wide stock aggregates or
 *   last_modified_time moved), at the target staleness (default 15 min) when
 *   the budget allows; then to the rolling RECONCILIATION walk (detail reads
 *   of the whole catalog, 50 per call), which alone sees moves the aggregates
 *   cannot reveal (a transfer between locations leaves the org total
 *   unchanged); then images. The walk always keeps a minimum share. It is
 *   paced over the rest of the day against the poll cap (what the sweeps
 *   leave), with slack (walkPaceShare) for an evening busier than forecast;
 *   its batches go at `reconcile` priority until the ledger's reconcile cap,
 *   then at `poll` priority (class `walk`), so it never stops at 70 % of the
 *   day with the poll band unused.
 * Two bounds are promised (see Plan.stalenessExplanation): `stalenessBoundMs`
 * for changes that move an org aggregate or last_modified_time (one sweep
 * period), `walkBoundMs` for every change (one full walk).
 * `canSpend`/the guard is asked before every call the scheduler makes, so the
 * plan never spends past the budget even when orders eat more than forecast.
 */
import type { BudgetSnapshot, ZohoPriority } from '../zoho/types.js';
import { DEFAULT_DAILY_SHARE } from '../zoho/budget.js';
import type { Clock } from '../shared/clock.js';

/** `walk`: a reconciliation batch at `poll` priority, once the ledger's reconcile share of the day is used up. */
export type SyncCallClass = 'poll' | 'sweep' | 'sweep-detail' | 'reconcile' | 'walk' | 'image' | 'webhook' | 'full' | 'refresh';

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
  /** Run the aggregate sweep (default true); false = the older poll + walk plan only. */
  sweep?: boolean;
  /** Staleness the sweep aims for (default 15 min). */
  targetStalenessMs?: number;
  /** Scheduling slack between "due" and "ran" (scheduler tick, read time) kept inside the target (default 60 s). */
  sweepSlackMs?: number;
  minSweepIntervalMs?: number;
  /** Rows per list call (default 200, Zoho's maximum). */
  listPageSize?: number;
  /** Share of the sync calls kept for the reconciliation walk even when the sweep then misses its target (default 0: the sweep's bound comes first, the walk gets what is left). */
  minReconcileShare?: number;
  /** Part of the walk's room until midnight that sets its pace (default 0.5; the rest is slack for a busier evening than forecast). */
  walkPaceShare?: number;
  /**
   * The Zoho budget ledger's per-priority caps (a `poll` call is refused once the
   * day's total reaches poll × limit, a `reconcile` one at reconcile × limit);
   * default DEFAULT_DAILY_SHARE of src/zoho/budget.ts, which the app uses.
   * Sweeps run at `poll` priority, the walk at `reconcile`.
   */
  ledgerShares?: Partial<Record<ZohoPriority, number>>;
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
  /** Worst age of a stock change that moves an org-wide aggregate or last_modified_time (one sweep period plus slack; without the sweep, one walk plus one poll); null when the budget is spent. */
  stalenessBoundMs: number | null;
  /** How often the aggregate sweep runs (null: not scheduled). */
  sweepIntervalMs: number | null;
  /** List calls of one sweep, and its expected detail calls (observed today, smoothed). */
  sweepPages: number;
  sweepDetailCallsExpected: number;
  /** Worst age of any stock figure (one full detail walk), including moves no aggregate reveals. */
  walkBoundMs: number | null;
  /** Which bound applies to what, in words (dashboard, doctor). */
  stalenessExplanation: string;
  /** Calls the ledger will still accept today at `poll` / `reconcile` priority, after the order and webhook reserves. */
  pollRoom: number;
  reconcileRoom: number;
  /**
   * The call class of the next walk batch: `reconcile` while the ledger takes
   * reconcile-priority calls, then `walk` (poll priority) for what the poll
   * share leaves after the sweeps planned until midnight; null: no walk.
   */
  walkClass?: 'reconcile' | 'walk' | null;
}

/** Ledger priority of each catalog call class (sync.ts uses the same map). */
export function ledgerPriority(cls: SyncCallClass): ZohoPriority {
  if (cls === 'poll' || cls === 'sweep' || cls === 'sweep-detail' || cls === 'walk') return 'poll';
  if (cls === 'webhook') return 'webhook';
  return 'reconcile';
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
      sweep: true,
      targetStalenessMs: 15 * 60_000,
      sweepSlackMs: 60_000,
      minSweepIntervalMs: 5 * 60_000,
      listPageSize: 200,
      minReconcileShare: 0,
      walkPaceShare: 0.5,
      ledgerShares: {},
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

    const shares = { ...DEFAULT_DAILY_SHARE, ...this.o.ledgerShares };
    const held = orderReserveLeft + webhookReserveLeft + safetyMargin;
    // Calls that keep the day's total under the ledger's poll cap by midnight (orders still to come included).
    const pollRoom = Math.max(0, Math.min(syncCallsLeft, Math.floor(shares.poll * dailyLimit) - usedToday - held));
    // A reconcile call is refused once the running total reaches the reconcile cap.
    const reconcileRoom = Math.max(0, Math.min(syncCallsLeft, Math.floor(shares.reconcile * dailyLimit) - usedToday - 1));
    const batch = Math.max(1, this.o.detailBatchSize);
    const walkCalls = Math.max(1, input.catalogSize / batch);
    const imageShare = input.imagesPending ? this.o.imageShare : 0;
    const interval = (calls: number, min: number) => (calls > 0 ? Math.max(min, msLeft / calls) : null);
    const sweepPages = Math.max(1, Math.ceil(input.catalogSize / Math.max(1, this.o.listPageSize)));
    const sweepsToday = (own.byClass.sweep ?? 0) / sweepPages;
    // At least one detail call per sweep (changes cluster in shop hours; a quiet night must not talk the plan into spending the day's calls on the walk).
    const sweepDetail = Math.max(1, ((own.byClass['sweep-detail'] ?? 0) + 1) / (sweepsToday + 1));
    const sweepCost = sweepPages + sweepDetail;
    let sweepIntervalMs: number | null = null;
    let pollIntervalMs: number | null = null;
    let reconcileIntervalMs: number | null = null;
    let sweepCalls = 0;
    const imageCalls = syncCallsLeft * imageShare;
    if (this.o.sweep && pollRoom > 0) {
      const target = Math.max(this.o.minSweepIntervalMs, this.o.targetStalenessMs - this.o.sweepSlackMs);
      const desired = healthy ? Math.max(target, this.o.healthyPollIntervalMs) : target;
      const walkFloor = reconcileRoom > 0 ? Math.min(pollRoom, syncCallsLeft * this.o.minReconcileShare) : 0;
      const forSweeps = Math.min(pollRoom - walkFloor, syncCallsLeft - imageCalls - walkFloor);
      const affordable = forSweeps > 0 ? (msLeft * sweepCost) / forSweeps : Infinity;
      sweepIntervalMs = Number.isFinite(affordable) ? Math.max(desired, affordable) : null;
      if (sweepIntervalMs !== null) sweepCalls = (msLeft / sweepIntervalMs) * sweepCost;
      if (sweepIntervalMs === null || sweepIntervalMs > target * 2) {
        // Sweeps too dear (a big catalog on a small plan): the one-call poll catches edits in between.
        pollIntervalMs = interval(syncCallsLeft * this.o.pollShare, this.o.minPollIntervalMs);
        if (pollIntervalMs !== null) {
          const pollCalls = syncCallsLeft * this.o.pollShare;
          if (forSweeps - pollCalls > 0) {
            sweepIntervalMs = Math.max(desired, (msLeft * sweepCost) / (forSweeps - pollCalls));
            sweepCalls = (msLeft / sweepIntervalMs) * sweepCost;
          } else {
            sweepIntervalMs = null;
            sweepCalls = 0;
          }
          sweepCalls += pollCalls;
        }
      }
      // Walk calls also count toward the poll cap the sweeps need until midnight. Paced evenly over
      // what is left of the day: the reconcile cap (70 %) comes before the poll cap (85 %), so a walk
      // paced to the reconcile room alone would stop in the evening and leave the poll band unused;
      // past the reconcile cap its batches go at poll priority, inside what the sweeps leave.
      // Only part of that room sets the pace (walkPaceShare): the order forecast is pro rata while
      // checkouts cluster in shop hours, so an evening can hold fewer calls than the morning thought;
      // what the pace leaves stays in the room and speeds the walk up later instead of stopping it.
      const walk = Math.min(syncCallsLeft - sweepCalls - imageCalls, pollRoom - sweepCalls);
      reconcileIntervalMs = walk >= 1 ? interval(Math.max(1, walk * this.o.walkPaceShare), this.o.minReconcileIntervalMs) : null;
    } else if (syncCallsLeft > 0) {
      pollIntervalMs = interval(syncCallsLeft * this.o.pollShare, this.o.minPollIntervalMs);
      reconcileIntervalMs = reconcileRoom >= 1 || pollRoom >= 1 ? interval(syncCallsLeft * (1 - this.o.pollShare - imageShare), this.o.minReconcileIntervalMs) : null;
    }
    const walkClass: Plan['walkClass'] = reconcileIntervalMs === null ? null : reconcileRoom >= 1 ? 'reconcile' : pollRoom >= 1 ? 'walk' : null;
    if (walkClass === null) reconcileIntervalMs = null;
    const imageIntervalMs = interval(imageCalls, this.o.minReconcileIntervalMs);
    if (healthy) {
      if (pollIntervalMs !== null) pollIntervalMs = Math.max(pollIntervalMs, this.o.healthyPollIntervalMs);
      if (reconcileIntervalMs !== null) reconcileIntervalMs = Math.max(reconcileIntervalMs, this.o.healthyWalkPeriodMs / walkCalls);
    }
    const walkBoundMs = reconcileIntervalMs === null ? null : Math.round(Math.ceil(walkCalls) * reconcileIntervalMs);
    let stalenessBoundMs: number | null;
    let stalenessExplanation: string;
    const min = (ms: number | null) => (ms === null ? 'never' : `${Math.round(ms / 60_000)} min`);
    if (sweepIntervalMs !== null) {
      stalenessBoundMs = Math.round(sweepIntervalMs + this.o.sweepSlackMs);
      stalenessExplanation =
        `A stock change that moves an item's org-wide aggregates (stock on hand, available, for-sale when Zoho lists it) or its last_modified_time ` +
        `shows within ${min(stalenessBoundMs)} (one sweep of ${sweepPages} list call(s) plus ~${sweepDetail.toFixed(1)} detail call(s)). ` +
        `A move no aggregate reveals (a transfer between locations, a commitment when the list has no for-sale figures) shows within ${min(walkBoundMs)} (one detail walk of ${Math.ceil(walkCalls)} calls, paced over the rest of the day` +
        `${walkClass === 'walk' ? "; the ledger's reconcile share of the day is used up, so the walk runs at poll priority in what the sweeps leave of the poll share" : ''}` +
        `${walkClass === null ? '; the walk waits: the sweeps need what is left of the poll share today' : ''})` +
        `${healthy ? '; webhooks are healthy, so most changes arrive within seconds and these are safety nets' : ''}.`;
    } else if (pollIntervalMs !== null && reconcileIntervalMs !== null) {
      stalenessBoundMs = Math.round(Math.ceil(walkCalls) * reconcileIntervalMs + pollIntervalMs);
      stalenessExplanation = `No sweep is scheduled: item edits show within one poll (${min(pollIntervalMs)}), any stock change within one detail walk plus a poll (${min(stalenessBoundMs)}).`;
    } else {
      stalenessBoundMs = null;
      stalenessExplanation = 'The catalog\'s share of today\'s Zoho budget is spent: stock is not re-read until the budget resets (webhook follow-ups and checkout refreshes still run).';
    }
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
      sweepIntervalMs: sweepIntervalMs === null ? null : Math.round(sweepIntervalMs),
      sweepPages,
      sweepDetailCallsExpected: Math.round(sweepDetail * 100) / 100,
      walkBoundMs,
      stalenessExplanation,
      pollRoom,
      reconcileRoom,
      walkClass,
    };
  }

  /** May the catalog make `calls` more calls now without touching the order/webhook reserves? */
  async canSpend(calls = 1, input?: Partial<PlanInput>): Promise<boolean> {
    const p = await this.plan({ catalogSize: input?.catalogSize ?? 0, lastWebhookAt: input?.lastWebhookAt ?? null, imagesPending: false });
    return p.syncCallsLeft >= calls;
  }
}
