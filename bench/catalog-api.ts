/**
 * GET /api/products/:sku (the catalog route: product cache, store read on a
 * miss, reservations, ETag) against a bare route answering the same JSON as a
 * constant, registered ON THE SAME SERVER (createHttpServer: request ids,
 * security headers, error handler, the app logger at level 'info' writing to
 * /dev/null, so Fastify's per-request log lines are produced and discarded as
 * in production). Same process, same run, alternating rounds. Goal: ratio
 * >= 0.5, p99 <= 10 ms. Also printed: a plain Fastify (no hooks, no logger)
 * constant route, and the route with its product cache disabled (ttl 0).
 */
import autocannon from 'autocannon';
import Fastify from 'fastify';
import pino from 'pino';
import { createLogger } from '../src/observability/logger.js';
import { startE2E, type E2E } from '../test/catalog/emulator-harness.js';

async function cannon(url: string, seconds: number) {
  const r = await autocannon({ url, connections: 10, duration: seconds, pipelining: 1 });
  return { rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

async function setup(ttl: number): Promise<{ e: E2E; ours: string; bare: string }> {
  let constant: unknown = {};
  const logger = createLogger('info', pino.destination({ dest: '/dev/null', sync: false }));
  const e = await startE2E({
    kind: 'sqlite',
    webhooks: false,
    logger,
    tuning: { productCacheTtlMs: ttl },
    extraRoutes: (app) => app.get('/bench/bare', async () => constant),
  });
  await e.catalog.sync.fullSync();
  const list = (await (await fetch(`${e.baseUrl}/api/products?pageSize=1`)).json()) as { items: Array<{ sku: string }> };
  const ours = `${e.baseUrl}/api/products/${encodeURIComponent(list.items[0]!.sku)}`;
  constant = JSON.parse(await (await fetch(ours)).text()) as unknown;
  return { e, ours, bare: `${e.baseUrl}/bench/bare` };
}

export async function run(): Promise<void> {
  const { e, ours, bare } = await setup(1000);
  const plain = Fastify();
  const sample = JSON.parse(await (await fetch(ours)).text()) as unknown;
  plain.get('/plain', async () => sample);
  await plain.listen({ host: '127.0.0.1', port: 0 });
  const plainUrl = `http://127.0.0.1:${(plain.server.address() as { port: number }).port}/plain`;
  try {
    await cannon(bare, 2); // warm-up
    await cannon(ours, 2);
    const rounds: Array<{ base: Awaited<ReturnType<typeof cannon>>; ours: Awaited<ReturnType<typeof cannon>> }> = [];
    for (let i = 0; i < 2; i++) rounds.push({ base: await cannon(bare, 5), ours: await cannon(ours, 5) });
    const p = await cannon(plainUrl, 5);
    const base = rounds.reduce((a, r) => a + r.base.rps, 0) / rounds.length;
    const our = rounds.reduce((a, r) => a + r.ours.rps, 0) / rounds.length;
    const p99 = Math.max(...rounds.map((r) => r.ours.p99));
    console.log(`bare route, same server + hooks + info logger: ${base.toFixed(0)} req/s, p99 ${Math.max(...rounds.map((r) => r.base.p99))} ms`);
    console.log(`GET /api/products/:sku (cache 1 s):            ${our.toFixed(0)} req/s, p99 ${p99} ms, errors ${rounds.reduce((a, r) => a + r.ours.errors, 0)}`);
    console.log(`plain Fastify constant (no hooks, no logger):  ${p.rps.toFixed(0)} req/s, p99 ${p.p99} ms`);
    console.log(`throughput ratio ${(our / base).toFixed(2)} vs same-server bare (goal >= 0.5); ${(our / p.rps).toFixed(2)} vs plain Fastify; p99 ${p99} ms (goal <= 10 ms)`);
  } finally {
    await plain.close();
    await e.close();
  }
  // The uncached path (every request reads the store), for scale.
  const u = await setup(0);
  try {
    await cannon(u.ours, 2);
    const base = await cannon(u.bare, 5);
    const ours2 = await cannon(u.ours, 5);
    console.log(`cache disabled: ${ours2.rps.toFixed(0)} req/s, p99 ${ours2.p99} ms; ratio ${(ours2.rps / base.rps).toFixed(2)} vs same-server bare`);
  } finally {
    await u.e.close();
  }
}
