/**
 * What the dashboard reads and does, as one interface of async functions.
 * The composition root adapts the real modules to it; tests pass a fake.
 * Types come from the module contracts where they exist; the rest are the
 * minimal structural shapes the pages need (a module's richer type fits).
 *
 * Every function may throw: pages show the error in place of that panel
 * (an AppError's message is shown as-is, anything else as a generic line);
 * POST actions show it as a red flash.
 */
import type { BudgetSnapshot, ConnectionStatus, ZohoPriority } from '../zoho/types.js';
import type { CatalogProduct } from '../catalog/types.js';
import type { AlertRecord } from '../observability/alerts-service.js';

export type { BudgetSnapshot, ConnectionStatus, ZohoPriority, CatalogProduct, AlertRecord };

/** What the planner promises about freshness with today's budget. */
export interface StalenessPromise {
  /** Worst-case age of a stock figure the storefront serves, in ms. */
  maxStalenessMs: number;
  /** Current polling interval (ms), or null when polling is off. */
  pollIntervalMs: number | null;
  /** Interval of the full reconciliation (ms), or null. */
  reconcileIntervalMs?: number | null;
  /** One sentence, e.g. "Stock is at most 12 min old: polling every 10 min fits 640 calls left today". */
  explanation: string;
}

export interface WebhookEventView {
  id: string;
  receivedAt: number;
  /** e.g. `accepted`, `duplicate`, `ignored`, `refused`. */
  outcome: string;
  /** Zoho event or module name, when known. */
  event?: string | null;
  itemIds?: string[];
  /** Why it was refused or ignored (bad secret, bad JSON…). */
  reason?: string | null;
}

export interface MappingProblemView {
  sku?: string | null;
  zohoItemId?: string | null;
  /** The custom field api_name concerned (cf_msrp…). */
  field: string;
  problem: string;
}

export interface SyncStatusView {
  lastWebhookAt: number | null;
  lastPollAt: number | null;
  lastReconciliationAt: number | null;
  /** Items with the time their stock was last read from Zoho (the page sorts oldest first). */
  items: Array<Pick<CatalogProduct, 'sku' | 'name' | 'zohoItemId' | 'stockSeenAt'> & { live?: boolean }>;
  webhookEvents: WebhookEventView[];
  /** Counts by outcome over a recent window, e.g. `{ accepted: 120, refused: 3 }`. */
  webhookCounts?: Record<string, number>;
  mappingProblems: MappingProblemView[];
}

export interface CatalogQuery {
  /** Free text over sku, name, brand. */
  search?: string;
  limit: number;
  offset: number;
}

export interface PageOf<T> {
  items: T[];
  total: number;
}

/** Order states of the storefront API (design.md), plus anything the workflow adds. */
export type AdminOrderStatus =
  | 'placed'
  | 'accepted'
  | 'pending_verification'
  | 'review'
  | 'refused'
  | 'failed'
  | 'cancelled'
  | (string & {});

export interface AdminOrderSummary {
  orderId: string;
  status: AdminOrderStatus;
  createdAt: number;
  updatedAt: number;
  customerName?: string | null;
  email?: string | null;
  /** Two-letter ship-to state. */
  shipState?: string | null;
  totalCents: number;
  zohoSalesOrderId: string | null;
  zohoSalesOrderNumber?: string | null;
  /** In the dead-letter list: retries exhausted, an operator may retry. */
  deadLetter: boolean;
  lastError?: string | null;
}

export interface OrderStepView {
  at: number;
  /** e.g. `compliance`, `reserve`, `contact`, `salesorder.create`, `salesorder.confirm`, `adjustment`. */
  step: string;
  /** e.g. `ok`, `failed`, `retrying`, `skipped`, `pending`. */
  status: string;
  attempt?: number | null;
  /** Zoho id the step produced or touched (contact, sales order, adjustment). */
  zohoId?: string | null;
  error?: string | null;
  detail?: string | null;
}

export interface AdminOrderDetail extends AdminOrderSummary {
  lines: Array<{ sku: string; name?: string | null; quantity: number; unitPriceCents: number }>;
  /** For a held order: the reasons that caused the hold. `effect` (from the compliance assessment) when known: a `deny` reason can never be approved. */
  reasons: Array<{ code: string; message: string; sku?: string | null; effect?: 'deny' | 'review' | (string & {}) | null }>;
  steps: OrderStepView[];
  complianceDecisionId?: string | null;
  ageVerificationReference?: string | null;
}

export interface HeldDecisionResult {
  /** The order's state after the decision. */
  status: AdminOrderStatus;
  /** False when the same decision had already been taken (a repeated click). */
  changed: boolean;
}

/** Shortest note an approval accepts (the service enforces it too). */
export const APPROVE_NOTE_MIN = 5;

export interface OrderListQuery {
  /** An order status, or `dead_letter` for the dead-letter list. */
  status?: string;
  limit: number;
  offset: number;
}

export interface AuditQuery {
  orderId?: string;
  /** `allow`, `deny`, `review`. */
  outcome?: string;
  /** `checkout`, `resume`, `cancel`, `drill`. */
  kind?: string;
  /**
   * A kind to leave out: the Compliance page leaves out `drill` by default
   * (one drill writes dozens of records). An adapter that ignores it still
   * works: the page then drops those rows itself (the total stays too big).
   */
  excludeKind?: string;
  limit: number;
  offset: number;
}

export interface AuditRecordSummary {
  id: string;
  /** Position in the hash chain. */
  seq: number;
  at: number;
  kind: string;
  orderId: string | null;
  outcome: string;
  reasonCodes: string[];
  hash: string;
}

export interface AuditRecordDetail extends AuditRecordSummary {
  prevHash: string | null;
  /** The recorded decision (already free of raw personal data). */
  payload: unknown;
}

export interface ChainVerification {
  ok: boolean;
  checked: number;
  /** First record that does not verify. */
  brokenAt?: { seq: number; id?: string; reason: string } | null;
}

export interface DrillResult {
  ok: boolean;
  ranAt: number;
  checks: Array<{ name: string; ok: boolean; detail?: string | null }>;
}

export interface DownloadFile {
  filename: string;
  contentType: string;
  body: string | Buffer;
}

export interface AdminSources {
  connection: {
    status(): Promise<ConnectionStatus>;
    /** Where Connect / Reconnect sends the operator: Zoho's consent URL (with state) or the app's `/oauth/zoho/start`. */
    startUrl(): Promise<string>;
  };
  budget: {
    snapshot(): Promise<BudgetSnapshot>;
    stalenessPromise(): Promise<StalenessPromise>;
  };
  sync: {
    status(): Promise<SyncStatusView>;
  };
  catalog: {
    items(query: CatalogQuery): Promise<PageOf<CatalogProduct>>;
  };
  orders: {
    list(query: OrderListQuery): Promise<PageOf<AdminOrderSummary>>;
    get(orderId: string): Promise<AdminOrderDetail | null>;
    /** Re-queue a dead letter. */
    retry(orderId: string): Promise<void>;
    cancel(orderId: string): Promise<void>;
    /**
     * Operator approval of an order held for `review` (note ≥ 5 chars): it is queued
     * for Zoho as an allowed checkout, the override is written to the audit log.
     * `operator` is the dashboard session's identity (default `admin`). Throws the
     * service's AppError (409 order_not_reviewable / order_not_approvable / insufficient_stock).
     */
    approve(orderId: string, note: string, operator?: string): Promise<HeldDecisionResult>;
    /** Operator refusal of a held order (review or pending verification): refused, stock released, audited. */
    refuse(orderId: string, note: string, operator?: string): Promise<HeldDecisionResult>;
  };
  compliance: {
    auditList(query: AuditQuery): Promise<PageOf<AuditRecordSummary>>;
    auditGet(id: string): Promise<AuditRecordDetail | null>;
    verifyChain(): Promise<ChainVerification>;
    /** Full audit export (JSON lines or CSV), optionally bounded by epoch ms. */
    exportAudit(range: { from?: number; to?: number }): Promise<DownloadFile>;
    /** PACT Act report for `YYYY-MM`, optionally one state. */
    pactReport(query: { month: string; state?: string }): Promise<DownloadFile>;
    runDrill(): Promise<DrillResult>;
  };
  alerts: {
    recent(limit: number): Promise<AlertRecord[]>;
    /** Configured sink names, e.g. `log`, `webhook (hooks.slack.com)`. */
    sinks?(): string[];
  };
}
