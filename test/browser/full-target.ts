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
import { screenshot } from './support.js';

export const FULL_ADMIN_PASSWORD = 'full-app-browser-password';

export interface FullTarget extends BrowserTarget {
  bridge: RunningBridge;
  /** The first storefront product the adult persona can order to the shop's CA address. */
  orderableSku: string;
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
  let orderableSku: string;
  try {
    orderableSku = await soldOutBeforeFirstOrderable(bridge);
  } catch (err) {
    await bridge.close();
    throw err;
  }
  let orderSeq = 0;

  return {
    bridge,
    orderableSku,
    baseUrl: bridge.url,
    adminPassword: FULL_ADMIN_PASSWORD,
    personas: { adultDob: '1990-04-12', underageDob: '2010-06-15' },

    async approveConsent(page: Page) {
      // The emulator's consent page (src/emulator/accounts.ts): Accept posts to
      // /oauth/v2/auth, which redirects to the bridge's /oauth/zoho/callback,
      // which exchanges the code and lands on the dashboard.
      await page.waitForSelector('#accept');
      await Promise.all([page.waitForURL((u) => u.origin === new URL(bridge.url).origin && u.pathname.startsWith('/admin')), page.click('#accept')]);
      await screenshot(page, 'full-oauth-landed');
      // The callback lands on /admin?connected=1 (src/http/routes/oauth.ts); the suite reads the Connection page.
      if (!new URL(page.url()).pathname.startsWith('/admin/connection')) await page.goto('/admin/connection');
    },

    async deadLetterOrder() {
      orderSeq += 1;
      const orderId = `VIP-FULL-DL-${orderSeq}`;
      emulator.control.injectFault({ method: 'POST', path: '/salesorders', kind: 'http500', times: Infinity });
      try {
        const response = await fetch(`${bridge.url}/api/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': `browser-full-${orderId}` },
          body: JSON.stringify({
            orderId,
            customer: { email: 'dead.letter@example.com', firstName: 'Dana', lastName: 'Letter', dob: '1990-04-12', phone: '+17605550101' },
            shippingAddress: SHOP_ADDRESS,
            billingAddress: null,
            items: [{ sku: orderableSku, quantity: 1 }],
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

export const SHOP_ADDRESS = { line1: '73-510 Fred Waring Dr', line2: null, city: 'Palm Desert', state: 'CA', zip: '92260' };

/**
 * The generic suite adds the storefront's first product in stock to the cart
 * and expects the adult persona, at the storefront's default (California)
 * address, to get it placed. In the demo catalog the first products by name
 * are refused for CA (a delta-8 THC edible, flavored shisha), so the products
 * in front of the first one the compliance engine allows (with stock to
 * spare) are marked sold out in Zoho, as a Zoho user would (a stock
 * adjustment, delivered by webhook). Returns that first orderable SKU.
 */
async function soldOutBeforeFirstOrderable(bridge: RunningBridge): Promise<string> {
  const { ctx } = bridge;
  const emulator = bridge.emulator!;
  const products = await storefrontProducts(bridge.url);
  const refused: string[] = [];
  let orderable: string | undefined;
  for (const listed of products) {
    if (listed.availableQuantity <= 0) continue;
    const p = await ctx.catalog.reader.getBySku(listed.sku);
    // The suite orders it twice and the dead letter once more: a nearly sold-out product goes too.
    if (!p || listed.availableQuantity < 5) {
      refused.push(listed.sku);
      continue;
    }
    const assessment = await ctx.compliance.service.assess({
      orderId: `probe-${p.sku}`,
      lines: [
        {
          sku: p.sku,
          name: p.name,
          brand: p.brand,
          quantity: 1,
          ageRequired: p.ageRequired,
          restrictedStates: p.restrictedStates,
          complianceCategory: p.complianceCategory,
          flavored: p.flavored,
          riskLevel: p.riskLevel,
          weightGrams: p.weightGrams,
          unitPriceCents: p.msrpCents,
        },
      ],
      customer: { email: 'probe@example.com', firstName: 'Ana', lastName: 'Ruiz', dob: '1990-04-12', phone: '+17605550100' },
      shippingAddress: SHOP_ADDRESS,
      at: new Date(ctx.clock.now()),
    });
    if (assessment.outcome === 'allow') {
      orderable = p.sku;
      break;
    }
    refused.push(p.sku);
  }
  if (!orderable) throw new Error('no product of the demo catalog can be ordered to the storefront\'s CA address');
  for (const sku of refused) emulator.control.setStock(sku, emulator.control.locationIds.dtc, 0);
  await emulator.control.flushWebhooks();
  await waitFor('sold-out products reach the storefront API', async () => {
    const now = await storefrontProducts(bridge.url);
    return refused.every((sku) => (now.find((x) => x.sku === sku)?.availableQuantity ?? 0) <= 0);
  });
  return orderable;
}

/** The product list in the storefront's order (web/storefront.js pages through it the same way). */
async function storefrontProducts(baseUrl: string): Promise<Array<{ sku: string; availableQuantity: number }>> {
  const all: Array<{ sku: string; availableQuantity: number }> = [];
  for (let page = 1; page <= 20; page += 1) {
    const body = (await (await fetch(`${baseUrl}/api/products?pageSize=100&page=${page}`)).json()) as { items: Array<{ sku: string; availableQuantity: number }>; hasMore?: boolean };
    all.push(...body.items);
    if (!body.hasMore) break;
  }
  return all;
}
