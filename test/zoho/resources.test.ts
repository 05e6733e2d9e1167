import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestStore } from '../support/databases.js';
import type { Store } from '../../src/store/db.js';
import { ZohoApiError } from '../../src/zoho/errors.js';
import { ITEM_DETAILS_CHUNK } from '../../src/zoho/resources.js';
import { fixture, startFakeZoho, type FakeZoho } from './support/fakeZoho.js';
import { makeModule, zohoTestConfig, type TestModule } from './support/module.js';

const poll = { priority: 'poll' as const };
const order = { priority: 'order' as const };

describe('zoho resources against the reference fixtures', () => {
  let store: Store;
  let fake: FakeZoho;
  let m: TestModule;

  beforeEach(async () => {
    store = await openTestStore('sqlite');
    fake = await startFakeZoho();
    m = makeModule(store, zohoTestConfig(fake.url, { ZOHO_API_URL: `${fake.url}/inventory/v1` }));
    await m.connection.exchangeCode('good-code');
  });
  afterEach(async () => {
    await m.close();
    await fake.close();
    await store.close();
  });

  it('items.list passes pagination params and returns page_context', async () => {
    const page = await m.api.items.list({ page: 2, per_page: 200, filter_by: 'Status.Active' }, poll);
    expect(page.items).toHaveLength(2);
    expect(page.items[0]!.item_id).toBe('5551230000000100011');
    expect(page.page_context).toMatchObject({ page: 1, per_page: 200, has_more_page: true });
    expect(fake.log.at(-1)!.query).toMatchObject({ page: '2', per_page: '200', filter_by: 'Status.Active' });
  });

  it(`items.getMany batches /itemdetails by ${ITEM_DETAILS_CHUNK} ids`, async () => {
    const ids = Array.from({ length: 120 }, (_, i) => String(5551230000000100000n + BigInt(i)));
    const items = await m.api.items.getMany([...ids, ids[0]!], poll);
    expect(items.map((i) => i.item_id)).toEqual(ids);
    const calls = fake.log.filter((r) => r.path === '/itemdetails');
    expect(calls.map((c) => c.query.item_ids!.split(',').length)).toEqual([50, 50, 20]);
    expect(items[0]!.locations).toHaveLength(2);
  });

  it('items.getImage returns bytes, or null on 404', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    fake.on('GET', '/items/:id/image', (req) =>
      req.url.includes('/items/2/') ? { status: 404, body: { code: 1002, message: 'no image' } } : { status: 200, body: png, headers: { 'content-type': 'image/png' } },
    );
    expect(await m.api.items.getImage('1', poll)).toEqual({ contentType: 'image/png', body: png });
    expect(await m.api.items.getImage('2', poll)).toBeNull();
  });

  it('locations: /locations normalized', async () => {
    const locations = await m.api.locations.list(poll);
    expect(locations).toEqual([
      { id: '5551230000000038070', name: 'Head Office', status: 'active', isPrimary: true, kind: 'location' },
      { id: '5551230000000038080', name: 'Main Warehouse', status: 'active', isPrimary: false, kind: 'location' },
    ]);
  });

  for (const [name, answer] of [
    ['404 code 5', { status: 404, body: { code: 5, message: 'Invalid URL Passed' } }],
    ['an empty list', { status: 200, body: { code: 0, message: 'success', locations: [] } }],
  ] as const) {
    it(`locations: falls back to /settings/warehouses on ${name}`, async () => {
      fake.script('GET', '/locations', answer);
      const locations = await m.api.locations.list(poll);
      expect(locations).toEqual([
        { id: '5551230000000038080', name: 'Main Warehouse', status: 'active', isPrimary: true, kind: 'warehouse' },
        { id: '5551230000000038095', name: 'Overflow', status: 'inactive', isPrimary: false, kind: 'warehouse' },
      ]);
    });
  }

  it('locations: a missing scope (401 code 57) is not a fallback case', async () => {
    fake.script('GET', '/locations', { status: 401, body: fixture('error-401.json') }, { status: 401, body: fixture('error-401.json') });
    await expect(m.api.locations.list(poll)).rejects.toBeInstanceOf(ZohoApiError);
    expect(fake.count('GET', '/settings/warehouses')).toBe(0);
  });

  it('customFields.listForItems parses the (UNCONFIRMED) settings shape tolerantly', async () => {
    const fields = await m.api.customFields.listForItems(poll);
    expect(fields.map((f) => [f.api_name, f.data_type, f.is_active])).toEqual([
      ['cf_color', 'dropdown', true],
      ['cf_show_in_web_shop', 'check_box', true],
      ['cf_net_weight_kg', 'decimal', true],
      ['cf_web_categories', 'multiselect', true],
      ['cf_compare_at_price', 'amount', false],
    ]);
    expect(fake.log.at(-1)!.query.entity).toBe('item');
  });

  it('contacts.findByEmail re-checks the match and prefers the oldest active contact', async () => {
    fake.script('GET', '/contacts', {
      status: 200,
      body: {
        code: 0,
        contacts: [
          { contact_id: '3', email: 'ana.ruiz@example.com', status: 'active', created_time: '2024-01-01T00:00:00+0000' },
          { contact_id: '2', email: 'A@Example.com', status: 'active', created_time: '2024-03-01T00:00:00+0000' },
          { contact_id: '1', email: 'a@example.com', status: 'inactive', created_time: '2023-01-01T00:00:00+0000' },
          { contact_id: '4', email: '', contact_persons: [{ email: 'a@example.com' }], status: 'active', created_time: '2024-02-01T00:00:00+0000' },
        ],
      },
    });
    const found = await m.api.contacts.findByEmail('a@example.com', order);
    expect(found!.contact_id).toBe('4');
    expect(fake.log.at(-1)!.query.email).toBe('a@example.com');
    expect(await m.api.contacts.findByEmail('nobody@example.com', order)).toBeNull();
  });

  it('contacts.create puts the person into contact_persons; addAddress returns the address id', async () => {
    fake.on('POST', '/contacts', () => ({ status: 201, body: { code: 0, contact: { contact_id: '77', contact_name: 'Ana Ruiz' } } }));
    const c = await m.api.contacts.create({ contact_name: 'Ana Ruiz', contact_type: 'customer', first_name: 'Ana', last_name: 'Ruiz', email: 'a@example.com' }, order);
    expect(c.contact_id).toBe('77');
    expect(fake.log.at(-1)!.body).toEqual({
      contact_name: 'Ana Ruiz',
      contact_type: 'customer',
      contact_persons: [{ first_name: 'Ana', last_name: 'Ruiz', email: 'a@example.com', is_primary_contact: true }],
    });
    fake.on('POST', '/contacts/:id/address', () => ({ status: 201, body: { code: 0, address_info: { address_id: '88' } } }));
    expect(await m.api.contacts.addAddress('77', { address: '1 Main', city: 'Palm Desert', state: 'CA', zip: '92260', country: 'U.S.A' }, order)).toEqual({ address_id: '88' });
    expect(fake.log.at(-1)!.path).toBe('/contacts/77/address');
  });

  it('salesOrders.create accepts `salesorder` and `sales_order`', async () => {
    const so = await m.api.salesOrders.create({ customer_id: '1', reference_number: 'WEB-100234', line_items: [] }, order);
    expect(so.salesorder_id).toBe('5551230000000200011');
    const body = fixture('salesorder-create-response.json');
    fake.script('POST', '/salesorders', { status: 201, body: { code: 0, message: 'success', sales_order: body.salesorder } });
    const so2 = await m.api.salesOrders.create({ customer_id: '1', reference_number: 'WEB-100234', line_items: [] }, order);
    expect(so2.salesorder_number).toBe('SO-00042');
  });

  it('salesOrders.findByReference filters on the exact reference; confirm and void hit the status paths', async () => {
    fake.script('GET', '/salesorders', {
      status: 200,
      body: { code: 0, salesorders: [{ salesorder_id: '1', reference_number: 'VIP-10' }, { salesorder_id: '2', reference_number: 'VIP-1', status: 'void' }, { salesorder_id: '3', reference_number: 'VIP-1' }] },
    });
    expect((await m.api.salesOrders.findByReference('VIP-1', order))!.salesorder_id).toBe('3');
    expect(fake.log.at(-1)!.query.reference_number).toBe('VIP-1');
    expect(await m.api.salesOrders.findByReference('VIP-2', order)).toBeNull();
    await m.api.salesOrders.confirm('5', order);
    await m.api.salesOrders.void('5', order);
    expect(fake.log.slice(-2).map((r) => `${r.method} ${r.path}`)).toEqual(['POST /salesorders/5/status/confirmed', 'POST /salesorders/5/status/void']);
  });

  it('inventoryAdjustments.create and findByReference', async () => {
    const adj = await m.api.inventoryAdjustments.create({ date: '2024-05-22', reason: 'Damaged goods', adjustment_type: 'quantity', reference_number: 'ADJ-2024-0007', line_items: [{ item_id: '1', quantity_adjusted: -2 }] }, order);
    expect(adj.inventory_adjustment_id).toBe('5551230000000400011');
    fake.script('GET', '/inventoryadjustments', { status: 200, body: { code: 0, inventory_adjustments: [{ inventory_adjustment_id: '9', reference_number: 'ADJ-2024-0007' }] } });
    expect((await m.api.inventoryAdjustments.findByReference('ADJ-2024-0007', order))!.inventory_adjustment_id).toBe('9');
  });

  it('organizations.list', async () => {
    expect(await m.api.organizations.list(poll)).toEqual([{ organization_id: '850205569', name: 'BMB Wholesale' }]);
  });
});
