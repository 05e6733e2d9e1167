/**
 * GET /api/products/:sku through the catalog (store read, reservations, ETag,
 * response schema) against a bare Fastify route answering a constant JSON of
 * the same size, in the same process and run. Prints the throughput ratio
 * (goal >= 0.5) and p99 latencies (goal <= 10 ms).
 */
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { startE2E } from '../test/catalog/emulator-harness.js';

async function cannon(url: string, seconds: number) {
  const r = await autocannon({ url, connections: 10, duration: seconds, pipelining: 1 });
  return { rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

export async function run(): Promise<void> {
  const e = await startE2E({ kind: 'sqlite', webhooks: false });
  try {
    await e.catalog.sync.fullSync();
    const list = (await (await fetch(`${e.baseUrl}/api/products?pageSize=1`)).json()) as { items: Array<{ sku: string }> };
    const sku = list.items[0]!.sku;
    const sample = await (await fetch(`${e.baseUrl}/api/products/${encodeURIComponent(sku)}`)).text();
    const bare = Fastify();
    const constant = JSON.parse(sample) as unknown;
    bare.get('/bare', async () => constant);
    await bare.listen({ host: '127.0.0.1', port: 0 });
    const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/bare`;
    await cannon(bareUrl, 2); // warm-up
    await cannon(`${e.baseUrl}/api/products/${encodeURIComponent(sku)}`, 2);
    const base = await cannon(bareUrl, 8);
    const ours = await cannon(`${e.baseUrl}/api/products/${encodeURIComponent(sku)}`, 8);
    await bare.close();
    console.log(`bare Fastify constant JSON: ${base.rps.toFixed(0)} req/s, p99 ${base.p99} ms`);
    console.log(`GET /api/products/:sku:     ${ours.rps.toFixed(0)} req/s, p99 ${ours.p99} ms, errors ${ours.errors}`);
    console.log(`throughput ratio ${(ours.rps / base.rps).toFixed(2)} (goal >= 0.5); p99 ${ours.p99} ms (goal <= 10 ms)`);
  } finally {
    await e.close();
  }
}
