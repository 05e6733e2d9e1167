/**
 * The jobs that keep the local catalog in step with Zoho: the full sync
 * (checkpointed list walk, then detail batches), the incremental poll by
 * last_modified_time, the rolling reconciliation walk, the webhook queue and
 * image downloads. Every Zoho call goes through `call()`, which counts it,
 * asks the guard (the planner) when one is given, and turns a budget refusal
 * into a clean stop that keeps the checkpoint.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../shared/clock.js';
import type { AlertSink } from '../observability/alerts.js';
import type { ZohoInventoryApi, ZohoItem, ZohoPriority } from '../zoho/types.js';
import { ZohoBudgetExceededError } from '../zoho/errors.js';
import { CatalogRepository, type ApplyResult, type ListFacts, type MappingContext } from './repository.js';
import { formatZohoTime, listStockSig, parseZohoTime, problemText, zohoOffsetMinutes, type FieldProblem } from './mapping.js';
import { ledgerPriority, type SyncCallClass, type SyncPlanner } from './planner.js';
import { imageFileName, removeImage, saveImage } from './images.js';

export interface SyncOptions {
  /** Items per `/itemdetails` call for full sync, reconciliation and polling (default 50, the client's chunk). */
  detailBatchSize: number;
  /** Items per detail call for webhook follow-ups (default 50). */
  webhookBatchSize: number;
  /** Re-read this much before the poll cursor (default 2 min): Zoho's filter boundary is UNCONFIRMED and clocks skew. */
  pollOverlapMs: number;
  /** List pages per poll at most (default 5); the cursor is checkpointed after each. */
  pollMaxPages: number;
  /** Pending webhook events claimed per round (default 500). */
  webhookClaimLimit: number;
  imageDir: string;
  /** Events kept after processing (default 7 days). */
  webhookRetentionMs: number;
}

export interface FullSyncProgress {
  phase: 'list' | 'details' | 'done';
  done: number;
  total: number;
}

export interface FullSyncResult {
  completed: boolean;
  listed: number;
  detailed: number;
  gone: number;
  calls: number;
  /** Why it stopped early (budget), with when to retry. */
  stoppedBy?: 'budget' | 'guard';
  retryAfterMs?: number;
}

export interface StepResult {
  ran: boolean;
  calls: number;
  changed: number;
  stoppedBy?: 'budget' | 'guard';
  detail?: Record<string, unknown>;
}

interface FullSyncCheckpoint {
  runStartedAt: number;
  phase: 'list' | 'details';
  nextPage: number;
  listed: number;
  detailAfter: string | null;
  detailed: number;
  /** Ids of the last listed page whose detail reads the budget stopped (their list rows are stored). */
  pendingIds?: string[];
  /** Page-by-page walk (each list page read in detail at once); absent in checkpoints of the older two-pass sync. */
  pageWalk?: boolean;
  goneMarked?: boolean;
}

interface PollCursor {
  lm: string;
  lmMs: number;
  itemId: string;
}

/** Thrown inside a job when the guard says no more calls now. */
class GuardStop extends Error {}

export type Guard = (cls: SyncCallClass) => Promise<boolean>;

export const STATE = {
  fullSync: 'full_sync_checkpoint',
  lastFullSync: 'last_full_sync',
  pollCursor: 'poll_cursor',
  lastPoll: 'last_poll',
  reconcileCursor: 'reconcile_cursor',
  lastReconcile: 'last_reconcile',
  lastWalk: 'last_walk',
  lastWebhook: 'last_webhook',
  lastWebhookBatch: 'last_webhook_batch',
  webhookRefusals: 'webhook_refusals',
  lastImages: 'last_images',
  sweepCursor: 'sweep_cursor',
  lastSweep: 'last_sweep',
  sweepStats: 'sweep_stats',
} as const;

interface SweepCursor {
  startedAt: number;
  nextPage: number;
  /** Start of the last complete walk. */
  prevStartedAt?: number;
}

export interface SyncHooks {
  onApplied?(result: ApplyResult, source: string): void;
}

export class CatalogSync {
  readonly owner = `catalog-${process.pid}-${randomUUID().slice(0, 8)}`;
  private problemsThisRun: FieldProblem[] = [];

  constructor(
    private readonly repo: CatalogRepository,
    private readonly zoho: ZohoInventoryApi,
    private readonly ctx: MappingContext,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly alerts: AlertSink,
    private readonly planner: SyncPlanner,
    readonly options: SyncOptions,
    private readonly hooks: SyncHooks = {},
  ) {}

  private async call<T>(cls: SyncCallClass, guard: Guard | undefined, fn: () => Promise<T>): Promise<T> {
    if (guard && !(await guard(cls))) throw new GuardStop();
    try {
      const r = await fn();
      this.planner.note(cls);
      return r;
    } catch (err) {
      // A call the ledger refused never reached Zoho.
      if (!(err instanceof ZohoBudgetExceededError)) this.planner.note(cls);
      throw err;
    }
  }

  private priorityOf(cls: SyncCallClass): ZohoPriority {
    return ledgerPriority(cls);
  }

  /** Reads details in batches and applies them; requested items Zoho no longer returns are marked gone. */
  private async readDetails(ids: string[], cls: SyncCallClass, batchSize: number, guard?: Guard): Promise<{ calls: number; changed: number; returned: number }> {
    let calls = 0;
    let changed = 0;
    let returned = 0;
    for (let i = 0; i < ids.length; i += batchSize) {
      const chunk = ids.slice(i, i + batchSize);
      const readAt = this.clock.now();
      const items = await this.call(cls, guard, () => this.zoho.items.getMany(chunk, { priority: this.priorityOf(cls) }));
      calls++;
      returned += items.length;
      const result = await this.apply(items, readAt, cls);
      changed += result.changed.length;
      if (items.length > 0) {
        const got = new Set(items.map((x) => String(x.item_id)));
        const missing = chunk.filter((id) => !got.has(id));
        if (missing.length > 0) {
          this.logger.info({ missing: missing.slice(0, 20), count: missing.length }, 'catalog: items no longer returned by Zoho, marked gone');
          await this.repo.markGone(missing, this.clock.now());
          changed += missing.length;
        }
      }
    }
    return { calls, changed, returned };
  }

  async apply(items: ZohoItem[], readAt: number, source: string, list?: ListFacts): Promise<ApplyResult> {
    const result = await this.repo.applyDetails(items, readAt, this.ctx, this.clock.now(), list);
    if (result.newProblems.length > 0) this.problemsThisRun.push(...result.newProblems);
    this.hooks.onApplied?.(result, source);
    return result;
  }

  /**
   * Full sync, one list page: its items read in detail (batches of
   * detailBatchSize) and written in one pass with the page's list facts.
   * When the budget or guard stops the reads, what was read is written, the
   * unread rows are stored from the list (hidden until detailed) and returned
   * as `pendingIds` for the checkpoint, and the stop comes back in `stop`.
   */
  private async detailListPage(rows: ZohoItem[], seenAt: number, guard?: Guard): Promise<{ calls: number; detailed: number; pendingIds: string[]; stop?: unknown }> {
    const ids: string[] = [];
    const sigs = new Map<string, string>();
    for (const row of rows) {
      const id = String(row.item_id);
      if (sigs.has(id)) continue;
      sigs.set(id, listStockSig(row));
      ids.push(id);
    }
    const batch = Math.max(1, this.options.detailBatchSize);
    // The first read's start stands for the page: older is the safe side of every guard.
    const readAt = this.clock.now();
    const got: ZohoItem[] = [];
    const missing: string[] = [];
    let calls = 0;
    let done = 0;
    let stop: unknown;
    for (; done < ids.length; done += batch) {
      const chunk = ids.slice(done, done + batch);
      try {
        const items = await this.call('full', guard, () => this.zoho.items.getMany(chunk, { priority: 'reconcile' }));
        calls++;
        if (items.length > 0) {
          const have = new Set<string>();
          for (const it of items) have.add(String(it.item_id));
          for (const id of chunk) if (!have.has(id)) missing.push(id);
        }
        for (const it of items) got.push(it);
      } catch (err) {
        if (!this.stopReason(err)) throw err;
        stop = err;
        break;
      }
    }
    if (got.length > 0) await this.apply(got, readAt, 'full', { seenAt, sigs });
    const pendingIds = ids.slice(done);
    if (pendingIds.length > 0) {
      const pending = new Set(pendingIds);
      await this.repo.applyListRows(rows.filter((r) => pending.has(String(r.item_id))), seenAt, this.clock.now(), { sigs: 'store' });
    }
    if (missing.length > 0) {
      this.logger.info({ missing: missing.slice(0, 20), count: missing.length }, 'catalog: items no longer returned by Zoho, marked gone');
      await this.repo.markGone(missing, this.clock.now());
    }
    return { calls, detailed: Math.min(done, ids.length), pendingIds, ...(stop ? { stop } : {}) };
  }

  /** One alert per sync run for problems first seen in it (the sink dedupes further). */
  private flushProblems(run: string): void {
    const problems = this.problemsThisRun;
    this.problemsThisRun = [];
    if (problems.length === 0) return;
    const byField: Record<string, number> = {};
    for (const p of problems) byField[`${p.field}:${p.problem}`] = (byField[`${p.field}:${p.problem}`] ?? 0) + 1;
    this.alerts.raise({
      kind: 'mapping_problem',
      severity: 'warning',
      message: `Catalog ${run}: ${problems.length} new item mapping problem(s); affected items use safe defaults (age required, high risk) or zero stock`,
      dedupeKey: `mapping_problem:${Object.keys(byField).sort().join(',')}`,
      details: { run, byField, sample: problems.slice(0, 5).map(problemText) },
    });
  }

  // ---------------- full sync ----------------

  async fullSync(opts: { onProgress?: (p: FullSyncProgress) => void; restart?: boolean; guard?: Guard } = {}): Promise<FullSyncResult> {
    const now = () => this.clock.now();
    let cp = opts.restart ? null : (await this.repo.getState<FullSyncCheckpoint>(STATE.fullSync))?.value ?? null;
    if (!cp) {
      cp = { runStartedAt: now(), phase: 'list', nextPage: 1, listed: 0, detailAfter: null, detailed: 0, pageWalk: true };
      await this.repo.setState(STATE.fullSync, cp, now());
    }
    let calls = 0;
    let gone = 0;
    const report = (p: FullSyncProgress) => {
      try {
        opts.onProgress?.(p);
      } catch {
        /* a progress bar must not break the sync */
      }
    };
    try {
      // A page the budget stopped half-read: its remaining ids were checkpointed (their list rows are stored).
      if (cp.pendingIds && cp.pendingIds.length > 0) {
        const r = await this.readDetails(cp.pendingIds, 'full', this.options.detailBatchSize, opts.guard);
        calls += r.calls;
        cp.detailed += cp.pendingIds.length;
        cp.pendingIds = [];
        await this.repo.setState(STATE.fullSync, cp, now());
      }
      if (cp.phase === 'list') {
        const before = await this.repo.countItems();
        const known = before.total - before.gone;
        for (;;) {
          const res = await this.call('full', opts.guard, () =>
            this.zoho.items.list({ page: cp!.nextPage, per_page: 200, filter_by: 'Status.All' }, { priority: 'reconcile' }),
          );
          calls++;
          cp.listed += res.items.length;
          const more = Boolean(res.page_context?.has_more_page) && res.items.length > 0;
          if (more) cp.nextPage++;
          else cp.phase = 'details';
          // The page is read in detail at once, so each row is written once, with its list facts.
          const page = await this.detailListPage(res.items, cp.runStartedAt, opts.guard);
          calls += page.calls;
          cp.detailed += page.detailed;
          cp.pendingIds = page.pendingIds;
          await this.repo.setState(STATE.fullSync, cp, now());
          if (page.stop) throw page.stop;
          report({ phase: 'details', done: cp.detailed, total: more ? Math.max(known, cp.listed + 200) : cp.listed });
          if (!more) break;
        }
      }
      if (cp.pageWalk && !cp.goneMarked) {
        gone = (await this.repo.markUnlistedGoneBefore(cp.runStartedAt, now())).length;
        cp.goneMarked = true;
        await this.repo.setState(STATE.fullSync, cp, now());
      }
      // Only a checkpoint left by the older list-then-details sync has a detail pass to finish.
      if (!cp.pageWalk) {
        const counts = await this.repo.countItems();
        const total = counts.total - counts.gone;
        for (;;) {
          const ids = await this.repo.knownItemIds(cp.detailAfter, this.options.detailBatchSize);
          if (ids.length === 0) break;
          const r = await this.readDetails(ids, 'full', this.options.detailBatchSize, opts.guard);
          calls += r.calls;
          cp.detailAfter = ids[ids.length - 1]!;
          cp.detailed += ids.length;
          await this.repo.setState(STATE.fullSync, cp, now());
          report({ phase: 'details', done: Math.min(cp.detailed, total), total });
        }
      }
      await this.repo.deleteState(STATE.fullSync);
      const finished = { at: now(), startedAt: cp.runStartedAt, listed: cp.listed, detailed: cp.detailed, gone, calls };
      await this.repo.setState(STATE.lastFullSync, finished, now());
      if (!(await this.repo.getState<PollCursor>(STATE.pollCursor))?.value) await this.initPollCursor(cp.runStartedAt);
      report({ phase: 'done', done: cp.detailed, total: cp.detailed });
      this.flushProblems('full sync');
      return { completed: true, listed: cp.listed, detailed: cp.detailed, gone, calls };
    } catch (err) {
      this.flushProblems('full sync');
      const stop = this.stopReason(err);
      if (!stop) throw err;
      this.logger.warn({ phase: cp.phase, page: cp.nextPage, detailed: cp.detailed }, `catalog full sync paused (${stop.stoppedBy}); it resumes from its checkpoint`);
      return { completed: false, listed: cp.listed, detailed: cp.detailed, gone, calls, ...stop };
    }
  }

  private stopReason(err: unknown): { stoppedBy: 'budget' | 'guard'; retryAfterMs?: number } | null {
    if (err instanceof GuardStop) return { stoppedBy: 'guard' };
    if (err instanceof ZohoBudgetExceededError) return { stoppedBy: 'budget', retryAfterMs: err.retryAfterMs };
    return null;
  }

  /** After the first full sync, incremental polls start from the newest modification the catalog holds. */
  private async initPollCursor(fallbackMs: number): Promise<void> {
    const row = await this.repo.db
      .selectFrom('catalog_items')
      .select(['zoho_last_modified', 'zoho_last_modified_ms', 'item_id'])
      .where('zoho_last_modified_ms', 'is not', null)
      .orderBy('zoho_last_modified_ms', 'desc')
      .orderBy('item_id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const cursor: PollCursor = row
      ? { lm: row.zoho_last_modified!, lmMs: row.zoho_last_modified_ms!, itemId: row.item_id }
      : { lm: formatZohoTime(fallbackMs), lmMs: fallbackMs, itemId: '' };
    await this.repo.setState(STATE.pollCursor, cursor, this.clock.now());
  }

  async hasCompletedFullSync(): Promise<boolean> {
    return (await this.repo.getState(STATE.lastFullSync))?.value != null;
  }

  // ---------------- incremental poll ----------------

  /**
   * Lists items modified since the cursor minus an overlap (sort ascending by
   * last_modified_time), reads details only for rows newer than what the
   * catalog holds (so re-reading the boundary second costs no detail call),
   * and moves the cursor to the greatest (time, item id) seen, page by page.
   */
  async pollOnce(opts: { guard?: Guard } = {}): Promise<StepResult> {
    const now = () => this.clock.now();
    let cursor = (await this.repo.getState<PollCursor>(STATE.pollCursor))?.value ?? null;
    if (!cursor) {
      if (!(await this.hasCompletedFullSync())) return { ran: false, calls: 0, changed: 0, detail: { reason: 'no full sync yet' } };
      await this.initPollCursor(now());
      cursor = (await this.repo.getState<PollCursor>(STATE.pollCursor))!.value!;
    }
    const since = formatZohoTime(cursor.lmMs - this.options.pollOverlapMs, zohoOffsetMinutes(cursor.lm));
    let calls = 0;
    let changed = 0;
    let listed = 0;
    let stoppedBy: StepResult['stoppedBy'];
    try {
      for (let page = 1; page <= this.options.pollMaxPages; page++) {
        const readAt = now();
        const res = await this.call('poll', opts.guard, () =>
          this.zoho.items.list({ sort_column: 'last_modified_time', sort_order: 'A', last_modified_time: since, page, per_page: 200 }, { priority: 'poll' }),
        );
        calls++;
        listed += res.items.length;
        const { needDetail } = await this.repo.applyListRows(res.items, readAt, now());
        if (needDetail.length > 0) {
          const r = await this.readDetails(needDetail, 'poll', this.options.detailBatchSize, opts.guard);
          calls += r.calls;
          changed += r.changed;
        }
        for (const row of res.items) {
          const ms = parseZohoTime(row.last_modified_time);
          const id = String(row.item_id);
          if (ms !== null && (ms > cursor.lmMs || (ms === cursor.lmMs && id > cursor.itemId))) {
            cursor = { lm: String(row.last_modified_time), lmMs: ms, itemId: id };
          }
        }
        await this.repo.setState(STATE.pollCursor, cursor, now());
        if (!res.page_context?.has_more_page || res.items.length === 0) break;
      }
    } catch (err) {
      const stop = this.stopReason(err);
      if (!stop) {
        await this.repo.setState(STATE.lastPoll, { at: now(), ok: false, error: String((err as Error).message ?? err), calls }, now());
        this.flushProblems('poll');
        throw err;
      }
      stoppedBy = stop.stoppedBy;
    }
    await this.repo.setState(STATE.lastPoll, { at: now(), ok: true, calls, listed, changed, stoppedBy: stoppedBy ?? null, cursor: cursor.lm }, now());
    this.flushProblems('poll');
    return { ran: true, calls, changed, ...(stoppedBy ? { stoppedBy } : {}), detail: { listed, cursor } };
  }

  // ---------------- aggregate sweep ----------------

  /**
   * The cheap change detector: lists every page of items (200 per call) and
   * compares each row's org-wide stock aggregates and last_modified_time with
   * what the catalog last saw; only items whose figures moved are re-read in
   * detail (batched). Catches every stock change that moves an org total (sales,
   * receipts, adjustments, commitments when Zoho sends for-sale aggregates),
   * whether or not it touched last_modified_time. It cannot see a transfer
   * between locations (the org total stays put): the reconciliation walk does.
   * A walk that is stopped by the budget resumes at its page next time; items
   * that two complete walks in a row did not list are marked gone.
   */
  async sweepOnce(opts: { guard?: Guard } = {}): Promise<StepResult> {
    const now = () => this.clock.now();
    let cursor = (await this.repo.getState<SweepCursor>(STATE.sweepCursor))?.value ?? null;
    if (!cursor) cursor = { startedAt: now(), nextPage: 1 };
    const walkStartedAt = cursor.startedAt;
    const prevWalkStartedAt = cursor.prevStartedAt;
    let listCalls = 0;
    let detailCalls = 0;
    let changed = 0;
    let listed = 0;
    let completed = false;
    let stoppedBy: StepResult['stoppedBy'];
    const moved = new Map<string, string>();
    const lmNewer = new Set<string>();
    try {
      for (;;) {
        const readAt = now();
        const page: number = cursor.nextPage;
        const res = await this.call('sweep', opts.guard, () =>
          this.zoho.items.list({ page, per_page: 200, filter_by: 'Status.All', sort_column: 'created_time', sort_order: 'A' }, { priority: 'poll' }),
        );
        listCalls++;
        listed += res.items.length;
        const r = await this.repo.applyListRows(res.items, readAt, now(), { sigs: 'compare' });
        for (const id of r.needDetail) lmNewer.add(id);
        for (const id of r.stockMoved) moved.set(id, r.sigs.get(id)!);
        const more = Boolean(res.page_context?.has_more_page) && res.items.length > 0;
        cursor = more ? { ...cursor, nextPage: page + 1 } : { startedAt: now(), nextPage: 1, prevStartedAt: walkStartedAt };
        if (!more) completed = true;
        if (!more) break;
      }
    } catch (err) {
      const stop = this.stopReason(err);
      if (!stop) {
        await this.repo.setState(STATE.lastSweep, { at: now(), ok: false, error: String((err as Error).message ?? err), calls: listCalls }, now());
        throw err;
      }
      stoppedBy = stop.stoppedBy;
    }
    // Pages listed so far are worth their detail reads even when the walk stopped.
    const ids = [...new Set([...lmNewer, ...moved.keys()])];
    let gone = 0;
    try {
      if (ids.length > 0) {
        const r = await this.readDetails(ids, 'sweep-detail', this.options.detailBatchSize, opts.guard);
        detailCalls += r.calls;
        changed += r.changed;
      }
      // Only now are the new aggregates "seen": a stopped read leaves them to the next sweep.
      const sigs = new Map<string, string>();
      for (const id of ids) {
        const sig = moved.get(id);
        if (sig !== undefined) sigs.set(id, sig);
      }
      if (sigs.size > 0) await this.repo.setListSigs(sigs);
      if (completed) {
        // Gone = missed by two complete walks in a row: a deletion during a walk shifts later pages
        // by a row, so one walk can miss a live item; two in a row cannot (short of more deletions).
        if (prevWalkStartedAt !== undefined && (await this.hasCompletedFullSync())) gone = (await this.repo.markUnlistedGoneBefore(prevWalkStartedAt, now())).length;
      }
    } catch (err) {
      const stop = this.stopReason(err);
      if (!stop) throw err;
      stoppedBy = stop.stoppedBy;
    }
    await this.repo.setState(STATE.sweepCursor, cursor, now());
    const result = { at: now(), ok: true, listCalls, detailCalls, listed, moved: moved.size, modified: lmNewer.size, changed, gone, completed, stoppedBy: stoppedBy ?? null };
    await this.repo.setState(STATE.lastSweep, result, now());
    this.flushProblems('sweep');
    return { ran: true, calls: listCalls + detailCalls, changed, ...(stoppedBy ? { stoppedBy } : {}), detail: result };
  }

  // ---------------- rolling reconciliation ----------------

  /**
   * Re-reads the next batch of known items (by item id, wrapping around to
   * fill the batch), so the whole catalog is walked over time: the only way
   * to see stock moves that do not touch last_modified_time.
   */
  async reconcileOnce(opts: { guard?: Guard; batchSize?: number; cls?: 'reconcile' | 'walk' } = {}): Promise<StepResult> {
    const now = () => this.clock.now();
    const batch = opts.batchSize ?? this.options.detailBatchSize;
    const state = (await this.repo.getState<{ afterId: string | null; walkStartedAt: number }>(STATE.reconcileCursor))?.value ?? {
      afterId: null,
      walkStartedAt: now(),
    };
    let ids = await this.repo.knownItemIds(state.afterId, batch);
    let wrapped = false;
    if (ids.length < batch) {
      wrapped = true;
      const head = await this.repo.knownItemIds(null, batch - ids.length);
      const have = new Set(ids);
      ids = [...ids, ...head.filter((id) => !have.has(id))];
    }
    if (ids.length === 0) return { ran: false, calls: 0, changed: 0, detail: { reason: 'catalog empty' } };
    try {
      const r = await this.readDetails(ids, opts.cls ?? 'reconcile', batch, opts.guard);
      let next = { afterId: ids[ids.length - 1]!, walkStartedAt: state.walkStartedAt };
      if (wrapped) {
        await this.repo.setState(STATE.lastWalk, { completedAt: now(), startedAt: state.walkStartedAt, durationMs: now() - state.walkStartedAt }, now());
        next = { afterId: ids[ids.length - 1]!, walkStartedAt: now() };
      }
      await this.repo.setState(STATE.reconcileCursor, next, now());
      await this.repo.setState(STATE.lastReconcile, { at: now(), ok: true, calls: r.calls, items: ids.length, changed: r.changed }, now());
      this.flushProblems('reconciliation');
      return { ran: true, calls: r.calls, changed: r.changed, detail: { items: ids.length, wrapped } };
    } catch (err) {
      this.flushProblems('reconciliation');
      const stop = this.stopReason(err);
      if (!stop) {
        await this.repo.setState(STATE.lastReconcile, { at: now(), ok: false, error: String((err as Error).message ?? err) }, now());
        throw err;
      }
      return { ran: false, calls: 0, changed: 0, stoppedBy: stop.stoppedBy };
    }
  }

  // ---------------- webhook queue ----------------

  /**
   * Claims pending events (atomically, so several processes can run it), and
   * re-reads every item they name in batches of `webhookBatchSize`: 50 events
   * about the same few items cost one or two calls, never one per event.
   */
  async processWebhookQueue(opts: { maxRounds?: number } = {}): Promise<StepResult> {
    const db = this.repo.db;
    let calls = 0;
    let changed = 0;
    let events = 0;
    for (let round = 0; round < (opts.maxRounds ?? 10); round++) {
      const now = this.clock.now();
      // Claims abandoned by a crashed process go back to the queue.
      await db
        .updateTable('catalog_webhook_events')
        .set({ status: 'pending', claimed_by: null })
        .where('status', '=', 'processing')
        .where('claimed_at', '<', now - 120_000)
        .execute();
      const pending = await db
        .selectFrom('catalog_webhook_events')
        .select('event_key')
        .where('status', '=', 'pending')
        .orderBy('received_at')
        .limit(this.options.webhookClaimLimit)
        .execute();
      if (pending.length === 0) break;
      const claimTag = `${this.owner}:${now}:${round}`;
      for (let i = 0; i < pending.length; i += 500) {
        await db
          .updateTable('catalog_webhook_events')
          .set({ status: 'processing', claimed_by: claimTag, claimed_at: now })
          .where('event_key', 'in', pending.slice(i, i + 500).map((p) => p.event_key))
          .where('status', '=', 'pending')
          .execute();
      }
      const claimed = await db.selectFrom('catalog_webhook_events').select(['event_key', 'item_ids', 'attempts']).where('claimed_by', '=', claimTag).where('status', '=', 'processing').execute();
      if (claimed.length === 0) continue;
      const ids = new Set<string>();
      for (const e of claimed) for (const id of JSON.parse(e.item_ids) as string[]) ids.add(id);
      const keys = claimed.map((e) => e.event_key);
      try {
        const r = await this.readDetails([...ids], 'webhook', this.options.webhookBatchSize);
        calls += r.calls;
        changed += r.changed;
        events += claimed.length;
        for (let i = 0; i < keys.length; i += 500) {
          await db
            .updateTable('catalog_webhook_events')
            .set({ status: 'done', processed_at: this.clock.now(), claimed_by: null, attempts: 1, last_error: null })
            .where('event_key', 'in', keys.slice(i, i + 500))
            .execute();
        }
        await this.repo.setState(STATE.lastWebhookBatch, { at: this.clock.now(), events: claimed.length, items: ids.size, calls: r.calls, changed: r.changed }, this.clock.now());
      } catch (err) {
        const budget = err instanceof ZohoBudgetExceededError;
        const message = String((err as Error).message ?? err).slice(0, 500);
        for (const e of claimed) {
          const attempts = e.attempts + (budget ? 0 : 1);
          await db
            .updateTable('catalog_webhook_events')
            .set({ status: attempts >= 5 ? 'failed' : 'pending', claimed_by: null, attempts, last_error: message })
            .where('event_key', '=', e.event_key)
            .execute();
        }
        this.logger.warn({ err: message, events: claimed.length }, 'catalog: webhook follow-up reads failed; events stay queued (reconciliation also covers them)');
        this.flushProblems('webhook batch');
        return { ran: true, calls, changed, ...(budget ? { stoppedBy: 'budget' as const } : {}), detail: { events, error: message } };
      }
    }
    this.flushProblems('webhook batch');
    return { ran: events > 0, calls, changed, detail: { events } };
  }

  async pruneWebhookEvents(): Promise<number> {
    const res = await this.repo.db
      .deleteFrom('catalog_webhook_events')
      .where('status', 'in', ['done', 'unknown', 'failed'])
      .where('received_at', '<', this.clock.now() - this.options.webhookRetentionMs)
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  // ---------------- images ----------------

  async fetchImages(opts: { limit: number; guard?: Guard }): Promise<StepResult> {
    const todo = await this.repo.itemsNeedingImages(opts.limit);
    let calls = 0;
    let changed = 0;
    for (const { item_id, image_key } of todo) {
      try {
        const img = await this.call('image', opts.guard, () => this.zoho.items.getImage(item_id, { priority: 'reconcile' }));
        calls++;
        const old = await this.repo.db.selectFrom('catalog_items').select('image_file').where('item_id', '=', item_id).executeTakeFirst();
        if (!img) {
          await this.repo.setImage(item_id, image_key, null, null, this.clock.now());
        } else {
          const file = imageFileName(item_id, image_key, img.contentType);
          await saveImage(this.options.imageDir, file, img.body);
          await this.repo.setImage(item_id, image_key, file, img.contentType, this.clock.now());
        }
        if (old?.image_file && old.image_file !== (img ? imageFileName(item_id, image_key, img.contentType) : null)) {
          await removeImage(this.options.imageDir, old.image_file);
        }
        changed++;
      } catch (err) {
        const stop = this.stopReason(err);
        if (stop) return { ran: calls > 0, calls, changed, stoppedBy: stop.stoppedBy };
        this.logger.warn({ itemId: item_id, err: String((err as Error).message ?? err) }, 'catalog: image download failed');
        // Record the key anyway so a broken image is not re-fetched every round; the next change retries.
        await this.repo.setImage(item_id, image_key, null, null, this.clock.now());
      }
    }
    if (calls > 0) await this.repo.setState(STATE.lastImages, { at: this.clock.now(), fetched: changed }, this.clock.now());
    return { ran: calls > 0, calls, changed };
  }

  // ---------------- on demand ----------------

  /** CatalogReader.refreshItems: one batched read now at the caller's priority. */
  async refreshItems(itemIds: string[], priority: ZohoPriority): Promise<void> {
    const unique = [...new Set(itemIds.map(String))];
    if (unique.length === 0) return;
    const cls: SyncCallClass = 'refresh';
    for (let i = 0; i < unique.length; i += this.options.webhookBatchSize) {
      const chunk = unique.slice(i, i + this.options.webhookBatchSize);
      const readAt = this.clock.now();
      this.planner.note(cls);
      const items = await this.zoho.items.getMany(chunk, { priority });
      await this.apply(items, readAt, `refresh:${priority}`);
    }
    this.flushProblems('refresh');
  }
}
