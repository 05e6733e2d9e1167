import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { makeHarness, items, type Harness } from './harness.js';
import { catalogRoutes } from '../../src/http/routes/catalog.js';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/observability/logger.js';

describeEachDatabase('GET /api/products/:sku cache', (kind) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('serves the cached body, drops it on a write by this process, and shows other writers within the TTL', async () => {
    h = await makeHarness(kind, items(3));
    await h.catalog.sync.fullSync();
    let t = 1_000_000;
    const app = await createHttpServer({ logger: createLogger('silent') });
    await app.register(catalogRoutes({ reader: h.catalog.reader, imageDir: '/nonexistent', productCacheTtlMs: 1000, now: () => t }));
    await app.ready();
    const get = async () => app.inject({ url: '/api/products/SKU-0001' });
    const first = await get();
    expect(first.json().availableQuantity).toBe(10);
    // Same bytes and ETag as the route without the cache would send (schema serializer), and 304 on a match.
    const again = await get();
    expect(again.body).toBe(first.body);
    expect((await app.inject({ url: '/api/products/SKU-0001', headers: { 'if-none-match': first.headers.etag as string } })).statusCode).toBe(304);
    const uncached = await h.app.inject({ url: '/api/products/SKU-0001' });
    expect(JSON.parse(first.body)).toEqual(uncached.json());

    // Another process writes the row (simulated: straight to the store): not seen before the TTL…
    await h.store.db.updateTable('catalog_items').set({ zoho_quantity: 4, version: 99 }).where('sku', '=', 'SKU-0001').execute();
    t += 500;
    expect((await get()).json().availableQuantity).toBe(10);
    // …seen once it passes.
    t += 600;
    expect((await get()).json().availableQuantity).toBe(4);

    // This process re-reads the item from Zoho: the entry is dropped at once, no TTL wait.
    h.zoho.setStock('5000000000000000001', 7);
    await h.catalog.sync.refreshItems(['5000000000000000001'], 'order');
    const fresh = await get();
    expect(fresh.json().availableQuantity).toBe(7);
    expect(fresh.headers.etag).not.toBe(first.headers.etag);
    expect((await app.inject({ url: '/api/products/NOPE' })).statusCode).toBe(404);
    await app.close();
  });
});
