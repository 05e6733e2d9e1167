import type { FastifyInstance } from 'fastify';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/observability/logger.js';
import { adminPlugin, type AdminPluginOptions } from '../../src/admin/index.js';
import { createFakeSources } from './fake-sources.js';

export const TEST_PASSWORD = 'correct horse battery staple';

export async function buildAdminApp(overrides: Partial<AdminPluginOptions> = {}) {
  const fake = createFakeSources();
  const app = await createHttpServer({ logger: createLogger('silent') });
  await app.register(adminPlugin, {
    adminPassword: TEST_PASSWORD,
    sessionSecret: 'test-session-secret-0123456789',
    sources: fake.sources,
    ...overrides,
  });
  await app.ready();
  return { app, ...fake };
}

export function cookieFrom(setCookie: string | string[] | undefined, name: string): string | undefined {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  for (const c of list) {
    const m = new RegExp(`^${name}=([^;]*)`).exec(c);
    if (m) return m[1];
  }
  return undefined;
}

export function hiddenCsrf(body: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(body);
  if (!m) throw new Error('no _csrf field in the page');
  return m[1]!;
}

/** Logs in through the HTML form and returns the session cookie header and the page CSRF token. */
export async function login(app: FastifyInstance, password = TEST_PASSWORD, ip = '127.0.0.1') {
  const form = await app.inject({ method: 'GET', url: '/admin/login', remoteAddress: ip });
  const nonce = cookieFrom(form.headers['set-cookie'], 'dtc_login');
  const token = hiddenCsrf(form.body);
  const res = await app.inject({
    method: 'POST',
    url: '/admin/login',
    remoteAddress: ip,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `dtc_login=${nonce}`, origin: 'http://localhost:80' },
    payload: new URLSearchParams({ password, _csrf: token, next: '/admin' }).toString(),
  });
  const session = cookieFrom(res.headers['set-cookie'], 'dtc_admin');
  let csrf = '';
  if (session) {
    const page = await app.inject({ method: 'GET', url: '/admin', headers: { cookie: `dtc_admin=${session}` } });
    csrf = hiddenCsrf(page.body);
  }
  return { res, cookie: session ? `dtc_admin=${session}` : '', csrf };
}
