import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/observability/logger.js';
import { storefrontPlugin } from '../../src/storefront/index.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('demo storefront', () => {
  it('serves the page with the personas and its assets, under the strict CSP', async () => {
    app = await createHttpServer({ logger: createLogger('silent') });
    await app.register(storefrontPlugin, {
      personas: [
        { id: 'adult', dob: '1990-04-12', outcome: 'accepted', description: 'Adult: verified instantly' },
        { id: 'x', dob: '1991-01-01', outcome: 'pending', description: '<img src=x onerror=alert(1)>' },
      ],
      addressCases: [{ example: 'PO Box 123', result: 'PO box' }],
    });
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-dob="1990-04-12"');
    expect(page.body).toContain('PO Box 123');
    expect(page.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page.body).not.toMatch(/<script>(?!<\/script>)/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    for (const [url, type] of [
      ['/assets/storefront.js', /javascript/],
      ['/assets/storefront.css', /css/],
    ] as const) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(type);
    }
    expect((await app.inject({ method: 'GET', url: '/assets/admin.css' })).statusCode).toBe(404);
  });
});
