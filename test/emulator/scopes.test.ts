import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, createCustomer, harness } from './helpers.js';

let h: Harness;
afterEach(() => h?.emu.close());

describe('request conventions', () => {
  it('401 code 14 without a token, 401 code 57 with an unknown one; Bearer is accepted', async () => {
    h = await harness();
    const none = await h.api('/items', { token: null });
    expect(none.status).toBe(401);
    expect(none.body.code).toBe(14);
    const bad = await h.api('/items', { token: '1000.deadbeef.deadbeef' });
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ code: 57, message: 'You are not authorized to perform this operation' });
    const bearer = await fetch(`${h.emu.apiBaseUrl}/items?organization_id=850205569`, { headers: { Authorization: `Bearer ${h.token}` } });
    expect(bearer.status).toBe(200);
  });

  it('organization_id is required on every call and must be the org', async () => {
    h = await harness();
    const missing = await h.api('/items', { org: null });
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe(2);
    const other = await h.api('/items', { org: '123' });
    expect(other.body.code).toBe(6041);
    // The organizations list is how a client finds the id, so it needs none.
    const orgs = await h.api('/organizations', { org: null });
    expect(orgs.status).toBe(200);
    expect(orgs.body.organizations[0].organization_id).toBe('850205569');
  });

  it('unknown paths give code 5, wrong methods 405', async () => {
    h = await harness();
    const wrong = await h.api('/itemadjustments');
    expect(wrong.status).toBe(404);
    expect(wrong.body).toEqual({ code: 5, message: 'Invalid URL Passed' });
    expect((await h.api('/items', { method: 'DELETE' })).status).toBe(405);
    expect(h.emu.control.count('GET (unmatched)')).toBe(1);
  });
});

describe('scope enforcement', () => {
  it('items.READ alone reads items and nothing else', async () => {
    h = await harness({}, ['ZohoInventory.items.READ']);
    expect((await h.api('/items')).status).toBe(200);
    for (const path of ['/locations', '/settings/warehouses', '/settings/customfields', '/organizations', '/contacts', '/salesorders']) {
      const res = await h.api(path);
      expect(res.status, path).toBe(401);
      expect(res.body.code, path).toBe(57);
    }
    const create = await h.api('/salesorders', { body: { customer_id: '1', line_items: [] } });
    expect(create.body.code).toBe(57);
  });

  it('salesorders.READ does not allow create, confirm or void; salesorders.CREATE does', async () => {
    const scopes = ['ZohoInventory.items.READ', 'ZohoInventory.contacts.CREATE', 'ZohoInventory.salesorders.READ'];
    h = await harness({}, scopes);
    const customer = await createCustomer(h);
    const item = h.emu.control.findItemBySku('ACC-RAW-KSS')!;
    const body = { customer_id: customer, reference_number: 'R1', line_items: [{ item_id: item.item_id, quantity: 1 }] };
    expect((await h.api('/salesorders', { body })).body.code).toBe(57);
    expect((await h.api('/salesorders/1/status/confirmed', { method: 'POST' })).body.code).toBe(57);
    expect((await h.api('/salesorders/1/status/void', { method: 'POST' })).body.code).toBe(57);
    expect((await h.api('/inventoryadjustments', { body: {} })).body.code).toBe(57);
    expect((await h.api('/contacts')).body.code).toBe(57); // CREATE does not imply READ
  });

  it('scope matching is case-insensitive and module.ALL covers every operation', async () => {
    h = await harness({}, ['zohoinventory.SALESORDERS.all', 'ZohoInventory.Contacts.All', 'ZOHOINVENTORY.items.read']);
    const customer = await createCustomer(h);
    const item = h.emu.control.findItemBySku('ACC-RAW-KSS')!;
    const res = await h.api('/salesorders', { body: { customer_id: customer, reference_number: 'R2', line_items: [{ item_id: item.item_id, quantity: 1 }] } });
    expect(res.status).toBe(201);
    expect((await h.api('/locations')).status).toBe(401);
  });

  it('FullAccess.all (any case) covers everything', async () => {
    h = await harness({}, ['ZohoInventory.fullaccess.all']);
    for (const path of ['/items', '/locations', '/contacts', '/salesorders', '/inventoryadjustments', '/settings/customfields']) {
      expect((await h.api(path)).status, path).toBe(200);
    }
  });
});

describe('runEmulatorCli', () => {
  it('prints the URLs, client id/secret and a working Self Client refresh token', async () => {
    const { runEmulatorCli } = await import('../../src/emulator/index.js');
    const lines: string[] = [];
    const emu = await runEmulatorCli({ port: 0, wait: false, print: (l) => lines.push(l) });
    try {
      const text = lines.join('\n');
      expect(text).toContain(`ZOHO_ACCOUNTS_URL=${emu.url}`);
      expect(text).toContain(`ZOHO_API_URL=${emu.apiBaseUrl}`);
      expect(text).toContain('ZOHO_CLIENT_ID=emulator-client-id');
      expect(text).toContain('ZOHO_CLIENT_SECRET=emulator-client-secret');
      const refresh = /ZOHO_REFRESH_TOKEN=(\S+)/.exec(text)![1]!;
      const res = await fetch(`${emu.url}/oauth/v2/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'emulator-client-id', client_secret: 'emulator-client-secret', refresh_token: refresh }),
      });
      expect(((await res.json()) as any).access_token).toBeTruthy();
    } finally {
      await emu.close();
    }
  });
});
