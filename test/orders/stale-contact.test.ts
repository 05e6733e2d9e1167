/**
 * A contact the bridge cached (by e-mail) was deleted or merged in Zoho. Zoho
 * then refuses the cached id; the worker forgets it, finds or creates the
 * contact again, and still places the order once — instead of dead-lettering.
 */
import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { orderBody as baseOrderBody, post } from './harness.js';
import { realWorld, type RealWorld } from './e2e-harness.js';
import type { PlaceOrderRequest } from '../../src/orders/model.js';

const orderBody = (over: Partial<PlaceOrderRequest> = {}) => baseOrderBody({ ageVerification: null, ...over });
const GONE = '4815162000099999999';

describeEachDatabase('orders: a cached Zoho contact that no longer exists', (kind) => {
  let w: RealWorld | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  async function placeFirst(world: RealWorld) {
    const first = orderBody({ items: [{ sku: 'ACC-RAW-KSS', quantity: 1 }] });
    expect((await post(world.app, first)).status).toBe(201);
    await world.orders.worker.drain();
    expect((await world.orders.getOrder(first.orderId))!.status).toBe('placed');
    return first;
  }

  it('re-finds the contact when adding the ship-to address fails', async () => {
    w = await realWorld(kind);
    const first = await placeFirst(w);
    await w.store.db.updateTable('order_contacts').set({ contact_id: GONE }).where('email', '=', first.customer.email).execute();
    const second = orderBody({ customer: first.customer, items: [{ sku: 'ACC-RAW-KSS', quantity: 1 }] });
    expect((await post(w.app, second)).status).toBe(201);
    await w.orders.worker.drain();
    const order = await w.orders.getOrder(second.orderId);
    expect(order!.status, order!.lastError ?? '').toBe('placed');
    expect(w.emu.control.salesOrders().filter((s) => s.reference_number === second.orderId)).toHaveLength(1);
    const cached = await w.store.db.selectFrom('order_contacts').select('contact_id').where('email', '=', first.customer.email).executeTakeFirst();
    expect(cached!.contact_id).not.toBe(GONE);
  });

  it('redoes the contact when Zoho refuses the customer of the sales order', async () => {
    w = await realWorld(kind);
    const first = await placeFirst(w);
    const real = (await w.store.db.selectFrom('order_contacts').select('contact_id').where('email', '=', first.customer.email).executeTakeFirst())!.contact_id;
    // Contact and its address both cached under an id Zoho no longer knows.
    await w.store.db.updateTable('order_contacts').set({ contact_id: GONE }).where('email', '=', first.customer.email).execute();
    await w.store.db.updateTable('order_contact_addresses').set({ contact_id: GONE }).where('contact_id', '=', real).execute();
    const second = orderBody({ customer: first.customer, items: [{ sku: 'ACC-RAW-KSS', quantity: 1 }] });
    expect((await post(w.app, second)).status).toBe(201);
    await w.orders.worker.drain();
    const order = await w.orders.getOrder(second.orderId);
    expect(order!.status, order!.lastError ?? '').toBe('placed');
    const sos = w.emu.control.salesOrders().filter((s) => s.reference_number === second.orderId);
    expect(sos).toHaveLength(1);
    expect(sos[0]!.customer_id).toBe(real);
  });
});
