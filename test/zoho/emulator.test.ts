/**
 * The client against the Zoho emulator (src/emulator): the real OAuth code
 * path, retries, refresh and the lost-write rule over real sockets.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestStore } from '../support/databases.js';
import type { Store } from '../../src/store/db.js';
import { startZohoEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { ZohoOutcomeUnknownError } from '../../src/zoho/errors.js';
import { runDoctor } from '../../src/zoho/doctor.js';
import { makeModule, zohoTestConfig, type TestModule } from './support/module.js';

const poll = { priority: 'poll' as const };
const order = { priority: 'order' as const };

describe('zoho client against the emulator', () => {
  let store: Store;
  let emu: RunningEmulator;
  let m: TestModule;
  const extra: TestModule[] = [];
  const config = (overrides: Record<string, string> = {}) =>
    zohoTestConfig(emu.url, { ZOHO_CLIENT_ID: 'emulator-client-id', ZOHO_CLIENT_SECRET: 'emulator-client-secret', ...overrides });

  beforeEach(async () => {
    store = await openTestStore('sqlite');
    emu = await startZohoEmulator({});
    m = makeModule(store, config({ ZOHO_LOCATION_ID: emu.control.locationIds.dtc }));
    // The real consent path: the emulator's auto-approve answers the 302 back to us.
    const { url } = await m.connection.consentUrl();
    const res = await fetch(`${url}&emulator_auto_approve=true`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get('location')!);
    await m.connection.handleCallback(Object.fromEntries(back.searchParams));
  });
  afterEach(async () => {
    for (const x of extra.splice(0)) await x.close();
    await m.close();
    await emu.close();
    await store.close();
  });

  it('connects through consent and reads items, details, locations, custom fields and organizations', async () => {
    const status = await m.connection.status();
    expect(status.state).toBe('connected');
    expect(status.apiDomain).toBe(emu.url);
    const page = await m.api.items.list({ per_page: 10 }, poll);
    expect(page.items.length).toBeGreaterThan(0);
    expect(typeof page.items[0]!.item_id).toBe('string');
    const ids = page.items.map((i) => i.item_id);
    const details = await m.api.items.getMany(ids, poll);
    expect(details.map((d) => d.item_id).sort()).toEqual([...ids].sort());
    expect(details[0]!.locations ?? details[0]!.warehouses).toBeDefined();
    const locations = await m.api.locations.list(poll);
    expect(locations.map((l) => l.id)).toContain(emu.control.locationIds.dtc);
    const fields = await m.api.customFields.listForItems(poll);
    expect(fields.map((f) => f.api_name)).toContain('cf_age_required');
    const orgs = await m.api.organizations.list(poll);
    expect(orgs.map((o) => o.organization_id)).toContain('850205569');
  });

  it('expired access tokens: 30 concurrent calls, one refresh at the emulator', async () => {
    await m.api.items.list({ per_page: 1 }, poll);
    emu.control.resetCounters();
    emu.control.expireAccessTokens();
    await Promise.all(Array.from({ length: 30 }, () => m.api.items.list({ per_page: 1 }, poll)));
    expect(emu.control.counters().tokenRefreshes).toBe(1);
  });

  it('a lost sales-order create is outcome-unknown, sent once, and found by reference', async () => {
    const item = emu.control.items()[0]!;
    const customer = await m.api.contacts.create({ contact_name: 'Ana Ruiz', email: 'ana@example.com', first_name: 'Ana', last_name: 'Ruiz' }, order);
    emu.control.resetCounters();
    emu.control.injectFault({ method: 'POST', path: '/salesorders', kind: 'lost_response' });
    const err = await m.api.salesOrders
      .create({ customer_id: customer.contact_id, reference_number: 'VIP-100234', line_items: [{ item_id: String(item.item_id), quantity: 1 }] }, order)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZohoOutcomeUnknownError);
    expect(emu.control.count('POST /salesorders')).toBe(1);
    const found = await m.api.salesOrders.findByReference('VIP-100234', order);
    expect(found?.reference_number).toBe('VIP-100234');
    await m.api.salesOrders.confirm(found!.salesorder_id, order);
    expect((await m.api.salesOrders.get(found!.salesorder_id, order)).status).toBe('confirmed');
    expect(await m.api.contacts.findByEmail('ana@example.com', order)).toMatchObject({ contact_id: customer.contact_id });
  });

  it('retries injected 503 and 429 faults on reads', async () => {
    emu.control.resetCounters();
    emu.control.injectFault({ method: 'GET', path: '/items', kind: 'http503' });
    emu.control.injectFault({ method: 'GET', path: '/items', kind: 'http429', retryAfterSeconds: 0 });
    await m.api.items.list({ per_page: 1 }, poll);
    expect(emu.control.count('GET /items')).toBe(3);
  });

  it('Self Client bootstrap from a refresh token the emulator issued', async () => {
    const token = emu.control.issueRefreshToken();
    const store2 = await openTestStore('sqlite');
    const other = makeModule(store2, config({ ZOHO_REFRESH_TOKEN: token }));
    extra.push(other);
    await other.init();
    expect((await other.connection.status()).state).toBe('connected');
    await other.api.items.list({ per_page: 1 }, poll);
    await other.close();
    await store2.close();
    extra.splice(0);
  });

  it('doctor passes against the emulator and prints organization, locations and fields', async () => {
    const checks = await runDoctor({
      api: m.api,
      connection: m.connection,
      config: m.config,
      budget: m.budget,
      mappedCustomFields: [
        { apiName: 'cf_age_required', expectedTypes: ['check_box'] },
        { apiName: 'cf_restricted_states', expectedTypes: ['multiselect', 'string'] },
        { apiName: 'cf_msrp', expectedTypes: ['amount', 'decimal'] },
      ],
    });
    for (const c of checks) expect(c, `${c.check}: ${c.detail}`).toMatchObject({ ok: true });
    expect(checks.map((c) => c.check)).toEqual(['connects', 'organization', 'scopes', 'location', 'custom field cf_age_required', 'custom field cf_restricted_states', 'custom field cf_msrp', 'budget']);
    expect(checks.find((c) => c.check === 'location')!.detail).toContain(emu.control.locationIds.dtc);
  });

  it('doctor reports a wrong location with the ids to pick from, and a missing field with the fix', async () => {
    const checks = await runDoctor({
      api: m.api,
      connection: m.connection,
      config: { ...m.config, ZOHO_LOCATION_ID: '123' },
      mappedCustomFields: [{ apiName: 'cf_nope', expectedTypes: ['string'] }, { apiName: 'cf_msrp', expectedTypes: ['check_box'] }],
    });
    const location = checks.find((c) => c.check === 'location')!;
    expect(location.ok).toBe(false);
    expect(location.detail).toContain(emu.control.locationIds.dtc);
    expect(location.fix).toMatch(/ZOHO_LOCATION_ID/);
    expect(checks.find((c) => c.check === 'custom field cf_nope')).toMatchObject({ ok: false });
    expect(checks.find((c) => c.check === 'custom field cf_msrp')).toMatchObject({ ok: false });
  });
});
