/**
 * HTTP latency histogram for every route of the app. Registered on the root
 * instance (not encapsulated) so it sees every route, including the other
 * modules' plugins registered after it.
 *
 * Labels: method, route (the route pattern, never the raw URL: ids and query
 * strings would explode the cardinality and leak data), status_code.
 */
import type { FastifyInstance } from 'fastify';
import { Histogram, type Registry } from 'prom-client';

export interface HttpMetricsOptions {
  registry: Registry;
  /** Seconds. Default: 5 ms … 10 s. */
  buckets?: number[];
  /** Routes not measured (default: /metrics, /healthz, /readyz: scrapes and probes would dominate). */
  ignoreRoutes?: string[];
}

export const DEFAULT_HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

async function httpMetrics(app: FastifyInstance, options: HttpMetricsOptions): Promise<void> {
  const ignored = new Set(options.ignoreRoutes ?? ['/metrics', '/healthz', '/readyz']);
  const existing = options.registry.getSingleMetric('http_request_duration_seconds');
  const histogram =
    (existing as Histogram<'method' | 'route' | 'status_code'> | undefined) ??
    new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration in seconds, by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: options.buckets ?? DEFAULT_HTTP_BUCKETS,
      registers: [options.registry],
    });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions?.url ?? (reply.statusCode === 404 ? 'not_found' : 'unknown');
    if (ignored.has(route)) return;
    histogram.observe({ method: req.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
}

// Same effect as fastify-plugin: the hook lands on the instance it is registered on.
(httpMetrics as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
(httpMetrics as unknown as Record<symbol, string>)[Symbol.for('fastify.display-name')] = 'http-metrics';

/** `await app.register(httpMetricsPlugin, { registry })` or `await httpMetricsPlugin(app, { registry })`. */
export const httpMetricsPlugin = httpMetrics;
