/**
 * Webhook intake: authenticate (shared secret, constant time), store each
 * event once (the insert on the event key is the dedupe lock, as in
 * Shopify's app template), and hand off to the queue. Nothing is stored for
 * a refused request except a counter.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { AlertSink } from '../observability/alerts.js';
import type { Clock } from '../shared/clock.js';
import type { CatalogRepository } from './repository.js';
import { STATE } from './sync.js';
import { parseWebhook, type ParsedWebhook } from './webhook-events.js';

export type WebhookOutcome = 'accepted' | 'duplicate' | 'unknown' | 'refused';

export interface WebhookIngestOptions {
  secret: string | undefined;
  /** Refusals within `refusalWindowMs` that raise the `webhook_refusals` alert (default 10 in 60 s). */
  refusalBurst?: number;
  refusalWindowMs?: number;
  /** Bytes of an unknown payload kept for diagnosis (default 16 KB). */
  keepUnknownBytes?: number;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export class WebhookIngest {
  private refusals: number[] = [];
  private readonly secretDigest: Buffer | null;

  constructor(
    private readonly repo: CatalogRepository,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly alerts: AlertSink,
    private readonly options: WebhookIngestOptions,
    private readonly count: (outcome: WebhookOutcome) => void,
    private readonly onQueued: () => void,
  ) {
    this.secretDigest = options.secret ? digest(options.secret) : null;
  }

  get configured(): boolean {
    return this.secretDigest !== null;
  }

  /** Constant-time check of the header (or the `secret` query fallback). No secret configured → everything is refused. */
  authenticate(header: unknown, query: unknown): boolean {
    if (!this.secretDigest) return false;
    const given = typeof header === 'string' && header !== '' ? header : typeof query === 'string' && query !== '' ? query : null;
    if (given === null) return false;
    // Digests have equal length, so timingSafeEqual never throws and the length of the secret does not leak.
    return timingSafeEqual(digest(given), this.secretDigest);
  }

  async refuse(reason: 'missing' | 'wrong' | 'not_configured', ip: string | undefined): Promise<void> {
    const now = this.clock.now();
    this.count('refused');
    await this.repo.increment(STATE.webhookRefusals, now).catch(() => undefined);
    this.refusals = this.refusals.filter((t) => t > now - (this.options.refusalWindowMs ?? 60_000));
    this.refusals.push(now);
    if (this.refusals.length >= (this.options.refusalBurst ?? 10)) {
      this.alerts.raise({
        kind: 'webhook_refusals',
        severity: 'warning',
        message: `${this.refusals.length} Zoho webhook requests refused in the last minute (wrong or missing X-Webhook-Secret)`,
        dedupeKey: 'webhook_refusals',
        details: { reason, ip: ip ?? null },
      });
      this.refusals = [];
    }
  }

  async accept(decoded: unknown, rawText: string): Promise<{ outcome: WebhookOutcome; event: ParsedWebhook }> {
    const now = this.clock.now();
    const event = parseWebhook(decoded, rawText);
    const known = event.known;
    const inserted = await this.repo.db
      .insertInto('catalog_webhook_events')
      .values({
        event_key: event.eventKey,
        module: event.module,
        record_id: event.recordId,
        last_modified: event.lastModified,
        item_ids: JSON.stringify(event.itemIds),
        status: known ? 'pending' : 'unknown',
        // Known payloads may carry customer names and addresses: only ids are kept.
        body: known ? null : rawText.slice(0, this.options.keepUnknownBytes ?? 16_384),
        received_at: now,
        claimed_by: null,
        claimed_at: null,
        processed_at: null,
        attempts: 0,
        last_error: null,
      })
      .onConflict((oc) => oc.column('event_key').doNothing())
      .executeTakeFirst();
    const fresh = Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
    await this.repo.setState(STATE.lastWebhook, { at: now, module: event.module, outcome: fresh ? (known ? 'accepted' : 'unknown') : 'duplicate' }, now);
    if (!fresh) {
      this.count('duplicate');
      return { outcome: 'duplicate', event };
    }
    if (!known) {
      this.count('unknown');
      this.logger.warn({ module: event.module, eventKey: event.eventKey }, 'catalog: Zoho webhook with no item to re-read; kept for inspection');
      return { outcome: 'unknown', event };
    }
    this.count('accepted');
    this.onQueued();
    return { outcome: 'accepted', event };
  }
}
