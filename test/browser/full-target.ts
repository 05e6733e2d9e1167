/**
 * The browser suite's target for the real application: `startBridge` in demo
 * mode (embedded Zoho emulator, real modules, SQLite in a temp DATA_DIR) on a
 * real 127.0.0.1 port. Consent is the emulator's own page; a dead letter is
 * forced with an emulator fault on the sales-order push.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { testConfig } from '../../src/config/load.js';
import { startBridge, type RunningBridge } from '../../src/app/serve.js';
import { createLogger } from '../../src/observability/logger.js';
import type { BrowserTarget } from './target.js';

export const FULL_ADMIN_PASSWORD = 'full-app-browser-password';

export interface FullTarget extends BrowserTarget {
  bridge: RunningBridge;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function fullTarget(): Promise<FullTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dtc-browser-full-'));
  const config = testConfig({ DATA_DIR: dataDir, PORT: '0', ADMIN_PASSWORD: FULL_ADMIN_PASSWORD });
  const bridge = await startBridge(config, {
    logger: createLogger('silent'),
    banner: false,
    // A forced push failure must reach the dead letters in well under a second,
    // not after 8 attempts on a minutes-long backoff.
    orders: { worker: { maxAttempts: 2, backoffBaseMs: 50, backoffMaxMs: 200, pollIntervalMs: 100 } },
    zoho: { retry: { baseDelayMs: 20, maxDelayMs: 100 } },
  });
  try {
    await bridge.ready;
  } catch (err) {
    await bridge.close();
    throw err;
  }
  const emulator = bridge.emulator;
  if (!emulator) {
    await bridge.close();
    throw new Error('the full-app target needs demo mode (no Zoho credentials set): the bridge started without its emulator');
  }
  let orderSeq = 0;

  return {
    bridge,
    baseUrl: bridge.url,
    adminPassword: FULL_ADMIN_PASSWORD,
    personas: { adultDob: '1990-04-12', underageDob: '2010-06-15' },

    async approveConsent(page: Page) {
      // The emulator's consent page (src/emulator/accounts.ts): Accept posts to
      // /oauth/v2/auth, which redirects to the bridge's /oauth/zoho/callback,
      // which exchanges the code and lands on the dashboard.
      await page.waitForSelector('#accept');
      await Promise.all([page.waitForURL((u) => u.origin === new URL(bridge.url).origin && u.pathname.startsWith('/admin')), page.click('#accept')]);
      if (!new URL(page.url()).pathname.startsWith('/admin/connection')) await page.goto('/admin/connection');
    },

    async deadLetterOrder() {
      orderSeq += 1;
      const orderId = `VIP-FULL-DL-${orderSeq}`;
      const product = await firstInStock(bridge.url);
      emulator.control.injectFault({ method: 'POST', path: '/salesorders', kind: 'http500', times: Infinity });
      try {
        const response = await fetch(`${bridge.url}/api/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': `browser-full-${orderId}` },
          body: JSON.stringify({
            orderId,
            customer: { email: 'dead.letter@example.com', firstName: 'Dana', lastName: 'Letter', dob: '1990-04-12', phone: '+17605550101' },
            shippingAddress: { line1: '73-510 Fred Waring Dr', line2: null, city: 'Palm Desert', state: 'CA', zip: '92260' },
            billingAddress: null,
            items: [{ sku: product, quantity: 1 }],
            clubMember: false,
            ip: '203.0.113.8',
            ageVerification: null,
          }),
        });
        if (response.status !== 201 && response.status !== 202) {
          throw new Error(`POST /api/orders answered ${response.status}: ${await response.text()}`);
        }
        await waitFor(`order ${orderId} dead-lettered`, async () => {
          const order = (await (await fetch(`${bridge.url}/api/orders/${orderId}`)).json()) as { status: string };
          if (order.status === 'placed') throw new Error(`order ${orderId} was placed despite the injected fault`);
          return order.status === 'failed';
        });
      } finally {
        // The retry from the page must succeed.
        emulator.control.clearFaults();
      }
      return orderId;
    },

    async close() {
      await bridge.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A live SKU with stock to spare, so the forced order is accepted and reaches the push. */
async function firstInStock(baseUrl: string): Promise<string> {
  const list = (await (await fetch(`${baseUrl}/api/products?pageSize=100`)).json()) as { items: Array<{ sku: string; availableQuantity: number }> };
  const item = list.items.find((i) => i.availableQuantity >= 5);
  if (!item) throw new Error('no product in stock in the demo catalog');
  return item.sku;
}
