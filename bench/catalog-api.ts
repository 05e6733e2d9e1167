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

async function setup(level: string, ttl: number): Promise<{ e: E2E; ours: string; bare: string }> {
  let constant: unknown = {};
  const logger = createLogger(level, pino.destination({ dest: '/dev/null', sync: false }));
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

type Result = Awaited<ReturnType<typeof cannon>>;

/** Alternating rounds of a baseline and the route, after a warm-up of both. */
async function compare(base: string, ours: string): Promise<{ base: Result; ours: Result }> {
  await cannon(base, 2);
  await cannon(ours, 2);
  const b: Result[] = [];
  const o: Result[] = [];
  for (let i = 0; i < 2; i++) {
    b.push(await cannon(base, 4));
    o.push(await cannon(ours, 4));
  }
  const avg = (rs: Result[]) => ({ rps: rs.reduce((a, r) => a + r.rps, 0) / rs.length, p99: Math.max(...rs.map((r) => r.p99)), errors: rs.reduce((a, r) => a + r.errors, 0) });
  return { base: avg(b), ours: avg(o) };
}

export async function run(): Promise<void> {
  // The goal's measure: the same server (its hooks, the app logger at 'info' into /dev/null), bare route vs the product route.
  const a = await setup('info', 1000);
  try {
    const r = await compare(a.bare, a.ours);
    console.log(`[info logger] bare route on the same server: ${r.base.rps.toFixed(0)} req/s, p99 ${r.base.p99} ms`);
    console.log(`[info logger] GET /api/products/:sku (1 s cache): ${r.ours.rps.toFixed(0)} req/s, p99 ${r.ours.p99} ms, errors ${r.ours.errors}`);
    console.log(`[info logger] throughput ratio ${(r.ours.rps / r.base.rps).toFixed(2)} (goal >= 0.5); p99 ${r.ours.p99} ms (goal <= 10 ms)`);
  } finally {
    await a.e.close();
  }
  // The earlier measure: server with a silent logger against a plain Fastify (no hooks) constant route.
  const plain = Fastify();
  let sample: unknown = {};
  plain.get('/plain', async () => sample);
  await plain.listen({ host: '127.0.0.1', port: 0 });
  const plainUrl = `http://127.0.0.1:${(plain.server.address() as { port: number }).port}/plain`;
  try {
    for (const ttl of [1000, 0]) {
      const s = await setup('silent', ttl);
      try {
        sample = JSON.parse(await (await fetch(s.ours)).text()) as unknown;
        const r = await compare(plainUrl, s.ours);
        console.log(
          `[silent logger, cache ${ttl ? '1 s' : 'off'}] route ${r.ours.rps.toFixed(0)} req/s (p99 ${r.ours.p99} ms) vs plain Fastify ${r.base.rps.toFixed(0)} req/s: ratio ${(r.ours.rps / r.base.rps).toFixed(2)}`,
        );
      } finally {
        await s.e.close();
      }
    }
  } finally {
    await plain.close();
  }
}
