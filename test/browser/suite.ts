/**
 * The browser suite, independent of what serves the app: give it a
 * BrowserTarget factory (fakeTarget here; the lead's full app later).
 * Each step saves a screenshot under test-artifacts/screenshots/.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describeBrowser, launchBrowser, screenshot, watchErrors } from './support.js';
import type { BrowserTarget } from './target.js';

export function defineBrowserSuite(name: string, makeTarget: () => Promise<BrowserTarget>, options: { prefix?: string } = {}): void {
  const shot = (page: Page, n: string) => screenshot(page, `${options.prefix ?? ''}${n}`);
  describeBrowser(name, () => {
    let target: BrowserTarget;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let errors: string[];

    beforeAll(async () => {
      target = await makeTarget();
      browser = await launchBrowser();
      context = await browser.newContext({ baseURL: target.baseUrl, viewport: { width: 1366, height: 900 } });
      page = await context.newPage();
      page.setDefaultTimeout(15_000);
      errors = watchErrors(page);
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await target?.close();
    });

    it('refuses a wrong password, then logs in', async () => {
      await page.goto('/admin/orders');
      await expect.poll(() => page.url()).toContain('/admin/login?next=%2Fadmin%2Forders');
      await page.fill('#password', 'not the password');
      await page.click('button[type=submit]');
      await page.waitForSelector('.flash-error');
      expect(await page.textContent('.flash-error')).toContain('Wrong password');
      await shot(page, 'admin-login');
      await page.fill('#password', target.adminPassword);
      await page.click('button[type=submit]');
      await page.waitForURL(/\/admin\/orders$/);
      expect(await page.textContent('h1')).toBe('Orders');
    });

    it('renders every dashboard page', async () => {
      const pages: Array<[string, string, string]> = [
        ['/admin', 'Overview', 'admin-overview'],
        ['/admin/connection', 'Connection', 'admin-connection'],
        ['/admin/budget', 'API budget', 'admin-budget'],
        ['/admin/sync', 'Sync', 'admin-sync'],
        ['/admin/catalog', 'Catalog', 'admin-catalog'],
        ['/admin/orders', 'Orders', 'admin-orders'],
        ['/admin/compliance', 'Compliance', 'admin-compliance'],
        ['/admin/alerts', 'Alerts', 'admin-alerts'],
      ];
      for (const [path, title, file] of pages) {
        await page.goto(path);
        expect(await page.textContent('h1'), path).toBe(title);
        expect(await page.locator('.panel-error').count(), `${path} has a failed panel`).toBe(0);
        expect(await page.locator('nav a.active').textContent()).toBe(path === '/admin' ? 'Overview' : title === 'API budget' ? 'Budget' : title);
        await shot(page, file);
      }
      await page.goto('/admin/budget');
      expect(await page.locator('svg.chart rect.bar').count()).toBe(24);
      await page.goto('/admin/catalog');
      await page.fill('input[name=q]', 'raw');
      await page.press('input[name=q]', 'Enter');
      await page.waitForURL(/q=raw/);
      expect(await page.locator('#items tbody tr').count()).toBeGreaterThan(0);
      expect(errors).toEqual([]);
    });

    it('connects to Zoho through the Connect button', async () => {
      await page.goto('/admin/connection');
      const button = page.locator('#connect');
      expect(await button.textContent()).toMatch(/Connect to Zoho|Reconnect to Zoho/);
      page.once('dialog', (d) => void d.accept());
      await button.click();
      await page.waitForURL((u) => !u.pathname.startsWith('/admin'));
      await shot(page, 'oauth-consent');
      await target.approveConsent(page);
      await page.waitForURL(/\/admin\/connection/);
      await page.waitForSelector('#connection .badge-ok');
      expect(await page.textContent('#connection')).toContain('connected');
      if (new URL(page.url()).searchParams.get('connected') === '1') {
        expect(await page.textContent('.flash-ok')).toContain('Connected to Zoho');
      }
      await shot(page, 'admin-connection-connected');
    });

    it('places an order in the storefront and follows it on the Orders page', async () => {
      const shop = await context.newPage();
      const shopErrors = watchErrors(shop);
      await shop.goto('/');
      await shop.waitForSelector('#age-gate:not([hidden])');
      await shot(shop, 'storefront-age-gate');
      await shop.click('#gate-yes');
      await shop.waitForSelector('.product');
      // The product to order: the target's, or the first in stock the page does not mark as unable to ship.
      const addButton = () =>
        target.orderableSku ? shop.locator(`.product[data-sku="${target.orderableSku}"] button.add`) : shop.locator('.product:not(.sold-out):not(.cannot-ship) button.add').first();
      await addButton().click();
      expect(await shop.textContent('#cart-count')).toBe('1');
      await shop.click(`.persona[data-dob="${target.personas.adultDob}"]`);
      expect(await shop.inputValue('input[name=dob]')).toBe(target.personas.adultDob);
      // The persona ships to CA: products whose restrictedStates name CA, or whose category
      // (flavored or not) the ruleset bans there (GET /api/compliance/restrictions), are marked and cannot be added.
      const state = (await shop.inputValue('input[name=state]')).toUpperCase();
      await shop.waitForSelector('body[data-restrictions]');
      const marked = shop.locator('.product.cannot-ship');
      const rules = await shop.evaluate(async () => {
        const r = await fetch('/api/compliance/restrictions');
        return r.ok ? ((await r.json()) as { categories: Record<string, { banned: string[]; flavoredBanned: string[] }>; unknownCategory: string }) : null;
      });
      const restrictedHere = await shop.locator('.product').evaluateAll(
        (cards, [st, rs]) =>
          cards.filter((c) => {
            if ((c.getAttribute('data-restricted') ?? '').split(',').includes(st as string)) return true;
            const r = rs as { categories: Record<string, { banned: string[]; flavoredBanned: string[] }>; unknownCategory: string } | null;
            if (!r) return false;
            const cat = r.categories[c.getAttribute('data-category') ?? ''];
            if (!cat) return r.unknownCategory === 'deny';
            return cat.banned.includes(st as string) || (c.getAttribute('data-flavored') === '1' && cat.flavoredBanned.includes(st as string));
          }).length,
        [state, rules] as const,
      );
      expect(await marked.count()).toBe(restrictedHere);
      if (restrictedHere > 0) {
        expect(await marked.count()).toBeGreaterThan(0);
        expect(await marked.first().locator('button.add').isDisabled()).toBe(true);
        expect(await marked.first().textContent()).toContain(`Cannot ship to ${state}`);
        expect(await shop.textContent('#ship-note')).toContain(`Shipping to ${state}`);
      }
      if (target.orderableSku) expect(await shop.locator(`.product[data-sku="${target.orderableSku}"]`).getAttribute('class')).not.toContain('cannot-ship');
      await shot(shop, 'storefront-cart');
      await shop.click('#place-order');
      await shop.waitForSelector('#result .zoho-so', { timeout: 60_000 });
      const orderId = (await shop.textContent('#result .order-id'))!;
      const so = (await shop.textContent('#result .zoho-so'))!;
      expect(await shop.getAttribute('#result', 'data-status')).toBe('placed');
      await shot(shop, 'storefront-placed');

      // Refused: under 21.
      await addButton().click();
      await shop.click(`.persona[data-dob="${target.personas.underageDob}"]`);
      await shop.click('#place-order');
      await shop.waitForSelector('#result[data-status=refused] .reasons li');
      expect(await shop.textContent('#result .reasons')).toMatch(/21/);
      await shot(shop, 'storefront-refused');
      expect(shopErrors).toEqual([]);
      await shop.close();

      await page.goto('/admin/orders');
      const row = page.locator('#orders tbody tr', { hasText: orderId });
      await expect.poll(() => row.count()).toBe(1);
      expect(await row.textContent()).toContain(so.split(' · ').pop()!);
      await page.click(`a:has-text("${orderId}")`);
      await page.waitForSelector('#timeline');
      expect(await page.textContent('#order')).toContain(so.split(' · ').pop()!);
      await shot(page, 'admin-order-placed');
    });

    it('retries a dead letter from the order page', async () => {
      const id = await target.deadLetterOrder();
      await page.goto(`/admin/orders/${encodeURIComponent(id)}`);
      await shot(page, 'admin-order-dead-letter');
      await page.click('button:has-text("Retry dead letter")');
      await page.waitForSelector('.flash-ok');
      expect(await page.textContent('.flash-ok')).toContain('queued again');
      expect(await page.locator('button:has-text("Retry dead letter")').count()).toBe(0);
      await shot(page, 'admin-order-retried');
    });

    it('runs the drill and verifies the chain from the Compliance page', async () => {
      await page.goto('/admin/compliance');
      await page.click('button:has-text("Run the drill")');
      await page.waitForSelector('.flash');
      expect(await page.textContent('.flash')).toMatch(/Drill passed/);
      // Drill records are hidden by default (counted in a note), and each time fits on one line.
      expect(await page.textContent('#drill-note')).toMatch(/\d+ drill records? hidden/);
      expect(await page.locator('#audit tbody tr', { hasText: 'DRILL-' }).count()).toBe(0);
      const whenCells = page.locator('#audit td.when');
      for (let i = 0; i < Math.min(5, await whenCells.count()); i++) {
        const box = (await whenCells.nth(i).locator('time').boundingBox())!;
        expect(box.height, 'a timestamp wraps').toBeLessThan(30);
      }
      await shot(page, 'admin-compliance-drill');
      await page.click('#drill-note a:has-text("Show the drill records")');
      await page.waitForURL(/kind=drill/);
      expect(await page.locator('#audit tbody tr', { hasText: 'DRILL-' }).count()).toBeGreaterThan(0);
      await page.goto('/admin/compliance');
      await page.click('button:has-text("Verify the chain")');
      await page.waitForSelector('.flash');
      expect(await page.textContent('.flash')).toMatch(/Audit chain verified/);
      expect(errors).toEqual([]);
    });

    it('shows the OpenAPI docs under their CSP', async () => {
      const docs = await context.newPage();
      const docErrors = watchErrors(docs);
      await docs.goto('/docs');
      await docs.waitForSelector('.swagger-ui .opblock', { timeout: 30_000 });
      await shot(docs, 'docs');
      expect(docErrors.filter((e) => /Content Security Policy|Refused/i.test(e))).toEqual([]);
      await docs.close();
    });

    it('serves a favicon, so browsers log no 404 for it', async () => {
      for (const path of ['/favicon.ico', '/favicon.svg']) {
        const res = await context.request.get(path);
        expect(res.status(), path).toBe(200);
        expect(res.headers()['content-type']).toMatch(/image\//);
      }
      await page.goto('/admin');
      expect(await page.getAttribute('link[rel=icon]', 'href')).toBe('/favicon.svg');
    });

    it('logs out', async () => {
      await page.goto('/admin');
      await page.click('form.logout button');
      await page.waitForURL(/\/admin\/login/);
      await page.goto('/admin/orders');
      await page.waitForURL(/\/admin\/login/);
    });
  });
}
