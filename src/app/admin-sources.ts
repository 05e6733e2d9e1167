/**
 * The dashboard's view of the running modules: every AdminSources function
 * mapped onto the modules' own APIs. Where a module has no read the dashboard
 * needs (paged lists with totals, hidden catalog items, recent webhook
 * events, the audit log by record), a minimal read-only query against that
 * module's own table stands in here; each one says so where it is written.
 */
import { sql } from 'kysely';
import type { AppContext } from './context.js';
import type {
  AdminOrderDetail,
  AdminOrderSummary,
  AdminSources,
  AuditRecordDetail,
  AuditRecordSummary,
  CatalogProduct,
  ChainVerification,
  DownloadFile,
  DrillResult,
  MappingProblemView,
  OrderStepView,
  StalenessPromise,
  SyncStatusView,
  WebhookEventView,
} from '../admin/sources.js';
import type { CatalogSyncStatus } from '../catalog/index.js';
import type { CatalogItemRow } from '../catalog/tables.js';
import type { AuditRecord } from '../compliance/index.js';
import { loadOrder } from '../orders/context.js';
import type { OrderEventView } from '../orders/model.js';
import { AppError } from '../shared/errors.js';

/** The app route that starts the OAuth flow (behind the admin login; redirects to Zoho's consent page). */
export const ZOHO_START_PATH = '/oauth/zoho/start';

const MAX_PAGE = 500;
const WEBHOOK_EVENTS_SHOWN = 100;
const MAPPING_PROBLEMS_SHOWN = 200;

export function createAdminSources(ctx: AppContext): AdminSources {
  const db = ctx.store.db;

  // The sync and budget pages both need the catalog status (which computes the
  // plan): concurrent callers share one computation instead of running it twice.
  let statusInFlight: Promise<CatalogSyncStatus> | null = null;
  const catalogStatus = (): Promise<CatalogSyncStatus> => {
    if (!statusInFlight) {
      statusInFlight = ctx.catalog.status().finally(() => {
        statusInFlight = null;
      });
    }
    return statusInFlight;
  };

  return {
    connection: {
      status: () => ctx.zoho.connection.status(),
      async startUrl() {
        return ZOHO_START_PATH;
      },
    },

    budget: {
      snapshot: () => ctx.zoho.budget.snapshot(),
      async stalenessPromise() {
        const s = await catalogStatus();
        return stalenessPromiseFrom(s);
      },
    },

    sync: {
      async status(): Promise<SyncStatusView> {
        const [s, problems, events] = await Promise.all([catalogStatus(), ctx.catalog.mappingProblems(MAPPING_PROBLEMS_SHOWN), recentWebhookEvents(ctx, WEBHOOK_EVENTS_SHOWN)]);
        const webhookCounts: Record<string, number> = {};
        for (const [status, n] of Object.entries(s.webhooks.byStatus)) {
          if (n > 0) webhookCounts[webhookOutcome(status)] = (webhookCounts[webhookOutcome(status)] ?? 0) + n;
        }
        if (s.webhooks.refusals > 0) webhookCounts.refused = s.webhooks.refusals;
        const fullSyncAt = atOf(s.lastFullSync);
        const reconcileAt = atOf(s.lastReconcile);
        return {
          lastWebhookAt: s.lastWebhookAt,
          lastPollAt: atOf(s.lastPoll),
          // A completed full sync re-reads every item: it counts as a reconciliation.
          lastReconciliationAt: maxOrNull(reconcileAt, fullSyncAt),
          // The catalog reports its 20 stalest sellable items (oldest first), the part of the list the page is about.
          items: s.staleness.stalest.map((i) => ({ sku: i.sku ?? '', name: i.name, zohoItemId: i.itemId, stockSeenAt: i.stockSeenAt, live: true })),
          webhookEvents: events,
          webhookCounts,
          mappingProblems: problems.sample.map(
            (p): MappingProblemView => ({ sku: p.sku, zohoItemId: p.itemId, field: p.field, problem: p.detail ? `${p.problem}: ${p.detail}` : p.problem }),
          ),
        };
      },
    },

    catalog: {
      async items(query) {
        // FALLBACK: the catalog reader lists live items only (listProducts); the
        // dashboard shows every item with its rollout state, so this reads
        // catalog_items directly and converts rows with the reader's own toProduct.
        const { limit, offset } = paging(query);
        let base = db.selectFrom('catalog_items').where('gone', '=', 0);
        for (const word of (query.search ?? '').toLowerCase().split(/\s+/).filter(Boolean).slice(0, 5)) {
          const escaped = word.replace(/[\\%_]/g, (ch) => `\\${ch}`);
          base = base.where(sql<boolean>`search_text like ${`%${escaped}%`} escape '\\'`);
        }
        const [rows, count] = await Promise.all([
          base.selectAll().orderBy('name').orderBy('item_id').limit(limit).offset(offset).execute(),
          base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
        ]);
        const withSku = rows.filter((r): r is CatalogItemRow & { sku: string } => r.sku !== null);
        const outstanding =
          withSku.length > 0 ? await ctx.orders.reservations.outstandingBySku(withSku.map((r) => ({ sku: r.sku, stockSeenAt: Number(r.stock_seen_at) }))) : new Map<string, number>();
        const items: CatalogProduct[] = rows.map((r) => ctx.catalog.reader.toProduct(numericRow(r), r.sku === null ? 0 : (outstanding.get(r.sku) ?? 0)));
        return { items, total: Number(count.n) };
      },
    },

    orders: {
      async list(query) {
        // FALLBACK: OrdersService.list has no offset, no total and no customer
        // fields, so the page reads the orders table (same filter: never `received`).
        const { limit, offset } = paging(query);
        let base = db.selectFrom('orders').where('status', '!=', 'received');
        if (query.status) base = base.where('status', '=', query.status === 'dead_letter' ? 'failed' : query.status);
        const [rows, count] = await Promise.all([
          base
            .select([
              'order_id',
              'status',
              'created_at',
              'updated_at',
              'customer_email',
              'input_json',
              'total_cents',
              'zoho_salesorder_id',
              'zoho_salesorder_number',
              'last_error',
            ])
            .orderBy('created_at', 'desc')
            .orderBy('order_id')
            .limit(limit)
            .offset(offset)
            .execute(),
          base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
        ]);
        const items = rows.map((r): AdminOrderSummary => {
          const who = customerOf(r.input_json);
          return {
            orderId: r.order_id,
            status: r.status,
            createdAt: Number(r.created_at),
            updatedAt: Number(r.updated_at),
            customerName: who.name,
            email: r.customer_email || null,
            shipState: who.state,
            totalCents: Number(r.total_cents),
            zohoSalesOrderId: r.zoho_salesorder_id,
            zohoSalesOrderNumber: r.zoho_salesorder_number,
            deadLetter: isDeadLetter(r.status),
            lastError: r.last_error,
          };
        });
        return { items, total: Number(count.n) };
      },

      async get(orderId) {
        const detail = await ctx.orders.getOrder(orderId);
        if (!detail) return null;
        // The view leaves out who the customer is and the compliance references; the row has them.
        const row = await loadOrder(db, orderId);
        const who = customerOf(row?.input_json ?? null);
        // What each reason does (deny / review) is in the stored assessment, not in the public reasons.
        const effects = reasonEffects(row?.assessment_json ?? null);
        const result: AdminOrderDetail = {
          orderId: detail.orderId,
          status: detail.status,
          createdAt: Date.parse(detail.createdAt),
          updatedAt: Date.parse(detail.updatedAt),
          customerName: who.name,
          email: row?.customer_email || null,
          shipState: who.state,
          totalCents: detail.totals.totalCents,
          zohoSalesOrderId: detail.zohoSalesOrderId,
          zohoSalesOrderNumber: detail.zohoSalesOrderNumber,
          deadLetter: isDeadLetter(detail.status),
          lastError: detail.lastError,
          lines: detail.lines.map((l) => ({ sku: l.sku, name: l.name, quantity: l.quantity, unitPriceCents: l.unitPriceCents })),
          reasons: detail.reasons.map((r) => ({ code: r.code, message: r.message, sku: r.sku ?? null, effect: effects.get(reasonKey(r.code, r.sku)) ?? null })),
          steps: detail.history.map(stepView),
          complianceDecisionId: row?.decision_id ?? null,
          ageVerificationReference: row?.age_reference ?? null,
        };
        return result;
      },

      async retry(orderId) {
        await ctx.orders.retryOrder(orderId);
      },

      async cancel(orderId) {
        await ctx.orders.cancelOrder(orderId);
      },

      async approve(orderId, note, operator = 'admin') {
        const answer = await ctx.orders.service.approveHeld(orderId, { operator, note });
        return { status: answer.order.status, changed: answer.changed };
      },

      async refuse(orderId, note, operator = 'admin') {
        const answer = await ctx.orders.service.refuseHeld(orderId, { operator, note });
        return { status: answer.order.status, changed: answer.changed };
      },
    },

    compliance: {
      async auditList(query) {
        const { limit, offset } = paging(query);
        const { items, total } = await ctx.compliance.listAudit({
          ...(query.orderId ? { orderId: query.orderId } : {}),
          ...(query.outcome ? { outcome: query.outcome } : {}),
          ...(query.kind ? { kind: query.kind } : {}),
          // The page hides drills by default (excludeKind 'drill'); drill records carry the drill flag.
          ...(query.excludeKind === 'drill' ? { drill: false } : {}),
          limit,
          offset,
        });
        return { items: items.map(auditSummary), total };
      },

      async auditGet(id) {
        const record = await ctx.compliance.getAuditRecord(id);
        if (!record) return null;
        const detail: AuditRecordDetail = {
          ...auditSummary(record),
          prevHash: record.prevHash,
          payload: {
            decisionId: record.decisionId,
            drill: record.drill,
            outcome: record.outcome,
            reasons: record.reasons,
            requirements: record.requirements,
            rulesetVersion: record.rulesetVersion,
            providerRefs: record.providerRefs,
            inputSummary: record.inputSummary,
          },
        };
        return detail;
      },

      async verifyChain(): Promise<ChainVerification> {
        const report = await ctx.compliance.verifyAuditChain();
        const first = report.problems[0];
        return {
          ok: report.ok,
          checked: report.rows,
          brokenAt: first ? { seq: first.seq, ...(first.id ? { id: first.id } : {}), reason: `${first.problem}: ${first.detail}` } : null,
        };
      },

      async exportAudit(range): Promise<DownloadFile> {
        // JSON lines: the full records (the CSV flavour leaves out requirements and the input summary).
        const body = await ctx.compliance.exportAudit({
          format: 'jsonl',
          ...(range.from !== undefined ? { from: range.from } : {}),
          ...(range.to !== undefined ? { to: range.to } : {}),
        });
        const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
        const span = range.from !== undefined || range.to !== undefined ? `${range.from !== undefined ? day(range.from) : 'start'}_${range.to !== undefined ? day(range.to) : day(ctx.clock.now())}` : day(ctx.clock.now());
        return { filename: `compliance-audit-${span}.jsonl`, contentType: 'application/x-ndjson; charset=utf-8', body };
      },

      async pactReport(query): Promise<DownloadFile> {
        const month = query.month.trim();
        if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new AppError('invalid_month', `The month must be YYYY-MM (got “${query.month}”)`, 400);
        const state = query.state?.trim().toUpperCase() || undefined;
        if (state !== undefined && !/^[A-Z]{2}$/.test(state)) throw new AppError('invalid_state', `The state must be a two-letter code (got “${query.state}”)`, 400);
        const report = await ctx.compliance.buildPactReport({ month, ...(state ? { state } : {}) });
        return { filename: `pact-report-${month}${state ? `-${state}` : ''}.csv`, contentType: 'text/csv; charset=utf-8', body: report.csv };
      },

      async runDrill(): Promise<DrillResult> {
        const report = await ctx.compliance.runDrill();
        const parsed = Date.parse(report.at);
        return {
          ok: report.ok,
          ranAt: Number.isFinite(parsed) ? parsed : ctx.clock.now(),
          checks: report.results.map((r) => ({
            name: `${r.id}: ${r.description}`,
            ok: r.pass,
            detail: `expected ${r.expected}${r.expectedReason ? ` (${r.expectedReason})` : ''}, got ${r.actual}${r.reasonCodes.length ? ` (${r.reasonCodes.join(', ')})` : ''}`,
          })),
        };
      },
    },

    alerts: {
      recent: (limit) => ctx.alerts.recent(limit),
      sinks: () => ctx.alerts.sinkNames(),
    },
  };
}

// ---------------------------------------------------------------- helpers

function paging(q: { limit: number; offset: number }): { limit: number; offset: number } {
  const limit = Number.isFinite(q.limit) ? Math.min(Math.max(Math.trunc(q.limit), 1), MAX_PAGE) : 50;
  const offset = Number.isFinite(q.offset) ? Math.max(Math.trunc(q.offset), 0) : 0;
  return { limit, offset };
}

function parseJson<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function atOf(state: unknown): number | null {
  return isRecord(state) && typeof state.at === 'number' ? state.at : null;
}

function maxOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

/** PostgreSQL returns bigint columns as strings: the reader's toProduct expects numbers. */
function numericRow(r: CatalogItemRow): CatalogItemRow {
  return {
    ...r,
    msrp_cents: Number(r.msrp_cents),
    rate_cents: r.rate_cents === null ? null : Number(r.rate_cents),
    stock_seen_at: Number(r.stock_seen_at),
    fields_seen_at: Number(r.fields_seen_at),
    list_seen_at: Number(r.list_seen_at),
    zoho_last_modified_ms: r.zoho_last_modified_ms === null ? null : Number(r.zoho_last_modified_ms),
    created_at: Number(r.created_at),
    updated_at: Number(r.updated_at),
  };
}

/** Name and ship-to state from the order's stored compliance input (never the date of birth). */
function customerOf(inputJson: string | null): { name: string | null; state: string | null } {
  const input = parseJson<unknown>(inputJson, null);
  if (!isRecord(input)) return { name: null, state: null };
  const c = isRecord(input.customer) ? input.customer : {};
  const name = [c.firstName, c.lastName].filter((x): x is string => typeof x === 'string' && x.trim() !== '').join(' ') || null;
  const shipTo = isRecord(input.shipTo) ? input.shipTo : isRecord(input.shippingAddress) ? input.shippingAddress : {};
  const state = typeof shipTo.state === 'string' && shipTo.state !== '' ? shipTo.state.toUpperCase() : null;
  return { name, state };
}

function reasonKey(code: string, sku: string | null | undefined): string {
  return `${code}\u0000${sku ?? ''}`;
}

/** Reason effects from the order's stored compliance assessment, keyed by code and SKU. */
function reasonEffects(assessmentJson: string | null): Map<string, string> {
  const out = new Map<string, string>();
  const a = parseJson<unknown>(assessmentJson, null);
  if (!isRecord(a) || !Array.isArray(a.reasons)) return out;
  for (const r of a.reasons) {
    if (isRecord(r) && typeof r.code === 'string' && typeof r.effect === 'string') {
      const key = reasonKey(r.code, typeof r.sku === 'string' ? r.sku : null);
      // One deny among duplicates wins: the page must never offer to approve it.
      if (out.get(key) !== 'deny') out.set(key, r.effect);
    }
  }
  return out;
}

/** The worker parks an order as `failed` (outbox due_at null) when its retries are spent: that is the dead-letter list, and what retry accepts. */
function isDeadLetter(status: string): boolean {
  return status === 'failed';
}

function stepView(e: OrderEventView): OrderStepView {
  const d = e.detail ?? {};
  const zohoId = ['salesorderId', 'contactId', 'adjustmentId', 'reversalId'].map((k) => d[k]).find((v): v is string => typeof v === 'string' && v !== '') ?? null;
  const attempt = typeof d.attempts === 'number' ? d.attempts : null;
  const error = typeof d.error === 'string' ? d.error : typeof d.previousError === 'string' ? d.previousError : null;
  const rest = Object.fromEntries(Object.entries(d).filter(([k, v]) => !['salesorderId', 'contactId', 'adjustmentId', 'reversalId', 'attempts', 'error', 'previousError'].includes(k) && v !== null && v !== undefined));
  return {
    at: Date.parse(e.at),
    step: e.step,
    status: e.status,
    attempt,
    zohoId,
    error,
    detail: Object.keys(rest).length > 0 ? JSON.stringify(rest) : null,
  };
}

function auditSummary(record: AuditRecord): AuditRecordSummary {
  return {
    id: record.id,
    seq: record.seq,
    at: record.createdAt,
    kind: record.kind,
    orderId: record.orderId,
    outcome: record.outcome,
    reasonCodes: record.reasons.map((r) => r.code),
    hash: record.hash,
  };
}

/** Stored webhook states as the dashboard names them (refused requests are not stored, only counted). */
function webhookOutcome(status: string): string {
  switch (status) {
    case 'done':
      return 'accepted';
    case 'unknown':
      return 'ignored';
    default:
      return status;
  }
}

async function recentWebhookEvents(ctx: AppContext, limit: number): Promise<WebhookEventView[]> {
  // FALLBACK: the catalog has no listing of received webhooks; this reads catalog_webhook_events directly.
  const rows = await ctx.store.db
    .selectFrom('catalog_webhook_events')
    .select(['event_key', 'module', 'record_id', 'item_ids', 'status', 'received_at', 'last_error'])
    .orderBy('received_at', 'desc')
    .orderBy('event_key')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.event_key,
    receivedAt: Number(r.received_at),
    outcome: webhookOutcome(r.status),
    event: r.record_id ? `${r.module} ${r.record_id}` : r.module,
    itemIds: parseJson<string[]>(r.item_ids, []),
    reason: r.last_error ?? (r.status === 'unknown' ? 'no item to re-read in the payload' : null),
  }));
}

function formatDuration(ms: number): string {
  if (ms < 60_000) return `${Math.max(1, Math.round(ms / 1000))} s`;
  if (ms < 2 * 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 2 * 86_400_000) return `${Math.round((ms / 3_600_000) * 10) / 10} h`;
  return `${Math.round(ms / 86_400_000)} days`;
}

/** The planner's plan as a promise an operator can read. */
export function stalenessPromiseFrom(s: Pick<CatalogSyncStatus, 'plan' | 'staleness'>): StalenessPromise {
  const plan = s.plan;
  if (!plan) {
    return {
      maxStalenessMs: s.staleness.worstMs ?? 0,
      pollIntervalMs: null,
      reconcileIntervalMs: null,
      explanation: 'The planner has no plan yet; the figure is the age of the stalest stock read now.',
    };
  }
  if (plan.stalenessBoundMs === null) {
    // Nothing left for sync today: stock waits for the budget to reset at UTC midnight.
    const worst = s.staleness.worstMs ?? 0;
    return {
      maxStalenessMs: worst + plan.msLeftInDay,
      pollIntervalMs: plan.pollIntervalMs,
      reconcileIntervalMs: plan.reconcileIntervalMs,
      explanation: `No Zoho calls are left for sync today (${plan.usedToday} of ${plan.dailyLimit} used, the rest held for orders${plan.webhookReserveLeft > 0 ? ' and webhooks' : ''}): stock is not re-read until the budget resets in ${formatDuration(plan.msLeftInDay)}.`,
    };
  }
  // The planner says in words which bound covers which kind of change (sweep vs full walk).
  return {
    maxStalenessMs: plan.stalenessBoundMs,
    pollIntervalMs: plan.sweepIntervalMs ?? plan.pollIntervalMs,
    reconcileIntervalMs: plan.reconcileIntervalMs,
    explanation: plan.stalenessExplanation,
  };
}
