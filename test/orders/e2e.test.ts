import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { orderBody as baseOrderBody, post } from './harness.js';
import type { PlaceOrderRequest } from '../../src/orders/model.js';

// The fake age provider decides by date of birth; no storefront reference.
const orderBody = (over: Partial<PlaceOrderRequest> = {}) => baseOrderBody({ ageVerification: null, ...over });
import { realWorld, type RealWorld } from './e2e-harness.js';

function dtcStock(w: RealWorld, sku: string): { onHand: number; committed: number } {
  const item = w.emu.control.findItemBySku(sku) as { locations: Array<Record<string, unknown>> };
  const loc = item.locations.find((l) => l.location_id === w.emu.control.locationIds.dtc)!;
  return { onHand: Number(loc.location_stock_on_hand), committed: Number(loc.location_committed_stock ?? 0) };
}

function sosFor(w: RealWorld, orderId: string) {
  return w.emu.control.salesOrders().filter((s) => s.reference_number === orderId);
}

describeEachDatabase('orders end to end (emulator, real modules)', (kind) => {
  let w: RealWorld | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  it('places an order once in Zoho with its custom fields; the stock moves once (commit mode)', async () => {
    w = await realWorld(kind);
    const before = dtcStock(w, 'ACC-RAW-KSS');
    const body = orderBody({ items: [{ sku: 'ACC-RAW-KSS', quantity: 2 }] });
    const res = await post(w.app, body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    await w.orders.worker.drain();
    const order = await w.orders.getOrder(body.orderId);
    expect(order!.status, order!.lastError ?? '').toBe('placed');
    const sos = sosFor(w, body.orderId);
    expect(sos).toHaveLength(1);
    const so = sos[0]!;
    expect(so.status).toBe('confirmed');
    const cf = Object.fromEntries((so.custom_fields as Array<{ api_name: string; value: unknown }>).map((f) => [f.api_name, f.value]));
    expect(cf.cf_shop_order_id).toBe(body.orderId);
    expect(cf.cf_compliance_decision_id).toBeTruthy();
    expect(cf.cf_address_validation).toBeTruthy();
    expect(String(cf.cf_compliance_flags)).toMatch(/pact_shipment=(yes|no)/);
    expect(w.emu.control.adjustments().filter((a) => a.reference_number === body.orderId)).toHaveLength(0);
    const after = dtcStock(w, 'ACC-RAW-KSS');
    expect(after.committed - before.committed).toBe(2);
    expect(after.onHand).toBe(before.onHand);
    // New customer: find + create contact + create SO + confirm.
    expect(w.emu.control.counters().total).toBeLessThanOrEqual(4);

    // Cancel: the sales order is voided and the commitment released.
    const cancel = await w.app.inject({ method: 'POST', url: `/api/orders/${body.orderId}/cancel` });
    expect(cancel.json().status).toBe('cancelled');
    expect(sosFor(w, body.orderId)[0]!.status).toBe('void');
    expect(dtcStock(w, 'ACC-RAW-KSS').committed).toBe(before.committed);
  });

  it('adjustment mode: a draft sales order and one inventory adjustment', async () => {
    w = await realWorld(kind, { env: { STOCK_MODE: 'adjustment' } });
    const before = dtcStock(w, 'ACC-RAW-KSS');
    const body = orderBody({ items: [{ sku: 'ACC-RAW-KSS', quantity: 3 }] });
    expect((await post(w.app, body)).status).toBe(201);
    await w.orders.worker.drain();
    expect((await w.orders.getOrder(body.orderId))!.status).toBe('placed');
    const so = sosFor(w, body.orderId)[0]!;
    expect(so.status).toBe('draft');
    const adjs = w.emu.control.adjustments().filter((a) => a.reference_number === body.orderId);
    expect(adjs).toHaveLength(1);
    const after = dtcStock(w, 'ACC-RAW-KSS');
    expect(before.onHand - after.onHand).toBe(3);
    expect(after.committed).toBe(before.committed);
  });

  it('the same order posted concurrently → one sales order in the emulator', async () => {
    w = await realWorld(kind);
    const body = orderBody();
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(w!.app, body, 'dup-key')));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201]);
    await Promise.all([w.orders.worker.drain(), w.orders.worker.drain()]);
    expect(sosFor(w, body.orderId)).toHaveLength(1);
  });

  it('the last unit among 10 concurrent checkouts: exactly one succeeds', async () => {
    // lowStockFreshMs 0: even a fresh read is re-read at the threshold, so the re-read is visible here.
    w = await realWorld(kind, { orders: { lowStockFreshMs: 0 } });
    w.emu.control.setStock('CGR-AFU-GRC', w.emu.control.locationIds.dtc, 1);
    // The catalog learns it (as from the adjustment webhook); at 1 unit every checkout is at the low-stock threshold.
    await w.catalog.sync.refreshItems([String(w.emu.control.findItemBySku('CGR-AFU-GRC')!.item_id)], 'webhook');
    w.emu.control.resetCounters();
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(w!.app, orderBody({ items: [{ sku: 'CGR-AFU-GRC', quantity: 1 }] }))));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(9);
    await w.orders.worker.drain();
    expect(w.emu.control.salesOrders()).toHaveLength(1);
    // The low-stock re-read happened, but not once per buyer.
    const itemReads = Object.entries(w.emu.control.counters().byEndpoint).filter(([k]) => k.startsWith('GET /item')).reduce((s, [, v]) => s + v, 0);
    expect(itemReads).toBeGreaterThanOrEqual(1);
    expect(itemReads).toBeLessThan(10);
  });

  it('a lost response after the sales order was created → still exactly one', async () => {
    w = await realWorld(kind);
    w.emu.control.injectFault({ method: 'POST', path: '/salesorders', kind: 'lost_response' });
    const body = orderBody();
    await post(w.app, body);
    await w.orders.worker.drain();
    expect((await w.orders.getOrder(body.orderId))!.status).toBe('placed');
    expect(sosFor(w, body.orderId)).toHaveLength(1);
    expect(sosFor(w, body.orderId)[0]!.status).toBe('confirmed');
  });

  it('429 and 5xx storms → placed after backoff', async () => {
    w = await realWorld(kind);
    w.emu.control.injectFault({ method: 'POST', path: '/salesorders', kind: 'http503', times: 6 });
    w.emu.control.injectFault({ path: '/salesorders/:id/status/confirmed', kind: 'http429', times: 6, retryAfterSeconds: 0 });
    w.emu.control.injectFault({ path: '/contacts', kind: 'http500', times: 3 });
    const body = orderBody();
    await post(w.app, body);
    await w.orders.worker.drain({ timeoutMs: 30_000 });
    const order = await w.orders.getOrder(body.orderId);
    expect(order!.status, order!.lastError ?? '').toBe('placed');
    expect(sosFor(w, body.orderId)).toHaveLength(1);
    expect(order!.history.some((h) => h.status === 'retry_scheduled')).toBe(true);
  });

  it('an expired access token mid-flow costs one refresh', async () => {
    w = await realWorld(kind);
    const first = orderBody();
    await post(w.app, first);
    await w.orders.worker.drain();
    const refreshesBefore = w.emu.control.counters().tokenRefreshes;
    w.emu.control.expireAccessTokens();
    const bodies = [orderBody(), orderBody(), orderBody()];
    await Promise.all(bodies.map((b) => post(w!.app, b)));
    await w.orders.worker.drain();
    for (const b of bodies) expect((await w.orders.getOrder(b.orderId))!.status).toBe('placed');
    expect(w.emu.control.counters().tokenRefreshes - refreshesBefore).toBe(1);
  });

  it('pending verification → accepted (settled event) → placed', async () => {
    w = await realWorld(kind);
    const body = orderBody({ customer: { email: 'pending@example.com', firstName: 'Pat', lastName: 'Ending', dob: '1991-01-01' }, ageVerification: null });
    const res = await post(w.app, body);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.status).toBe('pending_verification');
    for (let i = 0; i < 100; i++) {
      const o = await w.orders.getOrder(body.orderId);
      if (o!.status !== 'pending_verification') break;
      await new Promise((r) => setTimeout(r, 50));
      await w.orders.service.pollHolds();
    }
    await w.orders.worker.drain();
    expect((await w.orders.getOrder(body.orderId))!.status).toBe('placed');
    expect(sosFor(w, body.orderId)).toHaveLength(1);
  });

  it('refuses an under-age buyer with 422 and every reason', async () => {
    w = await realWorld(kind);
    const res = await post(w.app, orderBody({ customer: { email: 'kid@example.com', firstName: 'Kid', lastName: 'Young', dob: '2010-06-15' } }));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('compliance_refused');
    expect(res.body.error.details.length).toBeGreaterThan(0);
    expect(w.emu.control.salesOrders()).toHaveLength(0);
  });
});
