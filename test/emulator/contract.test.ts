/**
 * The emulator's answers against ../shared/reference/zoho-fixtures/: every key
 * of a fixture object is present with the same JSON type, recursively. For an
 * array, each element the emulator returns must match one of the fixture's
 * elements (the items list fixture mixes a goods and a service item).
 * Exceptions, each for a documented reason:
 * - `value` of a custom field: typed by its data_type (string, number, boolean, array);
 * - `custom_field_hash`: keys are the org's own api_names;
 * - `group_id`/`group_name`: present only on items that belong to a group (checked on one).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, createCustomer, harness, CLIENT } from './helpers.js';

// The reference fixtures, copied into the repo so a fresh clone has them (source: shared/reference/zoho-fixtures).
const FIXTURES = join(import.meta.dirname, '../zoho/fixtures');
const fixture = (name: string): any => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));

const ANY_TYPE_KEYS = new Set(['value']);
const OPAQUE_KEYS = new Set(['custom_field_hash']);
const OPTIONAL_KEYS = new Set(['group_id', 'group_name']);

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Returns the list of mismatches (empty when `actual` has the fixture's shape). */
function shapeDiff(expected: unknown, actual: unknown, path = '$'): string[] {
  const et = jsonType(expected);
  const at = jsonType(actual);
  if (et !== at) return [`${path}: expected ${et}, got ${at}`];
  if (et === 'array') {
    const exp = expected as unknown[];
    const act = actual as unknown[];
    if (exp.length === 0) return [];
    const out: string[] = [];
    act.forEach((el, i) => {
      const diffs = exp.map((e) => shapeDiff(e, el, `${path}[${i}]`));
      if (!diffs.some((d) => d.length === 0)) out.push(...diffs.sort((a, b) => a.length - b.length)[0]!);
    });
    return out;
  }
  if (et === 'object') {
    const out: string[] = [];
    const exp = expected as Record<string, unknown>;
    const act = actual as Record<string, unknown>;
    for (const key of Object.keys(exp)) {
      if (!(key in act)) {
        if (!OPTIONAL_KEYS.has(key)) out.push(`${path}.${key}: missing`);
        continue;
      }
      if (ANY_TYPE_KEYS.has(key) || OPAQUE_KEYS.has(key)) {
        if (OPAQUE_KEYS.has(key) && jsonType(act[key]) !== 'object') out.push(`${path}.${key}: expected object`);
        continue;
      }
      out.push(...shapeDiff(exp[key], act[key], `${path}.${key}`));
    }
    return out;
  }
  return [];
}

/** Every property whose name ends in `_id` holds a string (ids exceed safe integers). */
function nonStringIds(v: unknown, path = '$'): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => nonStringIds(x, `${path}[${i}]`));
  if (v && typeof v === 'object') {
    return Object.entries(v).flatMap(([k, x]) => {
      if ((k.endsWith('_id') || k === 'item_id') && jsonType(x) !== 'string') return [`${path}.${k} is ${jsonType(x)}`];
      return nonStringIds(x, `${path}.${k}`);
    });
  }
  return [];
}

function expectShape(fixtureName: string, actual: unknown): void {
  expect(shapeDiff(fixture(fixtureName), actual), fixtureName).toEqual([]);
  expect(nonStringIds(actual), `${fixtureName} ids`).toEqual([]);
}

describe('shape comparison itself', () => {
  it('reports a missing key and a wrong type', () => {
    expect(shapeDiff({ a: 1, b: { c: 'x' } }, { b: { c: 2 } })).toEqual(['$.a: missing', '$.b.c: expected string, got number']);
    expect(nonStringIds({ item_id: 123 })).toEqual(['$.item_id is number']);
  });
});

describe('emulator answers match the reference fixtures', () => {
  let h: Harness;
  let dtc: string;
  beforeAll(async () => {
    h = await harness();
    dtc = h.emu.control.locationIds.dtc;
  });
  afterAll(() => h.emu.close());

  it('items list page', async () => {
    const res = await h.api('/items', { query: { per_page: '200', filter_by: 'Status.Active', sort_column: 'last_modified_time', sort_order: 'A' } });
    expect(res.status).toBe(200);
    expectShape('items-list-page.json', res.body);
    // Lists carry no per-location stock and no custom fields (zoho-api.md §5.1).
    for (const row of res.body.items) {
      expect(row).not.toHaveProperty('locations');
      expect(row).not.toHaveProperty('warehouses');
      expect(row).not.toHaveProperty('custom_fields');
      expect(row).not.toHaveProperty('custom_field_hash');
    }
  });

  it('item detail with locations, for every demo item; one grouped item carries group fields', async () => {
    const rows = (await h.api('/items', { query: { per_page: '200' } })).body.items as any[];
    for (const row of rows) {
      const res = await h.api(`/items/${row.item_id}`);
      expect(res.status).toBe(200);
      expectShape('item-detail-locations.json', res.body);
    }
    const grouped = rows.find((r) => r.sku === 'VAP-GKB-PLS-BRZ');
    const detail = (await h.api(`/items/${grouped.item_id}`)).body.item;
    expect(typeof detail.group_id).toBe('string');
    expect(typeof detail.group_name).toBe('string');
  });

  it('itemdetails batch has the detail shape', async () => {
    const rows = (await h.api('/items', { query: { per_page: '5' } })).body.items as any[];
    const res = await h.api('/itemdetails', { query: { item_ids: rows.map((r) => r.item_id).join(',') } });
    expect(res.body.items).toHaveLength(5);
    for (const item of res.body.items) expectShape('item-detail-locations.json', { code: 0, message: 'success', item });
  });

  it('item detail with legacy warehouses[] and the warehouses list', async () => {
    const legacy = await harness({ stockShape: 'warehouses' });
    try {
      const row = (await legacy.api('/items', { query: { per_page: '1' } })).body.items[0];
      const res = await legacy.api(`/items/${row.item_id}`);
      expectShape('item-detail-warehouses-legacy.json', res.body);
      expect(res.body.item).not.toHaveProperty('locations');
      expectShape('warehouses-list.json', (await legacy.api('/settings/warehouses')).body);
      const locs = await legacy.api('/locations');
      expect(locs.status).toBe(404);
    } finally {
      await legacy.emu.close();
    }
  });

  it('locations list', async () => {
    const res = await h.api('/locations');
    expectShape('locations-list.json', res.body);
    expect(res.body.locations.map((l: any) => l.location_name)).toEqual(['BMB Wholesale Main Warehouse', 'VIP Smoke DTC']);
  });

  it('custom field definitions', async () => {
    const res = await h.api('/settings/customfields', { query: { entity: 'item' } });
    expectShape('customfields-settings-response.json', res.body);
    const names = res.body.customfields.map((f: any) => f.api_name);
    for (const n of ['cf_dtc_description', 'cf_msrp', 'cf_club_discount', 'cf_age_required', 'cf_restricted_states', 'cf_compliance_category', 'cf_flavored', 'cf_risk_level', 'cf_dtc_enabled']) {
      expect(names).toContain(n);
    }
  });

  it('sales order create (201)', async () => {
    const customer = await createCustomer(h);
    const item = h.emu.control.findItemBySku('ACC-RAW-KSS')!;
    const res = await h.api('/salesorders', {
      body: {
        customer_id: customer,
        reference_number: 'VIP-100234',
        location_id: dtc,
        line_items: [{ item_id: item.item_id, quantity: 2, location_id: dtc }],
        custom_fields: [{ api_name: 'cf_shop_order_id', value: 'VIP-100234' }],
        notes: 'Web shop order VIP-100234',
      },
    });
    expect(res.status).toBe(201);
    expectShape('salesorder-create-response.json', res.body);
  });

  it('inventory adjustment create (201)', async () => {
    const item = h.emu.control.findItemBySku('ACC-ZIG-ORG-114')!;
    const res = await h.api('/inventoryadjustments', {
      body: {
        date: '2026-11-28',
        reason: 'Damaged goods',
        adjustment_type: 'quantity',
        reference_number: 'ADJ-1',
        location_id: dtc,
        line_items: [{ item_id: item.item_id, quantity_adjusted: -2, location_id: dtc }],
      },
    });
    expect(res.status).toBe(201);
    expectShape('inventoryadjustment-create-response.json', res.body);
  });

  it('errors: 401 and 429 envelopes', async () => {
    const unauthorized = await h.api('/locations', { token: 'nope' });
    expect(unauthorized.status).toBe(401);
    expectShape('error-401.json', unauthorized.body);
    h.emu.control.setLimits({ daily: 0 });
    try {
      const limited = await h.api('/items');
      expect(limited.status).toBe(429);
      expectShape('error-429.json', limited.body);
      expect(limited.body.code).toBe(45);
    } finally {
      h.emu.control.setLimits({ daily: 10_000 });
    }
  });

  it('oauth token, refresh, error and throttle bodies', async () => {
    const auth = await fetch(
      `${h.emu.url}/oauth/v2/auth?${new URLSearchParams({
        client_id: CLIENT.id,
        redirect_uri: 'http://127.0.0.1:3000/oauth/zoho/callback',
        response_type: 'code',
        scope: 'ZohoInventory.items.READ',
        access_type: 'offline',
        prompt: 'consent',
        emulator_auto_approve: 'true',
      })}`,
      { redirect: 'manual' },
    );
    const code = new URL(auth.headers.get('location')!).searchParams.get('code')!;
    const token = async (params: Record<string, string>) =>
      (await fetch(`${h.emu.url}/oauth/v2/token`, { method: 'POST', body: new URLSearchParams({ client_id: CLIENT.id, client_secret: CLIENT.secret, ...params }) })).json();
    const exchanged: any = await token({ grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:3000/oauth/zoho/callback' });
    expectShape('oauth-token-response.json', exchanged);
    expect(Object.keys(exchanged).sort()).toEqual(Object.keys(fixture('oauth-token-response.json')).sort());
    const refreshed: any = await token({ grant_type: 'refresh_token', refresh_token: exchanged.refresh_token });
    expectShape('oauth-refresh-response.json', refreshed);
    expect(refreshed).not.toHaveProperty('refresh_token');
    expect(await token({ grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:3000/oauth/zoho/callback' })).toEqual(fixture('oauth-error-response.json'));
    let last: unknown;
    for (let i = 0; i < 10; i++) last = await token({ grant_type: 'refresh_token', refresh_token: exchanged.refresh_token });
    expect(last).toEqual(fixture('oauth-throttle-error.json'));
  });
});
