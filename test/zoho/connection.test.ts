import { afterEach, beforeEach, expect, it } from 'vitest';
import { sql } from 'kysely';
import { describeEachDatabase, openTestStore } from '../support/databases.js';
import type { Store } from '../../src/store/db.js';
import { ZohoAuthError } from '../../src/zoho/errors.js';
import { OAuthFlowError } from '../../src/zoho/connection.js';
import type { FetchLike } from '../../src/zoho/client.js';
import { startFakeZoho, type FakeZoho } from './support/fakeZoho.js';
import { makeModule, OffsetClock, zohoTestConfig, type TestModule } from './support/module.js';

describeEachDatabase('zoho connection', (kind) => {
  let store: Store;
  let fake: FakeZoho;
  const modules: TestModule[] = [];
  const mod = (overrides: Record<string, string> = {}, extra: Parameters<typeof makeModule>[2] = {}) => {
    const m = makeModule(store, zohoTestConfig(fake.url, { ZOHO_API_URL: `${fake.url}/inventory/v1`, ...overrides }), extra);
    modules.push(m);
    return m;
  };
  const call = (m: TestModule) => m.api.items.list({ per_page: 1 }, { priority: 'order' });

  beforeEach(async () => {
    store = await openTestStore(kind);
    fake = await startFakeZoho();
  });
  afterEach(async () => {
    for (const m of modules.splice(0)) await m.close();
    await fake.close();
    await store.close();
  });

  it('builds the consent URL with least-privilege scopes, offline access, consent prompt and a stored, hashed state', async () => {
    const m = mod();
    const { url, state, expiresAt } = await m.connection.consentUrl();
    const u = new URL(url);
    expect(u.origin + u.pathname).toBe(`${fake.url}/oauth/v2/auth`);
    expect(u.searchParams.get('scope')!.split(',')).toEqual([
      'ZohoInventory.items.READ',
      'ZohoInventory.contacts.READ',
      'ZohoInventory.contacts.CREATE',
      'ZohoInventory.contacts.UPDATE',
      'ZohoInventory.salesorders.READ',
      'ZohoInventory.salesorders.CREATE',
      'ZohoInventory.salesorders.UPDATE',
      'ZohoInventory.settings.READ',
    ]);
    expect(u.searchParams.get('client_id')).toBe('test-client');
    expect(u.searchParams.get('response_type')).toBe('code');
    expect(u.searchParams.get('access_type')).toBe('offline');
    expect(u.searchParams.get('prompt')).toBe('consent');
    expect(u.searchParams.get('redirect_uri')).toBe('http://127.0.0.1:3000/oauth/zoho/callback');
    expect(u.searchParams.get('state')).toBe(state);
    expect(state.length).toBeGreaterThanOrEqual(32);
    const rows = await store.db.selectFrom('zoho_oauth_states').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(Number(rows[0]!.expires_at)).toBe(expiresAt);
    expect(Number(rows[0]!.expires_at) - Number(rows[0]!.created_at)).toBe(10 * 60_000);
    expect(rows[0]!.state_hash).not.toBe(state);
    expect(JSON.stringify(rows)).not.toContain(state);
    const second = await m.connection.consentUrl();
    expect(second.state).not.toBe(state);
  });

  it('adds adjustment scopes only in adjustment mode, and uses ZOHO_SCOPES verbatim when set', async () => {
    const adj = new URL((await mod({ STOCK_MODE: 'adjustment' }).connection.consentUrl()).url).searchParams.get('scope')!;
    expect(adj).toContain('ZohoInventory.inventoryadjustments.CREATE');
    const commit = new URL((await mod().connection.consentUrl()).url).searchParams.get('scope')!;
    expect(commit).not.toContain('inventoryadjustments');
    expect(commit).not.toMatch(/FullAccess/i);
    const full = new URL((await mod({ ZOHO_SCOPES: 'ZohoInventory.FullAccess.all' }).connection.consentUrl()).url).searchParams.get('scope');
    expect(full).toBe('ZohoInventory.FullAccess.all');
  });

  it('exchanges the code from the callback as a form body and stores api_domain, scopes and encrypted tokens', async () => {
    const m = mod();
    const { state } = await m.connection.consentUrl();
    const status = await m.connection.handleCallback({ code: 'good-code', state, location: 'us' });
    expect(status.state).toBe('connected');
    expect(status.apiDomain).toBe(fake.url);
    expect(status.scopes).toContain('ZohoInventory.items.READ');
    expect(status.dataCentre).toBe('us');
    const tokenReq = fake.log.find((r) => r.path === '/oauth/v2/token')!;
    expect(tokenReq.headers['content-type']).toContain('application/x-www-form-urlencoded');
    expect(tokenReq.query).toEqual({});
    expect(tokenReq.body).toMatchObject({ grant_type: 'authorization_code', code: 'good-code', client_id: 'test-client', client_secret: 'test-secret', redirect_uri: 'http://127.0.0.1:3000/oauth/zoho/callback' });

    const row = await store.db.selectFrom('zoho_connection').selectAll().executeTakeFirstOrThrow();
    const raw = JSON.stringify(row);
    expect(raw).not.toContain('1000.access.1');
    expect(raw).not.toContain('1000.refresh.original');
    expect(row.access_token_enc).toMatch(/^v1\./);
    // And the raw column as the database holds it, not through Kysely's row mapping.
    const dump = await sql<{ t: string }>`select access_token_enc || refresh_token_enc as t from zoho_connection`.execute(store.db);
    expect(dump.rows[0]!.t).not.toContain('1000.');

    await call(m);
    const apiReq = fake.log.find((r) => r.path === '/items')!;
    expect(apiReq.headers.authorization).toBe('Zoho-oauthtoken 1000.access.1');
  });

  it('uses api_domain from the token response when ZOHO_API_URL is not set', async () => {
    const m = mod({ ZOHO_API_URL: '' });
    await m.connection.exchangeCode('good-code');
    await call(m);
    expect(fake.count('GET', '/items')).toBe(1);
  });

  it('refuses a wrong, a replayed and an expired state', async () => {
    const clock = new OffsetClock();
    const m = mod({}, { clock });
    const { state } = await m.connection.consentUrl();
    await expect(m.connection.handleCallback({ code: 'good-code', state: 'not-the-state' })).rejects.toMatchObject({ code: 'oauth_state_invalid' });
    await expect(m.connection.handleCallback({ code: 'good-code' })).rejects.toMatchObject({ code: 'oauth_state_invalid' });
    await m.connection.handleCallback({ code: 'good-code', state });
    await expect(m.connection.handleCallback({ code: 'good-code', state })).rejects.toMatchObject({ code: 'oauth_state_invalid' });
    const late = await m.connection.consentUrl();
    clock.advance(10 * 60_000 + 1);
    await expect(m.connection.handleCallback({ code: 'good-code', state: late.state })).rejects.toMatchObject({ code: 'oauth_state_invalid' });
    expect(fake.tokenCalls).toHaveLength(1);
  });

  it('handles error=access_denied and spends the state', async () => {
    const m = mod();
    const { state } = await m.connection.consentUrl();
    const err = await m.connection.handleCallback({ error: 'access_denied', state }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OAuthFlowError);
    expect(err).toMatchObject({ code: 'oauth_denied' });
    await expect(m.connection.handleCallback({ code: 'good-code', state })).rejects.toMatchObject({ code: 'oauth_state_invalid' });
    expect(fake.tokenCalls).toHaveLength(0);
  });

  it('honours a multi-DC accounts-server that is a known Zoho host, and refuses unknown or plain-http hosts', async () => {
    const seen: string[] = [];
    // Route the real Zoho EU host to the local fake, recording where the bridge meant to go.
    const fetchVia: FetchLike = async (url, init) => {
      seen.push(url);
      return fetch(url.replace('https://accounts.zoho.eu', fake.url), init);
    };
    const m = mod({}, { fetch: fetchVia });
    const first = await m.connection.consentUrl();
    await expect(m.connection.handleCallback({ code: 'good-code', state: first.state, 'accounts-server': 'https://evil.example.com' })).rejects.toMatchObject({ code: 'oauth_exchange_failed' });
    const second = await m.connection.consentUrl();
    await expect(m.connection.handleCallback({ code: 'good-code', state: second.state, 'accounts-server': 'http://accounts.zoho.eu' })).rejects.toMatchObject({ code: 'oauth_exchange_failed' });
    const third = await m.connection.consentUrl();
    await expect(m.connection.handleCallback({ code: 'good-code', state: third.state, 'accounts-server': 'https://accounts.zoho.eu.evil.example' })).rejects.toMatchObject({ code: 'oauth_exchange_failed' });
    expect(seen).toEqual([]);

    const ok = await m.connection.consentUrl();
    const status = await m.connection.handleCallback({ code: 'good-code', state: ok.state, location: 'eu', 'accounts-server': 'https://accounts.zoho.eu' });
    expect(status.accountsServer).toBe('https://accounts.zoho.eu');
    expect(status.dataCentre).toBe('eu');
    expect(seen).toEqual(['https://accounts.zoho.eu/oauth/v2/token']);
    // The refresh goes to the same accounts server.
    (m.clock as OffsetClock).advance(2 * 3_600_000);
    await m.connection.getAccessToken();
    expect(seen).toEqual(['https://accounts.zoho.eu/oauth/v2/token', 'https://accounts.zoho.eu/oauth/v2/token']);
  });

  it('refreshes ahead of expiry as a form body and never drops the stored refresh token', async () => {
    const clock = new OffsetClock();
    const m = mod({}, { clock });
    await m.connection.exchangeCode('good-code');
    await call(m);
    expect(fake.tokenCalls).toHaveLength(1);
    clock.advance(3_600_000 - 4 * 60_000); // within 5 minutes of expiry
    await call(m);
    expect(fake.tokenCalls).toHaveLength(2);
    expect(fake.tokenCalls[1]).toMatchObject({ grant_type: 'refresh_token', refresh_token: '1000.refresh.original', client_id: 'test-client', client_secret: 'test-secret' });
    clock.advance(2 * 3_600_000);
    await call(m);
    // The refresh answer carries no refresh_token: the original is still used.
    expect(fake.tokenCalls[2]).toMatchObject({ grant_type: 'refresh_token', refresh_token: '1000.refresh.original' });
    expect(m.registry.getSingleMetric('zoho_token_refreshes_total')).toBeDefined();
    const metrics = await m.registry.metrics();
    expect(metrics).toMatch(/zoho_token_refreshes_total\{outcome="success"\} 2/);
  });

  it('bootstraps from a Self Client refresh token (init with ZOHO_REFRESH_TOKEN)', async () => {
    const m = mod({ ZOHO_REFRESH_TOKEN: '1000.refresh.selfclient' });
    await m.init();
    const status = await m.connection.status();
    expect(status.state).toBe('connected');
    expect(status.apiDomain).toBe(fake.url);
    expect(fake.tokenCalls[0]).toMatchObject({ grant_type: 'refresh_token', refresh_token: '1000.refresh.selfclient' });
    await m.init(); // already connected: no second bootstrap
    expect(fake.tokenCalls).toHaveLength(1);
    await call(m);
  });

  it('invalid_code on refresh marks the connection needs_reauth, raises an alert and stops asking', async () => {
    const clock = new OffsetClock();
    const m = mod({}, { clock });
    await m.connection.exchangeCode('good-code');
    fake.tokenBehaviour = 'invalid_code';
    clock.advance(2 * 3_600_000);
    const err = await call(m).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZohoAuthError);
    expect((err as ZohoAuthError).reason).toBe('needs_reauth');
    expect((await m.connection.status()).state).toBe('needs_reauth');
    expect(m.alerts.events.map((e) => e.kind)).toContain('needs_reauth');
    await expect(call(m)).rejects.toMatchObject({ reason: 'needs_reauth' });
    expect(fake.tokenCalls).toHaveLength(2);
    expect(fake.count('GET', '/items')).toBe(0);
    // A new consent repairs it.
    fake.tokenBehaviour = 'ok';
    await m.connection.exchangeCode('good-code');
    await call(m);
  });

  it('invalid_client is a configuration error naming ZOHO_CLIENT_ID and ZOHO_DC', async () => {
    const m = mod({ ZOHO_CLIENT_ID: 'wrong-client' });
    const err = await m.connection.exchangeCode('good-code').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZohoAuthError);
    expect((err as ZohoAuthError).reason).toBe('invalid_client');
    expect((err as Error).message).toMatch(/ZOHO_CLIENT_ID/);
    expect((err as Error).message).toMatch(/ZOHO_DC/);
  });

  it('invalid_client on refresh: error state, clear message, config alert, cool-down', async () => {
    const clock = new OffsetClock();
    const m = mod({}, { clock });
    await m.connection.exchangeCode('good-code');
    fake.tokenBehaviour = 'invalid_client';
    clock.advance(2 * 3_600_000);
    await expect(call(m)).rejects.toMatchObject({ reason: 'invalid_client' });
    expect((await m.connection.status()).state).toBe('error');
    expect(m.alerts.events.map((e) => e.kind)).toContain('config_error');
    await expect(call(m)).rejects.toBeInstanceOf(ZohoAuthError);
    expect(fake.tokenCalls).toHaveLength(2); // the cool-down kept the second call away
  });

  it('invalid_redirect_uri: the callback fails with oauth_exchange_failed naming ZOHO_REDIRECT_URI', async () => {
    const m = mod();
    fake.tokenBehaviour = 'invalid_redirect_uri';
    const { state } = await m.connection.consentUrl();
    const err = await m.connection.handleCallback({ code: 'good-code', state }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'oauth_exchange_failed' });
    expect((err as Error).message).toMatch(/ZOHO_REDIRECT_URI/);
    expect((await m.connection.status()).state).toBe('not_connected');
  });

  it('an expired or used code fails the exchange with a clear message', async () => {
    const m = mod();
    await expect(m.connection.exchangeCode('stale-code')).rejects.toThrow(/invalid_code/);
  });

  it('Access Denied (refresh throttle): backs off, remembers until when in the database, and does not hammer', async () => {
    const clock = new OffsetClock();
    const m = mod({}, { clock });
    await m.connection.exchangeCode('good-code');
    fake.tokenBehaviour = 'throttle';
    clock.advance(2 * 3_600_000);
    await expect(call(m)).rejects.toMatchObject({ reason: 'throttled' });
    await expect(call(m)).rejects.toMatchObject({ reason: 'throttled' });
    // Another "process" on the same database respects the same back-off.
    const other = mod({}, { clock });
    await expect(call(other)).rejects.toMatchObject({ reason: 'throttled' });
    expect(fake.tokenCalls).toHaveLength(2);
    const row = await store.db.selectFrom('zoho_connection').select('throttled_until').executeTakeFirstOrThrow();
    expect(Number(row.throttled_until)).toBeGreaterThan(clock.now());
    fake.tokenBehaviour = 'ok';
    clock.advance(2 * 60_000 + 1);
    await call(m);
    expect(fake.tokenCalls).toHaveLength(3);
  });

  it('a throttled refresh keeps using a token that is still valid', async () => {
    const clock = new OffsetClock();
    const m = mod({}, { clock });
    await m.connection.exchangeCode('good-code');
    fake.tokenBehaviour = 'throttle';
    clock.advance(3_600_000 - 60_000); // in the refresh window, not expired
    await call(m);
    await call(m);
    expect(fake.tokenCalls).toHaveLength(2);
    expect(fake.count('GET', '/items')).toBe(2);
  });

  it('100 concurrent calls on an expired token cause exactly one refresh', async () => {
    const clock = new OffsetClock();
    const m = mod({ ZOHO_MAX_CONCURRENCY: '10', ZOHO_PER_MINUTE_LIMIT: '1000' }, { clock });
    await m.connection.exchangeCode('good-code');
    clock.advance(2 * 3_600_000);
    fake.tokenDelayMs = 50;
    await Promise.all(Array.from({ length: 100 }, () => call(m)));
    expect(fake.tokenCalls.filter((c) => c.grant_type === 'refresh_token')).toHaveLength(1);
    expect(fake.count('GET', '/items')).toBe(100);
  });

  it('two module instances on one database refresh once between them (lease, then re-read)', async () => {
    const clock = new OffsetClock();
    // Plenty of per-minute room: this test is about the refresh, not the budget.
    const a = mod({ ZOHO_MAX_CONCURRENCY: '10', ZOHO_PER_MINUTE_LIMIT: '1000' }, { clock });
    const b = mod({ ZOHO_MAX_CONCURRENCY: '10', ZOHO_PER_MINUTE_LIMIT: '1000' }, { clock });
    await a.connection.exchangeCode('good-code');
    clock.advance(2 * 3_600_000);
    fake.tokenDelayMs = 100;
    await Promise.all([...Array.from({ length: 50 }, () => call(a)), ...Array.from({ length: 50 }, () => call(b))]);
    expect(fake.tokenCalls.filter((c) => c.grant_type === 'refresh_token')).toHaveLength(1);
  });

  it('a 401 refreshes once even if the token looked valid, and concurrent 401s share the refresh', async () => {
    const m = mod({ ZOHO_MAX_CONCURRENCY: '10' });
    await m.connection.exchangeCode('good-code');
    fake.validTokens.clear(); // Zoho forgot the token (e.g. the 16th access token pushed it out)
    fake.tokenDelayMs = 30;
    await Promise.all(Array.from({ length: 20 }, () => call(m)));
    expect(fake.tokenCalls.filter((c) => c.grant_type === 'refresh_token')).toHaveLength(1);
  });

  it('revokes at the accounts server and forgets the tokens', async () => {
    const m = mod();
    await m.connection.exchangeCode('good-code');
    const status = await m.connection.revoke();
    expect(status.state).toBe('not_connected');
    const revoke = fake.log.find((r) => r.path === '/oauth/v2/token/revoke')!;
    expect(revoke.query.token).toBe('1000.refresh.original');
    await expect(call(m)).rejects.toMatchObject({ reason: 'not_connected' });
  });

  it('a wrong TOKEN_ENCRYPTION_KEY cannot read the stored tokens', async () => {
    const m = mod();
    await m.connection.exchangeCode('good-code');
    const other = mod({ TOKEN_ENCRYPTION_KEY: 'b2'.repeat(32) });
    await expect(other.connection.getAccessToken()).rejects.toMatchObject({ reason: 'needs_reauth' });
  });

  it('refuses plain http to a non-loopback accounts server in live mode', async () => {
    const m = mod({ ZOHO_ACCOUNTS_URL: 'https://accounts.zoho.com' });
    const { url } = await m.connection.consentUrl();
    expect(url.startsWith('https://accounts.zoho.com/oauth/v2/auth?')).toBe(true);
  });
});
