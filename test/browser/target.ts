/**
 * What the browser suite runs against. `fakeTarget()` serves the dashboard
 * and the storefront plugins on a real 127.0.0.1 port with fake sources and
 * a fake public API; the lead's full-app target (emulator, real modules)
 * implements the same interface and reuses `defineBrowserSuite`.
 */
import type { Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetricsRegistry } from '../../src/observability/metrics.js';
import { httpMetricsPlugin } from '../../src/observability/http-metrics.js';
import { healthRoutes } from '../../src/http/routes/health.js';
import { docsRoutes } from '../../src/http/routes/docs.js';
import { adminPlugin } from '../../src/admin/index.js';
import { storefrontPlugin } from '../../src/storefront/index.js';
import { createFakeSources } from '../admin/fake-sources.js';

export interface BrowserTarget {
  baseUrl: string;
  adminPassword: string;
  /** On the consent page the Connect button led to: approve, so the browser comes back to /admin/connection. */
  approveConsent(page: Page): Promise<void>;
  /** An order in the dead-letter list (the full app forces one with an emulator fault). */
  deadLetterOrder(): Promise<string>;
  /**
   * A product the adult persona can order to the storefront's default (CA)
   * address. When set, the suite adds this one; otherwise the first product
   * in stock that the page does not mark as unable to ship to the state.
   */
  orderableSku?: string;
  /** Date of birth of a persona that is accepted at once / refused as under 21. */
  personas: { adultDob: string; underageDob: string };
  close(): Promise<void>;
}

export const FAKE_PERSONAS = [
  { id: 'adult', dob: '1990-04-12', outcome: 'accepted', description: 'Adult: verified instantly.' },
  { id: 'under_21', dob: '2010-06-15', outcome: 'denied', description: 'Younger than 21: denied (underage).' },
  { id: 'pending', dob: '1991-01-01', outcome: 'pending', description: 'Pending: resolves to accepted 15 seconds later.' },
  { id: 'photo_id', dob: '1992-02-02', outcome: 'photo_id', description: 'Photo ID required: held until an operator resolves it.' },
];

export async function fakeTarget(): Promise<BrowserTarget> {
  const fake = createFakeSources();
  const registry = createMetricsRegistry(false);
  const app: FastifyInstance = await createHttpServer({ logger: createLogger('silent') });
  await app.register(httpMetricsPlugin, { registry });
  await app.register(healthRoutes, { registry });
  const password = 'browser-test-password';
  await app.register(adminPlugin, { adminPassword: password, sessionSecret: 'browser-session-secret-0123456789', sources: fake.sources });
  await app.register(storefrontPlugin, { personas: FAKE_PERSONAS, addressCases: [{ example: 'PO Box 123, Palm Desert, CA 92260', result: 'PO box: refused for tobacco and vapor' }] });

  // A stand-in for Zoho's consent page.
  app.get('/fake-oauth/consent', async (_req, reply) =>
    reply.type('text/html').send('<!doctype html><html><body><h1>Zoho Accounts (fake)</h1><p>zoho-dtc-bridge wants access to Zoho Inventory.</p><a id="approve" href="/fake-oauth/callback">Accept</a></body></html>'),
  );
  const granted = fake.state.connection;
  app.get('/fake-oauth/callback', async (_req, reply) => {
    fake.state.connection = { ...granted, state: 'connected', lastRefreshAt: Date.now(), accessTokenExpiresAt: Date.now() + 3600_000 };
    // Where the real callback lands (src/http/routes/oauth.ts).
    return reply.redirect('/admin/connection?connected=1', 302);
  });

  // The public catalog and orders API, faked with the same products.
  const view = (sku: string) => fake.state.products.find((p) => p.sku === sku);
  app.get('/api/products', async () => {
    const items = fake.state.products
      .filter((p) => p.live)
      .map((p) => ({ sku: p.sku, name: p.name, brand: p.brand, msrpCents: p.msrpCents, clubPriceCents: Math.round(p.msrpCents * (1 - p.clubDiscountBps / 10000)), availableQuantity: p.availableQuantity, ageRequired: p.ageRequired, flavored: p.flavored, restrictedStates: p.restrictedStates, category: p.complianceCategory, imageUrl: null }));
    return { items, page: 1, pageSize: 100, total: items.length, hasMore: false };
  });
  const placed = new Map<string, { polls: number; body: Record<string, unknown> }>();
  app.post<{ Body: { orderId: string; customer: { dob: string; firstName: string; lastName: string; email: string }; shippingAddress: { state: string }; items: Array<{ sku: string; quantity: number }> } }>('/api/orders', async (req) => {
    const b = req.body;
    const lines = b.items.map((i) => ({ sku: i.sku, quantity: i.quantity, unitPriceCents: view(i.sku)?.msrpCents ?? 0, name: view(i.sku)?.name ?? i.sku }));
    const totalCents = lines.reduce((s, l) => s + l.unitPriceCents * l.quantity, 0);
    const age = new Date(Date.now() - Date.parse(b.customer.dob)).getUTCFullYear() - 1970;
    const base = { orderId: b.orderId, zohoSalesOrderId: null, zohoSalesOrderNumber: null, totals: { totalCents }, lines };
    const summary = { orderId: b.orderId, createdAt: Date.now(), updatedAt: Date.now(), customerName: `${b.customer.firstName} ${b.customer.lastName}`, email: b.customer.email, shipState: b.shippingAddress.state, totalCents, zohoSalesOrderId: null as string | null, deadLetter: false, lines, steps: [{ at: Date.now(), step: 'compliance', status: 'ok' }] };
    if (age < 21) {
      const reasons = [{ code: 'under_age', message: 'The customer must be 21 or older' }];
      fake.state.orders.unshift({ ...summary, status: 'refused', reasons, steps: [{ at: Date.now(), step: 'compliance', status: 'failed', error: 'under_age' }] });
      return { ...base, status: 'refused', reasons };
    }
    if (b.customer.dob === '1991-01-01') {
      const reasons = [{ code: 'age_verification_pending', message: 'Waiting for the age verification' }];
      fake.state.orders.unshift({ ...summary, status: 'pending_verification', reasons });
      return { ...base, status: 'pending_verification', reasons };
    }
    placed.set(b.orderId, { polls: 0, body: base });
    fake.state.orders.unshift({ ...summary, status: 'accepted', reasons: [] });
    return { ...base, status: 'accepted', reasons: [] };
  });
  app.get<{ Params: { id: string } }>('/api/orders/:id', async (req, reply) => {
    const p = placed.get(req.params.id);
    if (!p) return reply.status(404).send({ error: { code: 'not_found', message: 'no such order', details: [] } });
    p.polls += 1;
    // Zoho has it after the first poll.
    const so = '4600000999001';
    const o = fake.state.orders.find((x) => x.orderId === req.params.id)!;
    Object.assign(o, { status: 'placed', zohoSalesOrderId: so, zohoSalesOrderNumber: 'SO-00077' });
    o.steps.push({ at: Date.now(), step: 'salesorder.create', status: 'ok', zohoId: so }, { at: Date.now(), step: 'salesorder.confirm', status: 'ok', zohoId: so });
    return { ...p.body, status: 'placed', reasons: [], zohoSalesOrderId: so, zohoSalesOrderNumber: 'SO-00077' };
  });
  await app.register(docsRoutes);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;
  fake.state.connection = { ...fake.state.connection, state: 'not_connected', scopes: [], accessTokenExpiresAt: null, lastRefreshAt: null };
  fake.state.startUrl = `${baseUrl}/fake-oauth/consent`;
  return {
    baseUrl,
    adminPassword: password,
    personas: { adultDob: '1990-04-12', underageDob: '2010-06-15' },
    async approveConsent(page) {
      await page.click('#approve');
    },
    async deadLetterOrder() {
      return 'VIP-100235';
    },
    close: () => app.close(),
  };
}
