import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { startE2E, E2E_SECRET, type E2E } from './emulator-harness.js';

interface ApiProduct {
  sku: string;
  name: string;
  availableQuantity: number;
  ageRequired: boolean;
  riskLevel: string;
}

async function waitFor<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describeEachDatabase('catalog end to end against the emulator', (kind) => {
  let e: E2E | undefined;
  afterEach(async () => {
    await e?.close();
    e = undefined;
  });

  const get = async (path: string) => {
    const res = await fetch(`${e!.baseUrl}${path}`);
    return { status: res.status, body: res.status === 200 ? ((await res.json()) as unknown) : null };
  };

  it('full sync, then a stock change reaches the storefront through the webhook', async () => {
    e = await startE2E({ kind, webhooks: true });
    const r = await e.catalog.sync.fullSync();
    expect(r.completed).toBe(true);
    const list = (await get('/api/products?pageSize=100')).body as { items: ApiProduct[]; total: number };
    expect(list.total).toBeGreaterThan(5);
    const emuItems = e.emu.control.items();
    // Stock is the DTC location's figure, never the organization total.
    const dtc = e.emu.control.locationIds.dtc;
    for (const p of list.items.slice(0, 10)) {
      const rec = emuItems.find((i) => i.sku === p.sku) as { locations?: Array<Record<string, unknown>> };
      const loc = rec.locations!.find((l) => l.location_id === dtc)!;
      expect(p.availableQuantity).toBe(Math.max(0, Math.floor(Number(loc.location_actual_available_for_sale_stock))));
    }
    const target = list.items.find((p) => p.availableQuantity > 3)!;
    e.emu.control.resetCounters();
    e.emu.control.setStock(target.sku, dtc, 2);
    await e.emu.control.flushWebhooks();
    const after = await waitFor(
      () => get(`/api/products/${encodeURIComponent(target.sku)}`),
      (x) => (x.body as ApiProduct).availableQuantity === 2,
    );
    expect((after.body as ApiProduct).availableQuantity).toBe(2);
    // One batched detail read for the event, nothing per page view.
    expect(e.emu.control.count('GET /itemdetails')).toBe(1);
    expect(e.emu.control.count('GET /items/:id')).toBe(0);
    const status = await e.catalog.status();
    expect(status.webhooks.byStatus.done).toBeGreaterThanOrEqual(1);
  });

  it('with webhooks off, polling and reconciliation bring edits and stock moves', async () => {
    e = await startE2E({ kind, webhooks: false });
    await e.catalog.sync.fullSync();
    const list = (await get('/api/products?pageSize=100')).body as { items: ApiProduct[] };
    const [a, b] = list.items.filter((p) => p.availableQuantity > 3);
    e.emu.control.updateItem(a!.sku, { name: 'Renamed in Zoho' });
    e.emu.control.setStock(b!.sku, e.emu.control.locationIds.dtc, 1);
    await e.catalog.sync.pollOnce();
    expect(((await get(`/api/products/${encodeURIComponent(a!.sku)}`)).body as ApiProduct).name).toBe('Renamed in Zoho');
    for (let i = 0; i < 10; i++) await e.catalog.sync.reconcileOnce();
    expect(((await get(`/api/products/${encodeURIComponent(b!.sku)}`)).body as ApiProduct).availableQuantity).toBe(1);
    // Made inactive in Zoho: gone from the storefront.
    e.emu.control.setItemStatus(a!.sku, 'inactive');
    await e.catalog.sync.pollOnce();
    expect((await get(`/api/products/${encodeURIComponent(a!.sku)}`)).status).toBe(404);
  });

  it('refuses a webhook without the secret over a real socket', async () => {
    e = await startE2E({ kind, webhooks: false });
    const res = await fetch(`${e.baseUrl}/webhooks/zoho`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"item":{"item_id":"1"}}' });
    expect(res.status).toBe(401);
    const ok = await fetch(`${e.baseUrl}/webhooks/zoho`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-webhook-secret': E2E_SECRET }, body: '{"item":{"item_id":"1"}}' });
    expect(ok.status).toBe(202);
  });
});
