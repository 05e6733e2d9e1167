import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/shared/clock.js';
import { startZohoEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { CLIENT, ORG } from './helpers.js';

const REDIRECT = 'http://127.0.0.1:3000/oauth/zoho/callback';
const SCOPES = 'ZohoInventory.items.READ,ZohoInventory.settings.READ';

let emu: RunningEmulator;
afterEach(() => emu?.close());

function authUrl(extra: Record<string, string> = {}): string {
  const p = new URLSearchParams({
    client_id: CLIENT.id,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: SCOPES,
    access_type: 'offline',
    prompt: 'consent',
    state: 'st-123',
    ...extra,
  });
  return `${emu.url}/oauth/v2/auth?${p}`;
}

async function token(params: Record<string, string>, asQuery = false): Promise<any> {
  const body = new URLSearchParams({ client_id: CLIENT.id, client_secret: CLIENT.secret, ...params });
  const res = asQuery
    ? await fetch(`${emu.url}/oauth/v2/token?${body}`, { method: 'POST' })
    : await fetch(`${emu.url}/oauth/v2/token`, { method: 'POST', body });
  expect(res.status).toBe(200); // Zoho Accounts answers errors with HTTP 200 too
  return res.json();
}

async function autoCode(extra: Record<string, string> = {}): Promise<string> {
  const res = await fetch(authUrl({ emulator_auto_approve: 'true', ...extra }), { redirect: 'manual' });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!).searchParams.get('code')!;
}

async function itemsStatus(accessToken: string): Promise<{ status: number; code: number }> {
  const res = await fetch(`${emu.apiBaseUrl}/items?organization_id=${ORG}&per_page=1`, { headers: { Authorization: `Zoho-oauthtoken ${accessToken}` } });
  return { status: res.status, code: ((await res.json()) as any).code };
}

describe('consent page', () => {
  it('renders Accept and Deny; Accept redirects with code, state, location and accounts-server', async () => {
    emu = await startZohoEmulator();
    const page = await fetch(authUrl());
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('id="accept"');
    expect(html).toContain('id="deny"');
    expect(html).toContain('ZohoInventory.items.READ');

    const form = new URLSearchParams(new URL(authUrl()).searchParams);
    form.set('decision', 'accept');
    const accepted = await fetch(`${emu.url}/oauth/v2/auth`, { method: 'POST', body: form, redirect: 'manual' });
    expect(accepted.status).toBe(302);
    const loc = new URL(accepted.headers.get('location')!);
    expect(`${loc.origin}${loc.pathname}`).toBe(REDIRECT);
    expect(loc.searchParams.get('state')).toBe('st-123');
    expect(loc.searchParams.get('location')).toBe('us');
    expect(loc.searchParams.get('accounts-server')).toBe(emu.url);
    expect(loc.searchParams.get('code')).toMatch(/^1000\./);

    form.set('decision', 'deny');
    const denied = await fetch(`${emu.url}/oauth/v2/auth`, { method: 'POST', body: form, redirect: 'manual' });
    const dloc = new URL(denied.headers.get('location')!);
    expect(dloc.searchParams.get('error')).toBe('access_denied');
    expect(dloc.searchParams.get('state')).toBe('st-123');
    expect(dloc.searchParams.get('code')).toBeNull();
  });

  it('refuses an unknown client, a bad redirect_uri, a wrong response_type and scopes that do not exist', async () => {
    emu = await startZohoEmulator({ redirectUris: [REDIRECT] });
    expect((await fetch(authUrl({ client_id: 'other' }))).status).toBe(400);
    expect((await fetch(authUrl({ redirect_uri: 'http://evil.example/cb' }))).status).toBe(400);
    const rt = await fetch(authUrl({ response_type: 'token' }), { redirect: 'manual' });
    expect(new URL(rt.headers.get('location')!).searchParams.get('error')).toBe('unsupported_response_type');
    // The draft spec's scopes (zoho-api.md §0) do not exist.
    for (const bad of ['ZohoInventory.FullAccess', 'ZohoInventory.inventory.READ', 'ZohoInventory.items.WRITE', '']) {
      const res = await fetch(authUrl({ scope: bad }));
      expect(res.status, bad).toBe(400);
    }
    expect((await fetch(authUrl({ scope: 'ZohoInventory.fullaccess.ALL' }))).status).toBe(200);
  });
});

describe('token endpoint', () => {
  it('exchanges a code (form body) once; refreshes (query string) without a refresh_token; tokens work', async () => {
    emu = await startZohoEmulator();
    const code = await autoCode();
    const exchanged = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
    expect(exchanged.refresh_token).toMatch(/^1000\./);
    expect(exchanged.api_domain).toBe(emu.url);
    expect(exchanged.token_type).toBe('Bearer');
    expect(exchanged.expires_in).toBe(3600);
    expect((await itemsStatus(exchanged.access_token)).status).toBe(200);

    expect(await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT })).toEqual({ error: 'invalid_code' });

    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: exchanged.refresh_token }, true);
    expect(refreshed.access_token).toMatch(/^1000\./);
    expect(refreshed).not.toHaveProperty('refresh_token');
    expect((await itemsStatus(refreshed.access_token)).status).toBe(200);
    expect(emu.control.counters().tokenRefreshes).toBe(1);
    expect(emu.control.counters().codeExchanges).toBe(1);
    expect(emu.control.count('POST /oauth/v2/token')).toBe(3); // exchange, replay, refresh
  });

  it('answers invalid_client, invalid_redirect_uri, invalid_code (expired after 2 minutes) with HTTP 200', async () => {
    const clock = new FakeClock();
    emu = await startZohoEmulator({ clock });
    const code = await autoCode();
    expect(await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_secret: 'wrong' })).toEqual({ error: 'invalid_client' });
    expect(await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: 'other' })).toEqual({ error: 'invalid_client' });
    expect(await token({ grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:3000/other' })).toEqual({ error: 'invalid_redirect_uri' });
    clock.advance(121_000);
    expect(await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT })).toEqual({ error: 'invalid_code' });
    expect(await token({ grant_type: 'refresh_token', refresh_token: 'unknown' })).toEqual({ error: 'invalid_code' });
  });

  it('gives a refresh token only for access_type=offline, and again only with prompt=consent', async () => {
    emu = await startZohoEmulator();
    const online = await token({ grant_type: 'authorization_code', code: await autoCode({ access_type: 'online' }), redirect_uri: REDIRECT });
    expect(online.access_token).toBeTruthy();
    expect(online).not.toHaveProperty('refresh_token');
    const first = await token({ grant_type: 'authorization_code', code: await autoCode({ prompt: 'none' }), redirect_uri: REDIRECT });
    expect(first.refresh_token).toBeTruthy();
    const again = await token({ grant_type: 'authorization_code', code: await autoCode({ prompt: 'none' }), redirect_uri: REDIRECT });
    expect(again).not.toHaveProperty('refresh_token');
    const forced = await token({ grant_type: 'authorization_code', code: await autoCode({ prompt: 'consent' }), redirect_uri: REDIRECT });
    expect(forced.refresh_token).toBeTruthy();
  });

  it('throttles the 11th refresh within 10 minutes per refresh token, then recovers', async () => {
    const clock = new FakeClock();
    emu = await startZohoEmulator({ clock });
    const rt = emu.control.issueRefreshToken();
    const other = emu.control.issueRefreshToken();
    for (let i = 0; i < 10; i++) expect((await token({ grant_type: 'refresh_token', refresh_token: rt })).access_token).toBeTruthy();
    expect(await token({ grant_type: 'refresh_token', refresh_token: rt })).toEqual({
      error_description: 'You have made too many requests continuously. Please try again after some time.',
      error: 'Access Denied',
      status: 'failure',
    });
    expect((await token({ grant_type: 'refresh_token', refresh_token: other })).access_token).toBeTruthy();
    clock.advance(600_001);
    expect((await token({ grant_type: 'refresh_token', refresh_token: rt })).access_token).toBeTruthy();
    const c = emu.control.counters();
    expect(c.tokenRefreshes).toBe(12);
    expect(c.tokenRefreshAttempts).toBe(13);
  });

  it('Self Client codes exchange without redirect_uri', async () => {
    emu = await startZohoEmulator();
    const code = emu.control.issueGrantCode({ scopes: ['ZohoInventory.items.READ'] });
    const res = await token({ grant_type: 'authorization_code', code });
    expect(res.refresh_token).toBeTruthy();
    expect(emu.control.tokenScopes(res.access_token)).toEqual(['ZohoInventory.items.READ']);
  });
});

describe('expiry and revocation', () => {
  it('access tokens expire with the clock and on expireAccessTokens()', async () => {
    const clock = new FakeClock();
    emu = await startZohoEmulator({ clock, accessTokenTtlSeconds: 60 });
    const rt = emu.control.issueRefreshToken();
    let at = (await token({ grant_type: 'refresh_token', refresh_token: rt })).access_token;
    expect((await itemsStatus(at)).status).toBe(200);
    clock.advance(60_000);
    expect(await itemsStatus(at)).toEqual({ status: 401, code: 57 });
    at = (await token({ grant_type: 'refresh_token', refresh_token: rt })).access_token;
    expect((await itemsStatus(at)).status).toBe(200);
    emu.control.expireAccessTokens();
    expect(await itemsStatus(at)).toEqual({ status: 401, code: 57 });
  });

  it('revoke endpoint and control.revokeRefreshToken kill the refresh token and its access tokens', async () => {
    emu = await startZohoEmulator();
    const rt = emu.control.issueRefreshToken();
    const at = (await token({ grant_type: 'refresh_token', refresh_token: rt })).access_token;
    const res = await fetch(`${emu.url}/oauth/v2/token/revoke?token=${encodeURIComponent(rt)}`, { method: 'POST' });
    expect(await res.json()).toEqual({ status: 'success' });
    expect(await token({ grant_type: 'refresh_token', refresh_token: rt })).toEqual({ error: 'invalid_code' });
    expect((await itemsStatus(at)).status).toBe(401);
    const again = await fetch(`${emu.url}/oauth/v2/token/revoke?token=${encodeURIComponent(rt)}`, { method: 'POST' });
    expect(again.status).toBe(400);

    const rt2 = emu.control.issueRefreshToken();
    expect(emu.control.revokeRefreshToken(rt2)).toBe(true);
    expect(await token({ grant_type: 'refresh_token', refresh_token: rt2 })).toEqual({ error: 'invalid_code' });
  });

  it('the 21st refresh token of the client deletes the oldest', async () => {
    emu = await startZohoEmulator();
    const tokens = Array.from({ length: 21 }, () => emu.control.issueRefreshToken());
    expect(await token({ grant_type: 'refresh_token', refresh_token: tokens[0]! })).toEqual({ error: 'invalid_code' });
    expect((await token({ grant_type: 'refresh_token', refresh_token: tokens[1]! })).access_token).toBeTruthy();
  });

  it('the 16th access token of a refresh token invalidates the oldest', async () => {
    const clock = new FakeClock();
    emu = await startZohoEmulator({ clock });
    const rt = emu.control.issueRefreshToken();
    const ats: string[] = [];
    for (let i = 0; i < 16; i++) {
      if (i === 10) clock.advance(600_001); // stay under the refresh throttle
      ats.push((await token({ grant_type: 'refresh_token', refresh_token: rt })).access_token);
    }
    expect((await itemsStatus(ats[0]!)).status).toBe(401);
    expect((await itemsStatus(ats[1]!)).status).toBe(200);
  });
});
