/**
 * POST /api/orders latency with the fake age/address providers and an instant
 * emulator (no Zoho call is on this path unless stock is low): p50/p99 of the
 * whole answer, of the compliance call inside it, and of the bridge's own part
 * (the rest), beside a bare Fastify route validating the same body schema.
 * Goal: p99 of the bridge's own part <= 25 ms.
 */
import Fastify from 'fastify';
import type { ComplianceService } from '../src/compliance/types.js';
import { placeOrderBodySchema } from '../src/http/routes/orders.js';
import { benchOrder, benchWorld, percentile } from './orders-world.js';

export async function run(): Promise<void> {
  const N = 400;
  const w = await benchWorld({
    env: { ZOHO_PER_MINUTE_LIMIT: '100000' },
    emulator: { perMinuteLimit: 100_000 },
    beforeSync: (emu) => emu.control.setStock('ACC-RAW-KSS', emu.control.locationIds.dtc, 100_000),
  });
  try {
    // Time the compliance call inside each checkout (providers are fakes; the rest is the bridge).
    const svc = w.compliance.service as ComplianceService;
    const assess = svc.assess.bind(svc);
    let assessMs = 0;
    svc.assess = async (input) => {
      const t = performance.now();
      try {
        return await assess(input);
      } finally {
        assessMs += performance.now() - t;
      }
    };
    const bare = Fastify();
    bare.post('/bare', { schema: { body: placeOrderBodySchema } }, async (_req, reply) => reply.status(201).send({ orderId: 'x', status: 'accepted' }));
    await bare.ready();

    const measure = async (fn: (i: number) => Promise<number>) => {
      const out: Array<{ total: number; assess: number }> = [];
      for (let i = 0; i < N; i++) {
        assessMs = 0;
        const t = performance.now();
        const status = await fn(i);
        if (status !== 201) throw new Error(`status ${status}`);
        out.push({ total: performance.now() - t, assess: assessMs });
      }
      return out;
    };
    const viaBare = (i: number) => bare.inject({ method: 'POST', url: '/bare', payload: benchOrder(i % 50) }).then((r) => r.statusCode);
    const viaBridge = (i: number) => w.app.inject({ method: 'POST', url: '/api/orders', payload: benchOrder(i % 50) }).then((r) => r.statusCode);
    await measure(viaBare);
    await measure(viaBridge); // warm-up (and returning customers)
    const base = await measure(viaBare);
    const ours = await measure(viaBridge);
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const total = sorted(ours.map((o) => o.total));
    const own = sorted(ours.map((o) => o.total - o.assess));
    const comp = sorted(ours.map((o) => o.assess));
    const b = sorted(base.map((o) => o.total));
    const f = (x: number) => x.toFixed(2);
    console.log(`bare Fastify + same body schema: p50 ${f(percentile(b, 50))} ms, p99 ${f(percentile(b, 99))} ms`);
    console.log(`POST /api/orders total:          p50 ${f(percentile(total, 50))} ms, p99 ${f(percentile(total, 99))} ms (ratio p50 ${f(percentile(total, 50) / percentile(b, 50))}x)`);
    console.log(`  compliance (fake providers):   p50 ${f(percentile(comp, 50))} ms, p99 ${f(percentile(comp, 99))} ms`);
    console.log(`  bridge's own part:             p50 ${f(percentile(own, 50))} ms, p99 ${f(percentile(own, 99))} ms (goal p99 <= 25 ms)`);
    await bare.close();
  } finally {
    await w.close();
  }
}
