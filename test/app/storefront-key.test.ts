import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testConfig } from '../../src/config/load.js';
import { createAppContext, type AppContext } from '../../src/app/context.js';
import { buildHttpApp } from '../../src/app/http.js';
import { createLogger } from '../../src/observability/logger.js';

const KEY = 'shop-backend-key-0123456789abcdef';
const METRICS = 'metrics-token-0123456789';
let ctx: AppContext;
let app: FastifyInstance;

beforeAll(async () => {
  const config = testConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'dtc-key-')), STOREFRONT_API_KEY: KEY, METRICS_TOKEN: METRICS });
  ctx = await createAppContext(config, { logger: createLogger('silent') });
  app = await buildHttpApp(ctx, { adminPassword: 'x-admin-password', storefront: false });
});

afterAll(async () => {
  await app?.close();
  await ctx?.close();
});

describe('STOREFRONT_API_KEY', () => {
  it('refuses order calls without the key, and lets the key through to validation', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { 'x-api-key': `${KEY}x` }]) {
      const res = await app.inject({ method: 'POST', url: '/api/orders', headers, payload: {} });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('unauthorized');
    }
    const cancel = await app.inject({ method: 'POST', url: '/api/orders/VIP-1/cancel' });
    expect(cancel.statusCode).toBe(401);
    const withKey = await app.inject({ method: 'POST', url: '/api/orders', headers: { authorization: `Bearer ${KEY}` }, payload: {} });
    expect(withKey.statusCode).toBe(400);
    expect(withKey.json().error.code).toBe('invalid_request');
  });

  it('leaves the catalog public', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/products' });
    expect(res.statusCode).toBe(200);
  });

  it('guards /metrics with METRICS_TOKEN', async () => {
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const ok = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS}` } });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('http_request_duration_seconds');
  });
});
