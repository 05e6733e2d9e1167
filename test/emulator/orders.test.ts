import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, createCustomer, harness, locationStock } from './helpers.js';

let h: Harness;
let dtc: string;
let warehouse: string;
beforeEach(async () => {
  h = await harness();
  ({ dtc, warehouse } = h.emu.control.locationIds);
});
afterEach(() => h.emu.close());

async function detail(sku: string): Promise<any> {
  const id = h.emu.control.findItemBySku(sku)!.item_id as string;
  return (await h.api(`/items/${id}`)).body.item;
}

describe('contacts', () => {
  it('creates, finds by email (case-insensitive, contact persons too), updates and adds an address', async () => {
    const id = await createCustomer(h, 'Ana Ruiz', 'Ana@Example.com');
    const found = await h.api('/contacts', { query: { email: 'ana@example.com' } });
    expect(found.body.contacts.map((c: any) => c.contact_id)).toEqual([id]);
    expect((await h.api('/contacts', { query: { email: 'nobody@example.com' } })).body.contacts).toEqual([]);

    const upd = await h.api(`/contacts/${id}`, { method: 'PUT', body: { phone: '+17605550100', shipping_address: { address: '1 Main St', city: 'Indio', state: 'CA', zip: '92201', country: 'U.S.A' } } });
    expect(upd.status).toBe(200);
    expect(upd.body.contact.phone).toBe('+17605550100');
    expect(upd.body.contact.shipping_address.city).toBe('Indio');

    const added = await h.api(`/contacts/${id}/address`, { body: { address: '9 Elm St', city: 'Reno', state: 'NV', zip: '89501', country: 'U.S.A' } });
    expect(added.status).toBe(201);
    expect(typeof added.body.address_info.address_id).toBe('string');
    const got = await h.api(`/contacts/${id}`);
    expect(got.body.contact.contact_persons[0].email).toBe('Ana@Example.com');
  });

  it('refuses a missing or duplicate contact name', async () => {
    await createCustomer(h, 'Ana Ruiz', 'a@example.com');
    expect((await h.api('/contacts', { body: { contact_name: 'ana ruiz' } })).body.code).toBe(3062);
    expect((await h.api('/contacts', { body: { company_name: 'x' } })).body.code).toBe(2);
    expect((await h.api('/contacts/999')).status).toBe(404);
  });
});

describe('sales orders', () => {
  async function createOrder(extra: Record<string, unknown> = {}, quantity = 3): Promise<any> {
    const customer = await createCustomer(h, `Buyer ${Math.random()}`, `b${Math.random()}@example.com`);
    const item = h.emu.control.findItemBySku('ACC-RAW-KSS')!;
    return h.api('/salesorders', {
      body: {
        customer_id: customer,
        reference_number: 'VIP-100234',
        date: '2026-11-28',
        location_id: dtc,
        line_items: [{ item_id: item.item_id, quantity, rate: 2.99, location_id: dtc }],
        ...extra,
      },
    });
  }

  it('creates a draft (201, key salesorder) with reference number, custom fields by api_name or id, and totals', async () => {
    const defs = (await h.api('/settings/customfields', { query: { entity: 'salesorder' } })).body.customfields;
    const decisionField = defs.find((d: any) => d.api_name === 'cf_compliance_decision_id');
    const res = await createOrder({
      shipping_charge: 5,
      custom_fields: [
        { api_name: 'cf_shop_order_id', value: 'VIP-100234' },
        { customfield_id: decisionField.customfield_id, value: 'dec-1' },
        { api_name: 'cf_sales_channel', value: 'Web Shop' },
      ],
    });
    expect(res.status).toBe(201);
    const so = res.body.salesorder;
    expect(res.body.code).toBe(0);
    expect(so.status).toBe('draft');
    expect(so.salesorder_number).toMatch(/^SO-\d{5}$/);
    expect(so.reference_number).toBe('VIP-100234');
    expect(so.sub_total).toBe(8.97);
    expect(so.total).toBe(13.97);
    expect(so.line_items[0].location_id).toBe(dtc);
    expect(so.shipping_address.city).toBe('Palm Desert');
    const cf = Object.fromEntries(so.custom_fields.map((f: any) => [f.api_name, f.value]));
    expect(cf).toEqual({ cf_shop_order_id: 'VIP-100234', cf_compliance_decision_id: 'dec-1', cf_sales_channel: 'Web Shop' });

    const got = await h.api(`/salesorders/${so.salesorder_id}`);
    expect(got.body.salesorder.salesorder_id).toBe(so.salesorder_id);
  });

  it('validates customer, items, quantities, locations and custom fields', async () => {
    const customer = await createCustomer(h);
    const item = h.emu.control.findItemBySku('ACC-RAW-KSS')!;
    const inactive = h.emu.control.findItemBySku('VAP-PFB-ORG-DSC')!;
    const base = { customer_id: customer, reference_number: 'R', line_items: [{ item_id: item.item_id, quantity: 1 }] };
    const cases: Array<[string, Record<string, unknown>]> = [
      ['customer', { ...base, customer_id: '42' }],
      ['no lines', { ...base, line_items: [] }],
      ['item', { ...base, line_items: [{ item_id: '42', quantity: 1 }] }],
      ['inactive item', { ...base, line_items: [{ item_id: inactive.item_id, quantity: 1 }] }],
      ['quantity', { ...base, line_items: [{ item_id: item.item_id, quantity: 0 }] }],
      ['line location', { ...base, line_items: [{ item_id: item.item_id, quantity: 1, location_id: '42' }] }],
      ['order location', { ...base, location_id: '42' }],
      ['unknown custom field', { ...base, custom_fields: [{ api_name: 'cf_nope', value: 'x' }] }],
      ['dropdown option', { ...base, custom_fields: [{ api_name: 'cf_sales_channel', value: 'Telegraph' }] }],
    ];
    for (const [name, body] of cases) {
      const res = await h.api('/salesorders', { body });
      expect(res.status, name).toBe(400);
      expect(res.body.code, name).not.toBe(0);
    }
    const notJson = await fetch(`${h.emu.apiBaseUrl}/salesorders?organization_id=850205569`, {
      method: 'POST',
      headers: { Authorization: `Zoho-oauthtoken ${h.token}`, 'Content-Type': 'application/json' },
      body: '{oops',
    });
    expect(notJson.status).toBe(400);
    expect(h.emu.control.salesOrders()).toHaveLength(0);
  });

  it('accepts the legacy JSONString form body', async () => {
    const customer = await createCustomer(h);
    const item = h.emu.control.findItemBySku('ACC-RAW-KSS')!;
    const res = await fetch(`${h.emu.apiBaseUrl}/salesorders?organization_id=850205569`, {
      method: 'POST',
      headers: { Authorization: `Zoho-oauthtoken ${h.token}` },
      body: new URLSearchParams({ JSONString: JSON.stringify({ customer_id: customer, line_items: [{ item_id: item.item_id, quantity: 1 }] }) }),
    });
    expect(res.status).toBe(201);
  });

  it('finds orders by reference_number', async () => {
    await createOrder({ reference_number: 'VIP-1' });
    await createOrder({ reference_number: 'VIP-2' });
    const res = await h.api('/salesorders', { query: { reference_number: 'VIP-2' } });
    expect(res.body.salesorders.map((s: any) => s.reference_number)).toEqual(['VIP-2']);
    expect((await h.api('/salesorders', { query: { reference_number: 'VIP-3' } })).body.salesorders).toEqual([]);
    expect((await h.api('/salesorders')).body.salesorders).toHaveLength(2);
  });

  it('confirm commits stock at the line location (on hand unchanged); void releases it; both idempotent', async () => {
    const before = locationStock(await detail('ACC-RAW-KSS'), dtc);
    const so = (await createOrder({}, 3)).body.salesorder;
    expect(locationStock(await detail('ACC-RAW-KSS'), dtc)).toEqual(before); // a draft commits nothing

    const confirmed = await h.api(`/salesorders/${so.salesorder_id}/status/confirmed`, { method: 'POST' });
    expect(confirmed.body).toEqual({ code: 0, message: "Sales order status has been changed to 'Confirmed'." });
    await h.api(`/salesorders/${so.salesorder_id}/status/confirmed`, { method: 'POST' });
    const item = await detail('ACC-RAW-KSS');
    const after = locationStock(item, dtc);
    expect(after.location_stock_on_hand).toBe(before.location_stock_on_hand);
    expect(after.location_committed_stock).toBe(before.location_committed_stock + 3);
    expect(after.location_actual_available_for_sale_stock).toBe(before.location_actual_available_for_sale_stock - 3);
    expect(locationStock(item, warehouse).location_committed_stock).toBe(0);
    expect(item.committed_stock).toBe(3);
    expect((await h.api(`/salesorders/${so.salesorder_id}`)).body.salesorder.status).toBe('confirmed');

    const voided = await h.api(`/salesorders/${so.salesorder_id}/status/void`, { method: 'POST' });
    expect(voided.body.code).toBe(0);
    await h.api(`/salesorders/${so.salesorder_id}/status/void`, { method: 'POST' });
    expect(locationStock(await detail('ACC-RAW-KSS'), dtc)).toEqual(before);
    expect((await h.api(`/salesorders/${so.salesorder_id}/status/confirmed`, { method: 'POST' })).status).toBe(400);
    expect((await h.api('/salesorders/42/status/confirmed', { method: 'POST' })).body.code).toBe(1002);
  });

  it('fulfilment (staff shipping in Zoho) lowers on hand and releases the commitment', async () => {
    const before = locationStock(await detail('ACC-RAW-KSS'), dtc);
    const so = (await createOrder({}, 2)).body.salesorder;
    await h.api(`/salesorders/${so.salesorder_id}/status/confirmed`, { method: 'POST' });
    h.emu.control.fulfillSalesOrder(so.salesorder_id);
    const after = locationStock(await detail('ACC-RAW-KSS'), dtc);
    expect(after.location_stock_on_hand).toBe(before.location_stock_on_hand - 2);
    expect(after.location_committed_stock).toBe(before.location_committed_stock);
  });
});

describe('inventory adjustments', () => {
  it('moves stock on hand and available at the location; list by reference_number', async () => {
    const before = locationStock(await detail('ACC-ZIG-ORG-114'), dtc);
    const id = h.emu.control.findItemBySku('ACC-ZIG-ORG-114')!.item_id;
    const res = await h.api('/inventoryadjustments', {
      body: {
        date: '2026-11-28',
        reason: 'Web order VIP-7',
        adjustment_type: 'quantity',
        reference_number: 'VIP-7',
        line_items: [{ item_id: id, quantity_adjusted: -4, location_id: dtc }],
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.message).toBe('Inventory Adjustment has been added');
    expect(res.body.inventory_adjustment.line_items[0].quantity_adjusted).toBe(-4);
    const after = locationStock(await detail('ACC-ZIG-ORG-114'), dtc);
    expect(after.location_stock_on_hand).toBe(before.location_stock_on_hand - 4);
    expect(after.location_actual_available_for_sale_stock).toBe(before.location_actual_available_for_sale_stock - 4);

    const list = await h.api('/inventoryadjustments', { query: { reference_number: 'VIP-7' } });
    expect(list.body.inventory_adjustments.map((a: any) => a.inventory_adjustment_id)).toEqual([res.body.inventory_adjustment.inventory_adjustment_id]);
    expect((await h.api('/inventoryadjustments', { query: { reference_number: 'VIP-8' } })).body.inventory_adjustments).toEqual([]);
  });

  it('validates date, reason, type, items and location', async () => {
    const id = h.emu.control.findItemBySku('ACC-ZIG-ORG-114')!.item_id;
    const ok = { date: '2026-11-28', reason: 'r', adjustment_type: 'quantity', line_items: [{ item_id: id, quantity_adjusted: 1 }] };
    for (const body of [
      { ...ok, date: '28/11/2026' },
      { ...ok, reason: '' },
      { ...ok, adjustment_type: 'stock' },
      { ...ok, line_items: [{ item_id: '1', quantity_adjusted: 1 }] },
      { ...ok, line_items: [{ item_id: id, quantity_adjusted: 1, location_id: '1' }] },
    ]) {
      expect((await h.api('/inventoryadjustments', { body })).status).toBe(400);
    }
    // Without a location the primary one (main warehouse) moves.
    const before = locationStock(await detail('ACC-ZIG-ORG-114'), warehouse).location_stock_on_hand;
    expect((await h.api('/inventoryadjustments', { body: ok })).status).toBe(201);
    expect(locationStock(await detail('ACC-ZIG-ORG-114'), warehouse).location_stock_on_hand).toBe(before + 1);
  });

  it('setStock records an adjustment for the delta', async () => {
    const adj = h.emu.control.setStock('ACC-RAW-KSS', dtc, 7)!;
    expect(adj.adjustment_type).toBe('quantity');
    expect(locationStock(await detail('ACC-RAW-KSS'), dtc).location_stock_on_hand).toBe(7);
    expect(h.emu.control.setStock('ACC-RAW-KSS', dtc, 7)).toBeNull();
    expect(h.emu.control.adjustments()).toHaveLength(1);
  });
});

describe('warehouses mode', () => {
  it('sales orders and adjustments use warehouse_id', async () => {
    const legacy = await harness({ stockShape: 'warehouses' });
    try {
      const customer = await createCustomer(legacy);
      const item = legacy.emu.control.findItemBySku('ACC-RAW-KSS')!;
      const wh = legacy.emu.control.locationIds.dtc;
      const res = await legacy.api('/salesorders', { body: { customer_id: customer, line_items: [{ item_id: item.item_id, quantity: 1, warehouse_id: wh }] } });
      expect(res.status).toBe(201);
      expect(res.body.salesorder.line_items[0].warehouse_id).toBe(wh);
      await legacy.api(`/salesorders/${res.body.salesorder.salesorder_id}/status/confirmed`, { method: 'POST' });
      const d = (await legacy.api(`/items/${item.item_id}`)).body.item;
      expect(d.warehouses.find((w: any) => w.warehouse_id === wh).warehouse_committed_stock).toBe(1);
    } finally {
      await legacy.emu.close();
    }
  });
});
