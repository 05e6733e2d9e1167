/**
 * Operator decisions on held orders in the dashboard: the API routes and the
 * forms need a session and the CSRF token; the order page offers Approve /
 * Refuse only for orders in review; the overview and the Orders page count them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildAdminApp, cookieFrom, login, TEST_PASSWORD } from './harness.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const REVIEW = 'VIP-100238';
const PENDING = 'VIP-100237';
const PLACED = 'VIP-100234';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

async function apiLogin(a: FastifyInstance) {
  const res = await a.inject({ method: 'POST', url: '/api/admin/login', payload: { password: TEST_PASSWORD } });
  expect(res.statusCode).toBe(200);
  return { cookie: `dtc_admin=${cookieFrom(res.headers['set-cookie'], 'dtc_admin')}`, csrf: res.json().csrfToken as string };
}

describe('admin: decisions on held orders', () => {
  it('the API routes need a session (401) and the CSRF token (403), and refuse cross-site posts', async () => {
    const built = await buildAdminApp();
    app = built.app;
    for (const action of ['approve', 'refuse']) {
      const anon = await app.inject({ method: 'POST', url: `/api/admin/orders/${REVIEW}/${action}`, payload: { note: 'looks fine to me' } });
      expect(anon.statusCode, action).toBe(401);
    }
    const { cookie, csrf } = await apiLogin(app);
    for (const action of ['approve', 'refuse']) {
      const noToken = await app.inject({ method: 'POST', url: `/api/admin/orders/${REVIEW}/${action}`, headers: { cookie }, payload: { note: 'looks fine to me' } });
      expect(noToken.statusCode, action).toBe(403);
      expect(noToken.json().error.code).toBe('csrf_failed');
      const badToken = await app.inject({ method: 'POST', url: `/api/admin/orders/${REVIEW}/${action}`, headers: { cookie, 'x-csrf-token': 'forged' }, payload: { note: 'looks fine to me' } });
      expect(badToken.statusCode, action).toBe(403);
      const crossSite = await app.inject({
        method: 'POST',
        url: `/api/admin/orders/${REVIEW}/${action}`,
        headers: { cookie, 'x-csrf-token': csrf, origin: 'https://evil.example' },
        payload: { note: 'looks fine to me' },
      });
      expect(crossSite.statusCode, action).toBe(403);
      expect(crossSite.json().error.code).toBe('cross_site_request');
    }
    // The page forms: no session → login; no token → refused.
    const anonForm = await app.inject({ method: 'POST', url: `/admin/orders/${REVIEW}/approve`, headers: FORM, payload: 'note=looks+fine&_csrf=x' });
    expect(anonForm.statusCode).toBe(302);
    expect(anonForm.headers.location).toMatch(/^\/admin\/login/);
    const noCsrf = await app.inject({ method: 'POST', url: `/admin/orders/${REVIEW}/approve`, headers: { ...FORM, cookie }, payload: 'note=looks+fine' });
    expect(noCsrf.statusCode).toBe(403);
    expect(built.state.calls).toEqual([]);
    expect(built.state.orders.find((o) => o.orderId === REVIEW)!.status).toBe('review');
  });

  it('API approve: note required (≥ 5 chars), the operator is the session identity, a second approve is a no-op, wrong states are 409', async () => {
    const built = await buildAdminApp();
    app = built.app;
    const { cookie, csrf } = await apiLogin(app);
    const headers = { cookie, 'x-csrf-token': csrf };
    expect((await app.inject({ method: 'POST', url: `/api/admin/orders/${REVIEW}/approve`, headers, payload: {} })).statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: `/api/admin/orders/${REVIEW}/approve`, headers, payload: { note: 'ok' } })).statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: `/api/admin/orders/${REVIEW}/approve`, headers, payload: { note: '    ok     ' } })).statusCode).toBe(400);
    expect(built.state.calls).toEqual([]);

    const res = await app.inject({ method: 'POST', url: `/api/admin/orders/${REVIEW}/approve`, headers, payload: { note: 'ID checked by phone' } });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ ok: true, orderId: REVIEW, status: 'accepted', changed: true });
    expect(body.operator).toMatch(/^admin:[A-Za-z0-9_-]{8}$/);
    expect(built.state.calls).toEqual([`orders.approve:${REVIEW}:${body.operator}:ID checked by phone`]);
    const again = await app.inject({ method: 'POST', url: `/api/admin/orders/${REVIEW}/approve`, headers, payload: { note: 'ID checked by phone' } });
    expect(again.json()).toMatchObject({ status: 'accepted', changed: false });

    const wrong = await app.inject({ method: 'POST', url: `/api/admin/orders/${PLACED}/approve`, headers, payload: { note: 'ID checked by phone' } });
    expect(wrong.statusCode).toBe(409);
    expect(wrong.json().error.code).toBe('order_not_reviewable');
    const refusePlaced = await app.inject({ method: 'POST', url: `/api/admin/orders/${PLACED}/refuse`, headers, payload: {} });
    expect(refusePlaced.statusCode).toBe(409);
    // Refuse: the note is optional; a pending verification can be refused.
    const refused = await app.inject({ method: 'POST', url: `/api/admin/orders/${PENDING}/refuse`, headers, payload: {} });
    expect(refused.statusCode, refused.body).toBe(200);
    expect(refused.json()).toMatchObject({ status: 'refused', changed: true });
  });

  it('the order page shows the hold reasons and the Approve / Refuse forms only for orders in review', async () => {
    const built = await buildAdminApp();
    app = built.app;
    const { cookie } = await login(app);
    const review = await app.inject({ method: 'GET', url: `/admin/orders/${REVIEW}`, headers: { cookie } });
    expect(review.statusCode).toBe(200);
    expect(review.body).toContain('id="review"');
    expect(review.body).toContain('age_provider_unavailable');
    expect(review.body).toContain(`action="/admin/orders/${REVIEW}/approve"`);
    expect(review.body).toContain(`action="/admin/orders/${REVIEW}/refuse"`);
    expect(review.body).toMatch(/name="note" required minlength="5"/);
    for (const id of [PENDING, PLACED, 'VIP-100235', 'VIP-100236']) {
      const page = await app.inject({ method: 'GET', url: `/admin/orders/${id}`, headers: { cookie } });
      expect(page.statusCode, id).toBe(200);
      expect(page.body, id).not.toContain('/approve"');
      expect(page.body, id).not.toContain('/refuse"');
    }
    // A review order with a reason that denies it: no Approve form (Refuse stays).
    built.state.orders.find((o) => o.orderId === REVIEW)!.reasons.push({ code: 'flavored_ban', message: 'Flavored products cannot ship to NV', effect: 'deny' });
    const denied = await app.inject({ method: 'GET', url: `/admin/orders/${REVIEW}`, headers: { cookie } });
    expect(denied.body).not.toContain('/approve"');
    expect(denied.body).toContain('/refuse"');
    expect(denied.body).toMatch(/cannot be approved: flavored_ban/);
  });

  it('the forms approve (with a note) and refuse, with a flash; a short note is refused without calling the service', async () => {
    const built = await buildAdminApp();
    app = built.app;
    const { cookie, csrf } = await login(app);
    const short = await app.inject({ method: 'POST', url: `/admin/orders/${REVIEW}/approve`, headers: { ...FORM, cookie }, payload: new URLSearchParams({ _csrf: csrf, note: 'ok' }).toString() });
    expect(short.statusCode).toBe(303);
    expect(built.state.calls).toEqual([]);
    expect((await app.inject({ method: 'GET', url: `/admin/orders/${REVIEW}`, headers: { cookie } })).body).toMatch(/flash-error[\s\S]*at least 5 characters/);

    const ok = await app.inject({ method: 'POST', url: `/admin/orders/${REVIEW}/approve`, headers: { ...FORM, cookie }, payload: new URLSearchParams({ _csrf: csrf, note: 'Customer sent a copy of the ID' }).toString() });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe(`/admin/orders/${REVIEW}`);
    expect(built.state.calls).toHaveLength(1);
    expect(built.state.calls[0]).toMatch(new RegExp(`^orders\\.approve:${REVIEW}:admin:[A-Za-z0-9_-]{8}:Customer sent a copy of the ID$`));
    const after = await app.inject({ method: 'GET', url: `/admin/orders/${REVIEW}`, headers: { cookie } });
    expect(after.body).toMatch(/flash-ok[\s\S]*approved and queued for Zoho/);
    expect(after.body).not.toContain('/approve"');
    expect(after.body).toMatch(/step-ok[\s\S]*operator/);

    // Refuse on an order no longer in review: the 409 shows as a red flash.
    const late = await app.inject({ method: 'POST', url: `/admin/orders/${REVIEW}/refuse`, headers: { ...FORM, cookie }, payload: new URLSearchParams({ _csrf: csrf }).toString() });
    expect(late.statusCode).toBe(303);
    expect((await app.inject({ method: 'GET', url: `/admin/orders/${REVIEW}`, headers: { cookie } })).body).toMatch(/flash-error[\s\S]*only held orders can be refused/);
    const refused = await app.inject({ method: 'POST', url: `/admin/orders/${PENDING}/refuse`, headers: { ...FORM, cookie }, payload: new URLSearchParams({ _csrf: csrf, note: 'duplicate' }).toString() });
    expect(refused.statusCode).toBe(303);
    expect(built.state.orders.find((o) => o.orderId === PENDING)!.status).toBe('refused');
    expect((await app.inject({ method: 'GET', url: `/admin/orders/${PENDING}`, headers: { cookie } })).body).toMatch(/flash-ok[\s\S]*is refused/);
  });

  it('counts the orders that need review on the overview and the Orders page, with a filter', async () => {
    const built = await buildAdminApp();
    app = built.app;
    const { cookie } = await login(app);
    const overview = await app.inject({ method: 'GET', url: '/admin', headers: { cookie } });
    expect(overview.body).toMatch(/id="ov-review"[\s\S]*Needs review[\s\S]*>1<[\s\S]*href="\/admin\/orders\?status=review"/);
    const orders = await app.inject({ method: 'GET', url: '/admin/orders', headers: { cookie } });
    expect(orders.body).toMatch(/id="needs-review">Needs review <span class="review-count">\(1\)<\/span>/);
    expect(orders.body).toContain('id="needs-review-banner"');
    const filtered = await app.inject({ method: 'GET', url: '/admin/orders?status=review', headers: { cookie } });
    expect(filtered.body).toContain(REVIEW);
    expect(filtered.body).not.toContain(PLACED);
    expect(filtered.body).not.toContain('id="needs-review-banner"');
    // Nothing held: the count says 0 and no banner.
    built.state.orders.find((o) => o.orderId === REVIEW)!.status = 'accepted';
    const none = await app.inject({ method: 'GET', url: '/admin/orders', headers: { cookie } });
    expect(none.body).toContain('<span class="review-count">(0)</span>');
    expect(none.body).not.toContain('id="needs-review-banner"');
  });
});
