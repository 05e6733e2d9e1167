import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { makeHarness, items, SECRET, type Harness } from './harness.js';
import { formatZohoTime } from '../../src/catalog/mapping.js';

const so = (id: string, itemIds: string[], lm = '2026-01-05T10:00:00-0800') => ({
  salesorder: { salesorder_id: id, last_modified_time: lm, customer_name: 'Ana Ruiz', line_items: itemIds.map((item_id) => ({ item_id, quantity: 1 })) },
});

describeEachDatabase('zoho webhooks', (kind) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const post = (body: unknown, headers: Record<string, string> = { 'x-webhook-secret': SECRET }, url = '/webhooks/zoho') =>
    h!.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: typeof body === 'string' ? body : JSON.stringify(body) });

  const eventCount = async () => (await h!.store.db.selectFrom('catalog_webhook_events').selectAll().execute()).length;

  it('refuses a missing or wrong secret with 401 and stores nothing but a counter', async () => {
    h = await makeHarness(kind, items(2));
    await h.catalog.sync.fullSync();
    h.zoho.calls = [];
    const missing = await post(so('1', ['5000000000000000001']), {});
    expect(missing.statusCode).toBe(401);
    expect(missing.json().error.code).toBe('webhook_unauthorized');
    const wrong = await post(so('1', ['5000000000000000001']), { 'x-webhook-secret': `${SECRET}x` });
    expect(wrong.statusCode).toBe(401);
    const wrongQuery = await post(so('1', ['5000000000000000001']), {}, '/webhooks/zoho?secret=nope');
    expect(wrongQuery.statusCode).toBe(401);
    expect(await eventCount()).toBe(0);
    await h.catalog.webhookQueue.drain();
    expect(h.zoho.calls).toEqual([]);
    const status = await h.catalog.status();
    expect(status.webhooks.refusals).toBe(3);
    expect(status.lastWebhookAt).toBeNull();
    expect(await h.registry.getSingleMetricAsString('webhook_events_total')).toMatch(/outcome="refused"} 3/);
    // The query-string fallback works with the right secret.
    expect((await post(so('1', ['5000000000000000001']), {}, `/webhooks/zoho?secret=${SECRET}`)).statusCode).toBe(202);
  });

  it('raises webhook_refusals on a burst', async () => {
    h = await makeHarness(kind);
    for (let i = 0; i < 10; i++) await post({}, { 'x-webhook-secret': 'bad' });
    expect(h.alerts.events.filter((e) => e.kind === 'webhook_refusals')).toHaveLength(1);
  });

  it('stores a replayed event once', async () => {
    h = await makeHarness(kind, items(2));
    await h.catalog.sync.fullSync();
    const body = so('77', ['5000000000000000001']);
    expect((await post(body)).json()).toEqual({ status: 'accepted' });
    expect((await post(body)).json()).toEqual({ status: 'duplicate' });
    expect(await eventCount()).toBe(1);
    h.zoho.calls = [];
    await h.catalog.webhookQueue.drain();
    expect(h.zoho.count('items.getMany', 'webhook')).toBe(1);
    // Customer details of a known event are not kept.
    const row = await h.store.db.selectFrom('catalog_webhook_events').selectAll().executeTakeFirstOrThrow();
    expect(row.body).toBeNull();
    expect(JSON.parse(row.item_ids)).toEqual(['5000000000000000001']);
  });

  it('batches the re-reads: 50 events about 120 items → 3 detail calls at webhook priority', async () => {
    h = await makeHarness(kind, items(120));
    await h.catalog.sync.fullSync();
    for (let i = 1; i <= 120; i++) h.zoho.setStock(`5000000000000${String(i).padStart(6, '0')}`, 1);
    h.zoho.calls = [];
    for (let e = 0; e < 50; e++) {
      const ids = [0, 1, 2].map((k) => `5000000000000${String(((e * 3 + k) % 120) + 1).padStart(6, '0')}`);
      expect((await post(so(`9${e}`, ids))).statusCode).toBe(202);
    }
    expect(h.zoho.calls).toEqual([]); // acknowledged without calling Zoho
    h.clock.advance(500); // the debounce window
    await h.catalog.webhookQueue.drain();
    expect(h.zoho.calls.map((c) => `${c.method}/${c.priority}/${c.ids}`)).toEqual(['items.getMany/webhook/50', 'items.getMany/webhook/50', 'items.getMany/webhook/20']);
    expect((await h.catalog.reader.getBySku('SKU-0001'))!.zohoQuantity).toBe(1);
    const status = await h.catalog.status();
    expect(status.webhooks.byStatus).toMatchObject({ done: 50, pending: 0 });
  });

  it('out-of-order events never bring back an older value', async () => {
    h = await makeHarness(kind, [{ id: '1', sku: 'A', name: 'v1', lmMs: Date.UTC(2026, 0, 1) }]);
    await h.catalog.sync.fullSync();
    h.zoho.update('1', (it) => {
      it.name = 'v3';
      it.last_modified_time = formatZohoTime(Date.UTC(2026, 0, 3));
    });
    // The newer event arrives first, then the older one (its payload still says v2).
    await post({ item: { item_id: '1', name: 'v3', last_modified_time: formatZohoTime(Date.UTC(2026, 0, 3)) } });
    await h.catalog.webhookQueue.drain();
    h.clock.advance(1000);
    await post({ item: { item_id: '1', name: 'v2', last_modified_time: formatZohoTime(Date.UTC(2026, 0, 2)) } });
    await h.catalog.webhookQueue.drain();
    expect((await h.catalog.reader.getBySku('A'))!.name).toBe('v3');
    expect((await h.catalog.reader.getBySku('A'))!.zohoLastModified).toBe(formatZohoTime(Date.UTC(2026, 0, 3)));
  });

  it('accepts form-encoded JSONString, bare records, and keeps unknown payloads', async () => {
    h = await makeHarness(kind, items(3));
    await h.catalog.sync.fullSync();
    const form = await h.app.inject({
      method: 'POST',
      url: '/webhooks/zoho',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-webhook-secret': SECRET },
      payload: `JSONString=${encodeURIComponent('{"inventory_adjustment":{"inventory_adjustment_id":5000000000000000123,"line_items":[{"item_id":5000000000000000002}]}}')}`,
    });
    expect(form.json()).toEqual({ status: 'accepted' });
    const bare = await post({ transfer_order_id: '8', line_items: [{ item_id: '5000000000000000003' }] });
    expect(bare.json()).toEqual({ status: 'accepted' });
    const unknown = await post({ hello: 'world' });
    expect(unknown.statusCode).toBe(202);
    expect(unknown.json()).toEqual({ status: 'ignored' });
    const notJson = await post('this is not json');
    expect(notJson.statusCode).toBe(202);
    const rows = await h.store.db.selectFrom('catalog_webhook_events').selectAll().orderBy('received_at').execute();
    const byModule = Object.fromEntries(rows.map((r) => [r.module, r]));
    // 19-digit ids sent as bare numbers stay exact.
    expect(JSON.parse(byModule.inventory_adjustment!.item_ids)).toEqual(['5000000000000000002']);
    expect(byModule.inventory_adjustment!.record_id).toBe('5000000000000000123');
    expect(JSON.parse(byModule.transfer_order!.item_ids)).toEqual(['5000000000000000003']);
    expect(rows.filter((r) => r.status === 'unknown').map((r) => r.body)).toEqual(['{"hello":"world"}', 'this is not json']);
    h.zoho.calls = [];
    await h.catalog.webhookQueue.drain();
    expect(h.zoho.calls.map((c) => c.ids)).toEqual([2]);
  });

  it('limits the body size', async () => {
    h = await makeHarness(kind);
    const res = await post({ item: { item_id: '1', pad: 'x'.repeat(300 * 1024) } });
    expect(res.statusCode).toBe(413);
    expect(await eventCount()).toBe(0);
  });

  it('a new item named by a webhook appears without a full sync', async () => {
    h = await makeHarness(kind, items(1));
    await h.catalog.sync.fullSync();
    h.zoho.put((await import('./fake-zoho.js')).makeItem({ id: '42', sku: 'NEW' }));
    await post({ item: { item_id: '42', last_modified_time: '2026-01-05T10:00:00-0800' } });
    await h.catalog.webhookQueue.drain();
    expect(await h.catalog.reader.getBySku('NEW')).toMatchObject({ live: true });
  });
});
