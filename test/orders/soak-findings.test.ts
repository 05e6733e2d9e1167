/**
 * Two bugs the soak run (npm run soak) found:
 * - with ROLLOUT=all a listed product whose cf_dtc_enabled is off was refused at checkout (404 unknown_sku);
 * - a cancel request waited for the Zoho void call itself (up to the request timeout and budget waits).
 */
import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { orderBody as baseOrderBody, post } from './harness.js';
import { realWorld, type RealWorld } from './e2e-harness.js';
import type { PlaceOrderRequest } from '../../src/orders/model.js';

const orderBody = (over: Partial<PlaceOrderRequest> = {}) => baseOrderBody({ ageVerification: null, ...over });

describeEachDatabase('orders: soak findings', (kind) => {
  let w: RealWorld | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  it('sells a listed product whose cf_dtc_enabled is off when ROLLOUT=all', async () => {
    w = await realWorld(kind, { env: { ROLLOUT: 'all' } });
    const item = w.emu.control.items().find((i) => (i.custom_field_hash as Record<string, unknown>).cf_dtc_enabled_unformatted === false && (i.custom_field_hash as Record<string, unknown>).cf_compliance_category_unformatted === 'accessories')!;
    expect(item).toBeTruthy();
    await w.emu.control.setStock(String(item.item_id), w.emu.control.locationIds.dtc, 20);
    await w.catalog.reader.refreshItems([String(item.item_id)], 'order');
    // The storefront lists it (getBySku is what GET /api/products/:sku serves).
    const listed = await w.catalog.reader.getBySku(String(item.sku));
    expect(listed?.availableQuantity).toBe(20);
    const res = await post(w.app, orderBody({ items: [{ sku: String(item.sku), quantity: 1 }] }));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  });

  it('answers a cancel promptly (202 cancelling) while Zoho does not answer the void', async () => {
    // Zoho's answer may take up to the request timeout (20 s in production): the cancel must not wait for it.
    w = await realWorld(kind, { zoho: { requestTimeoutMs: 6_000 } });
    const body = orderBody({ items: [{ sku: 'ACC-RAW-KSS', quantity: 1 }] });
    expect((await post(w.app, body)).status).toBe(201);
    await w.orders.worker.drain();
    expect((await w.orders.getOrder(body.orderId))!.status).toBe('placed');
    w.emu.control.injectFault({ method: 'POST', path: /\/status\/void$/, kind: 'timeout', times: 1 });
    const cancel = await w.app.inject({ method: 'POST', url: `/api/orders/${body.orderId}/cancel` });
    expect(cancel.statusCode).toBe(202);
    expect(cancel.json().status).toBe('cancelling');
  }, 5_000);
});
