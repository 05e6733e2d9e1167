import { afterEach, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { buildHarness, fakeWorld, orderBody, post, type FakeWorld } from './harness.js';

describeEachDatabase('orders checkout (fakes)', (kind) => {
  let w: FakeWorld | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  it('accepts (201), then the worker places it once with custom fields, rates and the location', async () => {
    w = await fakeWorld(kind);
    const body = orderBody({ items: [{ sku: 'ACC-RAW-KSS', quantity: 2 }, { sku: 'VAPE-MINT', quantity: 1 }], clubMember: true });
    const res = await post(w.app, body);
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('accepted');
    // 399 - 12.5% = 349 (rounded half up: 49.875 → 50); vape 2499 - 10% = 2249
    expect(res.body.totals).toMatchObject({ subtotalCents: 399 * 2 + 2499, discountCents: 100 + 250, taxCents: 0, totalCents: 349 * 2 + 2249, total: '29.47' });
    await w.orders.worker.drain();
    const got = await w.app.inject({ method: 'GET', url: `/api/orders/${body.orderId}` });
    expect(got.statusCode).toBe(200);
    const order = got.json();
    expect(order.status).toBe('placed');
    expect(order.zohoSalesOrderId).toBeTruthy();
    expect(order.history.map((h: { step: string }) => h.step)).toEqual(['compliance', 'contact', 'salesorder', 'stock', 'placed']);
    const sos = [...w.zoho.salesOrders.values()];
    expect(sos).toHaveLength(1);
    const so = sos[0]!;
    expect(so.reference_number).toBe(body.orderId);
    expect(so.status).toBe('confirmed');
    expect(so.input.location_id).toBe('460000000038080');
    expect(so.input.line_items.map((l) => [l.quantity, l.rate, l.location_id])).toEqual([
      [2, 3.49, '460000000038080'],
      [1, 22.49, '460000000038080'],
    ]);
    expect(so.input.custom_fields).toEqual([
      { api_name: 'cf_shop_order_id', value: body.orderId },
      { api_name: 'cf_compliance_decision_id', value: 'dec_1' },
      { api_name: 'cf_age_verification_ref', value: body.ageVerification!.reference },
      { api_name: 'cf_address_validation', value: 'valid' },
      { api_name: 'cf_compliance_flags', value: 'pact_shipment=yes; requirements=none; packages=1' },
    ]);
    expect(w.zoho.adjustments).toHaveLength(0);
    // New customer: find + create (address comes with the contact) + create SO + confirm.
    expect(w.zoho.calls).toEqual(['contacts.find', 'contacts.create', 'salesorders.create', 'salesorders.confirm']);
    expect(w.compliance.shipments.map((s) => s.orderId)).toEqual([body.orderId]);
    expect(w.compliance.decisions).toEqual([{ orderId: body.orderId, kind: 'checkout', outcome: 'allow' }]);

    // A returning customer (same email, same address) costs two calls.
    w.zoho.calls = [];
    const again = orderBody({ customer: body.customer });
    expect((await post(w.app, again)).status).toBe(201);
    await w.orders.worker.drain();
    expect(w.zoho.calls).toEqual(['salesorders.create', 'salesorders.confirm']);
  });

  it('maps taxes per state and category onto the lines and the totals', async () => {
    w = await fakeWorld(kind, { taxMap: { CA: { vape_flavored: { zohoTaxId: 'tax-ca-excise', rateBps: 1250 } } } });
    const body = orderBody({ items: [{ sku: 'VAPE-MINT', quantity: 2 }, { sku: 'ACC-RAW-KSS', quantity: 1 }] });
    const res = await post(w.app, body);
    expect(res.status).toBe(201);
    // 2 × 24.99 = 49.98; 12.5 % = 6.2475 → 6.25
    expect(res.body.totals).toMatchObject({ subtotalCents: 4998 + 399, taxCents: 625, totalCents: 4998 + 399 + 625, tax: '6.25' });
    await w.orders.worker.drain();
    const so = [...w.zoho.salesOrders.values()][0]!;
    expect(so.input.line_items[0]!.tax_id).toBe('tax-ca-excise');
    expect(so.input.line_items[1]!.tax_id).toBeUndefined();
  });

  it('answers 422 with every compliance reason, 404 for unknown or hidden SKUs, 409 for short stock, 400 naming fields', async () => {
    w = await fakeWorld(kind);
    const young = await post(w.app, orderBody({ customer: { email: 'k@example.com', firstName: 'K', lastName: 'Id', dob: '2012-01-01' }, shippingAddress: { line1: '1 Main', city: 'Provo', state: 'UT', zip: '84601' }, items: [{ sku: 'VAPE-MINT', quantity: 1 }] }));
    expect(young.status).toBe(422);
    expect(young.body.error.code).toBe('compliance_refused');
    expect(young.body.status).toBe('refused');
    expect(young.body.error.details).toEqual([
      { code: 'under_age', message: 'You must be 21 or older' },
      { code: 'flavored_ban', message: 'Flavored products cannot ship to UT', sku: 'VAPE-MINT' },
    ]);
    // Refused orders release their stock.
    expect((await w.catalog.getBySku('VAPE-MINT'))!.availableQuantity).toBe(20);

    const unknown = await post(w.app, orderBody({ items: [{ sku: 'NOPE', quantity: 1 }, { sku: 'HIDDEN', quantity: 1 }] }));
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('unknown_sku');
    expect(unknown.body.error.details).toEqual([{ sku: 'NOPE' }, { sku: 'HIDDEN' }]);

    const short = await post(w.app, orderBody({ items: [{ sku: 'VAPE-MINT', quantity: 21 }] }));
    expect(short.status).toBe(409);
    expect(short.body.error).toMatchObject({ code: 'insufficient_stock', details: [{ sku: 'VAPE-MINT', requested: 21, available: 20 }] });

    const bad = await post(w.app, { ...orderBody(), customer: { email: 'nope', firstName: '', lastName: 'X', dob: '1990-13-45' }, items: [] });
    expect(bad.status).toBe(400);
    const fields = bad.body.error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['customer.email', 'customer.firstName', 'customer.dob', 'items']));

    // Failed checkouts leave no order behind, so the shop can try again with the same id.
    const again = orderBody();
    expect((await post(w.app, { ...again, items: [{ sku: 'NOPE', quantity: 1 }] })).status).toBe(404);
    expect((await post(w.app, again)).status).toBe(201);
  });

  it('fails closed (503) when compliance cannot decide, and keeps no order or reservation', async () => {
    w = await fakeWorld(kind);
    w.compliance.failAssess = true;
    const body = orderBody({ items: [{ sku: 'LAST-ONE', quantity: 1 }] });
    const res = await post(w.app, body);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('compliance_unavailable');
    expect((await w.catalog.getBySku('LAST-ONE'))!.availableQuantity).toBe(1);
    w.compliance.failAssess = false;
    expect((await post(w.app, body)).status).toBe(201);
  });

  it('honours Idempotency-Key and the order id', async () => {
    w = await fakeWorld(kind);
    const body = orderBody();
    const first = await post(w.app, body, 'key-1');
    expect(first.status).toBe(201);
    const replay = await post(w.app, body, 'key-1');
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.orderId).toBe(body.orderId);
    const reused = await post(w.app, { ...body, items: [{ sku: 'ACC-RAW-KSS', quantity: 3 }] }, 'key-1');
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
    const reusedOtherOrder = await post(w.app, orderBody(), 'key-1');
    expect(reusedOtherOrder.body.error.code).toBe('idempotency_key_reused');
    // The same order id without a key: the existing order.
    const byId = await post(w.app, body);
    expect(byId.status).toBe(201);
    expect(byId.body.orderId).toBe(body.orderId);
    await w.orders.worker.drain();
    expect(w.zoho.salesOrders.size).toBe(1);
  });

  it('the same order posted concurrently becomes one order and one sales order', async () => {
    w = await fakeWorld(kind);
    const body = orderBody();
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => post(w!.app, body, i % 2 === 0 ? 'same-key' : undefined)));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(201));
    expect(answers.filter((a) => a.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
    await w.orders.worker.drain();
    expect(w.zoho.salesOrders.size).toBe(1);
    expect(w.compliance.assessCalls).toBe(1);
  });

  it('sells the last unit once among 10 concurrent checkouts, re-reading low stock once', async () => {
    w = await fakeWorld(kind);
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(w!.app, orderBody({ items: [{ sku: 'LAST-ONE', quantity: 1 }] }))));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(9);
    expect(w.catalog.refreshCalls.length).toBeGreaterThanOrEqual(1);
    expect(w.catalog.refreshCalls.length).toBeLessThan(10);
    await w.orders.worker.drain();
    expect(w.zoho.salesOrders.size).toBe(1);
  });

  it('does not call Zoho for stock when the cached quantity is above the threshold', async () => {
    w = await fakeWorld(kind);
    await post(w.app, orderBody());
    expect(w.catalog.refreshCalls).toHaveLength(0);
  });

  it('adopts the sales order after a lost response instead of creating a second one', async () => {
    w = await fakeWorld(kind);
    w.zoho.inject('salesorders.create', 'lost_response');
    w.zoho.inject('salesorders.confirm', 'lost_response');
    const body = orderBody();
    await post(w.app, body);
    await w.orders.worker.drain();
    expect(w.zoho.salesOrders.size).toBe(1);
    expect(w.zoho.count('salesorders.create')).toBe(1);
    expect(w.zoho.count('salesorders.find')).toBe(1);
    expect(w.zoho.count('salesorders.confirm')).toBe(1);
    expect(w.zoho.count('salesorders.get')).toBe(1);
    const order = await w.orders.getOrder(body.orderId);
    expect(order!.status).toBe('placed');
    expect(order!.history.find((h) => h.step === 'salesorder')!.status).toBe('adopted');
  });

  it('retries 5xx with backoff, then dead-letters with an alert, keeps the stock, and places on retry', async () => {
    w = await fakeWorld(kind);
    w.zoho.inject('salesorders.create', 'http500', 2);
    const a = orderBody({ items: [{ sku: 'LAST-ONE', quantity: 1 }] });
    await post(w.app, a);
    await w.orders.worker.drain();
    expect((await w.orders.getOrder(a.orderId))!.status).toBe('placed');
    expect((await w.orders.getOrder(a.orderId))!.history.filter((h) => h.status === 'retry_scheduled')).toHaveLength(2);

    // Restocked to 2 before a's push; Zoho now shows 1 after a's confirmation.
    w.catalog.add({ ...(await w.catalog.getBySku('LAST-ONE'))!, zohoQuantity: 2, stockSeenAt: 0 });
    w.catalog.zohoTruth.set('LAST-ONE', 1);
    w.zoho.inject('salesorders.create', 'http500', 10);
    const b = orderBody({ items: [{ sku: 'LAST-ONE', quantity: 1 }] });
    expect((await post(w.app, b)).status).toBe(201);
    await w.orders.worker.drain();
    const failed = await w.orders.getOrder(b.orderId);
    expect(failed!.status).toBe('failed');
    expect(failed!.lastError).toMatch(/HTTP 500/);
    expect(w.alerts.events.filter((e) => e.kind === 'dead_letter')).toHaveLength(1);
    expect((await w.orders.listOrders({ status: 'failed' })).map((o) => o.orderId)).toEqual([b.orderId]);
    // The reservation is kept: nothing left to sell.
    expect((await w.catalog.getBySku('LAST-ONE'))!.availableQuantity).toBe(0);

    w.zoho.inject('salesorders.create', 'http500', -10);
    (w.zoho as unknown as { faults: unknown[] }).faults = [];
    const retried = await w.app.inject({ method: 'POST', url: `/api/admin/orders/${b.orderId}/retry` });
    expect(retried.statusCode).toBe(200);
    expect(retried.json().status).toBe('accepted');
    await w.orders.worker.drain();
    expect((await w.orders.getOrder(b.orderId))!.status).toBe('placed');
    expect([...w.zoho.salesOrders.values()].filter((s) => s.reference_number === b.orderId)).toHaveLength(1);
  });

  it('dead-letters at once on a permanent Zoho error', async () => {
    w = await fakeWorld(kind);
    w.zoho.inject('salesorders.create', 'http400');
    const a = orderBody();
    await post(w.app, a);
    await w.orders.worker.drain();
    const o = await w.orders.getOrder(a.orderId);
    expect(o!.status).toBe('failed');
    expect(o!.attempts).toBe(1);
  });

  it('adjustment mode: a draft sales order and exactly one adjustment, even after a lost response', async () => {
    w = await fakeWorld(kind, { stockMode: 'adjustment' });
    w.zoho.inject('adjustments.create', 'lost_response');
    const a = orderBody({ items: [{ sku: 'ACC-RAW-KSS', quantity: 3 }] });
    await post(w.app, a);
    await w.orders.worker.drain();
    expect((await w.orders.getOrder(a.orderId))!.status).toBe('placed');
    const so = [...w.zoho.salesOrders.values()][0]!;
    expect(so.status).toBe('draft');
    expect(w.zoho.count('salesorders.confirm')).toBe(0);
    expect(w.zoho.adjustments).toHaveLength(1);
    expect(w.zoho.adjustments[0]!.reference_number).toBe(a.orderId);
    expect(w.zoho.adjustments[0]!.input.line_items).toEqual([{ item_id: expect.any(String), quantity_adjusted: -3, location_id: '460000000038080' }]);

    const cancel = await w.app.inject({ method: 'POST', url: `/api/orders/${a.orderId}/cancel` });
    expect(cancel.statusCode).toBe(200);
    expect(cancel.json().status).toBe('cancelled');
    expect(w.zoho.adjustments).toHaveLength(2);
    expect(w.zoho.adjustments[1]!.input.line_items[0]!.quantity_adjusted).toBe(3);
    expect(so.status).toBe('void');
  });

  it('cancel in commit mode voids the sales order, releases stock, records the audit and leaves PACT out', async () => {
    w = await fakeWorld(kind);
    const a = orderBody({ items: [{ sku: 'VAPE-MINT', quantity: 2 }] });
    await post(w.app, a);
    await w.orders.worker.drain();
    expect((await w.catalog.getBySku('VAPE-MINT'))!.availableQuantity).toBe(18);
    const cancel = await w.app.inject({ method: 'POST', url: `/api/orders/${a.orderId}/cancel` });
    expect(cancel.json().status).toBe('cancelled');
    expect([...w.zoho.salesOrders.values()][0]!.status).toBe('void');
    expect(w.compliance.cancelledShipments).toEqual([a.orderId]);
    expect(w.compliance.decisions.map((d) => d.kind)).toEqual(['checkout', 'cancel']);
    expect((await w.catalog.getBySku('VAPE-MINT'))!.availableQuantity).toBe(20);
    // Twice is fine; a refused order cannot be cancelled.
    expect((await w.app.inject({ method: 'POST', url: `/api/orders/${a.orderId}/cancel` })).statusCode).toBe(200);
  });

  it('pending verification → accepted by the webhook → placed; pending → denied → refused and released', async () => {
    w = await fakeWorld(kind);
    const a = orderBody({ items: [{ sku: 'LAST-ONE', quantity: 1 }], ageVerification: { provider: 'agechecker', reference: 'pending-a' } });
    const held = await post(w.app, a);
    expect(held.status).toBe(202);
    expect(held.body.status).toBe('pending_verification');
    expect(held.body.reasons).toEqual([{ code: 'age_verification_pending', message: 'Age verification in progress' }]);
    expect((await w.catalog.getBySku('LAST-ONE'))!.availableQuantity).toBe(0);
    await w.orders.worker.drain();
    expect(w.zoho.salesOrders.size).toBe(0);
    await w.compliance.settle('pending-a', 'accepted');
    expect((await w.orders.getOrder(a.orderId))!.status).toBe('accepted');
    await w.orders.worker.drain();
    expect((await w.orders.getOrder(a.orderId))!.status).toBe('placed');
    expect(w.compliance.decisions.map((d) => d.kind)).toEqual(['checkout', 'resume']);

    const b = orderBody({ ageVerification: { provider: 'agechecker', reference: 'pending-b' } });
    expect((await post(w.app, b)).status).toBe(202);
    expect((await w.catalog.getBySku('ACC-RAW-KSS'))!.availableQuantity).toBe(48);
    // Denied through the status poll this time (no webhook).
    await w.compliance.settle('pending-b', 'denied', false);
    await w.orders.service.pollHolds();
    const refused = await w.orders.getOrder(b.orderId);
    expect(refused!.status).toBe('refused');
    expect(refused!.reasons.map((r) => r.code)).toContain('age_verification_denied');
    expect((await w.catalog.getBySku('ACC-RAW-KSS'))!.availableQuantity).toBe(50);
    const replay = await post(w.app, b);
    expect(replay.status).toBe(422);
  });

  it('refuses and releases a hold that outlives its TTL', async () => {
    w = await fakeWorld(kind, { holdTtlMs: 1 });
    const a = orderBody({ ageVerification: { provider: 'agechecker', reference: 'pending-ttl' } });
    expect((await post(w.app, a)).status).toBe(202);
    await new Promise((r) => setTimeout(r, 5));
    await w.orders.service.sweep();
    const o = await w.orders.getOrder(a.orderId);
    expect(o!.status).toBe('refused');
    expect(o!.reasons[0]!.code).toBe('verification_expired');
    expect((await w.catalog.getBySku('ACC-RAW-KSS'))!.availableQuantity).toBe(50);
  });

  it('sweeps a checkout that died before its decision (reservation TTL)', async () => {
    w = await fakeWorld(kind, { reservationTtlMs: 1, staleReceivedMs: 1 });
    const { reserve } = await import('../../src/orders/reservations.js');
    await w.store.db
      .insertInto('orders')
      .values({ order_id: 'DEAD-1', request_hash: 'x', status: 'received', stock_mode: 'commit', customer_email: 'x@y', input_json: '{}', created_at: Date.now() - 10, updated_at: Date.now() - 10 } as never)
      .execute();
    await reserve(w.store.db, 'DEAD-1', [{ sku: 'LAST-ONE', quantity: 1, zohoQuantity: 1, stockSeenAt: 0 }], Date.now() - 1, Date.now());
    expect((await w.catalog.getBySku('LAST-ONE'))!.availableQuantity).toBe(0);
    await w.orders.service.sweep();
    expect((await w.catalog.getBySku('LAST-ONE'))!.availableQuantity).toBe(1);
    expect(await w.store.db.selectFrom('orders').select('order_id').where('order_id', '=', 'DEAD-1').executeTakeFirst()).toBeUndefined();
  });

  it('counts pushed orders as outstanding until the catalog reads Zoho again', async () => {
    w = await fakeWorld(kind);
    const a = orderBody({ items: [{ sku: 'VAPE-MINT', quantity: 4 }] });
    await post(w.app, a);
    await w.orders.worker.drain();
    const r = w.orders.reservations;
    expect((await r.outstandingBySku([{ sku: 'VAPE-MINT', stockSeenAt: 0 }])).get('VAPE-MINT')).toBe(4);
    expect((await r.outstandingBySku([{ sku: 'VAPE-MINT', stockSeenAt: Date.now() + 1000 }])).get('VAPE-MINT')).toBeUndefined();
    // Once the catalog has read Zoho (which now shows 16), a new reserve settles the pushed quantity.
    w.catalog.add({ ...(await w.catalog.getBySku('VAPE-MINT'))!, zohoQuantity: 16, stockSeenAt: Date.now() + 1000 });
    expect((await post(w.app, orderBody({ items: [{ sku: 'VAPE-MINT', quantity: 16 }] }))).status).toBe(201);
    expect((await post(w.app, orderBody({ items: [{ sku: 'VAPE-MINT', quantity: 1 }] }))).status).toBe(409);
  });

  it('cancels an accepted order before any push without calling Zoho; refuses to cancel or retry what it cannot', async () => {
    w = await fakeWorld(kind);
    const a = orderBody({ items: [{ sku: 'LAST-ONE', quantity: 1 }] });
    await post(w.app, a);
    const res = await w.app.inject({ method: 'POST', url: `/api/orders/${a.orderId}/cancel` });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('cancelled');
    expect(w.zoho.calls).toEqual([]);
    await w.orders.worker.drain();
    expect(w.zoho.calls).toEqual([]);
    expect((await w.catalog.getBySku('LAST-ONE'))!.availableQuantity).toBe(1);
    const young = orderBody({ customer: { email: 'y@example.com', firstName: 'Y', lastName: 'Z', dob: '2015-01-01' } });
    expect((await post(w.app, young)).status).toBe(422);
    const notCancellable = await w.app.inject({ method: 'POST', url: `/api/orders/${young.orderId}/cancel` });
    expect(notCancellable.statusCode).toBe(409);
    expect(notCancellable.json().error.code).toBe('order_not_cancellable');
    const notRetryable = await w.app.inject({ method: 'POST', url: `/api/admin/orders/${young.orderId}/retry` });
    expect(notRetryable.statusCode).toBe(409);
    expect((await w.app.inject({ method: 'GET', url: '/api/orders/NOPE-1' })).statusCode).toBe(404);
    expect((await w.app.inject({ method: 'POST', url: '/api/orders/NOPE-1/cancel' })).statusCode).toBe(404);
  });

  it('cancels a held order at once, releasing its stock', async () => {
    w = await fakeWorld(kind);
    const a = orderBody({ items: [{ sku: 'LAST-ONE', quantity: 1 }], ageVerification: { provider: 'agechecker', reference: 'pending-c' } });
    expect((await post(w.app, a)).status).toBe(202);
    const res = await w.app.inject({ method: 'POST', url: `/api/orders/${a.orderId}/cancel` });
    expect(res.json().status).toBe('cancelled');
    expect((await w.catalog.getBySku('LAST-ONE'))!.availableQuantity).toBe(1);
    // A late settlement does not revive it.
    await w.compliance.settle('pending-c', 'accepted');
    expect((await w.orders.getOrder(a.orderId))!.status).toBe('cancelled');
  });

  it('exposes orders_total, orders_dead_letter and the checkout latency histogram', async () => {
    w = await fakeWorld(kind);
    w.zoho.inject('salesorders.create', 'http400');
    await post(w.app, orderBody());
    await w.orders.worker.drain();
    const text = await w.registry.metrics();
    expect(text).toMatch(/orders_total\{status="accepted"\} 1/);
    expect(text).toMatch(/orders_total\{status="failed"\} 1/);
    expect(text).toMatch(/orders_dead_letter 1/);
    expect(text).toMatch(/orders_checkout_duration_seconds_count\{status="accepted"\} 1/);
  });

  it('two workers on one database never push the same order twice', async () => {
    w = await fakeWorld(kind);
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const b = orderBody();
      ids.push(b.orderId);
      await post(w.app, b);
    }
    // A second module on the same tables: another process's worker, with its own owner id.
    const other = await buildHarness(kind, { zoho: w.zoho.api(), catalog: w.catalog, compliance: w.compliance }, {}, w.store);
    try {
      await Promise.all([w.orders.worker.drain(), other.orders.worker.drain(), w.orders.worker.drain()]);
    } finally {
      await other.close();
    }
    for (const id of ids) expect((await w.orders.getOrder(id))!.status).toBe('placed');
    expect(w.zoho.salesOrders.size).toBe(8);
    expect(w.zoho.count('salesorders.create')).toBe(8);
  });
});

describe('pricing', () => {
  it('rounds the club discount half up in cents', async () => {
    const { applyDiscountBps } = await import('../../src/shared/money.js');
    expect(applyDiscountBps(399, 1250)).toBe(349);
  });
});
