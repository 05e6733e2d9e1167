import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/shared/clock.js';
import { type Harness, createCustomer, harness } from './helpers.js';

let h: Harness;
afterEach(() => h?.emu.close());

describe('rate limits', () => {
  it('per-minute: 429 code 44 with Retry-After past the limit, fresh window a minute later', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 28, 8, 0, 0));
    h = await harness({ clock, perMinuteLimit: 5 });
    for (let i = 0; i < 5; i++) expect((await h.api('/items', { query: { per_page: '1' } })).status).toBe(200);
    clock.advance(20_000);
    const limited = await h.api('/items');
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe(44);
    expect(limited.headers.get('retry-after')).toBe('40');
    clock.advance(40_000);
    expect((await h.api('/items')).status).toBe(200);
    expect(h.emu.control.counters().rateLimited).toBe(1);
  });

  it('daily: 429 code 45 naming the limit, until the org-local midnight', async () => {
    // 07:00Z is 23:00 at -0800: one hour left in the org's day.
    const clock = new FakeClock(Date.UTC(2026, 10, 28, 7, 0, 0));
    h = await harness({ clock, dailyLimit: 3, accessTokenTtlSeconds: 86_400 });
    for (let i = 0; i < 3; i++) {
      const ok = await h.api('/locations');
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-rate-limit-remaining')).toBe(String(2 - i));
    }
    clock.advance(60_000);
    const limited = await h.api('/locations');
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ code: 45, message: 'The API call for this organization has exceeded the maximum call rate limit of 3' });
    expect(Number(limited.headers.get('retry-after'))).toBe(3540);
    clock.advance(3_540_000);
    expect((await h.api('/locations')).status).toBe(200);
  });

  it('setLimits changes the limits at runtime; OAuth calls do not count', async () => {
    const clock = new FakeClock();
    h = await harness({ clock });
    h.emu.control.setLimits({ perMinute: 1 });
    expect((await h.api('/items')).status).toBe(200);
    expect((await h.api('/items')).status).toBe(429);
    const res = await fetch(`${h.emu.url}/oauth/v2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'emulator-client-id', client_secret: 'emulator-client-secret', refresh_token: h.refreshToken }) });
    expect(((await res.json()) as any).access_token).toBeTruthy();
  });
});

describe('faults', () => {
  it('http500 / http503 / http429 answer once (times defaults to 1) without doing the work', async () => {
    h = await harness();
    h.emu.control.injectFault({ path: '/items', kind: 'http500' });
    h.emu.control.injectFault({ method: 'GET', path: '/locations', kind: 'http503', times: 2 });
    h.emu.control.injectFault({ path: /^\/contacts/, kind: 'http429', retryAfterSeconds: 7 });
    expect((await h.api('/items')).status).toBe(500);
    expect((await h.api('/items')).status).toBe(200);
    expect((await h.api('/locations')).status).toBe(503);
    expect((await h.api('/locations')).status).toBe(503);
    expect((await h.api('/locations')).status).toBe(200);
    const limited = await h.api('/contacts');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(h.emu.control.count('GET /items')).toBe(2);
  });

  it('matches a route template and a method; clearFaults removes them', async () => {
    h = await harness();
    const id = h.emu.control.findItemBySku('ACC-RAW-KSS')!.item_id;
    h.emu.control.injectFault({ method: 'POST', path: '/items/:id', kind: 'http500', times: Infinity });
    h.emu.control.injectFault({ path: '/items/:id', kind: 'http503', times: Infinity });
    expect((await h.api(`/items/${id}`)).status).toBe(503);
    h.emu.control.clearFaults();
    expect((await h.api(`/items/${id}`)).status).toBe(200);
  });

  it('timeout holds the request open and does nothing', async () => {
    h = await harness();
    const customer = await createCustomer(h);
    const item = h.emu.control.findItemBySku('ACC-RAW-KSS')!;
    h.emu.control.injectFault({ method: 'POST', path: '/salesorders', kind: 'timeout' });
    const call = fetch(`${h.emu.apiBaseUrl}/salesorders?organization_id=850205569`, {
      method: 'POST',
      headers: { Authorization: `Zoho-oauthtoken ${h.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ customer_id: customer, line_items: [{ item_id: item.item_id, quantity: 1 }] }),
      signal: AbortSignal.timeout(300),
    });
    await expect(call).rejects.toThrow();
    expect(h.emu.control.salesOrders()).toHaveLength(0);
    expect(h.emu.control.count('POST /salesorders')).toBe(1);
  });

  it('lost_response performs the write, then drops the connection', async () => {
    h = await harness();
    const customer = await createCustomer(h);
    const item = h.emu.control.findItemBySku('ACC-RAW-KSS')!;
    h.emu.control.injectFault({ method: 'POST', path: '/salesorders', kind: 'lost_response' });
    const call = h.api('/salesorders', { body: { customer_id: customer, reference_number: 'VIP-LOST', line_items: [{ item_id: item.item_id, quantity: 1 }] } });
    await expect(call).rejects.toThrow();
    expect(h.emu.control.salesOrders().map((s) => s.reference_number)).toEqual(['VIP-LOST']);
    // The client's recovery path: look the order up by reference.
    const found = await h.api('/salesorders', { query: { reference_number: 'VIP-LOST' } });
    expect(found.body.salesorders).toHaveLength(1);
  });

  it('faults apply to the accounts server too', async () => {
    h = await harness();
    h.emu.control.injectFault({ path: '/oauth/v2/token', kind: 'http503' });
    const res = await fetch(`${h.emu.url}/oauth/v2/token`, { method: 'POST' });
    expect(res.status).toBe(503);
  });

  it('latency delays answers', async () => {
    h = await harness({ latencyMs: 30 });
    const t0 = performance.now();
    await h.api('/items', { query: { per_page: '1' } });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
  });
});

describe('webhooks', () => {
  interface Received {
    headers: http.IncomingHttpHeaders;
    body: any;
    url: string;
  }
  async function receiver(): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
    const received: Received[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')), url: req.url ?? '' });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    return { url: `http://127.0.0.1:${port}/webhooks/zoho?secret=q`, received, close: () => new Promise((r) => server.close(() => r())) };
  }

  it('fires salesorder, inventory_adjustment and item webhooks in order, with the configured headers', async () => {
    const rx = await receiver();
    try {
      h = await harness({ webhook: { url: rx.url, headers: { 'X-Webhook-Secret': 's3cret' } } });
      const customer = await createCustomer(h);
      const item = h.emu.control.findItemBySku('ACC-RAW-KSS')!;
      const so = (await h.api('/salesorders', { body: { customer_id: customer, reference_number: 'VIP-W', line_items: [{ item_id: item.item_id, quantity: 1 }] } })).body.salesorder;
      await h.api(`/salesorders/${so.salesorder_id}/status/confirmed`, { method: 'POST' });
      await h.api(`/salesorders/${so.salesorder_id}/status/void`, { method: 'POST' });
      h.emu.control.setStock('ACC-RAW-KSS', h.emu.control.locationIds.dtc, 1);
      h.emu.control.updateItem('ACC-RAW-KSS', { name: 'RAW Classic KSS' });
      await h.emu.control.flushWebhooks();

      expect(rx.received.map((r) => Object.keys(r.body)[0])).toEqual(['salesorder', 'salesorder', 'salesorder', 'inventory_adjustment', 'item']);
      expect(rx.received.map((r) => r.body.salesorder?.status).slice(0, 3)).toEqual(['draft', 'confirmed', 'void']);
      for (const r of rx.received) {
        expect(r.headers['x-webhook-secret']).toBe('s3cret');
        expect(r.headers['content-type']).toContain('application/json');
        expect(r.url).toBe('/webhooks/zoho?secret=q');
      }
      expect(rx.received[0]!.body.salesorder.line_items[0].item_id).toBe(item.item_id);
      expect(rx.received[3]!.body.inventory_adjustment.line_items[0].item_id).toBe(item.item_id);
      expect(rx.received[4]!.body.item.name).toBe('RAW Classic KSS');
      expect(rx.received[4]!.body.item.custom_fields.length).toBeGreaterThan(0);
      expect(h.emu.control.webhookDeliveries().every((d) => d.status === 200)).toBe(true);
    } finally {
      await rx.close();
    }
  });

  it('can be disabled or retargeted; a dead target never blocks the API', async () => {
    const rx = await receiver();
    try {
      h = await harness({ webhook: { url: rx.url, enabled: false } });
      h.emu.control.updateItem('ACC-RAW-KSS', { rate: 3 });
      await h.emu.control.flushWebhooks();
      expect(rx.received).toHaveLength(0);
      h.emu.control.setWebhook({ url: 'http://127.0.0.1:1/dead' });
      h.emu.control.updateItem('ACC-RAW-KSS', { rate: 4 });
      expect((await h.api('/items', { query: { per_page: '1' } })).status).toBe(200);
      await h.emu.control.flushWebhooks();
      expect(h.emu.control.webhookDeliveries()[0]!.error).toBeTruthy();
      h.emu.control.setWebhook({ url: rx.url });
      h.emu.control.updateItem('ACC-RAW-KSS', { rate: 5 });
      await h.emu.control.flushWebhooks();
      expect(rx.received).toHaveLength(1);
      expect(h.emu.control.counters().webhooksSent).toBe(2);
    } finally {
      await rx.close();
    }
  });
});
