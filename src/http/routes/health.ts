/**
 * `/healthz` (the process answers), `/readyz` (every readiness check passes:
 * database ping, Zoho connection state…; 503 naming the failing checks) and
 * `/metrics` (prom-client text of the app's registry).
 */
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface ReadinessCheck {
  name: string;
  /** Resolve (or return `{ ok: true }`) when ready; throw or return `{ ok: false, detail }` when not. */
  check(): Promise<void | { ok: boolean; detail?: string }>;
  /** Default 3 s: a hung dependency must not hang the probe. */
  timeoutMs?: number;
}

export interface HealthRoutesOptions {
  registry: Registry;
  checks?: ReadinessCheck[];
  /** When set, /metrics requires `Authorization: Bearer <token>`. */
  metricsToken?: string | null;
}

export interface ReadinessResult {
  ready: boolean;
  checks: Array<{ name: string; ok: boolean; detail?: string; durationMs: number }>;
}

export async function runReadinessChecks(checks: ReadinessCheck[]): Promise<ReadinessResult> {
  const results = await Promise.all(
    checks.map(async (c) => {
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        const outcome = await Promise.race([
          c.check(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${c.timeoutMs ?? 3000} ms`)), c.timeoutMs ?? 3000);
          }),
        ]);
        const ok = outcome ? outcome.ok : true;
        const detail = outcome && outcome.detail ? outcome.detail : undefined;
        return { name: c.name, ok, ...(detail ? { detail } : {}), durationMs: Date.now() - started };
      } catch (err) {
        return { name: c.name, ok: false, detail: err instanceof Error ? err.message : String(err), durationMs: Date.now() - started };
      } finally {
        if (timer) clearTimeout(timer);
      }
    }),
  );
  return { ready: results.every((r) => r.ok), checks: results };
}

/** Readiness check over a database ping (e.g. `() => pingStore(store)`). */
export function databaseCheck(ping: () => Promise<void>): ReadinessCheck {
  return { name: 'database', check: ping };
}

/**
 * Readiness check over the Zoho connection state. `connected` passes;
 * `not_connected` passes only when `allowNotConnected` (demo: the operator
 * has not pressed Connect yet, yet the storefront can serve the cache).
 */
export function zohoConnectionCheck(
  status: () => Promise<{ state: string; lastError?: string | null }>,
  options: { allowNotConnected?: boolean } = {},
): ReadinessCheck {
  return {
    name: 'zoho_connection',
    async check() {
      const s = await status();
      if (s.state === 'connected' || (s.state === 'not_connected' && options.allowNotConnected)) return { ok: true, detail: s.state };
      return { ok: false, detail: s.lastError ? `${s.state}: ${s.lastError}` : s.state };
    },
  };
}

const READINESS_SCHEMA = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ready', 'not_ready'] },
    checks: {
      type: 'array',
      items: {
        type: 'object',
        properties: { name: { type: 'string' }, ok: { type: 'boolean' }, detail: { type: 'string' }, durationMs: { type: 'number' } },
      },
    },
  },
} as const;

export async function healthRoutes(app: FastifyInstance, options: HealthRoutesOptions): Promise<void> {
  const checks = options.checks ?? [];
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process answers',
        response: { 200: { type: 'object', properties: { status: { type: 'string' } } } },
      },
      logLevel: 'warn',
    },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: database and Zoho connection (503 lists the failing checks)',
        response: {
          200: READINESS_SCHEMA,
          503: READINESS_SCHEMA,
        },
      },
      logLevel: 'warn',
    },
    async (_req, reply) => {
      const result = await runReadinessChecks(checks);
      return reply.status(result.ready ? 200 : 503).send({ status: result.ready ? 'ready' : 'not_ready', checks: result.checks });
    },
  );
  app.get(
    '/metrics',
    {
      schema: { tags: ['operations'], summary: 'Prometheus metrics (text exposition format)', produces: ['text/plain'] },
      logLevel: 'warn',
    },
    async (req, reply) => {
      if (options.metricsToken && req.headers.authorization !== `Bearer ${options.metricsToken}`) {
        return reply.status(401).send({ error: { code: 'unauthorized', message: 'A bearer token is required', details: [] } });
      }
      const body = await options.registry.metrics();
      return reply.type(options.registry.contentType).send(body);
    },
  );
}

