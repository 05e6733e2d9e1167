/** Inbound TLS served by the bridge itself (TLS_CERT_FILE / TLS_KEY_FILE), with HSTS and the security headers. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testConfig } from '../../src/config/load.js';
import { createAppContext, type AppContext } from '../../src/app/context.js';
import { buildHttpApp } from '../../src/app/http.js';
import { createLogger } from '../../src/observability/logger.js';

let ctx: AppContext;
let app: FastifyInstance;
let port: number;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dtc-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  const config = testConfig({ DATA_DIR: dir, TLS_CERT_FILE: cert, TLS_KEY_FILE: key });
  ctx = await createAppContext(config, { logger: createLogger('silent') });
  app = await buildHttpApp(ctx, { adminPassword: 'tls-admin-password', storefront: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as { port: number }).port;
});

afterAll(async () => {
  await app?.close();
  await ctx?.close();
});

function get(path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, rejectUnauthorized: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('TLS', () => {
  it('serves https with HSTS and the security headers', async () => {
    const res = await get('/healthz');
    expect(res.status).toBe(200);
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(String(res.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
  });
});
