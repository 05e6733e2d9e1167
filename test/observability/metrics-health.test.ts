import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetricsRegistry } from '../../src/observability/metrics.js';
import { httpMetricsPlugin } from '../../src/observability/http-metrics.js';
import { databaseCheck, healthRoutes, zohoConnectionCheck, type ReadinessCheck } from '../../src/http/routes/health.js';
import { docsRoutes, DOCS_CSP } from '../../src/http/routes/docs.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * A line-by-line parser of the Prometheus text exposition format (0.0.4):
 * `# HELP`, `# TYPE`, blank lines and samples. Throws on anything else.
 */
export function parsePrometheusText(text: string): { types: Map<string, string>; help: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: Sample[] = [];
  const name = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const sampleRe = new RegExp(`^(${name})(?:\\{(.*)\\})?[ \\t]+(\\S+)(?:[ \\t]+(-?\\d+))?$`);
  const labelRe = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"(,|$)/;
  text.split('\n').forEach((line, i) => {
    if (line === '') return;
    const where = `line ${i + 1}: ${line}`;
    if (line.startsWith('#')) {
      const m = new RegExp(`^# (HELP|TYPE) (${name}) (.*)$`).exec(line);
      if (!m) {
        if (/^# (HELP|TYPE) /.test(line)) throw new Error(`bad comment ${where}`);
        return; // other comments are allowed
      }
      if (m[1] === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(m[3]!)) throw new Error(`bad type ${where}`);
        if (types.has(m[2]!)) throw new Error(`duplicate TYPE ${where}`);
        types.set(m[2]!, m[3]!);
      } else help.set(m[2]!, m[3]!);
      return;
    }
    const m = sampleRe.exec(line);
    if (!m) throw new Error(`not a sample ${where}`);
    const labels: Record<string, string> = {};
    let rest = m[2] ?? '';
    while (rest.length > 0) {
      const l = labelRe.exec(rest);
      if (!l) throw new Error(`bad labels ${where}`);
      labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
      rest = rest.slice(l[0].length);
    }
    const raw = m[3]!;
    // Prometheus parses values with Go's strconv.ParseFloat: NaN and Inf in any case (prom-client writes `Nan`).
    const lower = raw.toLowerCase();
    const value = lower === '+inf' || lower === 'inf' ? Infinity : lower === '-inf' ? -Infinity : lower === 'nan' ? NaN : Number(raw);
    if (!/^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?inf|nan)$/i.test(raw)) throw new Error(`bad value ${where}`);
    const family = [...types.keys()].find((t) => m[1] === t || (/(histogram|summary)/.test(types.get(t)!) && [`${t}_bucket`, `${t}_sum`, `${t}_count`].includes(m[1]!)));
    if (!family) throw new Error(`sample without a TYPE ${where}`);
    samples.push({ name: m[1]!, labels, value });
  });
  return { types, help, samples };
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function build(checks: ReadinessCheck[] = [], extra?: (a: FastifyInstance) => void, metricsToken?: string) {
  const registry = createMetricsRegistry(true);
  const a = await createHttpServer({ logger: createLogger('silent') });
  await a.register(httpMetricsPlugin, { registry });
  await a.register(healthRoutes, { registry, checks, ...(metricsToken ? { metricsToken } : {}) });
  a.get<{ Params: { sku: string } }>('/api/products/:sku', async (req, reply) => (req.params.sku === 'missing' ? reply.status(404).send({}) : { sku: req.params.sku }));
  extra?.(a);
  await a.ready();
  return { app: a, registry };
}

describe('/metrics', () => {
  it('parses as Prometheus text and has the HTTP latency histogram by route pattern', async () => {
    const built = await build();
    app = built.app;
    // Another module's metrics on the same registry show up too.
    new Counter({ name: 'zoho_calls_total', help: 'Zoho calls', labelNames: ['endpoint', 'status', 'priority'], registers: [built.registry] }).inc({ endpoint: 'GET /items', status: '200', priority: 'poll' });
    new Gauge({ name: 'test_label_escaping', help: 'a "quoted" \\ help', labelNames: ['v'], registers: [built.registry] }).set({ v: 'a"b\\c\nd' }, 1);
    for (const sku of ['ACC-1', 'ACC-2', 'missing']) await app.inject({ method: 'GET', url: `/api/products/${sku}?x=1` });
    await app.inject({ method: 'GET', url: '/no/such/route' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const parsed = parsePrometheusText(res.body);
    expect(parsed.types.get('http_request_duration_seconds')).toBe('histogram');
    expect(parsed.types.get('process_cpu_user_seconds_total')).toBe('counter');
    const count = (labels: Record<string, string>) =>
      parsed.samples.find((s) => s.name === 'http_request_duration_seconds_count' && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    expect(count({ method: 'GET', route: '/api/products/:sku', status_code: '200' })).toBe(2);
    expect(count({ method: 'GET', route: '/api/products/:sku', status_code: '404' })).toBe(1);
    expect(count({ method: 'GET', route: 'not_found', status_code: '404' })).toBe(1);
    // Raw URLs (ids, query strings) are never labels.
    expect(parsed.samples.some((s) => (s.labels.route ?? '').includes('ACC-1'))).toBe(false);
    const inf = parsed.samples.find((s) => s.name === 'http_request_duration_seconds_bucket' && s.labels.le === '+Inf' && s.labels.status_code === '200');
    expect(inf?.value).toBe(2);
    expect(parsed.samples.find((s) => s.name === 'zoho_calls_total')?.labels).toEqual({ endpoint: 'GET /items', status: '200', priority: 'poll' });
    expect(parsed.samples.find((s) => s.name === 'test_label_escaping')?.labels.v).toBe('a"b\\c\nd');
    // Probes and scrapes are not measured.
    expect(parsed.samples.some((s) => s.labels.route === '/metrics')).toBe(false);
  });

  it('the parser rejects malformed exposition text', () => {
    expect(() => parsePrometheusText('# TYPE x counter\nx{a="1" 2\n')).toThrow();
    expect(() => parsePrometheusText('y 1\n')).toThrow(/without a TYPE/);
    expect(() => parsePrometheusText('# TYPE x counter\nx one\n')).toThrow(/bad value/);
  });

  it('can require a bearer token', async () => {
    app = (await build([], undefined, 'scrape-token-123')).app;
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-token-123' } })).statusCode).toBe(200);
  });
});

describe('/healthz and /readyz', () => {
  it('healthz answers while readiness checks fail', async () => {
    app = (await build([databaseCheck(async () => Promise.reject(new Error('connection refused')))])).app;
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('readyz is 200 when every check passes and 503 naming the failing ones', async () => {
    let dbUp = true;
    let state = 'connected';
    const checks = [
      databaseCheck(async () => {
        if (!dbUp) throw new Error('connection refused');
      }),
      zohoConnectionCheck(async () => ({ state, lastError: state === 'needs_reauth' ? 'invalid_code' : null })),
    ];
    app = (await build(checks)).app;
    const ok = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().status).toBe('ready');
    dbUp = false;
    state = 'needs_reauth';
    const bad = await app.inject({ method: 'GET', url: '/readyz' });
    expect(bad.statusCode).toBe(503);
    const body = bad.json();
    expect(body.status).toBe('not_ready');
    expect(body.checks.filter((c: { ok: boolean }) => !c.ok).map((c: { name: string; detail: string }) => [c.name, c.detail])).toEqual([
      ['database', 'connection refused'],
      ['zoho_connection', 'needs_reauth: invalid_code'],
    ]);
  });

  it('a hanging check times out instead of hanging the probe; not_connected can be allowed', async () => {
    app = (
      await build([
        { name: 'slow', timeoutMs: 50, check: () => new Promise(() => undefined) },
        zohoConnectionCheck(async () => ({ state: 'not_connected' }), { allowNotConnected: true }),
      ])
    ).app;
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    const checks = res.json().checks as Array<{ name: string; ok: boolean; detail: string }>;
    expect(checks.find((c) => c.name === 'slow')).toMatchObject({ ok: false, detail: 'timed out after 50 ms' });
    expect(checks.find((c) => c.name === 'zoho_connection')).toMatchObject({ ok: true });
  });
});

describe('/docs', () => {
  it('serves Swagger UI with its own CSP and the OpenAPI document with the routes', async () => {
    app = (
      await build([], (a) => {
        void a.register(docsRoutes);
      })
    ).app;
    const ui = await app.inject({ method: 'GET', url: '/docs' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-security-policy']).toBe(DOCS_CSP);
    const doc = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(doc.statusCode).toBe(200);
    const spec = doc.json();
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/readyz', '/healthz', '/metrics', '/api/products/{sku}']));
    expect(spec.components.securitySchemes.adminSession).toBeTruthy();
    // Other pages keep the strict shell policy.
    const other = await app.inject({ method: 'GET', url: '/healthz' });
    expect(other.headers['content-security-policy']).not.toBe(DOCS_CSP);
  });
});
