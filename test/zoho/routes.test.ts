import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { openTestStore } from '../support/databases.js';
import type { Store } from '../../src/store/db.js';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/observability/logger.js';
import { AppError } from '../../src/shared/errors.js';
import { startFakeZoho, type FakeZoho } from './support/fakeZoho.js';
import { makeModule, zohoTestConfig, type TestModule } from './support/module.js';

describe('oauth routes', () => {
  let store: Store;
  let fake: FakeZoho;
  let m: TestModule;
  let app: FastifyInstance;
  let admin = true;

  beforeEach(async () => {
    store = await openTestStore('sqlite');
    fake = await startFakeZoho();
    m = makeModule(store, zohoTestConfig(fake.url, { ZOHO_API_URL: `${fake.url}/inventory/v1` }));
    app = await createHttpServer({ logger: createLogger('silent') });
    admin = true;
    await app.register(m.routes, {
      requireAdmin: async () => {
        if (!admin) throw new AppError('unauthorized', 'Log in first', 401);
      },
    });
  });
  afterEach(async () => {
    await app.close();
    await m.close();
    await fake.close();
    await store.close();
  });

  it('start redirects to the consent page; callback exchanges and redirects to the dashboard', async () => {
    const start = await app.inject({ method: 'GET', url: '/oauth/zoho/start' });
    expect(start.statusCode).toBe(302);
    const consent = new URL(start.headers.location as string);
    expect(consent.pathname).toBe('/oauth/v2/auth');
    const state = consent.searchParams.get('state')!;
    const cb = await app.inject({ method: 'GET', url: `/oauth/zoho/callback?code=good-code&state=${encodeURIComponent(state)}&location=us&accounts-server=${encodeURIComponent(fake.url)}` });
    expect(cb.statusCode).toBe(302);
    expect(cb.headers.location).toBe('/admin?connected=1');
    expect((await m.connection.status()).state).toBe('connected');
    const replay = await app.inject({ method: 'GET', url: `/oauth/zoho/callback?code=good-code&state=${encodeURIComponent(state)}` });
    expect(replay.statusCode).toBe(400);
    expect(replay.json().error.code).toBe('oauth_state_invalid');
  });

  it('start is behind the admin check', async () => {
    admin = false;
    const res = await app.inject({ method: 'GET', url: '/oauth/zoho/start' });
    expect(res.statusCode).toBe(401);
    expect(await store.db.selectFrom('zoho_oauth_states').selectAll().execute()).toHaveLength(0);
  });

  it('answers denied consent with oauth_denied, as an HTML page for a browser', async () => {
    const res = await app.inject({ method: 'GET', url: '/oauth/zoho/callback?error=access_denied', headers: { accept: 'text/html' } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('oauth_denied');
    const json = await app.inject({ method: 'GET', url: '/oauth/zoho/callback?error=access_denied' });
    expect(json.json().error.code).toBe('oauth_denied');
  });

  it('a refused exchange is oauth_exchange_failed', async () => {
    const { state } = await m.connection.consentUrl();
    const res = await app.inject({ method: 'GET', url: `/oauth/zoho/callback?code=expired-code&state=${state}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('oauth_exchange_failed');
  });

  it('refuses to register /start without requireAdmin in production', async () => {
    const config = { ...zohoTestConfig(fake.url), NODE_ENV: 'production' as const };
    const prod = makeModule(store, config);
    const other = await createHttpServer({ logger: createLogger('silent') });
    await expect(other.register(prod.routes, {}).ready()).rejects.toThrow(/requireAdmin/);
    await prod.close();
  });
});
