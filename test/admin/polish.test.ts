/**
 * What the browser review found: connected flash, timeline colours and
 * history, readable step details, no wrapping prices and times, drill
 * records hidden by default, a favicon.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildAdminApp, login } from './harness.js';
import { stepDetail, stepTone, timelineStep } from '../../src/admin/pages/orders.js';
import { clubPercent } from '../../src/admin/pages/catalog.js';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/observability/logger.js';
import { storefrontPlugin } from '../../src/storefront/index.js';
import { adminPlugin } from '../../src/admin/index.js';
import { createFakeSources } from './fake-sources.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const get = async (url: string, cookie: string) => (await app!.inject({ method: 'GET', url, headers: { cookie } })).body;

describe('connection page after the OAuth callback', () => {
  it('shows a green "Connected to Zoho" flash with ?connected=1 only', async () => {
    app = (await buildAdminApp()).app;
    const { cookie } = await login(app);
    const landed = await get('/admin/connection?connected=1', cookie);
    expect(landed).toMatch(/class="flash flash-ok"[^>]*id="connected-flash"[\s\S]*Connected to Zoho/);
    expect(await get('/admin/connection', cookie)).not.toContain('Connected to Zoho.');
  });

  it('does not claim success when the connection is not actually connected', async () => {
    const built = await buildAdminApp();
    app = built.app;
    built.state.connection = { ...built.state.connection, state: 'needs_reauth' };
    const { cookie } = await login(app);
    const body = await get('/admin/connection?connected=1', cookie);
    expect(body).not.toContain('connected-flash');
    expect(body).toContain('Zoho needs you to sign in again');
  });
});

describe('order timeline', () => {
  it('colours steps by outcome: success green, retries amber, failures red', () => {
    for (const s of ['accepted', 'created', 'confirmed', 'done', 'placed', 'ok']) expect(stepTone(s), s).toBe('ok');
    for (const s of ['retry', 'retry_scheduled', 'retrying', 'pending']) expect(stepTone(s), s).toBe('warn');
    for (const s of ['failed', 'dead_letter', 'refused']) expect(stepTone(s), s).toBe('bad');
  });

  it('shows the error an operator retry came after as history, not in red', () => {
    const retry = timelineStep({ at: 0, step: 'operator', status: 'retry', error: 'ZohoApiError: HTTP 500' }).value;
    expect(retry).toContain('step-warn');
    expect(retry).not.toContain('error-text');
    expect(retry).toMatch(/class="step-history[^"]*">Earlier error[^<]*ZohoApiError: HTTP 500/);
    const dead = timelineStep({ at: 0, step: 'push', status: 'dead_letter', attempt: 2, error: 'ZohoApiError: HTTP 500' }).value;
    expect(dead).toContain('step-bad');
    expect(dead).toMatch(/class="step-error error-text">ZohoApiError/);
    const scheduled = timelineStep({ at: 0, step: 'push', status: 'retry_scheduled', attempt: 1, error: 'HTTP 500' }).value;
    expect(scheduled).toMatch(/warn-text">Attempt 1 failed: HTTP 500/);
    const created = timelineStep({ at: 0, step: 'salesorder', status: 'created', zohoId: '48151620', detail: '{"number":"SO-00002"}' }).value;
    expect(created).toContain('step-ok');
    expect(created).toContain('badge-ok');
  });

  it('renders step details as key/value text, not raw JSON', () => {
    const contact = stepDetail('{"created":true,"zohoCalls":2}').value;
    expect(contact).not.toContain('{');
    expect(contact).toMatch(/<dt>Created<\/dt><dd>yes<\/dd>/);
    expect(contact).toMatch(/<dt>Zoho calls<\/dt><dd>2<\/dd>/);
    expect(stepDetail('{"delayMs":34}').value).toMatch(/<dt>Delay<\/dt><dd>34 ms<\/dd>/);
    const compliance = stepDetail('{"decisionId":"34078510-e13f-4377-be27-334de73a3dd7","outcome":"allow","reasons":[]}').value;
    expect(compliance).toMatch(/<dt>Decision id<\/dt><dd><code>34078510/);
    expect(compliance).toMatch(/<dt>Reasons<\/dt><dd><span class="muted">none<\/span>/);
    expect(stepDetail('{"reasons":[{"code":"under_age"},{"code":"flavored_ban"}]}').value).toContain('under_age, flavored_ban');
    expect(stepDetail('waiting for AgeChecker').value).toContain('waiting for AgeChecker');
    expect(stepDetail('{"x":"<b>"}').value).toContain('&lt;b&gt;');
  });

  it('the dead-letter page and the page after a retry read right', async () => {
    const built = await buildAdminApp();
    app = built.app;
    const { cookie, csrf } = await login(app);
    const before = await get('/admin/orders/VIP-100235', cookie);
    expect(before).not.toContain('{&quot;');
    expect(before).toMatch(/<dt>Zoho calls<\/dt><dd>2<\/dd>/);
    await app.inject({ method: 'POST', url: '/admin/orders/VIP-100235/retry', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${csrf}` });
    const after = await get('/admin/orders/VIP-100235', cookie);
    const timeline = after.slice(after.indexOf('id="timeline"'));
    const operator = timeline.slice(timeline.indexOf('<strong>operator</strong>') - 40);
    expect(operator).toMatch(/^[\s\S]*?step-warn/);
    expect(operator.slice(0, operator.indexOf('</li>'))).not.toContain('error-text');
    expect(operator.slice(0, operator.indexOf('</li>'))).toContain('Earlier error');
  });
});

describe('catalog and compliance tables', () => {
  it('keeps the club discount on one line', async () => {
    expect(clubPercent(1000)).toBe('10');
    expect(clubPercent(1250)).toBe('12.5');
    app = (await buildAdminApp()).app;
    const { cookie } = await login(app);
    const body = await get('/admin/catalog', cookie);
    expect(body).toMatch(/class="muted small nowrap club">club −[\d.]+&nbsp;%/);
  });

  it('hides drill records by default, counts them, and shows them on request', async () => {
    const built = await buildAdminApp();
    app = built.app;
    const { cookie, csrf } = await login(app);
    await app.inject({ method: 'POST', url: '/admin/compliance/drill', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${csrf}` });
    const drills = built.state.audit.filter((r) => r.kind === 'drill').length;
    expect(drills).toBeGreaterThan(0);
    const byDefault = await get('/admin/compliance', cookie);
    expect(byDefault).toContain(`${drills} drill records hidden`);
    expect(byDefault).not.toContain('DRILL-');
    expect(byDefault).toContain('Audit log (3)');
    expect(byDefault).toMatch(/<td class="when"><time class="nowrap" datetime="[^"]+" title="[^"]+ UTC">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d<\/time>/);
    const only = await get('/admin/compliance?kind=drill', cookie);
    expect(only).toContain('DRILL-');
    expect(only).toContain(`Audit log (${drills})`);
    expect(only).not.toContain('drill-note');
    expect(await get('/admin/compliance?kind=all', cookie)).toContain(`Audit log (${drills + 3})`);
  });

  it('drops drill rows itself when the source ignores excludeKind', async () => {
    const built = await buildAdminApp();
    app = built.app;
    const list = built.sources.compliance.auditList;
    built.sources.compliance.auditList = (q) => list({ ...q, excludeKind: undefined });
    const { cookie, csrf } = await login(app);
    await app.inject({ method: 'POST', url: '/admin/compliance/drill', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${csrf}` });
    expect(await get('/admin/compliance', cookie)).not.toContain('DRILL-');
  });
});

describe('flash with many check lines', () => {
  it('lists the failed checks and folds the full list of a long drill', async () => {
    const { flashBox } = await import('../../src/admin/pages/layout.js');
    const lines = Array.from({ length: 47 }, (_, i) => ({ ok: i !== 3, text: `check ${i}` }));
    const out = (flashBox({ kind: 'error', message: 'Drill FAILED: 1 of 47 checks.', lines }) as { value: string }).value;
    const [visible, folded] = out.split('<details');
    expect(visible).toContain('✘ check 3');
    expect(visible).not.toContain('check 4<');
    expect(folded).toContain('All 47 checks (46 passed, 1 failed)');
    expect(folded).toContain('✔ check 46');
    const short = (flashBox({ kind: 'ok', message: 'ok', lines: lines.slice(4, 8) }) as { value: string }).value;
    expect(short).not.toContain('<details');
    expect(short).toContain('✔ check 7');
  });
});

describe('favicon', () => {
  it('is served by the dashboard and the storefront together, and linked from the pages', async () => {
    const fake = createFakeSources();
    app = await createHttpServer({ logger: createLogger('silent') });
    await app.register(adminPlugin, { adminPassword: 'pw-0123456789', sessionSecret: 'test-session-secret-0123456789', sources: fake.sources });
    await app.register(storefrontPlugin, { personas: [] });
    await app.ready();
    for (const url of ['/favicon.ico', '/favicon.svg']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/);
      expect(res.body).toMatch(/^<svg /);
    }
    expect((await app.inject({ method: 'GET', url: '/' })).body).toContain('<link rel="icon" href="/favicon.svg"');
    expect((await app.inject({ method: 'GET', url: '/admin/login' })).body).toContain('<link rel="icon" href="/favicon.svg"');
  });

  it('the storefront alone serves it too', async () => {
    app = await createHttpServer({ logger: createLogger('silent') });
    await app.register(storefrontPlugin, { personas: [] });
    expect((await app.inject({ method: 'GET', url: '/favicon.ico' })).statusCode).toBe(200);
  });
});
