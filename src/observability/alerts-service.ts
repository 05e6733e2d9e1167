/**
 * The alerts service: the AlertSink every module raises into, in the app.
 *
 * - dedupe: events with the same dedupeKey (default: kind) inside the window
 *   (15 min by default) are sent once; repeats only bump a counter;
 * - sinks: the log always, a Slack-compatible webhook (`{ text }`) when a URL
 *   is set, e-mail over SMTP when SMTP_URL and a recipient are set;
 * - history: every sent alert with where it went (ops_alert_events when a
 *   database is given, else the last few hundred in memory) for the dashboard;
 * - a sink that fails or hangs is recorded as failed and never throws into
 *   the module that raised the alert (raise() is synchronous and total).
 *
 * Deps: logger, optional Kysely db with OpsTables (migration 500_001), clock,
 * optional prom-client registry.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { AlertEvent, AlertKind, AlertSeverity, AlertSink } from './alerts.js';
import type { OpsTables } from './tables.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { fromJson, toJson } from '../store/columns.js';

export interface AlertDelivery {
  /** Sink name as shown on the dashboard, e.g. `log`, `webhook (hooks.slack.com)`, `email (ops@example.com)`. */
  sink: string;
  ok: boolean;
  error?: string;
  at: number;
}

export interface AlertRecord {
  id: string;
  raisedAt: number;
  lastSeenAt: number;
  kind: AlertKind | string;
  severity: AlertSeverity | string;
  message: string;
  dedupeKey: string;
  details: Record<string, unknown>;
  deliveries: AlertDelivery[];
  /** Repeats inside the dedupe window that were not sent again. */
  suppressed: number;
}

/** Where an alert goes. `send` may throw or hang: the service times it out and records the failure. */
export interface AlertDeliverySink {
  readonly name: string;
  send(alert: AlertRecord): Promise<void>;
}

export interface AlertsServiceOptions {
  logger: Logger;
  clock?: Clock;
  /** Default 15 minutes. */
  dedupeWindowMs?: number;
  /** Persist history (and dedupe across instances and restarts) in ops_alert_events. */
  db?: Kysely<OpsTables> | Kysely<any> | null;
  /** Extra sinks (besides the log and the configured webhook / e-mail). */
  sinks?: AlertDeliverySink[];
  /** ALERT_WEBHOOK_URL: Slack-compatible incoming webhook. */
  webhookUrl?: string | null;
  /** SMTP_URL + ALERT_EMAIL_TO (+ ALERT_EMAIL_FROM). */
  smtp?: { url: string; to: string; from?: string | null } | null;
  /** Per-sink timeout, default 10 s. */
  sinkTimeoutMs?: number;
  /** Kept in memory when no db is given, default 200. */
  memoryLimit?: number;
  registry?: Registry;
  /** Used by the webhook sink; tests pass a fake. */
  fetch?: typeof fetch;
}

export const DEFAULT_ALERT_DEDUPE_WINDOW_MS = 15 * 60 * 1000;

export class AlertsService implements AlertSink {
  private readonly clock: Clock;
  private readonly windowMs: number;
  private readonly db: Kysely<OpsTables> | null;
  private readonly sinks: AlertDeliverySink[];
  private readonly timeoutMs: number;
  private readonly memoryLimit: number;
  private readonly memory: AlertRecord[] = [];
  /** dedupeKey → the record that was sent, while its window is open. */
  private readonly open = new Map<string, AlertRecord>();
  private queue: Promise<void> = Promise.resolve();
  private readonly raisedCounter: Counter<'kind' | 'severity' | 'outcome'> | null;
  private readonly deliveryCounter: Counter<'sink' | 'outcome'> | null;

  constructor(private readonly options: AlertsServiceOptions) {
    this.clock = options.clock ?? systemClock;
    this.windowMs = options.dedupeWindowMs ?? DEFAULT_ALERT_DEDUPE_WINDOW_MS;
    this.db = (options.db as Kysely<OpsTables> | null | undefined) ?? null;
    this.timeoutMs = options.sinkTimeoutMs ?? 10_000;
    this.memoryLimit = options.memoryLimit ?? 200;
    this.sinks = [logDeliverySink(options.logger)];
    if (options.webhookUrl) this.sinks.push(webhookDeliverySink(options.webhookUrl, options.fetch ? { fetch: options.fetch } : {}));
    if (options.smtp?.url && options.smtp.to) this.sinks.push(smtpDeliverySink(options.smtp));
    this.sinks.push(...(options.sinks ?? []));
    if (options.registry) {
      this.raisedCounter = new Counter({
        name: 'alerts_raised_total',
        help: 'Alert events raised, by kind, severity and whether they were sent or suppressed by the dedupe window',
        labelNames: ['kind', 'severity', 'outcome'],
        registers: [options.registry],
      });
      this.deliveryCounter = new Counter({
        name: 'alert_deliveries_total',
        help: 'Alert deliveries by sink kind and outcome',
        labelNames: ['sink', 'outcome'],
        registers: [options.registry],
      });
    } else {
      this.raisedCounter = null;
      this.deliveryCounter = null;
    }
  }

  /** Names of the configured sinks, for the dashboard. */
  sinkNames(): string[] {
    return this.sinks.map((s) => s.name);
  }

  raise(event: AlertEvent): void {
    // Never throws, never blocks: modules raise alerts from hot paths and error handlers.
    try {
      const at = this.clock.now();
      this.queue = this.queue
        .then(() => this.process(event, at))
        .catch((err: unknown) => {
          this.options.logger.error({ err, alert: event.kind }, 'alert processing failed');
        });
    } catch {
      /* a broken logger or clock must not break the caller */
    }
  }

  /** Resolves when every alert raised so far has been delivered (tests, graceful shutdown). */
  async flush(): Promise<void> {
    await this.queue;
  }

  async recent(limit = 100): Promise<AlertRecord[]> {
    await this.flush();
    if (!this.db) return this.memory.slice(0, limit);
    const rows = await this.db.selectFrom('ops_alert_events').selectAll().orderBy('raised_at', 'desc').limit(limit).execute();
    return rows.map(rowToRecord);
  }

  private async process(event: AlertEvent, at: number): Promise<void> {
    const key = event.dedupeKey ?? event.kind;
    const previous = await this.openRecord(key, at);
    if (previous) {
      previous.suppressed += 1;
      previous.lastSeenAt = at;
      this.raisedCounter?.inc({ kind: event.kind, severity: event.severity, outcome: 'suppressed' });
      if (this.db) {
        await this.db
          .updateTable('ops_alert_events')
          .set((eb) => ({ suppressed: eb('suppressed', '+', 1), last_seen_at: at }))
          .where('id', '=', previous.id)
          .execute();
      }
      return;
    }
    const record: AlertRecord = {
      id: randomUUID(),
      raisedAt: at,
      lastSeenAt: at,
      kind: event.kind,
      severity: event.severity,
      message: event.message,
      dedupeKey: key,
      details: event.details ?? {},
      deliveries: [],
      suppressed: 0,
    };
    this.open.set(key, record);
    this.raisedCounter?.inc({ kind: event.kind, severity: event.severity, outcome: 'sent' });
    if (this.db) {
      await this.db
        .insertInto('ops_alert_events')
        .values({
          id: record.id,
          raised_at: at,
          last_seen_at: at,
          kind: record.kind,
          severity: record.severity,
          message: record.message,
          dedupe_key: key,
          details: toJson(record.details),
          deliveries: '[]',
          suppressed: 0,
        })
        .execute();
    } else {
      this.memory.unshift(record);
      if (this.memory.length > this.memoryLimit) this.memory.length = this.memoryLimit;
    }
    record.deliveries = await Promise.all(this.sinks.map((sink) => this.deliver(sink, record)));
    if (this.db) {
      await this.db.updateTable('ops_alert_events').set({ deliveries: toJson(record.deliveries) }).where('id', '=', record.id).execute();
    }
  }

  /** The record sent for this key whose window is still open (memory first, then the table: other instances, restarts). */
  private async openRecord(key: string, at: number): Promise<AlertRecord | null> {
    const inMemory = this.open.get(key);
    if (inMemory && at - inMemory.raisedAt < this.windowMs) return inMemory;
    this.open.delete(key);
    if (!this.db) return null;
    const row = await this.db
      .selectFrom('ops_alert_events')
      .selectAll()
      .where('dedupe_key', '=', key)
      .where('raised_at', '>', at - this.windowMs)
      .orderBy('raised_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!row) return null;
    const record = rowToRecord(row);
    this.open.set(key, record);
    return record;
  }

  private async deliver(sink: AlertDeliverySink, record: AlertRecord): Promise<AlertDelivery> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(() => sink.send(record)),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
          timer.unref?.();
        }),
      ]);
      this.deliveryCounter?.inc({ sink: sinkKind(sink.name), outcome: 'ok' });
      return { sink: sink.name, ok: true, at: this.clock.now() };
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      this.deliveryCounter?.inc({ sink: sinkKind(sink.name), outcome: 'failed' });
      try {
        this.options.logger.error({ sink: sink.name, alert: record.kind, error }, 'alert sink failed');
      } catch {
        /* ignore */
      }
      return { sink: sink.name, ok: false, error: error.slice(0, 300), at: this.clock.now() };
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}

export function createAlertsService(options: AlertsServiceOptions): AlertsService {
  return new AlertsService(options);
}

function sinkKind(name: string): string {
  return name.split(' ')[0] ?? name;
}

function rowToRecord(row: OpsTables['ops_alert_events']): AlertRecord {
  return {
    id: row.id,
    raisedAt: Number(row.raised_at),
    lastSeenAt: Number(row.last_seen_at),
    kind: row.kind,
    severity: row.severity,
    message: row.message,
    dedupeKey: row.dedupe_key,
    details: fromJson<Record<string, unknown>>(row.details, {}),
    deliveries: fromJson<AlertDelivery[]>(row.deliveries, []),
    suppressed: Number(row.suppressed),
  };
}

/** Formats an alert as one line of text (webhook `text`, e-mail subject). */
export function alertText(alert: Pick<AlertRecord, 'severity' | 'kind' | 'message'>): string {
  const icon = alert.severity === 'critical' ? ':rotating_light:' : alert.severity === 'warning' ? ':warning:' : ':information_source:';
  return `${icon} [zoho-dtc-bridge] ${alert.severity.toUpperCase()} ${alert.kind}: ${alert.message}`;
}

export function logDeliverySink(logger: Logger): AlertDeliverySink {
  return {
    name: 'log',
    async send(alert) {
      const level = alert.severity === 'critical' ? 'error' : alert.severity === 'warning' ? 'warn' : 'info';
      logger[level]({ alert: alert.kind, severity: alert.severity, alertId: alert.id, details: alert.details }, alert.message);
    },
  };
}

/**
 * Slack-compatible incoming webhook: POST `{ "text": "…" }`. The URL is a
 * secret (Slack's carries the token in its path), so only its host is shown.
 */
export function webhookDeliverySink(url: string, options: { fetch?: typeof fetch; timeoutMs?: number } = {}): AlertDeliverySink {
  const doFetch = options.fetch ?? fetch;
  let host = 'invalid url';
  try {
    host = new URL(url).host;
  } catch {
    /* reported on send */
  }
  return {
    name: `webhook (${host})`,
    async send(alert) {
      const response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: alertText(alert) }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 8000),
      });
      if (!response.ok) throw new Error(`webhook answered HTTP ${response.status}`);
    },
  };
}

/** E-mail over SMTP (SMTP_URL, e.g. `smtps://user:pass@smtp.example.com:465`). */
export function smtpDeliverySink(options: { url: string; to: string; from?: string | null }): AlertDeliverySink {
  let transport: Promise<{ sendMail(message: Record<string, unknown>): Promise<unknown> }> | null = null;
  return {
    name: `email (${options.to})`,
    async send(alert) {
      transport ??= import('nodemailer').then((m) => m.default.createTransport(options.url));
      const t = await transport;
      await t.sendMail({
        from: options.from ?? 'zoho-dtc-bridge <alerts@localhost>',
        to: options.to,
        subject: alertText(alert).replace(/^:[a-z_]+: /, ''),
        text: `${alert.message}\n\nkind: ${alert.kind}\nseverity: ${alert.severity}\nraised: ${new Date(alert.raisedAt).toISOString()}\n\n${JSON.stringify(alert.details, null, 2)}\n`,
      });
    },
  };
}
