import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { makeHarness, type Harness } from './harness.js';
import type { FakeItemSpec } from './fake-zoho.js';

const catalog: FakeItemSpec[] = [
  { id: '1', sku: 'ACC-RAW-KSS', name: 'RAW King Size Slim Papers', custom: { cf_compliance_category: 'accessories', cf_dtc_enabled: true }, stock: 12 },
  { id: '2', sku: 'CIG-PADRON', name: 'Padron 1964 Cigar', custom: { cf_compliance_category: 'Tobacco - Cigars', cf_dtc_enabled: false, cf_club_discount: 12.5, cf_msrp: 20 } },
  { id: '3', sku: 'VAPE-MINT', name: 'Mint Disposable Vape', custom: { cf_compliance_category: 'ends_vape', cf_flavored: 'Yes', cf_risk_level: 'High', cf_restricted_states: ['California', 'UT'] } },
  { id: '4', sku: 'ACC-LIGHTER', name: 'Clipper Lighter', status: 'inactive' },
  { id: '5', sku: 'ACC-GRINDER', name: 'Grinder', stock: 0 },
];

describeEachDatabase('storefront catalog API', (kind) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('lists live products with paging, category filter and search; never calls Zoho', async () => {
    h = await makeHarness(kind, catalog);
    await h.catalog.sync.fullSync();
    h.zoho.calls = [];
    const all = await h.app.inject({ url: '/api/products?pageSize=2' });
    expect(all.statusCode).toBe(200);
    expect(all.json()).toMatchObject({ page: 1, pageSize: 2, total: 4, hasMore: true });
    expect(all.json().items.map((p: { sku: string }) => p.sku)).toEqual(['ACC-GRINDER', 'VAPE-MINT']);
    const page2 = (await h.app.inject({ url: '/api/products?pageSize=2&page=2' })).json();
    expect(page2.items.map((p: { sku: string }) => p.sku)).toEqual(['CIG-PADRON', 'ACC-RAW-KSS']);
    expect(page2.hasMore).toBe(false);
    const cigars = (await h.app.inject({ url: '/api/products?category=tobacco_cigars' })).json();
    expect(cigars.items.map((p: { sku: string }) => p.sku)).toEqual(['CIG-PADRON']);
    const search = (await h.app.inject({ url: '/api/products?q=raw%20slim' })).json();
    expect(search.items.map((p: { sku: string }) => p.sku)).toEqual(['ACC-RAW-KSS']);
    expect((await h.app.inject({ url: '/api/products?q=100%25' })).json().total).toBe(0);
    expect((await h.app.inject({ url: '/api/products?pageSize=1000' })).statusCode).toBe(400);
    expect(h.zoho.calls).toEqual([]);
  });

  it('serves one product with every storefront field, ETag and 304', async () => {
    h = await makeHarness(kind, catalog);
    await h.catalog.sync.fullSync();
    const res = await h.app.inject({ url: '/api/products/CIG-PADRON' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=5');
    expect(res.json()).toMatchObject({
      sku: 'CIG-PADRON',
      name: 'Padron 1964 Cigar',
      description: 'Nice thing',
      msrpCents: 2000,
      msrp: '20.00',
      clubDiscountBps: 1250,
      clubPriceCents: 1750,
      clubPrice: '17.50',
      availableQuantity: 10,
      inStock: true,
      ageRequired: true,
      restrictedStates: ['MA', 'UT'],
      complianceCategory: 'tobacco_cigars',
      flavored: false,
      riskLevel: 'low',
      imageUrl: null,
    });
    const etag = res.headers.etag as string;
    expect(etag).toMatch(/^W\/"/);
    const again = await h.app.inject({ url: '/api/products/CIG-PADRON', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    // A stock change makes a new ETag.
    h.zoho.setStock('2', 4);
    h.clock.advance(1000);
    await h.catalog.sync.reconcileOnce();
    const changed = await h.app.inject({ url: '/api/products/CIG-PADRON', headers: { 'if-none-match': etag } });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().availableQuantity).toBe(4);
    const missing = await h.app.inject({ url: '/api/products/NOPE' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('product_not_found');
    expect((await h.app.inject({ url: '/api/products/ACC-LIGHTER' })).statusCode).toBe(404);
  });

  it('list ETag answers 304 until something changes', async () => {
    h = await makeHarness(kind, catalog);
    await h.catalog.sync.fullSync();
    const first = await h.app.inject({ url: '/api/products' });
    const etag = first.headers.etag as string;
    expect((await h.app.inject({ url: '/api/products', headers: { 'if-none-match': etag } })).statusCode).toBe(304);
    h.zoho.setStock('1', 1);
    h.clock.advance(1000);
    await h.catalog.sync.reconcileOnce();
    expect((await h.app.inject({ url: '/api/products', headers: { 'if-none-match': etag } })).statusCode).toBe(200);
  });

  for (const [rollout, visible] of [
    ['field', ['ACC-GRINDER', 'VAPE-MINT', 'ACC-RAW-KSS']],
    ['skus:CIG-PADRON,ACC-LIGHTER', ['CIG-PADRON']],
    ['categories:accessories,tobacco_cigars', ['ACC-GRINDER', 'CIG-PADRON', 'ACC-RAW-KSS']],
  ] as const) {
    it(`rollout ${rollout}: items outside are invisible and cannot be ordered`, async () => {
      h = await makeHarness(kind, catalog, { rollout });
      await h.catalog.sync.fullSync();
      const list = (await h.app.inject({ url: '/api/products' })).json();
      expect(list.items.map((p: { sku: string }) => p.sku)).toEqual(visible);
      for (const spec of catalog) {
        const live = (visible as readonly string[]).includes(spec.sku);
        expect((await h.app.inject({ url: `/api/products/${spec.sku}` })).statusCode).toBe(live ? 200 : 404);
        expect((await h.catalog.reader.getBySku(spec.sku)) !== null).toBe(live);
        if (spec.status !== 'inactive') expect(await h.catalog.reader.getBySku(spec.sku, { includeHidden: true })).toMatchObject({ live });
      }
      const many = await h.catalog.reader.getManyBySku(catalog.map((c) => c.sku));
      expect([...many.keys()].sort()).toEqual([...visible].sort());
    });
  }
});
