import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestStore } from '../support/databases.js';
import type { Store } from '../../src/store/db.js';
import { ZohoApiError, ZohoBudgetExceededError, ZohoOutcomeUnknownError, ZohoUnavailableError } from '../../src/zoho/errors.js';
import type { FetchLike } from '../../src/zoho/client.js';
import { startFakeZoho, type FakeZoho } from './support/fakeZoho.js';
import { makeModule, zohoTestConfig, type TestModule } from './support/module.js';

const order = { priority: 'order' as const };

describe('zoho http client', () => {
  let store: Store;
  let fake: FakeZoho;
  let m: TestModule;
  const modules: TestModule[] = [];
  const mod = (overrides: Record<string, string> = {}, extra: Parameters<typeof makeModule>[2] = {}) => {
    const created = makeModule(store, zohoTestConfig(fake.url, { ZOHO_API_URL: `${fake.url}/inventory/v1`, ...overrides }), extra);
    modules.push(created);
    return created;
  };

  beforeEach(async () => {
    store = await openTestStore('sqlite');
    fake = await startFakeZoho();
    m = mod();
    await m.connection.exchangeCode('good-code');
  });
  afterEach(async () => {
    for (const x of modules.splice(0)) await x.close();
    await fake.close();
    await store.close();
  });

  it('sends the token header, organization_id on every call and JSON bodies', async () => {
    await m.api.items.list({ per_page: 5, sort_column: 'last_modified_time', last_modified_time: '2024-05-21T16:40:03+0200' }, order);
    await m.api.salesOrders.create({ customer_id: '1', reference_number: 'VIP-1', line_items: [{ item_id: '2', quantity: 1 }] }, order);
    const [list, create] = fake.log.filter((r) => r.path !== '/oauth/v2/token');
    expect(list!.headers.authorization).toBe('Zoho-oauthtoken 1000.access.1');
    expect(list!.query).toMatchObject({ organization_id: '850205569', per_page: '5', last_modified_time: '2024-05-21T16:40:03+0200' });
    expect(create!.query).toEqual({ organization_id: '850205569' });
    expect(create!.headers['content-type']).toContain('application/json');
    expect(create!.body).toEqual({ customer_id: '1', reference_number: 'VIP-1', line_items: [{ item_id: '2', quantity: 1 }] });
  });

  it('treats a non-zero code on HTTP 200 as an error and does not retry it', async () => {
    fake.script('GET', '/items/1', { status: 200, body: { code: 1002, message: 'Item does not exist.' } });
    const err = await m.api.items.get('1', order).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZohoApiError);
    expect(err).toMatchObject({ httpStatus: 200, zohoCode: 1002, zohoMessage: 'Item does not exist.', retryable: false, endpoint: '/items/:id' });
    expect(fake.count('GET', '/items/1')).toBe(1);
  });

  it('retries 5xx and 429 on reads, honouring Retry-After', async () => {
    fake.script('GET', '/items/1', { status: 503, body: { code: 1, message: 'down' } }, { status: 429, body: { code: 44, message: 'slow down' }, headers: { 'retry-after': '0' } });
    const item = await m.api.items.get('1', order);
    expect(item.item_id).toBe('5551230000000100011');
    expect(fake.count('GET', '/items/1')).toBe(3);
  });

  it('gives up after maxAttempts with a retryable ZohoApiError', async () => {
    fake.script('GET', '/items/1', { status: 500, body: {} }, { status: 500, body: {} }, { status: 500, body: {} });
    await expect(m.api.items.get('1', order)).rejects.toMatchObject({ httpStatus: 500, retryable: true });
    expect(fake.count('GET', '/items/1')).toBe(3);
  });

  it('never retries 400 or 404', async () => {
    fake.script('GET', '/items/1', { status: 400, body: { code: 2, message: 'Invalid value passed for organization_id' } });
    await expect(m.api.items.get('1', order)).rejects.toMatchObject({ httpStatus: 400, zohoCode: 2 });
    fake.script('POST', '/salesorders', { status: 404, body: { code: 5, message: 'Invalid URL Passed' } });
    await expect(m.api.salesOrders.create({ customer_id: '1', reference_number: 'x', line_items: [] }, order)).rejects.toMatchObject({ httpStatus: 404 });
    expect(fake.count('GET', '/items/1')).toBe(1);
    expect(fake.count('POST', '/salesorders')).toBe(1);
  });

  it('a 401 refreshes once and retries once; a second 401 is final', async () => {
    fake.script('GET', '/items/1', { status: 401, body: { code: 57, message: 'You are not authorized to perform this operation' } });
    await m.api.items.get('1', order);
    expect(fake.tokenCalls.filter((c) => c.grant_type === 'refresh_token')).toHaveLength(1);
    fake.script('GET', '/items/2', { status: 401, body: { code: 57, message: 'no' } }, { status: 401, body: { code: 57, message: 'no' } });
    await expect(m.api.items.get('2', order)).rejects.toMatchObject({ httpStatus: 401, zohoCode: 57, retryable: false });
    expect(fake.count('GET', '/items/2')).toBe(2);
    expect(fake.tokenCalls.filter((c) => c.grant_type === 'refresh_token')).toHaveLength(2);
  });

  it('code 45 (daily quota) stops: no retry, and later calls are refused without reaching Zoho', async () => {
    fake.script('GET', '/items/1', { status: 429, body: { code: 45, message: 'The API call for this organization has exceeded the maximum call rate limit of 1,000' } });
    const err = await m.api.items.get('1', order).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZohoBudgetExceededError);
    expect(err).toMatchObject({ scope: 'daily' });
    await expect(m.api.items.get('2', order)).rejects.toBeInstanceOf(ZohoBudgetExceededError);
    // Another process on the same database also stops.
    const other = mod();
    await expect(other.api.items.get('3', order)).rejects.toMatchObject({ scope: 'daily' });
    expect(fake.log.filter((r) => r.path.startsWith('/items'))).toHaveLength(1);
  });

  it('a write whose response is lost is outcome-unknown and is not resent', async () => {
    fake.script('POST', '/salesorders', { destroy: true });
    const err = await m.api.salesOrders.create({ customer_id: '1', reference_number: 'VIP-9', line_items: [] }, order).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZohoOutcomeUnknownError);
    expect(fake.count('POST', '/salesorders')).toBe(1);
    fake.script('POST', '/salesorders/7/status/confirmed', { destroy: true });
    await expect(m.api.salesOrders.confirm('7', order)).rejects.toBeInstanceOf(ZohoOutcomeUnknownError);
    expect(fake.count('POST', '/salesorders/7/status/confirmed')).toBe(1);
  });

  it('a write that times out is outcome-unknown; a read that times out is retried', async () => {
    const slow = mod({}, { options: { requestTimeoutMs: 100 } });
    // undici's timers are coarse (about 0.5 s): the answer comes well after that.
    fake.script('POST', '/inventoryadjustments', { delayMs: 1500 });
    await expect(slow.api.inventoryAdjustments.create({ date: '2026-01-01', reason: 'x', adjustment_type: 'quantity', line_items: [] }, order)).rejects.toBeInstanceOf(ZohoOutcomeUnknownError);
    expect(fake.count('POST', '/inventoryadjustments')).toBe(1);
    fake.script('GET', '/items/1', { delayMs: 1500 });
    const item = await slow.api.items.get('1', order);
    expect(item.item_id).toBe('5551230000000100011');
    expect(fake.count('GET', '/items/1')).toBe(2);
  });

  it('a 502 on a write is outcome-unknown; a 503 on a write is retried', async () => {
    fake.script('POST', '/contacts', { status: 502, body: {} });
    await expect(m.api.contacts.create({ contact_name: 'A' }, order)).rejects.toBeInstanceOf(ZohoOutcomeUnknownError);
    fake.script('POST', '/salesorders', { status: 503, body: { code: 1, message: 'busy' } });
    const so = await m.api.salesOrders.create({ customer_id: '1', reference_number: 'VIP-1', line_items: [] }, order);
    expect(so.salesorder_id).toBe('5551230000000200011');
  });

  it('retries a write when the connection never opened, then reports unavailable', async () => {
    let calls = 0;
    const refused: FetchLike = async () => {
      calls++;
      throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    };
    const down = mod({}, { fetch: async (url, init) => (url.includes('/oauth/') ? fetch(url, init) : refused(url, init)) });
    await down.connection.getAccessToken();
    const err = await down.api.salesOrders.create({ customer_id: '1', reference_number: 'x', line_items: [] }, order).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZohoUnavailableError);
    expect(calls).toBe(3);
  });

  it('keeps ids exact when Zoho sends them as bare numbers', async () => {
    fake.script('GET', '/items/1', {
      status: 200,
      raw: '{"code":0,"message":"success","item":{"item_id":5551230000000100011,"name":"X","rate":39.9,"stock_on_hand":5.000000,"locations":[{"location_id":5551230000000038080,"location_stock_on_hand":3}]}}',
    });
    const item = await m.api.items.get('1', order);
    expect(item.item_id).toBe('5551230000000100011');
    expect(item.locations![0]!.location_id).toBe('5551230000000038080');
    expect(item.rate).toBe(39.9);
    expect(item.stock_on_hand).toBe(5);
  });

  it('records every attempt in the call log and in metrics', async () => {
    fake.script('GET', '/items/1', { status: 500, body: {} });
    await m.api.items.get('1', { priority: 'poll' });
    await m.budget.flush();
    const rows = await store.db.selectFrom('zoho_call_log').selectAll().orderBy('attempt').execute();
    expect(rows.map((r) => [r.endpoint, r.method, r.status, r.priority, r.attempt])).toEqual([
      ['/items/:id', 'GET', 500, 'poll', 1],
      ['/items/:id', 'GET', 200, 'poll', 2],
    ]);
    expect(rows[1]!.zoho_code).toBe(0);
    const text = await m.registry.metrics();
    expect(text).toMatch(/zoho_calls_total\{endpoint="\/items\/:id",status="500",priority="poll"\} 1/);
    expect(text).toMatch(/zoho_call_duration_seconds_count\{endpoint="\/items\/:id"\} 2/);
    // The first reservation took a block of 8 slots from the shared ledger.
    expect(text).toMatch(/zoho_budget_remaining\{window="day"\} 992/);
  });
});
