/**
 * An in-memory AdminSources with realistic data, for the admin tests and the
 * browser tests (the lead's full-app tests use the real adapter instead).
 * Actions change the data so a test can see their effect.
 */
import type {
  AdminOrderDetail,
  AdminSources,
  AlertRecord,
  AuditRecordDetail,
  BudgetSnapshot,
  CatalogProduct,
  ConnectionStatus,
  SyncStatusView,
} from '../../src/admin/sources.js';
import { AppError } from '../../src/shared/errors.js';

export interface FakeSourcesState {
  connection: ConnectionStatus;
  budget: BudgetSnapshot;
  products: CatalogProduct[];
  orders: AdminOrderDetail[];
  audit: AuditRecordDetail[];
  alerts: AlertRecord[];
  calls: string[];
  chainBroken: boolean;
  startUrl: string;
}

function product(over: Partial<CatalogProduct> & Pick<CatalogProduct, 'sku' | 'name'>, now: number): CatalogProduct {
  return {
    zohoItemId: `46000000${Math.abs(hash(over.sku)) % 100000}`,
    description: '',
    brand: null,
    msrpCents: 1999,
    clubDiscountBps: 1000,
    ageRequired: true,
    restrictedStates: [],
    complianceCategory: 'accessory',
    flavored: false,
    riskLevel: 'low',
    dtcEnabled: true,
    weightGrams: 50,
    zohoTaxId: null,
    active: true,
    zohoQuantity: 12,
    availableQuantity: 12,
    stockSeenAt: now - 4 * 60_000,
    zohoLastModified: null,
    mappingProblems: [],
    hasImage: false,
    live: true,
    ...over,
  };
}

function hash(s: string): number {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}

export function createFakeSources(now = Date.now()): { sources: AdminSources; state: FakeSourcesState } {
  const products: CatalogProduct[] = [
    product({ sku: 'ACC-RAW-KSS', name: 'RAW Classic King Size Slim papers', brand: 'RAW', msrpCents: 299, complianceCategory: 'accessory', ageRequired: false, zohoQuantity: 140, availableQuantity: 138 }, now),
    product({ sku: 'VAPE-GEEK-WNG', name: 'Geek Bar Pulse 15000 — Watermelon Ice', brand: 'Geek Bar', msrpCents: 2499, complianceCategory: 'vape_flavored', flavored: true, riskLevel: 'high', restrictedStates: ['CA', 'MA', 'NJ', 'NY', 'RI'], zohoQuantity: 3, availableQuantity: 2, stockSeenAt: now - 42 * 60_000 }, now),
    product({ sku: 'VAPE-JUUL-VIR', name: 'JUUL pods Virginia Tobacco 5%', brand: 'JUUL', msrpCents: 2199, complianceCategory: 'vape_tobacco', riskLevel: 'high', zohoQuantity: 24, availableQuantity: 24 }, now),
    product({ sku: 'CBD-GUM-25', name: 'CBD gummies 25 mg (30 ct)', brand: 'Koi', msrpCents: 3999, complianceCategory: 'hemp_cbd', riskLevel: 'medium', zohoQuantity: 0, availableQuantity: 0, live: false, dtcEnabled: false }, now),
    product({ sku: 'TOB-SWSH-WG', name: 'Swisher Sweets White Grape cigarillos', brand: 'Swisher', msrpCents: 199, complianceCategory: null, riskLevel: 'high', flavored: true, mappingProblems: ['cf_compliance_category is missing'] }, now),
    product({ sku: 'ACC-GRND-4PC', name: 'Aluminium grinder 4-piece 63 mm', brand: null, msrpCents: 1499, complianceCategory: 'accessory', ageRequired: false, zohoQuantity: 9, availableQuantity: 9 }, now),
  ];
  const hourly = Array.from({ length: 24 }, (_, h) => (h <= new Date(now).getUTCHours() ? Math.round(18 + 14 * Math.sin(h / 3) + (h % 5) * 3) : 0));
  const usedToday = hourly.reduce((a, b) => a + b, 0);
  const state: FakeSourcesState = {
    calls: [],
    chainBroken: false,
    startUrl: 'https://accounts.zoho.com/oauth/v2/auth?scope=ZohoInventory.items.READ&client_id=1000.TEST&state=abc&response_type=code&access_type=offline',
    connection: {
      state: 'connected',
      dataCentre: 'us',
      organizationId: '850205569',
      accountsServer: 'https://accounts.zoho.com',
      apiDomain: 'https://www.zohoapis.com',
      scopes: [
        'ZohoInventory.items.READ',
        'ZohoInventory.contacts.READ',
        'ZohoInventory.contacts.CREATE',
        'ZohoInventory.contacts.UPDATE',
        'ZohoInventory.salesorders.READ',
        'ZohoInventory.salesorders.CREATE',
        'ZohoInventory.salesorders.UPDATE',
        'ZohoInventory.settings.READ',
      ],
      accessTokenExpiresAt: now + 47 * 60_000,
      lastRefreshAt: now - 13 * 60_000,
      lastError: null,
    },
    budget: {
      day: new Date(now).toISOString().slice(0, 10),
      dailyLimit: 1000,
      usedToday,
      usedByPriority: { order: Math.round(usedToday * 0.2), webhook: Math.round(usedToday * 0.3), poll: Math.round(usedToday * 0.4), reconcile: usedToday - Math.round(usedToday * 0.2) - Math.round(usedToday * 0.3) - Math.round(usedToday * 0.4) },
      perMinuteLimit: 100,
      usedThisMinute: 7,
      inFlight: 1,
      concurrencyLimit: 5,
      hourly,
    },
    products,
    orders: [
      {
        orderId: 'VIP-100234',
        status: 'placed',
        createdAt: now - 3 * 3600_000,
        updatedAt: now - 3 * 3600_000 + 9000,
        customerName: 'Ana Ruiz',
        email: 'ana@example.com',
        shipState: 'NV',
        totalCents: 598,
        zohoSalesOrderId: '4600000123456',
        zohoSalesOrderNumber: 'SO-00042',
        deadLetter: false,
        lastError: null,
        lines: [{ sku: 'ACC-RAW-KSS', name: 'RAW Classic King Size Slim papers', quantity: 2, unitPriceCents: 299 }],
        reasons: [],
        complianceDecisionId: 'dec_01',
        ageVerificationReference: 'av-7f3a',
        steps: [
          { at: now - 3 * 3600_000, step: 'compliance', status: 'ok', detail: 'allow (ruleset 2026-11-01)' },
          { at: now - 3 * 3600_000 + 2000, step: 'contact', status: 'ok', zohoId: '4600000777001', detail: 'found by email' },
          { at: now - 3 * 3600_000 + 5000, step: 'salesorder.create', status: 'ok', zohoId: '4600000123456' },
          { at: now - 3 * 3600_000 + 9000, step: 'salesorder.confirm', status: 'ok', zohoId: '4600000123456' },
        ],
      },
      {
        orderId: 'VIP-100235',
        status: 'failed',
        createdAt: now - 2 * 3600_000,
        updatedAt: now - 20 * 60_000,
        customerName: 'Ben Ortiz',
        email: 'ben@example.com',
        shipState: 'AZ',
        totalCents: 4398,
        zohoSalesOrderId: null,
        deadLetter: true,
        lastError: 'Zoho salesorders.create failed: HTTP 500 code 9999: Internal error',
        lines: [{ sku: 'VAPE-JUUL-VIR', name: 'JUUL pods Virginia Tobacco 5%', quantity: 2, unitPriceCents: 2199 }],
        reasons: [],
        complianceDecisionId: 'dec_02',
        ageVerificationReference: null,
        steps: [
          { at: now - 2 * 3600_000, step: 'compliance', status: 'accepted', detail: JSON.stringify({ decisionId: '34078510-e13f-4377-be27-334de73a3dd7', outcome: 'allow', reasons: [] }) },
          { at: now - 2 * 3600_000 + 1000, step: 'contact', status: 'done', zohoId: '4600000777002', detail: JSON.stringify({ created: true, zohoCalls: 2 }) },
          ...[1, 2, 3, 4, 5].map((attempt) => ({
            at: now - 2 * 3600_000 + attempt * 600_000,
            step: 'salesorder.create',
            status: attempt === 5 ? 'dead_letter' : 'retry_scheduled',
            attempt,
            error: 'HTTP 500 code 9999: Internal error',
            ...(attempt === 5 ? {} : { detail: JSON.stringify({ delayMs: 30_000 * attempt }) }),
          })),
        ],
      },
      {
        orderId: 'VIP-100236',
        status: 'refused',
        createdAt: now - 50 * 60_000,
        updatedAt: now - 50 * 60_000,
        customerName: 'Cal Young',
        email: 'cal@example.com',
        shipState: 'CA',
        totalCents: 2499,
        zohoSalesOrderId: null,
        deadLetter: false,
        lastError: null,
        lines: [{ sku: 'VAPE-GEEK-WNG', name: 'Geek Bar Pulse 15000 — Watermelon Ice', quantity: 1, unitPriceCents: 2499 }],
        reasons: [
          { code: 'flavored_ban', message: 'Flavored vapor products cannot ship to California', sku: 'VAPE-GEEK-WNG' },
          { code: 'under_age', message: 'The customer must be 21 or older' },
        ],
        complianceDecisionId: 'dec_03',
        steps: [{ at: now - 50 * 60_000, step: 'compliance', status: 'failed', detail: 'deny', error: 'flavored_ban, under_age' }],
      },
      {
        orderId: 'VIP-100237',
        status: 'pending_verification',
        createdAt: now - 5 * 60_000,
        updatedAt: now - 5 * 60_000,
        customerName: 'Dee Park',
        shipState: 'TX',
        totalCents: 1499,
        zohoSalesOrderId: null,
        deadLetter: false,
        lines: [{ sku: 'ACC-GRND-4PC', quantity: 1, unitPriceCents: 1499 }],
        reasons: [{ code: 'age_verification_pending', message: 'Waiting for the photo ID check' }],
        steps: [{ at: now - 5 * 60_000, step: 'compliance', status: 'pending', detail: 'waiting for AgeChecker' }],
      },
      {
        orderId: 'VIP-100238',
        status: 'review',
        createdAt: now - 12 * 60_000,
        updatedAt: now - 12 * 60_000,
        customerName: 'Eli Quinn',
        email: 'eli@example.com',
        shipState: 'NV',
        totalCents: 2199,
        zohoSalesOrderId: null,
        deadLetter: false,
        lines: [{ sku: 'VAPE-JUUL-VIR', name: 'JUUL pods Virginia Tobacco 5%', quantity: 1, unitPriceCents: 2199 }],
        reasons: [{ code: 'age_provider_unavailable', message: 'Age verification is unavailable right now; a person will review the order', effect: 'review' }],
        complianceDecisionId: 'dec_05',
        steps: [{ at: now - 12 * 60_000, step: 'compliance', status: 'review', detail: JSON.stringify({ outcome: 'review', reasons: ['age_provider_unavailable'] }) }],
      },
    ],
    audit: [1, 2, 3].map((seq) => ({
      id: `aud_${seq}`,
      seq,
      at: now - (4 - seq) * 3600_000,
      kind: 'checkout',
      orderId: `VIP-10023${3 + seq}`,
      outcome: seq === 3 ? 'deny' : 'allow',
      reasonCodes: seq === 3 ? ['flavored_ban', 'under_age'] : [],
      hash: `${seq}f3a9c2b7e1d04a5b6c7d8e9f00112233445566778899aabbccddeeff0011223`.slice(0, 64),
      prevHash: seq === 1 ? null : `${seq - 1}f3a9c2b7e1d04a5b6c7d8e9f00112233445566778899aabbccddeeff0011223`.slice(0, 64),
      payload: { decisionId: `dec_0${seq}`, outcome: seq === 3 ? 'deny' : 'allow', rulesetVersion: '2026-11-01', shipState: 'NV' },
    })),
    alerts: [
      {
        id: 'al1',
        raisedAt: now - 20 * 60_000,
        lastSeenAt: now - 4 * 60_000,
        kind: 'dead_letter',
        severity: 'critical',
        message: 'Order VIP-100235 is in the dead-letter list: Zoho salesorders.create failed: HTTP 500',
        dedupeKey: 'dead_letter:VIP-100235',
        details: { orderId: 'VIP-100235' },
        deliveries: [
          { sink: 'log', ok: true, at: now - 20 * 60_000 },
          { sink: 'webhook (hooks.slack.com)', ok: true, at: now - 20 * 60_000 },
          { sink: 'email (ops@vipsmoke.example)', ok: false, error: 'connect ECONNREFUSED', at: now - 20 * 60_000 },
        ],
        suppressed: 3,
      },
      {
        id: 'al2',
        raisedAt: now - 5 * 3600_000,
        lastSeenAt: now - 5 * 3600_000,
        kind: 'budget_high',
        severity: 'warning',
        message: 'Zoho call budget above 80 % (812 of 1000)',
        dedupeKey: 'budget_high',
        details: {},
        deliveries: [{ sink: 'log', ok: true, at: now - 5 * 3600_000 }],
        suppressed: 0,
      },
    ],
  };

  const sync = (): SyncStatusView => ({
    lastWebhookAt: now - 6 * 60_000,
    lastPollAt: now - 9 * 60_000,
    lastReconciliationAt: now - 7 * 3600_000,
    items: state.products.map((p) => ({ sku: p.sku, name: p.name, zohoItemId: p.zohoItemId, stockSeenAt: p.stockSeenAt, live: p.live })),
    webhookEvents: [
      { id: 'wh1', receivedAt: now - 6 * 60_000, outcome: 'accepted', event: 'item.update', itemIds: ['4600000011', '4600000012'] },
      { id: 'wh2', receivedAt: now - 16 * 60_000, outcome: 'duplicate', event: 'salesorder.confirm', itemIds: ['4600000011'] },
      { id: 'wh3', receivedAt: now - 31 * 60_000, outcome: 'refused', event: null, reason: 'wrong X-Webhook-Secret' },
    ],
    webhookCounts: { accepted: 118, duplicate: 4, refused: 1 },
    mappingProblems: [{ sku: 'TOB-SWSH-WG', zohoItemId: products[4]!.zohoItemId, field: 'cf_compliance_category', problem: 'missing: treated as high risk' }],
  });

  const order = (id: string) => {
    const o = state.orders.find((x) => x.orderId === id);
    if (!o) throw new AppError('not_found', `Order ${id} was not found`, 404);
    return o;
  };

  const sources: AdminSources = {
    connection: {
      status: async () => ({ ...state.connection }),
      startUrl: async () => {
        state.calls.push('connection.startUrl');
        return state.startUrl;
      },
    },
    budget: {
      snapshot: async () => state.budget,
      stalenessPromise: async () => ({
        maxStalenessMs: 20 * 60_000,
        pollIntervalMs: 10 * 60_000,
        reconcileIntervalMs: 6 * 3600_000,
        explanation: `Stock shown in the shop is at most 20 min old: polling every 10 min fits the ${state.budget.dailyLimit - state.budget.usedToday} calls left today, webhooks make most changes visible within a minute.`,
      }),
    },
    sync: { status: async () => sync() },
    catalog: {
      items: async (q) => {
        const s = q.search?.toLowerCase();
        const all = s ? state.products.filter((p) => `${p.sku} ${p.name} ${p.brand ?? ''}`.toLowerCase().includes(s)) : state.products;
        return { items: all.slice(q.offset, q.offset + q.limit), total: all.length };
      },
    },
    orders: {
      list: async (q) => {
        const all = state.orders.filter((o) => !q.status || (q.status === 'dead_letter' ? o.deadLetter : o.status === q.status));
        return { items: all.slice(q.offset, q.offset + q.limit).map(({ lines: _l, steps: _s, reasons: _r, ...summary }) => summary), total: all.length };
      },
      get: async (id) => state.orders.find((o) => o.orderId === id) ?? null,
      retry: async (id) => {
        state.calls.push(`orders.retry:${id}`);
        const o = order(id);
        if (!o.deadLetter) throw new AppError('not_dead_letter', `Order ${id} is not in the dead-letter list`, 409);
        o.deadLetter = false;
        o.status = 'accepted';
        // As the real history has it: the operator's retry carries the error it retries after.
        const previous = o.lastError ?? null;
        o.lastError = null;
        o.steps.push({ at: Date.now(), step: 'operator', status: 'retry', error: previous });
      },
      cancel: async (id) => {
        state.calls.push(`orders.cancel:${id}`);
        const o = order(id);
        o.status = 'cancelled';
        o.deadLetter = false;
        o.steps.push({ at: Date.now(), step: 'cancel', status: 'ok', detail: 'cancelled by the operator' });
      },
      // As the real service behaves: review only, idempotent, a deny reason is never approved.
      approve: async (id, note, operator) => {
        state.calls.push(`orders.approve:${id}:${operator ?? ''}:${note}`);
        const o = order(id);
        if (o.status !== 'review') {
          if (o.steps.some((s) => s.step === 'operator' && s.status === 'approved')) return { status: o.status, changed: false };
          throw new AppError('order_not_reviewable', `Order ${id} is ${o.status}; only orders held for review can be approved`, 409);
        }
        if (o.reasons.some((r) => r.effect === 'deny')) throw new AppError('order_not_approvable', `Order ${id} has a reason that refuses it`, 409);
        o.status = 'accepted';
        o.reasons = [{ code: 'operator_approved', message: 'Approved after review' }];
        o.steps.push({ at: Date.now(), step: 'operator', status: 'approved', detail: JSON.stringify({ operator, note }) });
        return { status: o.status, changed: true };
      },
      refuse: async (id, note, operator) => {
        state.calls.push(`orders.refuse:${id}:${operator ?? ''}:${note}`);
        const o = order(id);
        if (o.status !== 'review' && o.status !== 'pending_verification') {
          if (o.status === 'refused' && o.steps.some((s) => s.step === 'operator' && s.status === 'refused')) return { status: o.status, changed: false };
          throw new AppError('order_not_reviewable', `Order ${id} is ${o.status}; only held orders can be refused`, 409);
        }
        o.status = 'refused';
        o.steps.push({ at: Date.now(), step: 'operator', status: 'refused', detail: JSON.stringify({ operator, note }) });
        return { status: o.status, changed: true };
      },
    },
    compliance: {
      auditList: async (q) => {
        const all = state.audit
          .filter((r) => (!q.orderId || r.orderId === q.orderId) && (!q.outcome || r.outcome === q.outcome) && (!q.kind || r.kind === q.kind) && (!q.excludeKind || r.kind !== q.excludeKind))
          .sort((a, b) => b.seq - a.seq);
        return { items: all.slice(q.offset, q.offset + q.limit).map(({ prevHash: _p, payload: _x, ...s }) => s), total: all.length };
      },
      auditGet: async (id) => state.audit.find((r) => r.id === id) ?? null,
      verifyChain: async () => {
        state.calls.push('compliance.verifyChain');
        return state.chainBroken ? { ok: false, checked: 2, brokenAt: { seq: 2, reason: 'hash does not match the record' } } : { ok: true, checked: state.audit.length };
      },
      exportAudit: async () => ({ filename: 'audit-export.jsonl', contentType: 'application/x-ndjson', body: state.audit.map((r) => JSON.stringify(r)).join('\n') + '\n' }),
      pactReport: async (q) => ({ filename: `pact-${q.month}${q.state ? `-${q.state}` : ''}.csv`, contentType: 'text/csv; charset=utf-8', body: 'state,order_id,recipient\nNV,VIP-100234,Ana Ruiz\n' }),
      runDrill: async () => {
        state.calls.push('compliance.runDrill');
        // A drill writes one audit record per scenario, like the real one.
        for (let i = 0; i < 30; i++) {
          const seq = state.audit.length + 1;
          state.audit.push({
            id: `aud_${seq}`,
            seq,
            at: Date.now(),
            kind: 'drill',
            orderId: `DRILL-20261128142401-scenario_${i}`,
            outcome: i % 3 === 0 ? 'allow' : 'deny',
            reasonCodes: i % 3 === 0 ? [] : ['state_ship_ban'],
            hash: `${String(seq).padStart(4, '0')}${'ab'.repeat(30)}`,
            prevHash: state.audit[state.audit.length - 1]?.hash ?? null,
            payload: { drill: true },
          });
        }
        return {
          ok: true,
          ranAt: Date.now(),
          checks: [
            { name: 'adult in Nevada, accessory', ok: true, detail: 'allow' },
            { name: '19-year-old', ok: true, detail: 'deny: under_age' },
            { name: 'flavored vape to California', ok: true, detail: 'deny: flavored_ban' },
            { name: 'audit chain', ok: true, detail: 'verified' },
          ],
        };
      },
    },
    alerts: {
      recent: async (limit) => state.alerts.slice(0, limit),
      sinks: () => ['log', 'webhook (hooks.slack.com)', 'email (ops@vipsmoke.example)'],
    },
  };
  return { sources, state };
}
