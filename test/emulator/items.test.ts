import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeClock } from '../../src/shared/clock.js';
import { zohoTime } from '../../src/emulator/format.js';
import { type Harness, harness, locationStock } from './helpers.js';

describe('demo catalog', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.emu.close());

  it('has 40+ items covering every ruleset category, shisha and an unknown category', () => {
    const rules = JSON.parse(readFileSync(join(import.meta.dirname, '../../rules/compliance-rules.json'), 'utf8'));
    const items = h.emu.control.items();
    expect(items.length).toBeGreaterThanOrEqual(40);
    const category = (i: any) => i.custom_field_hash.cf_compliance_category_unformatted as string | undefined;
    const cats = new Set(items.map(category));
    for (const c of Object.keys(rules.categories)) expect(cats, c).toContain(c);
    expect(cats).toContain('tobacco_pipe_shisha');
    expect(items.filter((i) => category(i) === undefined)).toHaveLength(1);
    const vapes = items.filter((i) => category(i) === 'ends_vape');
    expect(vapes.some((i: any) => i.custom_field_hash.cf_flavored_unformatted === true)).toBe(true);
    expect(vapes.some((i: any) => i.custom_field_hash.cf_flavored_unformatted === false)).toBe(true);
  });

  it('keeps ACC-RAW-KSS, has items out of stock at the DTC location, heavy items, disabled and broken fields', () => {
    const { control } = h.emu;
    const dtc = control.locationIds.dtc;
    const raw = control.findItemBySku('ACC-RAW-KSS')!;
    expect(raw.name).toBe('RAW Classic King Size Slim Papers');
    const items = control.items();
    expect(items.filter((i) => locationStock(i, dtc).location_stock_on_hand === 0).length).toBeGreaterThanOrEqual(3);
    expect(items.some((i) => Number(i.weight) > 5)).toBe(true);
    expect(items.filter((i) => i.custom_field_hash && (i.custom_field_hash as any).cf_dtc_enabled_unformatted === false).length).toBeGreaterThanOrEqual(2);
    const restricted = items.map((i) => (i.custom_fields as any[]).find((f) => f.api_name === 'cf_restricted_states')?.value).filter((v) => v !== undefined);
    expect(restricted.some((v) => typeof v === 'string')).toBe(true);
    expect(restricted.some((v) => Array.isArray(v))).toBe(true);
    expect((control.findItemBySku('ACC-RAW-CON-KS')!.custom_field_hash as any).cf_msrp_unformatted).toBe('abc');
  });

  it('is deterministic: same ids and SKUs on every start', async () => {
    const again = await harness();
    try {
      const a = h.emu.control.items().map((i) => [i.item_id, i.sku, i.last_modified_time]);
      const b = again.emu.control.items().map((i) => [i.item_id, i.sku, i.last_modified_time]);
      expect(b).toEqual(a);
    } finally {
      await again.emu.close();
    }
  });
});

describe('items list', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ seed: { demo: true, extraItems: 500 } });
  });
  afterAll(() => h.emu.close());

  it('paginates with has_more_page until every item was seen once', async () => {
    const total = h.emu.control.items().length;
    const seen = new Set<string>();
    let page = 1;
    for (;;) {
      const res = await h.api('/items', { query: { page: String(page), per_page: '200' } });
      expect(res.body.page_context.page).toBe(page);
      for (const row of res.body.items) seen.add(row.item_id);
      if (!res.body.page_context.has_more_page) break;
      expect(res.body.items).toHaveLength(200);
      page += 1;
    }
    expect(page).toBe(Math.ceil(total / 200));
    expect(seen.size).toBe(total);
  });

  it('caps per_page at 200 and refuses bad paging and sort values', async () => {
    const res = await h.api('/items', { query: { per_page: '1000' } });
    expect(res.body.items).toHaveLength(200);
    expect(res.body.page_context.per_page).toBe(200);
    expect((await h.api('/items', { query: { page: '0' } })).body.code).toBe(2);
    expect((await h.api('/items', { query: { sort_column: 'colour' } })).body.code).toBe(2);
    expect((await h.api('/items', { query: { filter_by: 'Status.Nope' } })).status).toBe(400);
  });

  it('sorts by name ascending by default and descending on request', async () => {
    const asc = (await h.api('/items', { query: { per_page: '50' } })).body.items.map((i: any) => i.name.toLowerCase());
    expect(asc).toEqual([...asc].sort());
    const desc = (await h.api('/items', { query: { per_page: '50', sort_order: 'D', sort_column: 'rate' } })).body.items.map((i: any) => i.rate);
    expect(desc).toEqual([...desc].sort((a: number, b: number) => b - a));
  });

  it('filters by sku (exact), search_text, status and filter_by', async () => {
    const bySku = await h.api('/items', { query: { sku: 'ACC-RAW-KSS' } });
    expect(bySku.body.items.map((i: any) => i.sku)).toEqual(['ACC-RAW-KSS']);
    expect((await h.api('/items', { query: { sku: 'ACC-RAW' } })).body.items).toHaveLength(0);
    const search = await h.api('/items', { query: { search_text: 'geek bar' } });
    expect(search.body.items.length).toBe(2);
    const inactive = await h.api('/items', { query: { status: 'inactive' } });
    expect(inactive.body.items.map((i: any) => i.sku)).toEqual(['VAP-PFB-ORG-DSC']);
    const active = await h.api('/items', { query: { filter_by: 'Status.Active', per_page: '200', search_text: 'puff' } });
    expect(active.body.items).toHaveLength(0);
  });

  it('generated items are deterministic GEN-* SKUs', () => {
    expect(h.emu.control.findItemBySku('GEN-CIG-00001')).toBeTruthy();
    expect(h.emu.control.findItemBySku('GEN-ACC-00009')).toBeTruthy();
    expect(h.emu.control.findItemBySku('GEN-CIG-00501')).toBeUndefined();
  });
});

describe('last_modified_time', () => {
  let h: Harness;
  let clock: FakeClock;
  afterEach(() => h.emu.close());

  it('returns items modified at or after the timestamp; edits bump it, stock changes do not', async () => {
    clock = new FakeClock();
    h = await harness({ clock });
    const since = zohoTime(clock.now());
    const q = { sort_column: 'last_modified_time', sort_order: 'A', last_modified_time: since };
    expect((await h.api('/items', { query: q })).body.items).toHaveLength(0);

    clock.advance(5_000);
    const edited = h.emu.control.updateItem('ACC-RAW-KSS', { rate: 3.19 });
    expect(edited.rate).toBe(3.19);
    h.emu.control.setStock('ACC-ZIG-ORG-114', h.emu.control.locationIds.dtc, 3);
    const after = (await h.api('/items', { query: q })).body.items;
    expect(after.map((i: any) => i.sku)).toEqual(['ACC-RAW-KSS']);
    expect(after[0].last_modified_time).toBe(zohoTime(clock.now()));
    // Inclusive at the boundary second (the documented pattern re-reads it).
    const boundary = (await h.api('/items', { query: { ...q, last_modified_time: after[0].last_modified_time } })).body.items;
    expect(boundary.map((i: any) => i.sku)).toEqual(['ACC-RAW-KSS']);
  });

  it('parses any offset; refuses a `+` that was not URL-encoded', async () => {
    clock = new FakeClock(Date.UTC(2026, 10, 28, 8, 0, 0));
    h = await harness({ clock });
    clock.advance(60_000);
    h.emu.control.updateItem('ACC-RAW-KSS', { description: 'x' });
    // 08:00:30Z written with a +0200 offset
    const res = await h.api('/items', { query: { last_modified_time: '2026-11-28T10:00:30+0200' } });
    expect(res.body.items.map((i: any) => i.sku)).toEqual(['ACC-RAW-KSS']);
    const url = `${h.emu.apiBaseUrl}/items?organization_id=850205569&last_modified_time=2026-11-28T10:00:30+0200`;
    const raw = await fetch(url, { headers: { Authorization: `Zoho-oauthtoken ${h.token}` } });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as any).code).toBe(2);
  });
});

describe('item detail, itemdetails and image', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.emu.close());

  it('detail carries custom_fields with api_name, the hash and per-location stock; stock figures add up', async () => {
    const id = h.emu.control.findItemBySku('VAP-GKB-PLS-BRZ')!.item_id as string;
    const item = (await h.api(`/items/${id}`)).body.item;
    const byApi = Object.fromEntries(item.custom_fields.map((f: any) => [f.api_name, f]));
    expect(byApi.cf_compliance_category.value).toBe('ends_vape');
    expect(byApi.cf_flavored).toMatchObject({ data_type: 'check_box', value: true, value_formatted: 'true' });
    expect(byApi.cf_msrp).toMatchObject({ data_type: 'amount', value: 24.99 });
    expect(item.custom_field_hash.cf_restricted_states).toBe('CA,MA,NJ,NY,RI,ME,GA');
    let sum = 0;
    for (const loc of item.locations) {
      expect(loc.location_available_for_sale_stock).toBe(loc.location_stock_on_hand - loc.location_committed_stock);
      sum += loc.location_stock_on_hand;
    }
    expect(item.stock_on_hand).toBe(sum);
  });

  it('404 code 1002 for an unknown or deleted item; itemdetails skips them', async () => {
    expect((await h.api('/items/123')).body).toEqual({ code: 1002, message: 'Item does not exist.' });
    const keep = h.emu.control.findItemBySku('ACC-BIC-CLS-5PK')!.item_id as string;
    const gone = h.emu.control.findItemBySku('ACC-ELM-RCE-KS')!.item_id as string;
    h.emu.control.deleteItem(gone);
    expect((await h.api(`/items/${gone}`)).status).toBe(404);
    const batch = await h.api('/itemdetails', { query: { item_ids: `${keep},${gone}` } });
    expect(batch.body.items.map((i: any) => i.item_id)).toEqual([keep]);
    expect((await h.api('/itemdetails')).body.code).toBe(2);
  });

  it('serves a PNG for items with an image and 404 for those without', async () => {
    const withImage = h.emu.control.findItemBySku('ACC-RAW-KSS')!;
    const res = await fetch(`${h.emu.apiBaseUrl}/items/${withImage.item_id}/image?organization_id=850205569`, { headers: { Authorization: `Zoho-oauthtoken ${h.token}` } });
    expect(res.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(1, 4).toString('ascii')).toBe('PNG');
    const without = h.emu.control.findItemBySku('HKH-OOD-PRO-BWL')!;
    expect(without.image_name).toBe('');
    expect((await h.api(`/items/${without.item_id}/image`)).status).toBe(404);
  });

  it('setItemStatus and updateItem change what the API returns', async () => {
    const id = h.emu.control.findItemBySku('KRT-MIT45-SHOT')!.item_id as string;
    h.emu.control.setItemStatus(id, 'inactive');
    expect((await h.api(`/items/${id}`)).body.item.status).toBe('inactive');
    h.emu.control.updateItem(id, { custom_fields: { cf_dtc_enabled: false, cf_restricted_states: ['AL', 'TX'] } });
    const item = (await h.api(`/items/${id}`)).body.item;
    expect(item.custom_field_hash.cf_dtc_enabled_unformatted).toBe(false);
    expect(item.custom_field_hash.cf_restricted_states).toBe('AL,TX');
  });
});

describe('a 10,000-item catalog', () => {
  it('pages through the whole catalog and finds by SKU', async () => {
    const h = await harness({ seed: { extraItems: 10_000, demo: false } });
    try {
      let page = 1;
      let count = 0;
      for (;;) {
        const res = await h.api('/items', { query: { page: String(page), sort_column: 'last_modified_time' } });
        count += res.body.items.length;
        if (!res.body.page_context.has_more_page) break;
        page += 1;
      }
      expect(count).toBe(10_000);
      expect((await h.api('/items', { query: { sku: 'GEN-KRT-09998' } })).body.items).toHaveLength(1);
      expect(h.emu.control.count('GET /items')).toBe(51);
    } finally {
      await h.emu.close();
    }
  });
});
