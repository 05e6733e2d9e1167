/**
 * `/api/admin/*`: the dashboard's data as JSON, for scripts and tests.
 * Same session cookie as the pages; every POST needs the `x-csrf-token`
 * header (the token comes back from POST /api/admin/login and GET /api/admin/session).
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '../shared/errors.js';
import { operatorIdentity, verifyPassword } from './auth.js';
import { APPROVE_NOTE_MIN } from './sources.js';
import { sendDownload, SESSION_COOKIE, type AdminContext } from './index.js';

const security = [{ adminSession: [] }];
const tags = ['admin'];
const anyObject = { type: 'object', additionalProperties: true } as const;
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 } } } as const;
const paging = {
  limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  offset: { type: 'integer', minimum: 0, default: 0 },
} as const;
const csrfHeader = {
  type: 'object',
  properties: { 'x-csrf-token': { type: 'string', description: 'The token from POST /api/admin/login or GET /api/admin/session' } },
} as const;

export function registerAdminApi(app: FastifyInstance, ctx: AdminContext): void {
  const { sources } = ctx.options;

  app.post<{ Body: { password: string } }>(
    '/api/admin/login',
    {
      config: { adminPublic: true },
      schema: {
        tags,
        summary: 'Sign in with ADMIN_PASSWORD; sets the session cookie and returns the CSRF token',
        body: { type: 'object', required: ['password'], properties: { password: { type: 'string', maxLength: 1000 } }, additionalProperties: false },
        response: { 200: { type: 'object', properties: { csrfToken: { type: 'string' } } } },
      },
    },
    async (req, reply) => {
      // JSON only: a cross-site HTML form cannot send application/json without a CORS preflight.
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
        throw new AppError('unsupported_media_type', 'Send application/json', 415);
      }
      if (!ctx.originAllowed(req)) throw new AppError('cross_site_request', 'Cross-site requests are refused', 403);
      const ip = ctx.clientIp(req);
      const blocked = ctx.limiter.blockedFor(ip);
      if (blocked > 0) {
        reply.header('retry-after', String(Math.ceil(blocked / 1000)));
        throw new AppError('rate_limited', 'Too many failed sign-in attempts; try again later', 429);
      }
      if (!(await verifyPassword(req.body.password, ctx.passwordHash))) {
        ctx.limiter.fail(ip);
        req.log.warn({ ip }, 'admin login failed');
        throw new AppError('unauthorized', 'Wrong password', 401);
      }
      ctx.limiter.succeed(ip);
      const { cookie, session } = await ctx.sessions.create();
      ctx.setSessionCookie(reply, cookie);
      return { csrfToken: session.csrfToken };
    },
  );

  app.post('/api/admin/logout', { schema: { tags, security, headers: csrfHeader, summary: 'End the session' } }, async (req, reply) => {
    if (req.adminSession) await ctx.sessions.destroy(req.adminSession);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  app.get('/api/admin/session', { schema: { tags, security, summary: 'The current session and its CSRF token' } }, async (req) => ({
    csrfToken: req.adminSession!.csrfToken,
    createdAt: req.adminSession!.createdAt,
  }));

  app.get('/api/admin/connection', { schema: { tags, security, summary: 'Zoho connection status', response: { 200: anyObject } } }, async () => sources.connection.status());

  app.post('/api/admin/connection/start', { schema: { tags, security, headers: csrfHeader, summary: 'The URL that starts the Zoho consent' } }, async () => ({
    url: await sources.connection.startUrl(),
  }));

  app.get('/api/admin/budget', { schema: { tags, security, summary: 'Call budget and the planner staleness promise' } }, async () => {
    const [snapshot, stalenessPromise] = await Promise.all([sources.budget.snapshot(), sources.budget.stalenessPromise()]);
    return { snapshot, stalenessPromise };
  });

  app.get('/api/admin/sync', { schema: { tags, security, summary: 'Sync status: webhooks, polling, reconciliation, staleness, mapping problems' } }, async () =>
    sources.sync.status(),
  );

  app.get<{ Querystring: { q?: string; limit: number; offset: number } }>(
    '/api/admin/catalog',
    { schema: { tags, security, summary: 'Catalog items (all, including those outside the rollout)', querystring: { type: 'object', properties: { q: { type: 'string', maxLength: 100 }, ...paging } } } },
    async (req) => sources.catalog.items({ ...(req.query.q ? { search: req.query.q } : {}), limit: req.query.limit, offset: req.query.offset }),
  );

  app.get<{ Querystring: { status?: string; limit: number; offset: number } }>(
    '/api/admin/orders',
    {
      schema: {
        tags,
        security,
        summary: 'Orders, optionally by state (`dead_letter` for the dead-letter list)',
        querystring: { type: 'object', properties: { status: { type: 'string', pattern: '^[a-z_]{1,40}$' }, ...paging } },
      },
    },
    async (req) => sources.orders.list({ ...(req.query.status ? { status: req.query.status } : {}), limit: req.query.limit, offset: req.query.offset }),
  );

  app.get<{ Params: { id: string } }>('/api/admin/orders/:id', { schema: { tags, security, summary: 'An order with its step timeline', params: idParams } }, async (req) => {
    const order = await sources.orders.get(req.params.id);
    if (!order) throw new AppError('not_found', `Order ${req.params.id} was not found`, 404);
    return order;
  });

  app.post<{ Params: { id: string } }>(
    '/api/admin/orders/:id/retry',
    { schema: { tags, security, headers: csrfHeader, summary: 'Re-queue a dead-lettered order', params: idParams } },
    async (req) => {
      await sources.orders.retry(req.params.id);
      return { ok: true, orderId: req.params.id };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/admin/orders/:id/cancel',
    { schema: { tags, security, headers: csrfHeader, summary: 'Cancel an order', params: idParams } },
    async (req) => {
      await sources.orders.cancel(req.params.id);
      return { ok: true, orderId: req.params.id };
    },
  );

  const decisionResponse = {
    200: { type: 'object', properties: { ok: { type: 'boolean' }, orderId: { type: 'string' }, status: { type: 'string' }, changed: { type: 'boolean' }, operator: { type: 'string' } } },
  } as const;

  app.post<{ Params: { id: string }; Body: { note: string } }>(
    '/api/admin/orders/:id/approve',
    {
      schema: {
        tags,
        security,
        headers: csrfHeader,
        summary: 'Approve an order held for review: queued for Zoho, the override (operator, note, original reasons) goes to the compliance audit log',
        description: '409 `order_not_reviewable` unless the order is in review; 409 `order_not_approvable` when a reason denies it; 409 `insufficient_stock` when its expired reservation cannot be taken again. Approving twice answers `changed: false`.',
        params: idParams,
        body: {
          type: 'object',
          required: ['note'],
          additionalProperties: false,
          properties: { note: { type: 'string', minLength: APPROVE_NOTE_MIN, maxLength: 1000, description: 'Why the hold is overridden (audit log)' } },
        },
        response: decisionResponse,
      },
    },
    async (req) => {
      const note = req.body.note.trim();
      if (note.length < APPROVE_NOTE_MIN) throw new AppError('note_required', `Say why in a note of at least ${APPROVE_NOTE_MIN} characters`, 400);
      const operator = operatorIdentity(req.adminSession);
      const result = await sources.orders.approve(req.params.id, note, operator);
      req.log.info({ orderId: req.params.id, operator, changed: result.changed }, 'admin approved a held order');
      return { ok: true, orderId: req.params.id, status: result.status, changed: result.changed, operator };
    },
  );

  app.post<{ Params: { id: string }; Body: { note?: string } | undefined }>(
    '/api/admin/orders/:id/refuse',
    {
      schema: {
        tags,
        security,
        headers: csrfHeader,
        summary: 'Refuse a held order (review or pending verification): stock released, refusal in the audit log',
        description: '409 `order_not_reviewable` in any other state. Refusing twice answers `changed: false`.',
        params: idParams,
        body: { type: 'object', additionalProperties: false, properties: { note: { type: 'string', maxLength: 1000 } } },
        response: decisionResponse,
      },
    },
    async (req) => {
      const operator = operatorIdentity(req.adminSession);
      const result = await sources.orders.refuse(req.params.id, (req.body?.note ?? '').trim(), operator);
      req.log.info({ orderId: req.params.id, operator, changed: result.changed }, 'admin refused a held order');
      return { ok: true, orderId: req.params.id, status: result.status, changed: result.changed, operator };
    },
  );

  app.get<{ Querystring: { orderId?: string; outcome?: string; kind?: string; limit: number; offset: number } }>(
    '/api/admin/audit',
    {
      schema: {
        tags,
        security,
        summary: 'The compliance audit log',
        querystring: {
          type: 'object',
          properties: { orderId: { type: 'string', maxLength: 100 }, outcome: { type: 'string', enum: ['allow', 'deny', 'review'] }, kind: { type: 'string', pattern: '^[a-z_]{1,40}$' }, ...paging },
        },
      },
    },
    async (req) => {
      const { orderId, outcome, kind, limit, offset } = req.query;
      return sources.compliance.auditList({ ...(orderId ? { orderId } : {}), ...(outcome ? { outcome } : {}), ...(kind ? { kind } : {}), limit, offset });
    },
  );

  app.get<{ Params: { id: string } }>('/api/admin/audit/:id', { schema: { tags, security, summary: 'One audit record', params: idParams } }, async (req) => {
    const record = await sources.compliance.auditGet(req.params.id);
    if (!record) throw new AppError('not_found', `Audit record ${req.params.id} was not found`, 404);
    return record;
  });

  app.post('/api/admin/audit/verify', { schema: { tags, security, headers: csrfHeader, summary: 'Verify the audit hash chain' } }, async () => sources.compliance.verifyChain());

  app.get<{ Querystring: { from?: number; to?: number } }>(
    '/api/admin/audit/export',
    { schema: { tags, security, summary: 'Download the audit log', querystring: { type: 'object', properties: { from: { type: 'integer' }, to: { type: 'integer' } } } } },
    async (req, reply) => {
      const { from, to } = req.query;
      return sendDownload(reply, await sources.compliance.exportAudit({ ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) }));
    },
  );

  app.get<{ Querystring: { month: string; state?: string } }>(
    '/api/admin/pact-report',
    {
      schema: {
        tags,
        security,
        summary: 'Download the PACT Act report for a month',
        querystring: {
          type: 'object',
          required: ['month'],
          properties: { month: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$' }, state: { type: 'string', pattern: '^[A-Za-z]{2}$' } },
        },
      },
    },
    async (req, reply) =>
      sendDownload(reply, await sources.compliance.pactReport({ month: req.query.month, ...(req.query.state ? { state: req.query.state.toUpperCase() } : {}) })),
  );

  app.post('/api/admin/drill', { schema: { tags, security, headers: csrfHeader, summary: 'Run the compliance drill' } }, async () => sources.compliance.runDrill());

  app.get<{ Querystring: { limit: number } }>(
    '/api/admin/alerts',
    { schema: { tags, security, summary: 'Recent alerts and where they were sent', querystring: { type: 'object', properties: { limit: paging.limit } } } },
    async (req) => ({ alerts: await sources.alerts.recent(req.query.limit), sinks: sources.alerts.sinks?.() ?? [] }),
  );
}
