/**
 * Operator dashboard (`/admin`, server-rendered HTML) and its JSON twin
 * (`/api/admin/*`), as one encapsulated Fastify plugin.
 *
 * Deps (all in the options): the operator password (plain, hashed here with
 * scrypt at registration, or a ready `hashPassword()` hash), a session
 * secret, whether cookies are Secure (TLS or a TLS-terminating proxy), and
 * `sources`: the AdminSources adapter over the real modules (src/admin/sources.ts).
 *
 * Security: opaque server-side sessions in an HttpOnly SameSite=Lax cookie
 * (Lax, not Strict: the browser comes back from Zoho's consent page through a
 * cross-site redirect and must still be logged in); synchronizer CSRF token
 * on every POST (hidden `_csrf` field or `x-csrf-token` header) plus an
 * Origin / Sec-Fetch-Site check that refuses cross-site posts; per-IP
 * failed-login limit.
 *
 * Usage: `await app.register(adminPlugin, { adminPassword, sessionSecret, secureCookies, sources })`.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { AppError } from '../shared/errors.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { hashPassword, LoginLimiter, operatorIdentity, randomToken, safeEqual, SessionManager, verifyPassword, type AdminSession, type Flash, type SessionStore } from './auth.js';
import { APPROVE_NOTE_MIN, type AdminOrderDetail, type AdminSources, type AuditRecordDetail, type DownloadFile } from './sources.js';
import { html, type SafeHtml } from './html.js';
import { layout, loginPage, type Loaded, type PageContext } from './pages/layout.js';
import { overviewPage } from './pages/overview.js';
import { connectionPage } from './pages/connection.js';
import { budgetPage } from './pages/budget.js';
import { syncPage } from './pages/sync.js';
import { catalogPage } from './pages/catalog.js';
import { orderDetailPage, ordersPage } from './pages/orders.js';
import { auditDetailPage, compliancePage } from './pages/compliance.js';
import { alertsPage } from './pages/alerts.js';
import { registerAdminApi } from './api.js';
import { FAVICON_LINK, registerFavicon } from './favicon.js';

export type { AdminSources } from './sources.js';
export { hashPassword, verifyPassword, generateAdminPassword, resolveAdminPassword, MemorySessionStore, type SessionStore } from './auth.js';

export const SESSION_COOKIE = 'dtc_admin';
export const LOGIN_NONCE_COOKIE = 'dtc_login';

export interface AdminPluginOptions {
  /** ADMIN_PASSWORD in clear (hashed here at start). One of adminPassword / adminPasswordHash is required. */
  adminPassword?: string;
  /** A `hashPassword()` result (`scrypt$…`). */
  adminPasswordHash?: string;
  /** SESSION_SECRET (≥ 16 chars); a random one per process is fine (sessions then end at restart). */
  sessionSecret: string;
  /** Secure cookies: true behind TLS or a TLS-terminating proxy. */
  secureCookies?: boolean;
  sources: AdminSources;
  clock?: Clock;
  /** Default: in memory (one process). */
  sessionStore?: SessionStore;
  /** Failed logins per IP per window. Default 5 per 15 min. */
  loginRateLimit?: { max: number; windowMs: number };
  /**
   * Origins allowed to POST (e.g. PUBLIC_URL's origin). Default: the
   * request's own origin (scheme + Host), which is right unless a proxy
   * rewrites Host.
   */
  allowedOrigins?: string[];
  /** Directory holding admin.css / admin.js. Default: the repository's web/. */
  webDir?: string;
  /**
   * More route plugins to mount inside the admin scope: they get the same
   * session check (401 / 302) and CSRF + Origin check on POST.
   */
  extraRoutes?: Array<(app: FastifyInstance) => Promise<void>>;
}

declare module 'fastify' {
  interface FastifyRequest {
    adminSession: AdminSession | null;
  }
  interface FastifyContextConfig {
    /** Admin routes reachable without a session (login, assets). */
    adminPublic?: boolean;
  }
}

export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));

const PAGE_SIZE = 50;

export interface AdminContext {
  sessions: SessionManager;
  limiter: LoginLimiter;
  clock: Clock;
  options: AdminPluginOptions;
  passwordHash: string;
  setSessionCookie(reply: FastifyReply, value: string): void;
  originAllowed(req: FastifyRequest): boolean;
  clientIp(req: FastifyRequest): string;
}

export async function adminPlugin(app: FastifyInstance, options: AdminPluginOptions): Promise<void> {
  const clock = options.clock ?? systemClock;
  let passwordHash: string;
  if (options.adminPasswordHash) passwordHash = options.adminPasswordHash;
  else if (options.adminPassword) passwordHash = await hashPassword(options.adminPassword);
  else throw new Error('adminPlugin needs adminPassword or adminPasswordHash');
  const sessions = new SessionManager({ secret: options.sessionSecret, clock, ...(options.sessionStore ? { store: options.sessionStore } : {}) });
  const limiter = new LoginLimiter(options.loginRateLimit?.max ?? 5, options.loginRateLimit?.windowMs ?? 15 * 60_000, clock);
  const webDir = options.webDir ?? DEFAULT_WEB_DIR;
  const sources = options.sources;

  const cookieBase = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: options.secureCookies ?? false };
  const ctx: AdminContext = {
    sessions,
    limiter,
    clock,
    options,
    passwordHash,
    setSessionCookie(reply, value) {
      reply.setCookie(SESSION_COOKIE, value, cookieBase);
    },
    originAllowed: (req) => originAllowed(req, options.allowedOrigins),
    clientIp: (req) => req.ip,
  };

  app.decorateRequest('adminSession', null);

  // Authentication for every route of this plugin except the public ones.
  app.addHook('onRequest', async (req, reply) => {
    reply.header('cache-control', 'no-store');
    if (req.routeOptions.config?.adminPublic) return;
    req.adminSession = await sessions.read(req.cookies[SESSION_COOKIE]);
    if (req.adminSession) return;
    if (isApi(req)) {
      return reply.status(401).send({ error: { code: 'unauthorized', message: 'Sign in first: POST /api/admin/login', details: [] } });
    }
    const next = req.method === 'GET' ? req.url : '/admin';
    return reply.redirect(`/admin/login?next=${encodeURIComponent(next)}`, 302);
  });

  // CSRF: a cross-site POST is refused before its token is even looked at.
  app.addHook('preHandler', async (req, reply) => {
    if (req.method !== 'POST' || req.routeOptions.config?.adminPublic) return;
    if (!ctx.originAllowed(req)) return refuse(req, reply, 'cross_site_request', 'Cross-site requests are refused');
    const session = req.adminSession;
    const given = csrfFrom(req);
    if (!session || !given || !safeEqual(given, session.csrfToken)) {
      return refuse(req, reply, 'csrf_failed', 'The form is out of date or the CSRF token is missing; reload the page and try again');
    }
  });

  // --- static assets -------------------------------------------------------
  const assetCache = new Map<string, Buffer>();
  const ASSETS: Record<string, string> = { 'admin.css': 'text/css; charset=utf-8', 'admin.js': 'text/javascript; charset=utf-8' };
  app.get<{ Params: { file: string } }>('/admin/assets/:file', { config: { adminPublic: true }, schema: { hide: true } }, async (req, reply) => {
    const type = ASSETS[req.params.file];
    if (!type) throw new AppError('not_found', 'No such asset', 404);
    let body = assetCache.get(req.params.file);
    if (!body) {
      body = await readFile(join(webDir, req.params.file));
      assetCache.set(req.params.file, body);
    }
    reply.header('cache-control', 'public, max-age=300');
    return reply.type(type).send(body);
  });

  registerFavicon(app, { adminPublic: true });

  // --- login / logout ------------------------------------------------------
  app.get<{ Querystring: { next?: string } }>('/admin/login', { config: { adminPublic: true }, schema: { hide: true } }, async (req, reply) => {
    const existing = await sessions.read(req.cookies[SESSION_COOKIE]);
    const next = safeNext(req.query.next);
    if (existing) return reply.redirect(next, 303);
    const nonce = randomToken(18);
    reply.setCookie(LOGIN_NONCE_COOKIE, nonce, { ...cookieBase, path: '/admin/login', sameSite: 'strict' });
    return reply.type('text/html; charset=utf-8').send(loginPage({ token: sessions.loginToken(nonce), next }));
  });

  app.post<{ Body: { password?: string; _csrf?: string; next?: string } }>('/admin/login', { config: { adminPublic: true }, schema: { hide: true } }, async (req, reply) => {
    const next = safeNext(req.body?.next);
    const fresh = () => {
      const nonce = randomToken(18);
      reply.setCookie(LOGIN_NONCE_COOKIE, nonce, { ...cookieBase, path: '/admin/login', sameSite: 'strict' });
      return sessions.loginToken(nonce);
    };
    if (!ctx.originAllowed(req)) return refuse(req, reply, 'cross_site_request', 'Cross-site requests are refused');
    const ip = ctx.clientIp(req);
    const blocked = limiter.blockedFor(ip);
    if (blocked > 0) {
      reply.header('retry-after', String(Math.ceil(blocked / 1000)));
      return reply
        .status(429)
        .type('text/html; charset=utf-8')
        .send(loginPage({ token: fresh(), next, error: `Too many failed attempts. Try again in ${Math.ceil(blocked / 60_000)} min.` }));
    }
    const nonce = req.cookies[LOGIN_NONCE_COOKIE];
    const token = req.body?._csrf;
    if (!nonce || !token || !safeEqual(token, sessions.loginToken(nonce))) {
      return reply.status(403).type('text/html; charset=utf-8').send(loginPage({ token: fresh(), next, error: 'The sign-in form expired; please try again.' }));
    }
    const ok = typeof req.body?.password === 'string' && (await verifyPassword(req.body.password, passwordHash));
    if (!ok) {
      limiter.fail(ip);
      req.log.warn({ ip }, 'admin login failed');
      return reply.status(401).type('text/html; charset=utf-8').send(loginPage({ token: fresh(), next, error: 'Wrong password.' }));
    }
    limiter.succeed(ip);
    const { cookie } = await sessions.create();
    ctx.setSessionCookie(reply, cookie);
    reply.clearCookie(LOGIN_NONCE_COOKIE, { path: '/admin/login' });
    req.log.info({ ip }, 'admin login');
    return reply.redirect(next, 303);
  });

  app.post('/admin/logout', { schema: { hide: true } }, async (req, reply) => {
    if (req.adminSession) await sessions.destroy(req.adminSession);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/admin/login', 303);
  });

  // --- pages ---------------------------------------------------------------
  const page = async (req: FastifyRequest, reply: FastifyReply, title: string, body: (ctx: PageContext) => SafeHtml | Promise<SafeHtml>, status = 200) => {
    const session = req.adminSession!;
    const flash = session.flash;
    if (flash) {
      session.flash = null;
      await sessions.save(session);
    }
    const pctx: PageContext = { csrf: session.csrfToken, now: clock.now(), path: req.url.split('?')[0] ?? req.url, flash };
    return reply.status(status).type('text/html; charset=utf-8').send(layout(pctx, title, await body(pctx)));
  };
  const load = <T>(req: FastifyRequest, what: string, fn: () => Promise<T>): Promise<Loaded<T>> =>
    fn().then(
      (value) => ({ ok: true as const, value }),
      (err: unknown) => {
        req.log.warn({ err, panel: what }, 'admin panel failed to load');
        return { ok: false as const, error: errorMessage(err) };
      },
    );
  /** Runs an action from a form, then shows its outcome as a flash on the page it redirects to. */
  const action = async (req: FastifyRequest, reply: FastifyReply, back: string, fn: () => Promise<Flash>) => {
    let flash: Flash;
    try {
      flash = await fn();
    } catch (err) {
      req.log.warn({ err }, 'admin action failed');
      flash = { kind: 'error', message: errorMessage(err) };
    }
    const session = req.adminSession!;
    session.flash = flash;
    await sessions.save(session);
    return reply.redirect(back, 303);
  };

  const hidden = { schema: { hide: true } };

  app.get('/admin', hidden, async (req, reply) => {
    const [connection, budget, sync, deadLetters, needsReview, alerts] = await Promise.all([
      load(req, 'connection', () => sources.connection.status()),
      load(req, 'budget', () => sources.budget.snapshot()),
      load(req, 'sync', () => sources.sync.status()),
      load(req, 'dead letters', () => sources.orders.list({ status: 'dead_letter', limit: 1, offset: 0 })),
      load(req, 'needs review', () => sources.orders.list({ status: 'review', limit: 1, offset: 0 })),
      load(req, 'alerts', () => sources.alerts.recent(100)),
    ]);
    return page(req, reply, 'Overview', (c) => overviewPage(c, { connection, budget, sync, deadLetters, needsReview, alerts }));
  });

  // The OAuth callback lands here with ?connected=1 (src/http/routes/oauth.ts).
  app.get<{ Querystring: Record<string, string | undefined> }>('/admin/connection', hidden, async (req, reply) => {
    const status = await load(req, 'connection', () => sources.connection.status());
    const justConnected = req.query.connected === '1';
    return page(req, reply, 'Connection', (c) => connectionPage(c, status, { justConnected }));
  });

  // A GET (a link styled as a button), not a form: CSP form-action 'self' would block a
  // form's redirect to Zoho's consent page. Cross-site navigations to it are refused.
  app.get('/admin/connection/connect', hidden, async (req, reply) => {
    if (req.headers['sec-fetch-site'] === 'cross-site') return refuse(req, reply, 'cross_site_request', 'Start the connection from the dashboard');
    try {
      const url = await sources.connection.startUrl();
      req.log.info('admin started the Zoho consent');
      return reply.redirect(url, 302);
    } catch (err) {
      return action(req, reply, '/admin/connection', async () => {
        throw err;
      });
    }
  });

  app.get('/admin/budget', hidden, async (req, reply) => {
    const [snapshot, promise] = await Promise.all([load(req, 'budget', () => sources.budget.snapshot()), load(req, 'promise', () => sources.budget.stalenessPromise())]);
    return page(req, reply, 'API budget', (c) => budgetPage(c, snapshot, promise));
  });

  app.get('/admin/sync', hidden, async (req, reply) => {
    const [status, promise] = await Promise.all([load(req, 'sync', () => sources.sync.status()), load(req, 'promise', () => sources.budget.stalenessPromise())]);
    return page(req, reply, 'Sync', (c) => syncPage(c, status, promise));
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/admin/catalog', hidden, async (req, reply) => {
    const search = (req.query.q ?? '').trim().slice(0, 100);
    const offset = intParam(req.query.offset);
    const result = await load(req, 'catalog', () => sources.catalog.items({ ...(search ? { search } : {}), limit: PAGE_SIZE, offset }));
    return page(req, reply, 'Catalog', (c) => catalogPage(c, result, { search, offset, limit: PAGE_SIZE }));
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/admin/orders', hidden, async (req, reply) => {
    const status = (req.query.status ?? '').replace(/[^a-z_]/g, '').slice(0, 40);
    const offset = intParam(req.query.offset);
    const [result, review] = await Promise.all([
      load(req, 'orders', () => sources.orders.list({ ...(status ? { status } : {}), limit: PAGE_SIZE, offset })),
      load(req, 'needs review', () => sources.orders.list({ status: 'review', limit: 1, offset: 0 })),
    ]);
    const needsReview = review.ok ? review.value.total : null;
    return page(req, reply, 'Orders', (c) => ordersPage(c, result, { status, offset, limit: PAGE_SIZE, needsReview }));
  });

  app.get<{ Params: { id: string } }>('/admin/orders/:id', hidden, async (req, reply) => {
    const result = await load(req, 'order', () => sources.orders.get(req.params.id));
    if (result.ok && result.value === null) {
      return page(req, reply, 'Order not found', () => html`<p>No order <code>${req.params.id}</code>. <a href="/admin/orders">All orders</a></p>`, 404);
    }
    const order: Loaded<AdminOrderDetail> = result.ok ? { ok: true, value: result.value! } : result;
    return page(req, reply, `Order ${req.params.id}`, (c) => orderDetailPage(c, order));
  });

  app.post<{ Params: { id: string } }>('/admin/orders/:id/retry', hidden, async (req, reply) =>
    action(req, reply, `/admin/orders/${encodeURIComponent(req.params.id)}`, async () => {
      await sources.orders.retry(req.params.id);
      req.log.info({ orderId: req.params.id }, 'admin retried a dead letter');
      return { kind: 'ok', message: `Order ${req.params.id} is queued again.` };
    }),
  );

  app.post<{ Params: { id: string } }>('/admin/orders/:id/cancel', hidden, async (req, reply) =>
    action(req, reply, `/admin/orders/${encodeURIComponent(req.params.id)}`, async () => {
      await sources.orders.cancel(req.params.id);
      req.log.info({ orderId: req.params.id }, 'admin cancelled an order');
      return { kind: 'ok', message: `Order ${req.params.id} is cancelled.` };
    }),
  );

  app.post<{ Params: { id: string }; Body: { note?: string } }>('/admin/orders/:id/approve', hidden, async (req, reply) =>
    action(req, reply, `/admin/orders/${encodeURIComponent(req.params.id)}`, async () => {
      const note = typeof req.body?.note === 'string' ? req.body.note.trim() : '';
      if (note.length < APPROVE_NOTE_MIN) return { kind: 'error', message: `Not approved: say why in a note of at least ${APPROVE_NOTE_MIN} characters.` };
      const operator = operatorIdentity(req.adminSession);
      const result = await sources.orders.approve(req.params.id, note, operator);
      req.log.info({ orderId: req.params.id, operator, changed: result.changed }, 'admin approved a held order');
      return result.changed
        ? { kind: 'ok', message: `Order ${req.params.id} is approved and queued for Zoho; the override is in the audit log.` }
        : { kind: 'info', message: `Order ${req.params.id} was already approved.` };
    }),
  );

  app.post<{ Params: { id: string }; Body: { note?: string } }>('/admin/orders/:id/refuse', hidden, async (req, reply) =>
    action(req, reply, `/admin/orders/${encodeURIComponent(req.params.id)}`, async () => {
      const note = typeof req.body?.note === 'string' ? req.body.note.trim() : '';
      const operator = operatorIdentity(req.adminSession);
      const result = await sources.orders.refuse(req.params.id, note, operator);
      req.log.info({ orderId: req.params.id, operator, changed: result.changed }, 'admin refused a held order');
      return result.changed
        ? { kind: 'ok', message: `Order ${req.params.id} is refused; its stock is released.` }
        : { kind: 'info', message: `Order ${req.params.id} was already refused.` };
    }),
  );

  app.get<{ Querystring: Record<string, string | undefined> }>('/admin/compliance', hidden, async (req, reply) => {
    const filter = {
      orderId: (req.query.orderId ?? '').trim().slice(0, 100),
      outcome: (req.query.outcome ?? '').replace(/[^a-z_]/g, ''),
      // '' (default): every kind but drills; 'all': drills too; else that kind.
      kind: (req.query.kind ?? '').replace(/[^a-z_]/g, ''),
      offset: intParam(req.query.offset),
      limit: PAGE_SIZE,
    };
    const hideDrills = filter.kind === '';
    const narrow = { ...(filter.orderId ? { orderId: filter.orderId } : {}), ...(filter.outcome ? { outcome: filter.outcome } : {}) };
    const [result, drills] = await Promise.all([
      load(req, 'audit log', () =>
        sources.compliance.auditList({
          ...narrow,
          ...(filter.kind && filter.kind !== 'all' ? { kind: filter.kind } : {}),
          ...(hideDrills ? { excludeKind: 'drill' } : {}),
          limit: filter.limit,
          offset: filter.offset,
        }),
      ),
      hideDrills ? load(req, 'drill count', () => sources.compliance.auditList({ ...narrow, kind: 'drill', limit: 1, offset: 0 })) : Promise.resolve(null),
    ]);
    const hiddenDrills = drills && drills.ok ? drills.value.total : 0;
    return page(req, reply, 'Compliance', (c) => compliancePage(c, result, filter, { hiddenDrills }));
  });

  app.get<{ Params: { id: string } }>('/admin/compliance/audit/:id', hidden, async (req, reply) => {
    const result = await load(req, 'audit record', () => sources.compliance.auditGet(req.params.id));
    if (result.ok && result.value === null) {
      return page(req, reply, 'Audit record not found', () => html`<p>No audit record <code>${req.params.id}</code>.</p>`, 404);
    }
    const record: Loaded<AuditRecordDetail> = result.ok ? { ok: true, value: result.value! } : result;
    return page(req, reply, 'Audit record', (c) => auditDetailPage(c, record));
  });

  app.post('/admin/compliance/verify', hidden, async (req, reply) =>
    action(req, reply, '/admin/compliance', async () => {
      const v = await sources.compliance.verifyChain();
      return v.ok
        ? { kind: 'ok', message: `Audit chain verified: ${v.checked} records, all hashes match.` }
        : { kind: 'error', message: `Audit chain BROKEN at record #${v.brokenAt?.seq ?? '?'}: ${v.brokenAt?.reason ?? 'hash mismatch'} (${v.checked} checked).` };
    }),
  );

  app.post('/admin/compliance/drill', hidden, async (req, reply) =>
    action(req, reply, '/admin/compliance', async () => {
      const d = await sources.compliance.runDrill();
      const failedChecks = d.checks.filter((c) => !c.ok).length;
      return {
        kind: d.ok ? 'ok' : 'error',
        message: d.ok ? `Drill passed: ${d.checks.length} checks.` : `Drill FAILED: ${failedChecks} of ${d.checks.length} checks.`,
        lines: d.checks.map((c) => ({ ok: c.ok, text: c.detail ? `${c.name}: ${c.detail}` : c.name })),
      };
    }),
  );

  app.get<{ Querystring: Record<string, string | undefined> }>('/admin/compliance/pact-report', hidden, async (req, reply) => {
    const month = req.query.month ?? '';
    const state = (req.query.state ?? '').trim().toUpperCase();
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month) || (state && !/^[A-Z]{2}$/.test(state))) {
      return action(req, reply, '/admin/compliance', async () => ({ kind: 'error', message: 'Choose a month (YYYY-MM) and optionally a two-letter state.' }));
    }
    try {
      return sendDownload(reply, await sources.compliance.pactReport({ month, ...(state ? { state } : {}) }));
    } catch (err) {
      return action(req, reply, '/admin/compliance', async () => {
        throw err;
      });
    }
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/admin/compliance/audit-export', hidden, async (req, reply) => {
    const from = optionalInt(req.query.from);
    const to = optionalInt(req.query.to);
    try {
      return sendDownload(reply, await sources.compliance.exportAudit({ ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) }));
    } catch (err) {
      return action(req, reply, '/admin/compliance', async () => {
        throw err;
      });
    }
  });

  app.get('/admin/alerts', hidden, async (req, reply) => {
    const alerts = await load(req, 'alerts', () => sources.alerts.recent(200));
    return page(req, reply, 'Alerts', (c) => alertsPage(c, alerts, sources.alerts.sinks?.() ?? []));
  });

  registerAdminApi(app, ctx);
  for (const plugin of options.extraRoutes ?? []) await app.register(plugin);
}

/**
 * A preHandler for routes outside the dashboard that only a logged-in
 * operator may use (e.g. `/oauth/zoho/start`'s `requireAdmin`). Share the
 * session store with adminPlugin: `const sessionStore = new MemorySessionStore()`.
 */
export function requireAdminSession(options: { sessionSecret: string; sessionStore: SessionStore; clock?: Clock }): preHandlerHookHandler {
  const sessions = new SessionManager({ secret: options.sessionSecret, store: options.sessionStore, ...(options.clock ? { clock: options.clock } : {}) });
  return async (req, reply) => {
    const session = await sessions.read(req.cookies[SESSION_COOKIE]);
    if (session) return;
    if (req.method === 'GET' && !req.url.startsWith('/api/')) return reply.redirect(`/admin/login?next=${encodeURIComponent('/admin/connection')}`, 302);
    return reply.status(401).send({ error: { code: 'unauthorized', message: 'Sign in to the dashboard first', details: [] } });
  };
}

export function sendDownload(reply: FastifyReply, file: DownloadFile): FastifyReply {
  const name = file.filename.replace(/[^\w.-]/g, '_');
  reply.header('content-disposition', `attachment; filename="${name}"`);
  return reply.type(file.contentType).send(file.body);
}

export function isApi(req: FastifyRequest): boolean {
  return req.url.startsWith('/api/admin');
}

export function errorMessage(err: unknown): string {
  if (err instanceof AppError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

function csrfFrom(req: FastifyRequest): string | undefined {
  const header = req.headers['x-csrf-token'];
  if (typeof header === 'string' && header) return header;
  const body = req.body as Record<string, unknown> | undefined;
  return body && typeof body === 'object' && typeof body._csrf === 'string' ? body._csrf : undefined;
}

/**
 * Same-origin check for state-changing requests: the Origin header when the
 * browser sends one, else Sec-Fetch-Site, else the Referer. Requests with
 * none of them (curl, scripts) are not browsers acting for a third party;
 * they still need the CSRF token.
 */
export function originAllowed(req: FastifyRequest, allowed?: string[]): boolean {
  const own = `${req.protocol}://${req.host}`;
  const ok = (origin: string) => sameOrigin(own, origin) || (allowed ?? []).some((a) => sameOrigin(a, origin));
  const origin = req.headers.origin;
  if (typeof origin === 'string' && origin !== '') return origin !== 'null' && ok(origin);
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return false;
  const referer = req.headers.referer;
  if (typeof referer === 'string' && referer) {
    try {
      return ok(new URL(referer).origin);
    } catch {
      return false;
    }
  }
  return true;
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

function refuse(req: FastifyRequest, reply: FastifyReply, code: string, message: string): FastifyReply {
  req.log.warn({ code, origin: req.headers.origin, site: req.headers['sec-fetch-site'] }, 'admin request refused');
  if (isApi(req)) return reply.status(403).send({ error: { code, message, details: [] } });
  return reply
    .status(403)
    .type('text/html; charset=utf-8')
    .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Refused</title>${FAVICON_LINK}<link rel="stylesheet" href="/admin/assets/admin.css"></head><body class="login-body"><main class="login"><h1>Refused</h1><p>${html`${message}`.value}.</p><p><a href="/admin">Back to the dashboard</a></p></main></body></html>`);
}

/** Only local dashboard paths: never an absolute or protocol-relative URL (open redirect). */
function safeNext(next: string | undefined): string {
  if (typeof next !== 'string') return '/admin';
  if (!/^\/admin(\/|\?|$)/.test(next) || next.startsWith('//') || next.includes('\\') || next.startsWith('/admin/login')) return '/admin';
  return next;
}

function intParam(value: string | undefined): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 && n < 1_000_000 ? n : 0;
}

function optionalInt(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}
