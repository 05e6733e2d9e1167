/**
 * The catalog module: local copy of VIP Smoke's products with stock at its
 * Zoho location, fed by webhooks (hints → batched re-reads), an incremental
 * poll and a rolling reconciliation paced by the budget planner, and served
 * to the storefront from the store only.
 *
 * Dependencies (all passed in by the composition root):
 * - store: `{ db }` from openStore (tables: src/catalog/tables.ts, prefix 200_)
 * - zoho: ZohoInventoryApi (src/zoho); every call carries a priority
 * - budget?: `{ snapshot() }` of the shared Zoho budget ledger (planner input)
 * - reservations: ReservationsReader (src/orders) — subtracted from Zoho's figure
 * - logger (pino), registry (prom-client), alerts (AlertSink), clock (Clock)
 * - imageDir: where product images are cached
 * - locationId (ZOHO_LOCATION_ID), stockFigure (ZOHO_STOCK_FIELD), fieldMap
 *   (CUSTOM_FIELD_MAP), rollout (ROLLOUT), webhookSecret (ZOHO_WEBHOOK_SECRET),
 *   dailyLimit (ZOHO_DAILY_CALL_BUDGET)
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../shared/clock.js';
import type { AlertSink } from '../observability/alerts.js';
import type { Database } from '../store/database.js';
import type { ReservationsReader } from '../orders/types.js';
import type { ZohoInventoryApi } from '../zoho/types.js';
import type { CatalogReader } from './types.js';
import { CatalogRepository } from './repository.js';
import { parseFieldMap, type FieldMap, type LogicalField, type StockFigure } from './mapping.js';
import { describeRollout, parseRollout, type Rollout } from './rollout.js';
import { SyncPlanner, type BudgetSource, type Plan, type PlannerOptions } from './planner.js';
import { CatalogSync, STATE, type FullSyncProgress, type FullSyncResult, type Guard, type StepResult } from './sync.js';
import { CatalogReaderImpl } from './reader.js';
import { WebhookIngest, type WebhookOutcome } from './webhook-ingest.js';
import { CatalogScheduler, type TickReport } from './scheduler.js';
import { createStalenessWatch, type StalenessCheck } from './staleness-watch.js';
import { catalogRoutes } from '../http/routes/catalog.js';
import { zohoWebhookRoutes } from '../http/routes/zoho-webhook.js';

export type { CatalogProduct, CatalogReader, RiskLevel } from './types.js';
export { parseRollout, parseFieldMap };
export type { Plan, FullSyncProgress, FullSyncResult, StepResult, TickReport, Rollout, FieldMap, StockFigure };

export interface CatalogTuning {
  /** Items per detail call for full sync, polling and reconciliation (default 50: the Zoho client's /itemdetails chunk, ITEM_DETAILS_CHUNK). */
  detailBatchSize?: number;
  /** Items per detail call for webhook follow-ups (default 50). */
  webhookBatchSize?: number;
  /** Debounce window before the webhook queue runs (default 500 ms). */
  webhookDebounceMs?: number;
  pollOverlapMs?: number;
  pollMaxPages?: number;
  /** Scheduler tick (default 1 s). */
  tickMs?: number;
  leaseTtlMs?: number;
  webhookBodyLimit?: number;
  /** GET /api/products/:sku in-process cache TTL (default 1000 ms; 0 disables). */
  productCacheTtlMs?: number;
  planner?: Partial<Omit<PlannerOptions, 'dailyLimit' | 'detailBatchSize'>>;
}

export interface CatalogModuleDeps {
  store: { db: Kysely<Database> };
  zoho: ZohoInventoryApi;
  budget?: BudgetSource;
  reservations: ReservationsReader;
  logger: Logger;
  registry: Registry;
  alerts: AlertSink;
  clock: Clock;
  imageDir: string;
  /** ZOHO_LOCATION_ID; without it every item has 0 sellable stock and a `location_not_configured` problem. */
  locationId: string | undefined;
  stockFigure?: StockFigure;
  /** CUSTOM_FIELD_MAP (JSON text or object). */
  fieldMap?: string | Partial<Record<LogicalField, string>>;
  /** ROLLOUT. */
  rollout?: string;
  /** ZOHO_WEBHOOK_SECRET; without it every webhook is refused. */
  webhookSecret?: string;
  /** ZOHO_DAILY_CALL_BUDGET (used when no budget snapshot is given). */
  dailyLimit?: number;
  tuning?: CatalogTuning;
}

export interface MappingProblemSummary {
  items: number;
  byField: Array<{ field: string; problem: string; count: number }>;
  sample: Array<{ itemId: string; sku: string | null; name: string; field: string; problem: string; detail: string | null }>;
}

export interface CatalogSyncStatus {
  now: number;
  rollout: string;
  locationId: string | null;
  stockFigure: StockFigure;
  catalog: { total: number; gone: number; inactive: number; detailed: number; live: number };
  lastWebhookAt: number | null;
  lastWebhook: unknown;
  lastWebhookBatch: unknown;
  lastPoll: unknown;
  lastSweep: unknown;
  lastReconcile: unknown;
  lastWalk: unknown;
  lastFullSync: unknown;
  fullSyncInProgress: unknown;
  webhooks: { secretConfigured: boolean; byStatus: Record<string, number>; refusals: number };
  mappingProblems: MappingProblemSummary;
  staleness: { worstMs: number | null; stalest: Array<{ sku: string | null; name: string; itemId: string; stockSeenAt: number; ageMs: number }> };
  plan: Plan | null;
  callsToday: Record<string, number>;
  scheduler: { leader: boolean };
}

export interface CatalogModule {
  reader: CatalogReader & CatalogReaderImpl;
  sync: {
    fullSync(opts?: { onProgress?: (p: FullSyncProgress) => void; restart?: boolean; guard?: Guard }): Promise<FullSyncResult>;
    pollOnce(opts?: { guard?: Guard }): Promise<StepResult>;
    /** One aggregate sweep (list pages, detail reads only for items whose aggregates moved). */
    sweepOnce(opts?: { guard?: Guard }): Promise<StepResult>;
    reconcileOnce(opts?: { guard?: Guard; batchSize?: number; cls?: 'reconcile' | 'walk' }): Promise<StepResult>;
    processWebhookQueue(): Promise<StepResult>;
    fetchImages(opts?: { limit?: number }): Promise<StepResult>;
    refreshItems: CatalogReader['refreshItems'];
  };
  planner: SyncPlanner;
  scheduler: CatalogScheduler;
  webhookQueue: { nudge(): void; drain(): Promise<void> };
  status(): Promise<CatalogSyncStatus>;
  mappingProblems(limit?: number): Promise<MappingProblemSummary>;
  /** Fastify plugin: GET /api/products, /api/products/:sku, /api/products/:sku/image. */
  routes: (app: FastifyInstance) => Promise<void>;
  /** Fastify plugin: POST /webhooks/zoho. Register it with app.register (it scopes its own body parsers). */
  webhookRoutes: (app: FastifyInstance) => Promise<void>;
  /** Compares the oldest stock figure with the planner's promise; raises `sync_stale` beyond it. */
  checkStaleness(): Promise<StalenessCheck>;
  /** Runs checkStaleness on a timer (the server starts it with the scheduler). */
  startStalenessWatch(intervalMs?: number): void;
  close(): Promise<void>;
}

export function createCatalogModule(deps: CatalogModuleDeps): CatalogModule {
  const t = deps.tuning ?? {};
  const fieldMap = parseFieldMap(deps.fieldMap);
  const rollout = parseRollout(deps.rollout);
  const stockFigure = deps.stockFigure ?? 'actual_available_for_sale';
  const repo = new CatalogRepository(deps.store.db);
  const detailBatchSize = t.detailBatchSize ?? 50;
  const planner = new SyncPlanner({ dailyLimit: deps.dailyLimit ?? 1000, detailBatchSize, ...t.planner }, deps.clock, deps.budget);
  const log = deps.logger.child({ module: 'catalog' });

  const webhookEvents = new Counter({ name: 'webhook_events_total', help: 'Zoho webhook requests by outcome', labelNames: ['outcome'], registers: [deps.registry] });
  for (const o of ['accepted', 'duplicate', 'unknown', 'refused'] as WebhookOutcome[]) webhookEvents.inc({ outcome: o }, 0);
  const applied = new Counter({ name: 'catalog_items_applied_total', help: 'Item reads applied to the catalog by source', labelNames: ['source'], registers: [deps.registry] });
  new Gauge({
    name: 'catalog_sync_lag_seconds',
    help: 'Age of the oldest stock figure among sellable items (seconds since the bridge last read it from Zoho)',
    registers: [deps.registry],
    async collect() {
      const worst = await worstStockSeenAt();
      this.set(worst === null ? 0 : Math.max(0, (deps.clock.now() - worst) / 1000));
    },
  });

  const sync = new CatalogSync(
    repo,
    deps.zoho,
    { fieldMap, locationId: deps.locationId, stockFigure },
    deps.clock,
    log,
    deps.alerts,
    planner,
    {
      detailBatchSize,
      webhookBatchSize: t.webhookBatchSize ?? 50,
      pollOverlapMs: t.pollOverlapMs ?? 120_000,
      pollMaxPages: t.pollMaxPages ?? 5,
      webhookClaimLimit: 500,
      imageDir: deps.imageDir,
      webhookRetentionMs: 7 * 86_400_000,
    },
    { onApplied: (r, source) => applied.inc({ source: source.split(':')[0]! }, r.fieldsApplied + r.stockApplied > 0 ? r.stockApplied || r.fieldsApplied : 0) },
  );

  async function worstStockSeenAt(): Promise<number | null> {
    let q = deps.store.db
      .selectFrom('catalog_items')
      .select((eb) => eb.fn.min<number>('stock_seen_at').as('m'))
      .where('status', '=', 'active')
      .where('gone', '=', 0)
      .where('sku', 'is not', null)
      .where('fields_seen_at', '>', 0);
    if (rollout.kind === 'field') q = q.where('dtc_enabled', '=', 1);
    if (rollout.kind === 'skus') q = q.where('sku', 'in', rollout.skus);
    if (rollout.kind === 'categories') q = q.where('compliance_category', 'in', rollout.categories);
    const r = await q.executeTakeFirst();
    return r?.m === null || r?.m === undefined ? null : Number(r.m);
  }

  // Webhook queue: debounced so a burst of events becomes one batched re-read.
  const debounceMs = t.webhookDebounceMs ?? 500;
  let scheduled = false;
  let running: Promise<void> | null = null;
  let rerun = false;
  let closed = false;
  const runQueue = async (): Promise<void> => {
    if (running) {
      rerun = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          rerun = false;
          await sync.processWebhookQueue();
        } while (rerun && !closed);
      } catch (err) {
        log.warn({ err: String((err as Error).message ?? err) }, 'catalog: webhook queue run failed');
      } finally {
        running = null;
      }
    })();
    return running;
  };
  const webhookQueue = {
    nudge(): void {
      if (scheduled || closed) return;
      scheduled = true;
      void deps.clock.sleep(debounceMs).then(() => {
        scheduled = false;
        return runQueue();
      });
    },
    async drain(): Promise<void> {
      await runQueue();
    },
  };

  const ingest = new WebhookIngest(
    repo,
    deps.clock,
    log,
    deps.alerts,
    { secret: deps.webhookSecret },
    (outcome) => webhookEvents.inc({ outcome }),
    () => webhookQueue.nudge(),
  );

  const reader = new CatalogReaderImpl(repo, deps.reservations, rollout, (ids, priority) => sync.refreshItems(ids, priority));

  const lastWebhookAt = async (): Promise<number | null> => (await repo.getState<{ at: number }>(STATE.lastWebhook))?.value?.at ?? null;

  const scheduler = new CatalogScheduler(deps.store.db, repo, sync, planner, deps.clock, log, { tickMs: t.tickMs ?? 1000, leaseTtlMs: t.leaseTtlMs ?? 30_000 }, lastWebhookAt);
  const stalenessWatch = createStalenessWatch({ clock: deps.clock, alerts: deps.alerts, worstStockSeenAt, plan: () => scheduler.plan });
  let watchTimer: NodeJS.Timeout | null = null;

  async function mappingProblems(limit = 50): Promise<MappingProblemSummary> {
    const db = deps.store.db;
    const byField = await db
      .selectFrom('catalog_mapping_problems as p')
      .innerJoin('catalog_items as i', 'i.item_id', 'p.item_id')
      .where('i.gone', '=', 0)
      .select((eb) => ['p.field', 'p.problem', eb.fn.countAll<number>().as('count')])
      .groupBy(['p.field', 'p.problem'])
      .orderBy('p.field')
      .execute();
    const items = await db
      .selectFrom('catalog_mapping_problems as p')
      .innerJoin('catalog_items as i', 'i.item_id', 'p.item_id')
      .where('i.gone', '=', 0)
      .select((eb) => eb.fn.count<number>('p.item_id').distinct().as('n'))
      .executeTakeFirst();
    const sample = await db
      .selectFrom('catalog_mapping_problems as p')
      .innerJoin('catalog_items as i', 'i.item_id', 'p.item_id')
      .where('i.gone', '=', 0)
      .select(['p.item_id', 'i.sku', 'i.name', 'p.field', 'p.problem', 'p.detail'])
      .orderBy('i.sku')
      .orderBy('p.field')
      .limit(limit)
      .execute();
    return {
      items: Number(items?.n ?? 0),
      byField: byField.map((r) => ({ field: r.field, problem: r.problem, count: Number(r.count) })),
      sample: sample.map((r) => ({ itemId: r.item_id, sku: r.sku, name: r.name, field: r.field, problem: r.problem, detail: r.detail })),
    };
  }

  async function status(): Promise<CatalogSyncStatus> {
    const db = deps.store.db;
    const now = deps.clock.now();
    const get = async (k: string) => (await repo.getState(k))?.value ?? null;
    const counts = await repo.countItems();
    const live = await reader.listProducts({ page: 1, pageSize: 1 }).then((p) => p.total);
    const statusRows = await db.selectFrom('catalog_webhook_events').select((eb) => ['status', eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
    const byStatus: Record<string, number> = { pending: 0, processing: 0, done: 0, unknown: 0, failed: 0 };
    for (const r of statusRows) byStatus[r.status] = Number(r.n);
    const refusals = (await repo.getState(STATE.webhookRefusals))?.num ?? 0;
    let stalestQ = db
      .selectFrom('catalog_items')
      .select(['sku', 'name', 'item_id', 'stock_seen_at'])
      .where('status', '=', 'active')
      .where('gone', '=', 0)
      .where('sku', 'is not', null)
      .where('fields_seen_at', '>', 0);
    if (rollout.kind === 'field') stalestQ = stalestQ.where('dtc_enabled', '=', 1);
    if (rollout.kind === 'skus') stalestQ = stalestQ.where('sku', 'in', rollout.skus);
    if (rollout.kind === 'categories') stalestQ = stalestQ.where('compliance_category', 'in', rollout.categories);
    const stalest = await stalestQ.orderBy('stock_seen_at').orderBy('item_id').limit(20).execute();
    const worst = stalest[0] ? Number(stalest[0].stock_seen_at) : null;
    const pending = (await repo.itemsNeedingImages(1)).length > 0;
    const plan = await planner.plan({ catalogSize: counts.total - counts.gone, lastWebhookAt: await lastWebhookAt(), imagesPending: pending });
    const lw = (await get(STATE.lastWebhook)) as { at?: number } | null;
    return {
      now,
      rollout: describeRollout(rollout),
      locationId: deps.locationId ?? null,
      stockFigure,
      catalog: { ...counts, live },
      lastWebhookAt: lw?.at ?? null,
      lastWebhook: lw,
      lastWebhookBatch: await get(STATE.lastWebhookBatch),
      lastPoll: await get(STATE.lastPoll),
      lastSweep: await get(STATE.lastSweep),
      lastReconcile: await get(STATE.lastReconcile),
      lastWalk: await get(STATE.lastWalk),
      lastFullSync: await get(STATE.lastFullSync),
      fullSyncInProgress: await get(STATE.fullSync),
      webhooks: { secretConfigured: ingest.configured, byStatus, refusals },
      mappingProblems: await mappingProblems(20),
      staleness: {
        worstMs: worst === null ? null : now - worst,
        stalest: stalest.map((r) => ({ sku: r.sku, name: r.name, itemId: r.item_id, stockSeenAt: Number(r.stock_seen_at), ageMs: now - Number(r.stock_seen_at) })),
      },
      plan,
      callsToday: planner.ownUsage().byClass,
      scheduler: { leader: scheduler.isLeader },
    };
  }

  return {
    reader: reader as CatalogReader & CatalogReaderImpl,
    sync: {
      fullSync: (opts) => sync.fullSync(opts),
      pollOnce: (opts) => sync.pollOnce(opts),
      sweepOnce: (opts) => sync.sweepOnce(opts),
      reconcileOnce: (opts) => sync.reconcileOnce(opts),
      processWebhookQueue: () => sync.processWebhookQueue(),
      fetchImages: (opts) => sync.fetchImages({ limit: opts?.limit ?? 20 }),
      refreshItems: (ids, priority) => sync.refreshItems(ids, priority),
    },
    planner,
    scheduler,
    webhookQueue,
    status,
    mappingProblems,
    // The product cache runs on the real clock: it bounds how late other processes' writes show, in wall time.
    routes: catalogRoutes({ reader, imageDir: deps.imageDir, ...(t.productCacheTtlMs !== undefined ? { productCacheTtlMs: t.productCacheTtlMs } : {}) }),
    webhookRoutes: zohoWebhookRoutes({ ingest, ...(t.webhookBodyLimit ? { bodyLimit: t.webhookBodyLimit } : {}) }),
    checkStaleness: () => stalenessWatch.check(),
    startStalenessWatch(intervalMs = 60_000) {
      if (watchTimer) return;
      watchTimer = setInterval(() => {
        stalenessWatch.check().catch((err: unknown) => log.warn({ err }, 'staleness check failed'));
      }, intervalMs);
      watchTimer.unref();
    },
    async close() {
      closed = true;
      if (watchTimer) clearInterval(watchTimer);
      await scheduler.stop();
      if (running) await running;
    },
  };
}
