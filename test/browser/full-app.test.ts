/**
 * The browser suite against the real application (`startBridge` in demo
 * mode: embedded Zoho emulator, real modules, SQLite), then what the generic
 * suite cannot see from the page: the Connect button really exchanged a code
 * at the emulator, the storefront order is in Zoho once, and the dead letter
 * retried from the page ends up placed in Zoho once, with its alert raised.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { defineBrowserSuite } from './suite.js';
import { fullTarget, SHOP_ADDRESS, type FullTarget } from './full-target.js';
import { describeBrowser, launchBrowser, screenshot, watchErrors } from './support.js';

let full: FullTarget | undefined;
let codeExchangesAtStart = 0;
const deadLetters: string[] = [];

// The suite closes its target after its own tests; this file keeps the bridge
// until the checks below have looked at what reached the emulator.
defineBrowserSuite(
  'full app',
  async () => {
    full = await fullTarget();
    codeExchangesAtStart = full.bridge.emulator!.control.counters().codeExchanges;
    const target = full;
    return {
      ...target,
      async deadLetterOrder() {
        const id = await target.deadLetterOrder();
        deadLetters.push(id);
        return id;
      },
      async close() {},
    };
  },
  { prefix: 'full-' },
);

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeBrowser('full app: what reached Zoho', () => {
  let browser: Browser;
  let page: Page;
  let errors: string[];

  const bridge = () => {
    if (!full) throw new Error('the full-app suite above did not start its target');
    return full.bridge;
  };
  const salesOrdersFor = (orderId: string) => bridge().emulator!.control.salesOrders().filter((so) => so.reference_number === orderId);

  beforeAll(async () => {
    if (!full) return;
    browser = await launchBrowser();
    const context = await browser.newContext({ baseURL: full.baseUrl, viewport: { width: 1366, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    errors = watchErrors(page);
    await page.goto('/admin/login');
    await page.fill('#password', full.adminPassword);
    await page.click('button[type=submit]');
    await page.waitForURL((u) => u.pathname.startsWith('/admin') && !u.pathname.startsWith('/admin/login'));
  });

  afterAll(async () => {
    await browser?.close();
    await full?.close();
  });

  it('connected through the consent page: one more code exchanged at the emulator', async () => {
    const emulator = bridge().emulator!;
    expect(emulator.control.counters().codeExchanges).toBe(codeExchangesAtStart + 1);
    const status = await bridge().ctx.zoho.connection.status();
    expect(status.state).toBe('connected');
    expect(status.accountsServer).toBe(emulator.url);
  });

  it('has the storefront order in Zoho once, and the under-21 one refused and not sent', async () => {
    const rows = await bridge().ctx.store.db.selectFrom('orders').select(['order_id', 'status', 'zoho_salesorder_id']).where('order_id', 'like', 'DEMO-%').execute();
    const placed = rows.filter((r) => r.status === 'placed');
    const refused = rows.filter((r) => r.status === 'refused');
    expect(placed).toHaveLength(1);
    expect(refused).toHaveLength(1);
    const inZoho = salesOrdersFor(placed[0]!.order_id);
    expect(inZoho).toHaveLength(1);
    expect(String(inZoho[0]!.salesorder_id)).toBe(placed[0]!.zoho_salesorder_id);
    expect(salesOrdersFor(refused[0]!.order_id)).toHaveLength(0);
  });

  it('places the retried dead letter in Zoho once and shows it on the order page', async () => {
    expect(deadLetters).toHaveLength(1);
    const id = deadLetters[0]!;
    const order = await waitFor(`order ${id} placed after the retry`, async () => {
      const body = (await (await fetch(`${bridge().url}/api/orders/${id}`)).json()) as { status: string; zohoSalesOrderId: string | null };
      if (body.status === 'failed') throw new Error(`order ${id} failed again after the retry`);
      return body.status === 'placed' ? body : undefined;
    });
    const inZoho = salesOrdersFor(id);
    expect(inZoho).toHaveLength(1);
    expect(String(inZoho[0]!.salesorder_id)).toBe(order.zohoSalesOrderId);

    await page.goto(`/admin/orders/${encodeURIComponent(id)}`);
    expect(await page.textContent('#order .zoho-so')).toBe(order.zohoSalesOrderId);
    expect(await page.locator('button:has-text("Retry dead letter")').count()).toBe(0);
    const timeline = (await page.textContent('#timeline')) ?? '';
    expect(timeline).toMatch(/dead_letter|dead letter/i);
    await screenshot(page, 'full-admin-order-retried-placed');

    await page.goto('/admin/orders');
    const row = page.locator('#orders tbody tr', { hasText: id });
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toContain(order.zohoSalesOrderId!);
    await screenshot(page, 'full-admin-orders-after');
  });

  it('raised the dead-letter alert on the Alerts page', async () => {
    const id = deadLetters[0]!;
    await page.goto('/admin/alerts');
    expect(await page.textContent('#alerts')).toContain(id);
    await screenshot(page, 'full-admin-alerts-dead-letter');
    expect(errors).toEqual([]);
  });

  // The storefront (web/storefront.js showResult) lists `reasons` from the top of the
  // answer; design.md: "The answer carries orderId, status, reasons". Checked at the
  // API so the cause shows even when the page only times out waiting for the list.
  it('answers a refused order with its reasons at the top of the body, as the storefront reads them', async () => {
    const response = await fetch(`${bridge().url}/api/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'browser-full-refused-1' },
      body: JSON.stringify({
        orderId: 'VIP-FULL-REFUSED-1',
        customer: { email: 'young@example.com', firstName: 'Tim', lastName: 'Young', dob: full!.personas.underageDob, phone: '+17605550102' },
        shippingAddress: SHOP_ADDRESS,
        billingAddress: null,
        items: [{ sku: full!.orderableSku, quantity: 1 }],
        clubMember: false,
        ip: '203.0.113.9',
        ageVerification: null,
      }),
    });
    const body = (await response.json()) as { orderId?: string; status?: string; reasons?: Array<{ code: string }> };
    expect(body.orderId).toBe('VIP-FULL-REFUSED-1');
    expect(body.status).toBe('refused');
    expect(Array.isArray(body.reasons), 'the refusal body has no top-level `reasons` (src/orders/checkout.ts answerFor puts them under error.details and order.reasons only)').toBe(true);
    expect(body.reasons!.map((r) => r.code)).toContain('under_age');
  });
});
