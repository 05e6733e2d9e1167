/**
 * The dashboard adapter over a real AppContext: SQLite file store, the Zoho
 * emulator connected through the OAuth flow, a full catalog sync, orders
 * pushed by the worker. Every AdminSources function is called and checked
 * against what the modules and the emulator hold.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testConfig } from '../../src/config/load.js';
import { createAppContext, type AppContext } from '../../src/app/context.js';
import { connectToEmulator, demoConfig } from '../../src/app/demo.js';
import { createAdminSources, stalenessPromiseFrom } from '../../src/app/admin-sources.js';
import { startZohoEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createHttpServer } from '../../src/http/server.js';
import type { AdminSources } from '../../src/admin/sources.js';
import type { PlaceOrderRequest } from '../../src/orders/model.js';

const WEBHOOK_SECRET = 'admin-sources-test-secret';
const SKU = 'ACC-RAW-KSS';

let n = 0;
function orderBody(over: Partial<PlaceOrderRequest> = {}): PlaceOrderRequest {
  n++;
  return {
    orderId: `ADM-${Date.now().toString(36)}-${n}`,
    customer: { email: `ana${n}@example.com`, firstName: 'Ana', lastName: 'Ruiz', dob: '1990-04-12', phone: '+17605550100' },
    shippingAddress: { line1: '73-510 Fred Waring Dr', line2: null, city: 'Palm Desert', state: 'CA', zip: '92260' },
    billingAddress: null,
    items: [{ sku: SKU, quantity: 1 }],
    clubMember: false,
    ip: '203.0.113.7',
    ageVerification: null,
    ...over,
  };
}

describe('createAdminSources over a real AppContext and the Zoho emulator', () => {
  let emu: RunningEmulator;
  let ctx: AppContext;
  let sources: AdminSources;
  let webhookApp: FastifyInstance;
  let dir: string;
  let placed: PlaceOrderRequest;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'admin-sources-'));
    emu = await startZohoEmulator();
    const base = testConfig({
      DATA_DIR: dir,
      DATABASE_URL: join(dir, 'bridge.sqlite'),
      TOKEN_ENCRYPTION_KEY: 'b2'.repeat(32),
      ZOHO_REDIRECT_URI: 'http://127.0.0.1:3000/oauth/zoho/callback',
    });
    const config = demoConfig(base, emu.url, emu.control.locationIds.dtc, WEBHOOK_SECRET);
    ctx = await createAppContext(config, {
      zoho: { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 }, requestTimeoutMs: 2_000, budget: { flushIntervalMs: 10 } },
      orders: { worker: { backoffBaseMs: 1, backoffMaxMs: 5, maxAttempts: 2, leaseMs: 5_000, pollIntervalMs: 20, sweepIntervalMs: 60_000 } },
    });
    const status = await connectToEmulator(ctx.zoho.connection, emu.url, { force: true });
    expect(status.state).toBe('connected');
    await ctx.catalog.sync.fullSync();

    placed = orderBody();
    const answer = await ctx.orders.service.place(placed);
    expect(answer).toBeTruthy();
    await ctx.orders.worker.drain();
    const order = await ctx.orders.getOrder(placed.orderId);
    expect(order?.status, order?.lastError ?? '').toBe('placed');

    // The real webhook route, so the sync page has a stored event and a counted refusal.
    webhookApp = await createHttpServer({ logger: ctx.logger });
    await webhookApp.register(ctx.catalog.webhookRoutes);
    await webhookApp.ready();

    sources = createAdminSources(ctx);
  }, 60_000);

  afterAll(async () => {
    await webhookApp?.close();
    await ctx?.close();
    await emu?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('connection: the emulator connection and the app start route', async () => {
    const status = await sources.connection.status();
    expect(status.state).toBe('connected');
    expect(status.accountsServer).toBe(emu.url);
    expect(status.scopes.length).toBeGreaterThan(0);
    expect(await sources.connection.startUrl()).toBe('/oauth/zoho/start');
  });

  it('budget: the snapshot counts the calls made; the promise comes from the plan', async () => {
    await ctx.zoho.budget.flush();
    const snap = await sources.budget.snapshot();
    expect(snap.usedToday).toBeGreaterThan(0);
    expect(snap.usedByPriority.order).toBeGreaterThan(0);
    // The hourly chart counts calls made (call log); usedToday counts the ledger's reserved slots, which a process takes in small pools.
    const made = snap.hourly.reduce((a, b) => a + b, 0);
    expect(made).toBeGreaterThan(0);
    expect(made).toBeLessThanOrEqual(snap.usedToday);
    expect(snap.dailyLimit).toBe(ctx.config.ZOHO_DAILY_CALL_BUDGET);

    const promise = await sources.budget.stalenessPromise();
    const plan = (await ctx.catalog.status()).plan!;
    expect(plan.stalenessBoundMs).not.toBeNull();
    // The plan paces the rest of the (real-clock) day: two plans a few ms apart differ by rounding.
    const near = (a: number | null | undefined, b: number | null) => {
      expect(a).not.toBeNull();
      expect(Math.abs(a! - b!)).toBeLessThanOrEqual(Math.max(2, b! * 0.001));
    };
    near(promise.maxStalenessMs, plan.stalenessBoundMs);
    near(promise.pollIntervalMs, plan.sweepIntervalMs ?? plan.pollIntervalMs);
    near(promise.reconcileIntervalMs, plan.reconcileIntervalMs);
    expect(promise.explanation).toBe(plan.stalenessExplanation);
  });

  it('budget promise when the sync budget is spent: waits for the reset', () => {
    const p = stalenessPromiseFrom({
      plan: {
        at: 0,
        day: '2025-01-01',
        dailyLimit: 1000,
        usedToday: 990,
        usedByClass: {},
        orderReserveLeft: 10,
        webhookReserveLeft: 0,
        safetyMargin: 10,
        syncCallsLeft: 0,
        msLeftInDay: 3_600_000,
        webhooks: 'silent',
        pollIntervalMs: null,
        reconcileIntervalMs: null,
        imageIntervalMs: null,
        reconcileBatchSize: 200,
        walkCalls: 1,
        stalenessBoundMs: null,
        sweepIntervalMs: null,
        sweepPages: 1,
        sweepDetailCallsExpected: 0,
        walkBoundMs: null,
        stalenessExplanation: 'spent',
        pollRoom: 0,
        reconcileRoom: 0,
      },
      staleness: { worstMs: 60_000, stalest: [] },
    });
    expect(p.maxStalenessMs).toBe(3_660_000);
    expect(p.pollIntervalMs).toBeNull();
    expect(p.explanation).toMatch(/No Zoho calls are left for sync today/);
  });

  it('sync: last reconciliation from the full sync, stalest items, stored webhooks and refusals', async () => {
    const itemId = String(emu.control.findItemBySku(SKU)!.item_id);
    const ok = await webhookApp.inject({
      method: 'POST',
      url: '/webhooks/zoho',
      headers: { 'content-type': 'application/json', 'x-webhook-secret': WEBHOOK_SECRET },
      payload: JSON.stringify({ item: { item_id: itemId, last_modified_time: '2025-01-02T10:00:00-0800' } }),
    });
    expect(ok.statusCode).toBeLessThan(300);
    const refused = await webhookApp.inject({
      method: 'POST',
      url: '/webhooks/zoho',
      headers: { 'content-type': 'application/json', 'x-webhook-secret': 'wrong' },
      payload: '{}',
    });
    expect(refused.statusCode).toBeGreaterThanOrEqual(400);

    const s = await sources.sync.status();
    expect(s.lastReconciliationAt).not.toBeNull();
    expect(s.lastWebhookAt).not.toBeNull();
    expect(s.items.length).toBeGreaterThan(0);
    for (const i of s.items) expect(i.stockSeenAt).toBeGreaterThan(0);
    const event = s.webhookEvents.find((e) => e.itemIds?.includes(itemId));
    expect(event, JSON.stringify(s.webhookEvents)).toBeDefined();
    expect(event!.event).toBe(`item ${itemId}`);
    expect(['accepted', 'pending', 'processing']).toContain(event!.outcome);
    expect(s.webhookCounts?.refused).toBe(1);
    const stored = Object.entries(s.webhookCounts ?? {}).filter(([k]) => k !== 'refused').reduce((a, [, v]) => a + v, 0);
    expect(stored).toBe(1);
    expect(Array.isArray(s.mappingProblems)).toBe(true);
  });

  it('catalog: every item (hidden ones too), paged and searchable, stock net of reservations', async () => {
    const status = await ctx.catalog.status();
    const notGone = status.catalog.total - status.catalog.gone;
    const first = await sources.catalog.items({ limit: 5, offset: 0 });
    expect(first.total).toBe(notGone);
    expect(first.items).toHaveLength(Math.min(5, notGone));
    const all = await sources.catalog.items({ limit: 500, offset: 0 });
    expect(all.items).toHaveLength(notGone);
    expect(all.items.filter((i) => i.live).length).toBe(status.catalog.live);
    expect(all.total).toBeGreaterThanOrEqual(status.catalog.live);
    const second = await sources.catalog.items({ limit: 5, offset: 5 });
    expect(second.items.map((i) => i.zohoItemId)).toEqual(all.items.slice(5, 10).map((i) => i.zohoItemId));

    const found = await sources.catalog.items({ search: SKU.toLowerCase(), limit: 20, offset: 0 });
    expect(found.items.map((i) => i.sku)).toContain(SKU);
    const item = found.items.find((i) => i.sku === SKU)!;
    const live = await ctx.catalog.reader.getBySku(SKU, { includeHidden: true });
    expect(item.availableQuantity).toBe(live!.availableQuantity);
    expect((await sources.catalog.items({ search: 'no-such-thing-zzz', limit: 20, offset: 0 })).total).toBe(0);
  });

  it('orders: the placed order with its Zoho sales order id, its detail and step history', async () => {
    const so = emu.control.salesOrders().find((s) => s.reference_number === placed.orderId)!;
    expect(so).toBeDefined();
    const list = await sources.orders.list({ limit: 50, offset: 0 });
    const row = list.items.find((o) => o.orderId === placed.orderId);
    expect(row, JSON.stringify(list)).toBeDefined();
    expect(row!.status).toBe('placed');
    expect(row!.zohoSalesOrderId).toBe(String(so.salesorder_id));
    expect(row!.customerName).toBe('Ana Ruiz');
    expect(row!.email).toBe(placed.customer.email);
    expect(row!.shipState).toBe('CA');
    expect(row!.deadLetter).toBe(false);
    expect(row!.totalCents).toBeGreaterThan(0);
    expect(list.total).toBeGreaterThanOrEqual(1);

    const byStatus = await sources.orders.list({ status: 'placed', limit: 50, offset: 0 });
    expect(byStatus.items.every((o) => o.status === 'placed')).toBe(true);
    expect(byStatus.items.map((o) => o.orderId)).toContain(placed.orderId);
    expect((await sources.orders.list({ status: 'refused', limit: 50, offset: 0 })).items.map((o) => o.orderId)).not.toContain(placed.orderId);

    const detail = (await sources.orders.get(placed.orderId))!;
    expect(detail.zohoSalesOrderId).toBe(String(so.salesorder_id));
    expect(detail.zohoSalesOrderNumber).toBe(so.salesorder_number);
    expect(detail.lines).toEqual([expect.objectContaining({ sku: SKU, quantity: 1 })]);
    expect(detail.complianceDecisionId).toBeTruthy();
    const steps = detail.steps.map((s) => s.step);
    expect(steps).toContain('compliance');
    expect(steps).toContain('salesorder');
    expect(detail.steps.find((s) => s.step === 'salesorder')!.zohoId).toBe(String(so.salesorder_id));
    for (const s of detail.steps) expect(Number.isFinite(s.at)).toBe(true);
    expect(await sources.orders.get('no-such-order')).toBeNull();
  });

  it('orders: a dead letter is listed, retried to placed, then cancelled', async () => {
    emu.control.injectFault({ method: 'POST', path: '/salesorders', kind: 'http500', times: Infinity });
    const body = orderBody();
    await ctx.orders.service.place(body);
    await ctx.orders.worker.drain();
    emu.control.clearFaults();

    const dead = await sources.orders.list({ status: 'dead_letter', limit: 50, offset: 0 });
    const row = dead.items.find((o) => o.orderId === body.orderId);
    expect(row, JSON.stringify(dead)).toBeDefined();
    expect(row!.deadLetter).toBe(true);
    expect(row!.lastError).toBeTruthy();
    expect(dead.items.map((o) => o.orderId)).not.toContain(placed.orderId);
    const deadDetail = (await sources.orders.get(body.orderId))!;
    expect(deadDetail.deadLetter).toBe(true);
    expect(deadDetail.steps.some((s) => s.status === 'dead_letter' && s.error)).toBe(true);

    await sources.orders.retry(body.orderId);
    await ctx.orders.worker.drain();
    const after = (await sources.orders.get(body.orderId))!;
    expect(after.status, after.lastError ?? '').toBe('placed');
    expect(after.zohoSalesOrderId).toBeTruthy();
    expect((await sources.orders.list({ status: 'dead_letter', limit: 50, offset: 0 })).items.map((o) => o.orderId)).not.toContain(body.orderId);

    // Retrying an order that is not a dead letter is refused with the module's message.
    await expect(sources.orders.retry(body.orderId)).rejects.toThrow(/only failed orders can be retried/);

    await sources.orders.cancel(body.orderId);
    await ctx.orders.worker.drain();
    expect((await sources.orders.get(body.orderId))!.status).toBe('cancelled');
    expect(emu.control.salesOrders().find((s) => s.reference_number === body.orderId)!.status).toBe('void');
  });

  it('orders: a review hold shows its reasons with their effect, is approved to placed (audited) or refused (released)', async () => {
    // The demo age provider's "outage" persona: the order is held for a person to decide.
    const outage = { email: 'olive@example.com', firstName: 'Olive', lastName: 'Tage', dob: '1994-04-04', phone: null };
    const held = orderBody({ customer: outage });
    expect((await ctx.orders.service.place(held)).order.status).toBe('review');
    const count = await sources.orders.list({ status: 'review', limit: 1, offset: 0 });
    expect(count.total).toBeGreaterThanOrEqual(1);
    const detail = (await sources.orders.get(held.orderId))!;
    expect(detail.status).toBe('review');
    expect(detail.reasons.length).toBeGreaterThan(0);
    expect(detail.reasons.every((r) => r.effect === 'review')).toBe(true);

    await expect(sources.orders.approve(held.orderId, 'ok')).rejects.toMatchObject({ code: 'note_required' });
    expect(await sources.orders.approve(held.orderId, 'Checked the ID with the customer', 'admin:abcd1234')).toEqual({ status: 'accepted', changed: true });
    expect(await sources.orders.approve(held.orderId, 'Checked the ID with the customer', 'admin:abcd1234')).toEqual({ status: 'accepted', changed: false });
    await ctx.orders.worker.drain();
    const after = (await sources.orders.get(held.orderId))!;
    expect(after.status, after.lastError ?? '').toBe('placed');
    expect(emu.control.salesOrders().filter((s) => s.reference_number === held.orderId)).toHaveLength(1);
    expect(after.steps.find((s) => s.step === 'operator')).toMatchObject({ status: 'approved' });
    const audit = await sources.compliance.auditList({ orderId: held.orderId, kind: 'resume', limit: 10, offset: 0 });
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0]!.outcome).toBe('allow');
    expect(audit.items[0]!.reasonCodes[0]).toBe('operator_approved');
    expect(audit.items[0]!.reasonCodes.slice(1)).toEqual(detail.reasons.map((r) => r.code));
    const record = (await sources.compliance.auditGet(audit.items[0]!.id))!;
    expect(JSON.stringify(record.payload)).toContain('admin:abcd1234');
    await expect(sources.orders.refuse(held.orderId, '')).rejects.toMatchObject({ code: 'order_not_reviewable' });

    const other = orderBody({ customer: { ...outage, email: 'olive2@example.com' } });
    expect((await ctx.orders.service.place(other)).order.status).toBe('review');
    expect(await sources.orders.refuse(other.orderId, '')).toEqual({ status: 'refused', changed: true });
    const refused = (await sources.orders.get(other.orderId))!;
    expect(refused.reasons.map((r) => r.code)).toContain('operator_refused');
    expect((await ctx.compliance.verifyAuditChain()).ok).toBe(true);
  });

  it('compliance: audit list and record, chain verification, export, PACT report, drill', async () => {
    const list = await sources.compliance.auditList({ orderId: placed.orderId, limit: 20, offset: 0 });
    expect(list.total).toBe(1);
    const rec = list.items[0]!;
    expect(rec.orderId).toBe(placed.orderId);
    expect(rec.kind).toBe('checkout');
    expect(rec.outcome).toBe('allow');
    expect(rec.hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await sources.compliance.auditList({ orderId: placed.orderId, outcome: 'deny', limit: 20, offset: 0 })).total).toBe(0);

    const all = await sources.compliance.auditList({ limit: 100, offset: 0 });
    expect(all.items.map((r) => r.seq)).toEqual([...all.items.map((r) => r.seq)].sort((a, b) => b - a));

    const detail = (await sources.compliance.auditGet(rec.id))!;
    expect(detail.id).toBe(rec.id);
    expect(detail.prevHash).toMatch(/^[0-9a-f]{64}$/);
    expect(detail.payload).toMatchObject({ outcome: 'allow' });
    expect(JSON.stringify(detail.payload)).not.toContain('1990-04-12');
    expect(await sources.compliance.auditGet('no-such-record')).toBeNull();

    const chain = await sources.compliance.verifyChain();
    expect(chain).toMatchObject({ ok: true, brokenAt: null });
    expect(chain.checked).toBe(all.total);

    const exported = await sources.compliance.exportAudit({});
    expect(exported.filename).toMatch(/^compliance-audit-.+\.jsonl$/);
    expect(exported.contentType).toMatch(/ndjson/);
    const lines = String(exported.body).trim().split('\n').map((l) => JSON.parse(l) as { orderId: string });
    expect(lines).toHaveLength(all.total);
    expect(lines.map((l) => l.orderId)).toContain(placed.orderId);
    const none = await sources.compliance.exportAudit({ from: 0, to: 1 });
    expect(String(none.body)).toBe('');

    const month = new Date().toISOString().slice(0, 7);
    const pact = await sources.compliance.pactReport({ month, state: 'ca' });
    expect(pact.filename).toBe(`pact-report-${month}-CA.csv`);
    expect(pact.contentType).toMatch(/^text\/csv/);
    expect(String(pact.body).split('\n')[0]).toMatch(/^state,city,zip,ship_date,order_id,zoho_sales_order_id/);
    await expect(sources.compliance.pactReport({ month: '2025-13' })).rejects.toMatchObject({ code: 'invalid_month' });

    const drill = await sources.compliance.runDrill();
    expect(drill.ok, JSON.stringify(drill.checks.filter((c) => !c.ok))).toBe(true);
    expect(drill.checks.length).toBeGreaterThan(3);
    expect(drill.checks.every((c) => c.ok)).toBe(true);
    expect(Number.isFinite(drill.ranAt)).toBe(true);
    // The drill writes its decisions to the same chain, which still verifies.
    expect((await sources.compliance.auditList({ kind: 'drill', limit: 1, offset: 0 })).total).toBe(drill.checks.length);
    expect((await sources.compliance.verifyChain()).ok).toBe(true);
  });

  it('alerts: recent records from the service, the configured sinks', async () => {
    const message = `raised by the admin sources test ${Date.now()}`;
    ctx.alerts.raise({ kind: 'config_error', severity: 'warning', message, dedupeKey: 'admin_sources_test' });
    const recent = await sources.alerts.recent(50);
    expect(recent.find((a) => a.message === message)?.kind).toBe('config_error');
    expect(await sources.alerts.recent(1)).toHaveLength(1);
    expect(sources.alerts.sinks!()).toContain('log');
  });
});
