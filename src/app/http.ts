/**
 * The whole HTTP surface, assembled from the modules' route plugins on the
 * Fastify shell (src/http/server.ts).
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { errorBody } from '../shared/errors.js';
import { createHttpServer } from '../http/server.js';
import { healthRoutes, databaseCheck, zohoConnectionCheck } from '../http/routes/health.js';
import { docsRoutes } from '../http/routes/docs.js';
import { httpMetricsPlugin } from '../observability/http-metrics.js';
import { pingStore } from '../store/db.js';
import { adminPlugin, MemorySessionStore, requireAdminSession } from '../admin/index.js';
import { storefrontPlugin } from '../storefront/index.js';
import { FAKE_ADDRESS_CASES } from '../compliance/address/fake.js';
import type { AppContext } from './context.js';
import { createAdminSources } from './admin-sources.js';

export interface HttpAppOptions {
  /** The admin password in clear (ADMIN_PASSWORD or the demo's generated one). */
  adminPassword: string;
  /** Serve the demo storefront at `/`. */
  storefront: boolean;
}

export async function buildHttpApp(ctx: AppContext, options: HttpAppOptions): Promise<FastifyInstance> {
  const { config } = ctx;
  const tls =
    config.TLS_CERT_FILE && config.TLS_KEY_FILE
      ? { cert: readFileSync(config.TLS_CERT_FILE), key: readFileSync(config.TLS_KEY_FILE) }
      : null;
  const app = await createHttpServer({
    logger: ctx.logger,
    ...(config.TRUST_PROXY ? { trustProxy: config.TRUST_PROXY } : {}),
    https: tls,
  });

  await app.register(httpMetricsPlugin, { registry: ctx.registry });
  await app.register(healthRoutes, {
    registry: ctx.registry,
    metricsToken: config.METRICS_TOKEN ?? null,
    checks: [
      databaseCheck(() => pingStore(ctx.store)),
      zohoConnectionCheck(() => ctx.zoho.connection.status(), { allowNotConnected: config.demo }),
    ],
  });

  // Storefront and webhook APIs.
  await app.register(ctx.catalog.routes);
  await app.register(ctx.catalog.webhookRoutes);
  await app.register(ctx.compliance.restrictionsRoutes);
  await app.register(async (shop) => {
    // With STOREFRONT_API_KEY set, only the shop's backend may place, read or cancel orders.
    if (config.STOREFRONT_API_KEY) shop.addHook('onRequest', storefrontKeyCheck(config.STOREFRONT_API_KEY));
    await shop.register(ctx.orders.routes);
  });
  await app.register(ctx.compliance.routes);

  // Operator side: the dashboard, its API, the OAuth flow, all behind one login.
  const sessionStore = new MemorySessionStore();
  const sessionSecret = config.SESSION_SECRET ?? randomBytes(32).toString('base64url');
  const secureCookies = Boolean(tls) || Boolean(config.TRUST_PROXY);
  const requireAdmin: preHandlerHookHandler = requireAdminSession({ sessionSecret, sessionStore, clock: ctx.clock });
  await app.register(ctx.zoho.routes, { requireAdmin, successRedirect: '/admin/connection?connected=1' });
  await app.register(async (admin) => {
    await adminPlugin(admin, {
      adminPassword: options.adminPassword,
      sessionSecret,
      sessionStore,
      secureCookies,
      sources: createAdminSources(ctx),
      clock: ctx.clock,
      ...(config.PUBLIC_URL ? { allowedOrigins: [new URL(config.PUBLIC_URL).origin] } : {}),
    });
  });

  await app.register(docsRoutes);
  if (options.storefront) {
    await app.register(storefrontPlugin, {
      personas: ctx.compliance.personas,
      addressCases: FAKE_ADDRESS_CASES,
      shopName: 'VIP Smoke',
    });
  }
  return app;
}

function storefrontKeyCheck(key: string) {
  const expected = createHash('sha256').update(key).digest();
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : String(req.headers['x-api-key'] ?? '');
    // Hash both sides so the comparison is constant-time whatever the lengths.
    if (!timingSafeEqual(createHash('sha256').update(given).digest(), expected)) {
      return reply.status(401).send(errorBody('unauthorized', 'A valid storefront API key is required (Authorization: Bearer …)'));
    }
  };
}
