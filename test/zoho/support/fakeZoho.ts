/**
 * A small local stand-in for Zoho Accounts + Inventory (Fastify on 127.0.0.1)
 * answering the wire shapes of ../shared/reference/zoho-fixtures/. Tests
 * script failures per route and read the request log.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';

// Copied from ../shared/reference/zoho-fixtures/ so a fresh clone has them.
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>;
}

export type Scripted =
  | { status: number; body?: unknown; raw?: string; headers?: Record<string, string> }
  | { destroy: true }
  | { delayMs: number; then?: Scripted };

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export type TokenBehaviour = 'ok' | 'invalid_code' | 'invalid_client' | 'invalid_redirect_uri' | 'throttle';

export interface FakeZoho {
  url: string;
  app: FastifyInstance;
  log: LoggedRequest[];
  /** Token endpoint hits (exchange + refresh). */
  tokenCalls: Array<Record<string, string>>;
  tokenBehaviour: TokenBehaviour;
  tokenDelayMs: number;
  expiresIn: number;
  apiDomain: string | null;
  /** Access tokens the inventory side accepts. */
  validTokens: Set<string>;
  /** Per-route scripted answers, consumed in order before the default handler. */
  script(method: string, path: string, ...answers: Scripted[]): void;
  /** Replaces the default handler of a route. */
  on(method: string, path: string, handler: (req: FastifyRequest) => Scripted): void;
  count(method: string, path: string): number;
  close(): Promise<void>;
}

export async function startFakeZoho(): Promise<FakeZoho> {
  const app = Fastify({ logger: false });
  await app.register(formbody);
  const scripts = new Map<string, Scripted[]>();
  const handlers = new Map<string, (req: FastifyRequest) => Scripted>();
  let tokenSeq = 0;

  const fake: FakeZoho = {
    url: '',
    app,
    log: [],
    tokenCalls: [],
    tokenBehaviour: 'ok',
    tokenDelayMs: 0,
    expiresIn: 3600,
    apiDomain: null,
    validTokens: new Set(),
    script(method, path, ...answers) {
      const key = `${method} ${path}`;
      scripts.set(key, [...(scripts.get(key) ?? []), ...answers]);
    },
    on(method, path, handler) {
      handlers.set(`${method} ${path}`, handler);
    },
    count(method, path) {
      return fake.log.filter((r) => r.method === method && r.path === path).length;
    },
    close: () => app.close(),
  };

  const reply = async (res: FastifyReply, answer: Scripted): Promise<unknown> => {
    if ('delayMs' in answer) {
      await new Promise((r) => setTimeout(r, answer.delayMs));
      return reply(res, answer.then ?? { status: 200, body: { code: 0, message: 'success' } });
    }
    if ('destroy' in answer) {
      res.raw.socket?.destroy();
      return res;
    }
    res.status(answer.status);
    for (const [k, v] of Object.entries(answer.headers ?? {})) res.header(k, v);
    if (answer.raw !== undefined) return res.type('application/json').send(answer.raw);
    return res.send(answer.body ?? {});
  };

  app.post('/oauth/v2/token', async (req, res) => {
    const form = req.body as Record<string, string>;
    fake.tokenCalls.push(form);
    fake.log.push({ method: 'POST', path: '/oauth/v2/token', query: req.query as Record<string, string>, headers: req.headers, body: form });
    if (fake.tokenDelayMs) await new Promise((r) => setTimeout(r, fake.tokenDelayMs));
    switch (fake.tokenBehaviour) {
      case 'invalid_code':
        return res.send({ error: 'invalid_code' });
      case 'invalid_client':
        return res.send({ error: 'invalid_client' });
      case 'invalid_redirect_uri':
        return res.send({ error: 'invalid_redirect_uri' });
      case 'throttle':
        return res.send(fixture('oauth-throttle-error.json'));
    }
    if (form.client_id !== 'test-client' || form.client_secret !== 'test-secret') return res.send({ error: 'invalid_client' });
    const access = `1000.access.${++tokenSeq}`;
    fake.validTokens.add(access);
    const body: Record<string, unknown> = { access_token: access, token_type: 'Bearer', expires_in: fake.expiresIn, api_domain: fake.apiDomain ?? fake.url };
    if (form.grant_type === 'authorization_code') {
      if (form.code !== 'good-code') return res.send({ error: 'invalid_code' });
      body.refresh_token = '1000.refresh.original';
    } else if (form.grant_type === 'refresh_token') {
      if (!form.refresh_token?.startsWith('1000.refresh.')) return res.send({ error: 'invalid_code' });
    }
    return res.send(body);
  });

  app.post('/oauth/v2/token/revoke', async (req, res) => {
    fake.log.push({ method: 'POST', path: '/oauth/v2/token/revoke', query: req.query as Record<string, string>, headers: req.headers, body: req.body });
    return res.send({ status: 'success' });
  });

  app.route({
    method: ['GET', 'POST', 'PUT', 'DELETE'],
    url: '/inventory/v1/*',
    handler: async (req, res) => {
      const path = req.url.split('?')[0]!.replace('/inventory/v1', '');
      fake.log.push({ method: req.method, path, query: req.query as Record<string, string>, headers: req.headers, body: req.body });
      const key = `${req.method} ${path}`;
      const queued = scripts.get(key);
      if (queued && queued.length > 0) return reply(res, queued.shift()!);
      const auth = String(req.headers.authorization ?? '');
      if (!auth.startsWith('Zoho-oauthtoken ') || !fake.validTokens.has(auth.slice('Zoho-oauthtoken '.length))) {
        return res.status(401).send(fixture('error-401.json'));
      }
      const custom = handlers.get(key) ?? handlers.get(`${req.method} ${path.replace(/\/\d+/g, '/:id')}`);
      if (custom) return reply(res, custom(req));
      return reply(res, defaultAnswer(req.method, path, req));
    },
  });

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  fake.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return fake;
}

function defaultAnswer(method: string, path: string, req: FastifyRequest): Scripted {
  const q = req.query as Record<string, string>;
  if (method === 'GET' && path === '/items') return { status: 200, body: fixture('items-list-page.json') };
  if (method === 'GET' && /^\/items\/\d+$/.test(path)) return { status: 200, body: fixture('item-detail-locations.json') };
  if (method === 'GET' && path === '/itemdetails') {
    const ids = (q.item_ids ?? '').split(',').filter(Boolean);
    const item = (fixture('item-detail-locations.json') as { item: Record<string, unknown> }).item;
    return { status: 200, body: { code: 0, message: 'success', items: ids.map((id) => ({ ...item, item_id: id })) } };
  }
  if (method === 'GET' && path === '/locations') return { status: 200, body: fixture('locations-list.json') };
  if (method === 'GET' && path === '/settings/warehouses') return { status: 200, body: fixture('warehouses-list.json') };
  if (method === 'GET' && path === '/settings/customfields') return { status: 200, body: fixture('customfields-settings-response.json') };
  if (method === 'GET' && path === '/organizations') {
    return { status: 200, body: { code: 0, message: 'success', organizations: [{ organization_id: '850205569', name: 'BMB Wholesale' }] } };
  }
  if (method === 'POST' && path === '/salesorders') return { status: 201, body: fixture('salesorder-create-response.json') };
  if (method === 'POST' && path === '/inventoryadjustments') return { status: 201, body: fixture('inventoryadjustment-create-response.json') };
  if (method === 'POST' && /\/status\/(confirmed|void)$/.test(path)) return { status: 200, body: { code: 0, message: "Sales order status has been changed to 'Confirmed'." } };
  if (method === 'GET' && path === '/contacts') return { status: 200, body: { code: 0, message: 'success', contacts: [] } };
  if (method === 'GET' && path === '/salesorders') return { status: 200, body: { code: 0, message: 'success', salesorders: [] } };
  return { status: 404, body: { code: 5, message: 'Invalid URL Passed' } };
}
