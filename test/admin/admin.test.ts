import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildAdminApp, cookieFrom, hiddenCsrf, login, TEST_PASSWORD } from './harness.js';
import { hashPassword, verifyPassword, resolveAdminPassword, requireAdminSession, MemorySessionStore } from '../../src/admin/index.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('admin authentication', () => {
  it('refuses anonymous requests: 401 for the API, 302 to the login for pages', async () => {
    const built = await buildAdminApp();
    app = built.app;
    for (const url of ['/api/admin/connection', '/api/admin/orders', '/api/admin/audit', '/api/admin/alerts']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(401);
      expect(res.json().error.code).toBe('unauthorized');
    }
    const post = await app.inject({ method: 'POST', url: '/api/admin/orders/VIP-100235/retry' });
    expect(post.statusCode).toBe(401);
    for (const url of ['/admin', '/admin/connection', '/admin/orders?status=failed', '/admin/compliance']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(302);
      expect(res.headers.location).toBe(`/admin/login?next=${encodeURIComponent(url)}`);
    }
    const form = await app.inject({ method: 'POST', url: '/admin/orders/VIP-100235/retry', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '_csrf=x' });
    expect(form.statusCode).toBe(302);
    expect(built.state.calls).toEqual([]);
  });

  it('logs in with the password and sets an HttpOnly SameSite=Lax session cookie', async () => {
    const built = await buildAdminApp();
    app = built.app;
    const { res, cookie, csrf } = await login(app);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin');
    const set = ([] as string[]).concat(res.headers['set-cookie'] as string[]).find((c) => c.startsWith('dtc_admin='))!;
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Lax/i);
    expect(set).not.toMatch(/Secure/i);
    expect(csrf.length).toBeGreaterThan(20);
    const page = await app.inject({ method: 'GET', url: '/api/admin/connection', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.json().organizationId).toBe('850205569');
  });

  it('marks the cookie Secure when secureCookies is set', async () => {
    app = (await buildAdminApp({ secureCookies: true })).app;
    const { res } = await login(app);
    const set = ([] as string[]).concat(res.headers['set-cookie'] as string[]).find((c) => c.startsWith('dtc_admin='))!;
    expect(set).toMatch(/; Secure/i);
  });

  it('refuses a wrong password and a forged or tampered session cookie', async () => {
    app = (await buildAdminApp()).app;
    const bad = await login(app, 'wrong');
    expect(bad.res.statusCode).toBe(401);
    expect(bad.cookie).toBe('');
    const { cookie } = await login(app);
    const tampered = cookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await app.inject({ method: 'GET', url: '/api/admin/session', headers: { cookie: tampered } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/admin/session', headers: { cookie: 'dtc_admin=abc.def' } })).statusCode).toBe(401);
  });

  it('rate-limits failed logins per IP, even for the right password afterwards', async () => {
    app = (await buildAdminApp({ loginRateLimit: { max: 3, windowMs: 60_000 } })).app;
    for (let i = 0; i < 3; i++) expect((await login(app, `wrong-${i}`, '10.0.0.9')).res.statusCode).toBe(401);
    const blocked = await login(app, TEST_PASSWORD, '10.0.0.9');
    expect(blocked.res.statusCode).toBe(429);
    expect(Number(blocked.res.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.cookie).toBe('');
    // The API login shares the limiter.
    const api = await app.inject({ method: 'POST', url: '/api/admin/login', remoteAddress: '10.0.0.9', payload: { password: TEST_PASSWORD } });
    expect(api.statusCode).toBe(429);
    // Another IP is not affected.
    expect((await login(app, TEST_PASSWORD, '10.0.0.10')).res.statusCode).toBe(303);
  });

  it('requires the login form token (login CSRF) and refuses a cross-site login post', async () => {
    app = (await buildAdminApp()).app;
    const noToken = await app.inject({
      method: 'POST',
      url: '/admin/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ password: TEST_PASSWORD }).toString(),
    });
    expect(noToken.statusCode).toBe(403);
    expect(cookieFrom(noToken.headers['set-cookie'], 'dtc_admin')).toBeUndefined();
    const form = await app.inject({ method: 'GET', url: '/admin/login' });
    const crossSite = await app.inject({
      method: 'POST',
      url: '/admin/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `dtc_login=${cookieFrom(form.headers['set-cookie'], 'dtc_login')}`, origin: 'https://evil.example' },
      payload: new URLSearchParams({ password: TEST_PASSWORD, _csrf: hiddenCsrf(form.body) }).toString(),
    });
    expect(crossSite.statusCode).toBe(403);
  });

  it('never redirects outside the dashboard after login', async () => {
    app = (await buildAdminApp()).app;
    for (const next of ['//evil.example/x', 'https://evil.example', '/admin\\@evil', '/other']) {
      const form = await app.inject({ method: 'GET', url: '/admin/login' });
      const res = await app.inject({
        method: 'POST',
        url: '/admin/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `dtc_login=${cookieFrom(form.headers['set-cookie'], 'dtc_login')}` },
        payload: new URLSearchParams({ password: TEST_PASSWORD, _csrf: hiddenCsrf(form.body), next }).toString(),
      });
      expect(res.headers.location, next).toBe('/admin');
    }
  });

  it('logs out: the session no longer works', async () => {
    app = (await buildAdminApp()).app;
    const { cookie, csrf } = await login(app);
    const out = await app.inject({ method: 'POST', url: '/admin/logout', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${csrf}` });
    expect(out.statusCode).toBe(303);
    expect((await app.inject({ method: 'GET', url: '/api/admin/session', headers: { cookie } })).statusCode).toBe(401);
  });

  it('hashes passwords with scrypt and resolves a generated demo password', async () => {
    const hash = await hashPassword('s3cret');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(hash).not.toContain('s3cret');
    expect(await verifyPassword('s3cret', hash)).toBe(true);
    expect(await verifyPassword('s3cret ', hash)).toBe(false);
    expect(await verifyPassword('s3cret', 'plain')).toBe(false);
    const gen = resolveAdminPassword(undefined);
    expect(gen.generated).toBe(true);
    expect(gen.password).toMatch(/^[\w]{5}-[\w]{5}-[\w]{5}-[\w]{5}$/);
    expect(resolveAdminPassword('given')).toEqual({ password: 'given', generated: false });
    const fromHash = await buildAdminApp({ adminPassword: undefined, adminPasswordHash: hash });
    app = fromHash.app;
    expect((await login(app, 's3cret')).res.statusCode).toBe(303);
  });
});

describe('admin CSRF and cross-site protection', () => {
  it('refuses form posts without the token or with a wrong one', async () => {
    const built = await buildAdminApp();
    app = built.app;
    const { cookie } = await login(app);
    for (const payload of ['', '_csrf=wrong']) {
      const res = await app.inject({ method: 'POST', url: '/admin/orders/VIP-100235/retry', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload });
      expect(res.statusCode).toBe(403);
    }
    expect(built.state.calls).toEqual([]);
  });

  it('refuses cross-site posts even with a valid token (Origin, Sec-Fetch-Site, Referer)', async () => {
    const built = await buildAdminApp();
    app = built.app;
    const { cookie, csrf } = await login(app);
    const variants: Array<Record<string, string>> = [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { referer: 'https://evil.example/page' },
    ];
    for (const extra of variants) {
      const form = await app.inject({
        method: 'POST',
        url: '/admin/orders/VIP-100235/retry',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...extra },
        payload: `_csrf=${csrf}`,
      });
      expect(form.statusCode, JSON.stringify(extra)).toBe(403);
      const api = await app.inject({ method: 'POST', url: '/api/admin/drill', headers: { cookie, 'x-csrf-token': csrf, ...extra } });
      expect(api.statusCode, JSON.stringify(extra)).toBe(403);
      expect(api.json().error.code).toBe('cross_site_request');
    }
    expect(built.state.calls).toEqual([]);
    // A cross-site navigation to the OAuth start is refused too.
    const connect = await app.inject({ method: 'GET', url: '/admin/connection/connect', headers: { cookie, 'sec-fetch-site': 'cross-site' } });
    expect(connect.statusCode).toBe(403);
  });

  it('accepts a same-origin post with the token and shows the outcome', async () => {
    const built = await buildAdminApp();
    app = built.app;
    const { cookie, csrf } = await login(app);
    const res = await app.inject({
      method: 'POST',
      url: '/admin/orders/VIP-100235/retry',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost', 'sec-fetch-site': 'same-origin' },
      payload: `_csrf=${csrf}`,
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/orders/VIP-100235');
    expect(built.state.calls).toEqual(['orders.retry:VIP-100235']);
    const page = await app.inject({ method: 'GET', url: '/admin/orders/VIP-100235', headers: { cookie } });
    expect(page.body).toContain('is queued again');
    // The flash shows once.
    expect((await app.inject({ method: 'GET', url: '/admin/orders/VIP-100235', headers: { cookie } })).body).not.toContain('is queued again');
    // A failing action becomes a red flash, not a 500.
    const again = await app.inject({ method: 'POST', url: '/admin/orders/VIP-100235/retry', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${csrf}` });
    expect(again.statusCode).toBe(303);
    expect((await app.inject({ method: 'GET', url: '/admin/orders/VIP-100235', headers: { cookie } })).body).toMatch(/flash-error[\s\S]*not in the dead-letter list/);
  });

  it('API: login returns a CSRF token; POSTs need it in x-csrf-token', async () => {
    const built = await buildAdminApp();
    app = built.app;
    const formLogin = await app.inject({ method: 'POST', url: '/api/admin/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `password=${encodeURIComponent(TEST_PASSWORD)}` });
    expect(formLogin.statusCode).toBe(415);
    const res = await app.inject({ method: 'POST', url: '/api/admin/login', payload: { password: TEST_PASSWORD } });
    expect(res.statusCode).toBe(200);
    const cookie = `dtc_admin=${cookieFrom(res.headers['set-cookie'], 'dtc_admin')}`;
    const { csrfToken } = res.json();
    expect((await app.inject({ method: 'POST', url: '/api/admin/drill', headers: { cookie } })).statusCode).toBe(403);
    const drill = await app.inject({ method: 'POST', url: '/api/admin/drill', headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(drill.statusCode).toBe(200);
    expect(drill.json().ok).toBe(true);
    const retry = await app.inject({ method: 'POST', url: '/api/admin/orders/VIP-100235/retry', headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(retry.json()).toEqual({ ok: true, orderId: 'VIP-100235' });
    expect(built.state.calls).toEqual(['compliance.runDrill', 'orders.retry:VIP-100235']);
    expect((await app.inject({ method: 'POST', url: '/api/admin/login', payload: { password: 'nope' } })).statusCode).toBe(401);
  });
});

describe('admin pages and API', () => {
  it('renders every page with its data', async () => {
    app = (await buildAdminApp()).app;
    const { cookie } = await login(app);
    const expectations: Array<[string, RegExp[]]> = [
      ['/admin', [/Zoho connection/, /Dead letters/]],
      ['/admin/connection', [/850205569/, /ZohoInventory\.salesorders\.CREATE/, /Reconnect to Zoho/, /Needs re-authorization/]],
      ['/admin/budget', [/<svg class="chart"/, /Webhook follow-ups/, /at most 20 min old/, /of 100 per minute/]],
      ['/admin/sync', [/Last webhook/, /wrong X-Webhook-Secret/, /cf_compliance_category/, /Staleness per item/]],
      ['/admin/catalog', [/ACC-RAW-KSS/, /vape_flavored/, /no ship: CA, MA/, /held back|not DTC/]],
      ['/admin/catalog?q=juul', [/VAPE-JUUL-VIR/]],
      ['/admin/orders', [/VIP-100234/, /4600000123456/, /dead letter/]],
      ['/admin/orders?status=dead_letter', [/VIP-100235/]],
      ['/admin/orders/VIP-100235', [/Timeline/, /HTTP 500 code 9999/, /Retry dead letter/, /attempt 5/]],
      ['/admin/orders/VIP-100236', [/flavored_ban/, /Flavored vapor products/]],
      ['/admin/compliance', [/Verify the chain/, /Run the drill/, /PACT Act report/, /flavored_ban/]],
      ['/admin/compliance/audit/aud_2', [/Previous hash/, /rulesetVersion/]],
      ['/admin/alerts', [/dead_letter/, /webhook \(hooks\.slack\.com\)/, /ECONNREFUSED/]],
    ];
    for (const [url, patterns] of expectations) {
      const res = await app.inject({ method: 'GET', url, headers: { cookie } });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.headers['cache-control']).toBe('no-store');
      for (const p of patterns) expect(res.body, `${url} ${p}`).toMatch(p);
    }
    const dl = await app.inject({ method: 'GET', url: '/admin/orders?status=dead_letter', headers: { cookie } });
    expect(dl.body).not.toContain('VIP-100234');
    expect((await app.inject({ method: 'GET', url: '/admin/orders/NOPE', headers: { cookie } })).statusCode).toBe(404);
  });

  it('escapes data from the sources', async () => {
    const built = await buildAdminApp();
    app = built.app;
    built.state.products[0]!.name = '<script>alert(1)</script>';
    const { cookie } = await login(app);
    const res = await app.inject({ method: 'GET', url: '/admin/catalog', headers: { cookie } });
    expect(res.body).not.toContain('<script>alert(1)</script>');
    expect(res.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('shows a failing source as an error panel, not a 500', async () => {
    const built = await buildAdminApp();
    app = built.app;
    built.sources.connection.status = async () => {
      throw new Error('database is locked');
    };
    const { cookie } = await login(app);
    for (const url of ['/admin', '/admin/connection']) {
      const res = await app.inject({ method: 'GET', url, headers: { cookie } });
      expect(res.statusCode).toBe(200);
      expect(res.body).toMatch(/Could not load[\s\S]*database is locked/);
    }
  });

  it('Connect redirects to the OAuth start URL; verify and drill show their outcome', async () => {
    const built = await buildAdminApp();
    app = built.app;
    const { cookie, csrf } = await login(app);
    const connect = await app.inject({ method: 'GET', url: '/admin/connection/connect', headers: { cookie } });
    expect(connect.statusCode).toBe(302);
    expect(connect.headers.location).toBe(built.state.startUrl);
    built.state.chainBroken = true;
    await app.inject({ method: 'POST', url: '/admin/compliance/verify', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${csrf}` });
    expect((await app.inject({ method: 'GET', url: '/admin/compliance', headers: { cookie } })).body).toContain('Audit chain BROKEN at record #2');
    await app.inject({ method: 'POST', url: '/admin/compliance/drill', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${csrf}` });
    const after = await app.inject({ method: 'GET', url: '/admin/compliance', headers: { cookie } });
    expect(after.body).toContain('Drill passed: 4 checks');
    expect(after.body).toContain('flavored vape to California');
  });

  it('downloads the PACT report and the audit export', async () => {
    app = (await buildAdminApp()).app;
    const { cookie } = await login(app);
    const pact = await app.inject({ method: 'GET', url: '/admin/compliance/pact-report?month=2026-10&state=nv', headers: { cookie } });
    expect(pact.statusCode).toBe(200);
    expect(pact.headers['content-disposition']).toBe('attachment; filename="pact-2026-10-NV.csv"');
    expect(pact.body).toContain('VIP-100234');
    const bad = await app.inject({ method: 'GET', url: '/admin/compliance/pact-report?month=2026-13', headers: { cookie } });
    expect(bad.statusCode).toBe(303);
    const exp = await app.inject({ method: 'GET', url: '/admin/compliance/audit-export', headers: { cookie } });
    expect(exp.headers['content-disposition']).toContain('audit-export.jsonl');
    const api = await app.inject({ method: 'GET', url: '/api/admin/pact-report?month=2026-10', headers: { cookie } });
    expect(api.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/admin/pact-report?month=oct', headers: { cookie } })).statusCode).toBe(400);
  });

  it('serves the JSON API', async () => {
    app = (await buildAdminApp()).app;
    const { cookie } = await login(app);
    const get = async (url: string) => {
      const res = await app!.inject({ method: 'GET', url, headers: { cookie } });
      expect(res.statusCode, url).toBe(200);
      return res.json();
    };
    expect((await get('/api/admin/budget')).snapshot.dailyLimit).toBe(1000);
    expect((await get('/api/admin/sync')).mappingProblems).toHaveLength(1);
    expect((await get('/api/admin/catalog?q=raw')).total).toBe(1);
    expect((await get('/api/admin/orders?status=dead_letter')).items[0].orderId).toBe('VIP-100235');
    expect((await get('/api/admin/orders/VIP-100234')).steps).toHaveLength(4);
    expect((await get('/api/admin/audit?outcome=deny')).total).toBe(1);
    expect((await get('/api/admin/audit/aud_1')).seq).toBe(1);
    expect((await get('/api/admin/alerts')).sinks).toContain('log');
    expect((await app.inject({ method: 'GET', url: '/api/admin/orders/NOPE', headers: { cookie } })).statusCode).toBe(404);
  });

  it('serves the stylesheet and script without a session', async () => {
    app = (await buildAdminApp()).app;
    const css = await app.inject({ method: 'GET', url: '/admin/assets/admin.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toMatch(/text\/css/);
    expect((await app.inject({ method: 'GET', url: '/admin/assets/admin.js' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/admin/assets/..%2Fpackage.json' })).statusCode).toBe(404);
  });
});

describe('admin scope for other modules', () => {
  it('extraRoutes get the session check and the CSRF check', async () => {
    const calls: string[] = [];
    const built = await buildAdminApp({
      extraRoutes: [
        async (a) => {
          a.get('/api/admin/emulator/faults', async () => ({ faults: [] }));
          a.post('/api/admin/emulator/faults', async () => {
            calls.push('fault');
            return { ok: true };
          });
        },
      ],
    });
    app = built.app;
    expect((await app.inject({ method: 'GET', url: '/api/admin/emulator/faults' })).statusCode).toBe(401);
    const { cookie, csrf } = await login(app);
    expect((await app.inject({ method: 'GET', url: '/api/admin/emulator/faults', headers: { cookie } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/api/admin/emulator/faults', headers: { cookie } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/api/admin/emulator/faults', headers: { cookie, 'x-csrf-token': csrf, origin: 'https://evil.example' } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/api/admin/emulator/faults', headers: { cookie, 'x-csrf-token': csrf } })).statusCode).toBe(200);
    expect(calls).toEqual(['fault']);
  });

  it('requireAdminSession guards a route outside the dashboard with the shared session store', async () => {
    const sessionStore = new MemorySessionStore();
    const sessionSecret = 'shared-session-secret-0123456789';
    const built = await buildAdminApp({ sessionStore, sessionSecret });
    app = built.app;
    await app.close();
    // Rebuild with the extra route (Fastify cannot add routes after ready()).
    const { createHttpServer } = await import('../../src/http/server.js');
    const { createLogger } = await import('../../src/observability/logger.js');
    const { adminPlugin } = await import('../../src/admin/index.js');
    app = await createHttpServer({ logger: createLogger('silent') });
    await app.register(adminPlugin, { adminPassword: TEST_PASSWORD, sessionSecret, sessionStore, sources: built.sources });
    app.get('/oauth/zoho/start', { preHandler: requireAdminSession({ sessionSecret, sessionStore }) }, async (_req, reply) => reply.redirect('https://accounts.zoho.com/oauth/v2/auth', 302));
    await app.ready();
    const anon = await app.inject({ method: 'GET', url: '/oauth/zoho/start' });
    expect(anon.headers.location).toBe('/admin/login?next=%2Fadmin%2Fconnection');
    const { cookie } = await login(app);
    const ok = await app.inject({ method: 'GET', url: '/oauth/zoho/start', headers: { cookie } });
    expect(ok.headers.location).toBe('https://accounts.zoho.com/oauth/v2/auth');
  });
});
