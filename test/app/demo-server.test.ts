/**
 * The demo as a new user runs it (`npm start`): the real server on a real
 * socket, the emulator in-process, connected through the OAuth code path.
 * A Zoho-side change reaches the storefront API by webhook; an order placed
 * at the API lands once in the emulator with its custom fields, and the stock
 * moves once.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config/load.js';
import { startBridge, type RunningBridge } from '../../src/app/serve.js';
import { createLogger } from '../../src/observability/logger.js';

let bridge: RunningBridge;

async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dtc-demo-'));
  const config = testConfig({ DATA_DIR: dataDir, PORT: '0', ADMIN_PASSWORD: 'demo-admin-password' });
  bridge = await startBridge(config, { logger: createLogger('silent'), banner: false });
  await bridge.ready;
});

afterAll(async () => {
  await bridge?.close();
});

describe('the demo server', () => {
  it('is connected to the emulator through OAuth and ready', async () => {
    const status = await bridge.ctx.zoho.connection.status();
    expect(status.state).toBe('connected');
    const ready = await fetch(`${bridge.url}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('serves the synced catalog from the store, with the storefront page', async () => {
    const list = (await (await fetch(`${bridge.url}/api/products?pageSize=100`)).json()) as { items: Array<{ sku: string }> };
    expect(list.items.length).toBeGreaterThanOrEqual(30);
    const page = await fetch(`${bridge.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('VIP Smoke');
  });

  it('shows a stock change made in Zoho through the webhook path', async () => {
    const emulator = bridge.emulator!;
    const sku = 'ACC-RAW-KSS';
    await emulator.control.setStock(sku, emulator.control.locationIds.dtc, 37);
    const product = await waitFor(async () => {
      const body = (await (await fetch(`${bridge.url}/api/products/${sku}`)).json()) as { availableQuantity?: number; available?: number };
      const qty = body.availableQuantity ?? body.available;
      return qty === 37 ? body : undefined;
    });
    expect(product).toBeTruthy();
  });

  it('places an order once in Zoho with its custom fields, and the stock moves once', async () => {
    const emulator = bridge.emulator!;
    const sku = 'ACC-RAW-KSS';
    const before = emulator.control.salesOrders().length;
    const response = await fetch(`${bridge.url}/api/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'demo-test-1' },
      body: JSON.stringify({
        orderId: 'VIP-DEMO-1',
        customer: { email: 'ana@example.com', firstName: 'Ana', lastName: 'Ruiz', dob: '1990-04-12', phone: '+17605550100' },
        shippingAddress: { line1: '73-510 Fred Waring Dr', line2: null, city: 'Palm Desert', state: 'CA', zip: '92260' },
        billingAddress: null,
        items: [{ sku, quantity: 2 }],
        clubMember: false,
        ip: '203.0.113.7',
        ageVerification: null,
      }),
    });
    expect([201, 202]).toContain(response.status);
    const placed = await waitFor(async () => {
      const order = (await (await fetch(`${bridge.url}/api/orders/VIP-DEMO-1`)).json()) as { status: string; zohoSalesOrderId?: string | null };
      return order.status === 'placed' ? order : undefined;
    });
    expect(placed.zohoSalesOrderId).toMatch(/^\d+$/);
    const orders = emulator.control.salesOrders().filter((so) => so.reference_number === 'VIP-DEMO-1');
    expect(orders).toHaveLength(1);
    expect(emulator.control.salesOrders().length).toBe(before + 1);
    const fields = (orders[0]!.custom_fields as Array<{ api_name?: string; value: unknown }> | undefined) ?? [];
    expect(fields.length).toBeGreaterThan(0);
  });

  it('refuses the admin API without a login', async () => {
    const response = await fetch(`${bridge.url}/api/admin/orders`);
    expect(response.status).toBe(401);
  });
});
