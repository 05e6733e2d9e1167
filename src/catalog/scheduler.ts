/**
 * Runs the catalog jobs on the Clock: the webhook queue (any process; claims
 * are atomic), and, on the single leader (a lease in the store), the first
 * full sync, the aggregate sweep, incremental polls (when the sweep is too
 * dear), the reconciliation walk and image downloads
 * at the pace the planner sets. `tick()` does what is due now and returns,
 * so a simulated day is a loop of `clock.advance(); await tick()`.
 */
import type { Logger } from 'pino';
import type { Kysely } from 'kysely';
import type { Clock } from '../shared/clock.js';
import type { Database } from '../store/database.js';
import { releaseLease, tryAcquireLease } from '../store/leases.js';
import type { CatalogRepository } from './repository.js';
import { ledgerPriority, type SyncPlanner, type Plan, type SyncCallClass } from './planner.js';
import { STATE, type CatalogSync, type Guard } from './sync.js';

export interface SchedulerOptions {
  tickMs: number;
  leaseTtlMs: number;
  leaseName?: string;
  /** Images fetched per image step (default 5). */
  imagesPerStep?: number;
  /** Run processWebhookQueue in tick() (default true). */
  processWebhooks?: boolean;
}

export interface TickReport {
  leader: boolean;
  ran: SyncCallClass[];
  plan: Plan | null;
}

export class CatalogScheduler {
  private running = false;
  private loop: Promise<void> | null = null;
  private lastPlan: Plan | null = null;
  private lastRun: Partial<Record<'sweep' | 'poll' | 'reconcile' | 'image' | 'prune', number>> = {};
  private leader = false;
  private ticking: Promise<TickReport> | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly repo: CatalogRepository,
    private readonly sync: CatalogSync,
    private readonly planner: SyncPlanner,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: SchedulerOptions,
    private readonly lastWebhookAt: () => Promise<number | null>,
  ) {}

  get isLeader(): boolean {
    return this.leader;
  }

  get plan(): Plan | null {
    return this.lastPlan;
  }

  private inputs: { catalogSize: number; imagesPending: boolean; lastWebhookAt: number | null } | null = null;

  /** Catalog size and webhook health are read once per tick; the budget snapshot before every call. */
  private async currentPlan(refreshInputs = false): Promise<Plan> {
    if (refreshInputs || !this.inputs) {
      const counts = await this.repo.countItems();
      const pending = (await this.repo.itemsNeedingImages(1)).length > 0;
      this.inputs = { catalogSize: counts.total - counts.gone, imagesPending: pending, lastWebhookAt: await this.lastWebhookAt() };
    }
    this.lastPlan = await this.planner.plan(this.inputs);
    return this.lastPlan;
  }

  /** Asked before every scheduled call: stops a step as soon as the sync share of the budget is spent. */
  private guard: Guard = async (cls) => {
    const p = await this.currentPlan();
    if (p.syncCallsLeft < 1) return false;
    const prio = ledgerPriority(cls);
    // Asking the ledger for a call it would refuse only wastes a round trip to the store.
    if (prio === 'poll') return p.pollRoom >= 1;
    if (prio === 'reconcile') return p.reconcileRoom >= 1;
    return true;
  };

  private async due(kind: 'sweep' | 'poll' | 'reconcile' | 'image', intervalMs: number | null, stateKey: string | null): Promise<boolean> {
    if (intervalMs === null) return false;
    let last = this.lastRun[kind];
    if (last === undefined && stateKey) {
      // A new leader continues the previous one's pace.
      const s = await this.repo.getState<{ at?: number }>(stateKey);
      last = s?.value?.at ?? 0;
      this.lastRun[kind] = last;
    }
    return this.clock.now() - (last ?? 0) >= intervalMs;
  }

  /**
   * Records a run on the ideal grid (last + interval) when the tick came late,
   * catching up at most half an interval, so the average pace is the planned
   * one however coarse the tick; the planner's bounds assume that pace.
   */
  private markRun(kind: 'sweep' | 'poll' | 'reconcile', intervalMs: number | null): void {
    const now = this.clock.now();
    const last = this.lastRun[kind];
    if (intervalMs === null || last === undefined || last <= 0) {
      this.lastRun[kind] = now;
      return;
    }
    const late = now - (last + intervalMs);
    this.lastRun[kind] = now - Math.max(0, Math.min(late, intervalMs / 2));
  }

  tick(): Promise<TickReport> {
    // One tick at a time per process: a slow Zoho call must not stack ticks.
    if (this.ticking) return this.ticking;
    this.ticking = this.doTick().finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  private async doTick(): Promise<TickReport> {
    const ran: SyncCallClass[] = [];
    if (this.options.processWebhooks !== false) {
      const w = await this.sync.processWebhookQueue().catch((err: unknown) => {
        this.logger.warn({ err: String((err as Error).message ?? err) }, 'catalog: webhook queue failed');
        return null;
      });
      if (w?.ran) ran.push('webhook');
    }
    const now = this.clock.now();
    this.leader = await tryAcquireLease(this.db, this.options.leaseName ?? 'catalog-sync', this.sync.owner, this.options.leaseTtlMs, now);
    if (!this.leader) return { leader: false, ran, plan: this.lastPlan };
    try {
      if (!(await this.sync.hasCompletedFullSync())) {
        const r = await this.sync.fullSync({ guard: this.guard });
        ran.push('full');
        if (!r.completed) this.logger.info({ stoppedBy: r.stoppedBy }, 'catalog: initial full sync paused');
        return { leader: true, ran, plan: this.lastPlan };
      }
      let plan = await this.currentPlan(true);
      // The sweep first: it carries the tight staleness bound.
      if (plan.syncCallsLeft >= 1 && (await this.due('sweep', plan.sweepIntervalMs, STATE.lastSweep))) {
        this.markRun('sweep', plan.sweepIntervalMs);
        await this.sync.sweepOnce({ guard: this.guard });
        ran.push('sweep');
        plan = await this.currentPlan(true);
      }
      if (plan.syncCallsLeft >= 1 && (await this.due('reconcile', plan.reconcileIntervalMs, STATE.lastReconcile))) {
        this.markRun('reconcile', plan.reconcileIntervalMs);
        const cls = plan.walkClass === 'walk' ? 'walk' : 'reconcile';
        await this.sync.reconcileOnce({ guard: this.guard, batchSize: plan.reconcileBatchSize, cls });
        ran.push(cls);
        plan = await this.currentPlan();
      }
      if (plan.syncCallsLeft >= 1 && (await this.due('poll', plan.pollIntervalMs, STATE.lastPoll))) {
        this.markRun('poll', plan.pollIntervalMs);
        await this.sync.pollOnce({ guard: this.guard });
        ran.push('poll');
        plan = await this.currentPlan();
      }
      if (plan.syncCallsLeft >= 1 && (await this.due('image', plan.imageIntervalMs, STATE.lastImages))) {
        this.lastRun.image = this.clock.now();
        const r = await this.sync.fetchImages({ limit: this.options.imagesPerStep ?? 5, guard: this.guard });
        if (r.ran) ran.push('image');
      }
      if (this.clock.now() - (this.lastRun.prune ?? 0) >= 3_600_000) {
        this.lastRun.prune = this.clock.now();
        await this.sync.pruneWebhookEvents();
      }
    } catch (err) {
      this.logger.warn({ err: String((err as Error).message ?? err) }, 'catalog: scheduled sync step failed; retrying next tick');
    }
    return { leader: true, ran, plan: this.lastPlan };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.tick().catch(() => undefined);
        if (!this.running) break;
        await this.clock.sleep(this.options.tickMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    // The loop may be asleep on the clock: do not wait for it, only for the tick in flight.
    if (this.ticking) await this.ticking.catch(() => undefined);
    if (this.leader) await releaseLease(this.db, this.options.leaseName ?? 'catalog-sync', this.sync.owner).catch(() => undefined);
    this.leader = false;
    void this.loop;
  }
}
