import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createLogger } from '../../src/observability/logger.js';
import { createAlertsService, webhookDeliverySink, type AlertDeliverySink, type AlertRecord } from '../../src/observability/alerts-service.js';
import type { AlertSink } from '../../src/observability/alerts.js';
import { FakeClock } from '../../src/shared/clock.js';
import { describeEachDatabase, openTestStore } from '../support/databases.js';
import type { Store } from '../../src/store/db.js';

const logger = createLogger('silent');

class Recording implements AlertDeliverySink {
  readonly sent: AlertRecord[] = [];
  constructor(readonly name = 'recording') {}
  async send(alert: AlertRecord) {
    this.sent.push(alert);
  }
}

const deadLetter = (orderId: string) => ({
  kind: 'dead_letter' as const,
  severity: 'critical' as const,
  message: `Order ${orderId} is in the dead-letter list`,
  dedupeKey: `dead_letter:${orderId}`,
  details: { orderId },
});

describe('alerts service (memory)', () => {
  it('sends an alert once per dedupe window and counts the repeats', async () => {
    const clock = new FakeClock();
    const sink = new Recording();
    const service = createAlertsService({ logger, clock, sinks: [sink] });
    service.raise(deadLetter('A'));
    clock.advance(60_000);
    service.raise(deadLetter('A'));
    service.raise(deadLetter('A'));
    service.raise(deadLetter('B'));
    await service.flush();
    expect(sink.sent.map((a) => a.dedupeKey)).toEqual(['dead_letter:A', 'dead_letter:B']);
    const recent = await service.recent();
    const a = recent.find((r) => r.dedupeKey === 'dead_letter:A')!;
    expect(a.suppressed).toBe(2);
    expect(a.deliveries.map((d) => d.sink)).toEqual(['log', 'recording']);
    expect(a.deliveries.every((d) => d.ok)).toBe(true);
    // After the window the same alert goes out again.
    clock.advance(15 * 60_000);
    service.raise(deadLetter('A'));
    await service.flush();
    expect(sink.sent.map((a) => a.dedupeKey)).toEqual(['dead_letter:A', 'dead_letter:B', 'dead_letter:A']);
  });

  it('dedupes by kind when no dedupeKey is given, with a configurable window', async () => {
    const clock = new FakeClock();
    const sink = new Recording();
    const service = createAlertsService({ logger, clock, sinks: [sink], dedupeWindowMs: 1000 });
    service.raise({ kind: 'budget_high', severity: 'warning', message: 'budget above 80 %' });
    service.raise({ kind: 'budget_high', severity: 'warning', message: 'budget above 80 %' });
    clock.advance(1000);
    service.raise({ kind: 'budget_high', severity: 'warning', message: 'budget above 80 %' });
    await service.flush();
    expect(sink.sent).toHaveLength(2);
  });

  it('a failing or hanging sink never throws into the caller and is recorded as failed', async () => {
    const good = new Recording('good');
    const throwing: AlertDeliverySink = {
      name: 'throwing',
      send() {
        throw new Error('smtp exploded');
      },
    };
    const rejecting: AlertDeliverySink = { name: 'rejecting', send: async () => Promise.reject(new Error('HTTP 500')) };
    const hanging: AlertDeliverySink = { name: 'hanging', send: () => new Promise(() => undefined) };
    const service = createAlertsService({ logger, sinks: [throwing, rejecting, hanging, good], sinkTimeoutMs: 50 });
    const asSink: AlertSink = service;
    expect(() => asSink.raise(deadLetter('X'))).not.toThrow();
    await service.flush();
    expect(good.sent).toHaveLength(1);
    const [record] = await service.recent();
    const byName = Object.fromEntries(record!.deliveries.map((d) => [d.sink, d]));
    expect(byName.log!.ok).toBe(true);
    expect(byName.good!.ok).toBe(true);
    expect(byName.throwing).toMatchObject({ ok: false, error: 'smtp exploded' });
    expect(byName.rejecting).toMatchObject({ ok: false, error: 'HTTP 500' });
    expect(byName.hanging!.ok).toBe(false);
    expect(byName.hanging!.error).toMatch(/timed out/);
  });

  it('a broken logger does not break raise()', async () => {
    const broken = { ...logger, warn: () => { throw new Error('no disk'); }, error: () => { throw new Error('no disk'); }, info: () => { throw new Error('no disk'); } } as unknown as typeof logger;
    const sink = new Recording();
    const service = createAlertsService({ logger: broken, sinks: [sink] });
    expect(() => service.raise(deadLetter('L'))).not.toThrow();
    await service.flush();
    expect(sink.sent).toHaveLength(1);
  });

  it('posts Slack-compatible JSON to the webhook sink and records HTTP failures', async () => {
    const calls: Array<{ url: string; body: unknown; headers: unknown }> = [];
    let status = 200;
    const fakeFetch = (async (url: string, init: RequestInit) => {
      calls.push({ url, body: JSON.parse(String(init.body)), headers: init.headers });
      return new Response('ok', { status });
    }) as unknown as typeof fetch;
    const service = createAlertsService({ logger, webhookUrl: 'https://hooks.slack.com/services/T000/B000/SECRETPATH', fetch: fakeFetch });
    expect(service.sinkNames()).toEqual(['log', 'webhook (hooks.slack.com)']);
    service.raise({ kind: 'needs_reauth', severity: 'critical', message: 'Zoho needs the operator to reconnect' });
    await service.flush();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe('https://hooks.slack.com/services/T000/B000/SECRETPATH');
    expect(calls[0]!.body).toEqual({ text: expect.stringContaining('CRITICAL needs_reauth: Zoho needs the operator to reconnect') });
    status = 500;
    service.raise({ kind: 'sync_stale', severity: 'warning', message: 'stock older than promised' });
    await service.flush();
    const [latest] = await service.recent();
    expect(latest!.deliveries.find((d) => d.sink.startsWith('webhook'))).toMatchObject({ ok: false, error: 'webhook answered HTTP 500' });
    // The secret part of the URL is never shown.
    expect(JSON.stringify(await service.recent())).not.toContain('SECRETPATH');
  });

  it('e-mail over SMTP: an unreachable server is a recorded failure, not an exception', async () => {
    const service = createAlertsService({ logger, smtp: { url: 'smtp://127.0.0.1:1', to: 'ops@vipsmoke.example' }, sinkTimeoutMs: 5000 });
    expect(service.sinkNames()).toContain('email (ops@vipsmoke.example)');
    service.raise({ kind: 'provider_outage', severity: 'critical', message: 'AgeChecker is down' });
    await service.flush();
    const [record] = await service.recent();
    const email = record!.deliveries.find((d) => d.sink.startsWith('email'))!;
    expect(email.ok).toBe(false);
    expect(email.error).toBeTruthy();
  });

  it('counts raised, suppressed and delivered alerts on the registry', async () => {
    const registry = new Registry();
    const service = createAlertsService({ logger, registry, sinks: [{ name: 'bad', send: async () => Promise.reject(new Error('x')) }] });
    service.raise(deadLetter('M'));
    service.raise(deadLetter('M'));
    await service.flush();
    const text = await registry.metrics();
    expect(text).toContain('alerts_raised_total{kind="dead_letter",severity="critical",outcome="sent"} 1');
    expect(text).toContain('alerts_raised_total{kind="dead_letter",severity="critical",outcome="suppressed"} 1');
    expect(text).toContain('alert_deliveries_total{sink="bad",outcome="failed"} 1');
    expect(text).toContain('alert_deliveries_total{sink="log",outcome="ok"} 1');
  });
});

describeEachDatabase('alerts service (database)', (kind) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it('keeps history with deliveries and dedupes across instances', async () => {
    store = await openTestStore(kind);
    const clock = new FakeClock();
    const sinkA = new Recording('a');
    const first = createAlertsService({ logger, clock, db: store.db, sinks: [sinkA] });
    first.raise(deadLetter('D1'));
    await first.flush();
    // A second instance (another process, or after a restart) sees the open window in the table.
    const sinkB = new Recording('b');
    const second = createAlertsService({ logger, clock, db: store.db, sinks: [sinkB] });
    clock.advance(5 * 60_000);
    second.raise(deadLetter('D1'));
    second.raise({ kind: 'webhook_refusals', severity: 'warning', message: '12 webhooks refused in 5 min' });
    await second.flush();
    expect(sinkA.sent).toHaveLength(1);
    expect(sinkB.sent.map((a) => a.kind)).toEqual(['webhook_refusals']);
    const recent = await second.recent(10);
    expect(recent.map((r) => r.kind)).toEqual(['webhook_refusals', 'dead_letter']);
    const dl = recent[1]!;
    expect(dl.suppressed).toBe(1);
    expect(dl.lastSeenAt).toBe(dl.raisedAt + 5 * 60_000);
    expect(dl.details).toEqual({ orderId: 'D1' });
    expect(dl.deliveries.map((d) => [d.sink, d.ok])).toEqual([
      ['log', true],
      ['a', true],
    ]);
    clock.advance(15 * 60_000);
    second.raise(deadLetter('D1'));
    await second.flush();
    expect(sinkB.sent.map((a) => a.kind)).toEqual(['webhook_refusals', 'dead_letter']);
  });
});
