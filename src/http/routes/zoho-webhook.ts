/**
 * `POST /webhooks/zoho`: Zoho workflow webhooks (setup: src/catalog/WEBHOOKS.md).
 * The secret is checked in onRequest, before the body is even read; a refusal
 * stores nothing but a counter. Accepted events are stored once and answered
 * 202 at once; the re-reads happen from the queue.
 */
import type { FastifyInstance } from 'fastify';
import { errorBody } from '../../shared/errors.js';
import { redactUrl } from '../../observability/logger.js';
import type { WebhookIngest } from '../../catalog/webhook-ingest.js';
import { decodeWebhookBody } from '../../catalog/webhook-events.js';

export interface ZohoWebhookRoutesDeps {
  ingest: WebhookIngest;
  /** Largest body accepted (default 256 KB). */
  bodyLimit?: number;
}

export function zohoWebhookRoutes(deps: ZohoWebhookRoutesDeps) {
  return async function zohoWebhookPlugin(app: FastifyInstance): Promise<void> {
    // In this plugin's scope only: a body that is not JSON is still an event to keep (as unknown), not a 400.
    const keepRaw = (req: { rawBody?: Buffer }, body: Buffer, done: (err: Error | null, body?: unknown) => void) => {
      req.rawBody = body;
      done(null, body.length === 0 ? undefined : body.toString('utf8'));
    };
    if (app.hasContentTypeParser('application/json')) app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => keepRaw(req, body as Buffer, done));
    if (app.hasContentTypeParser('text/plain')) app.removeContentTypeParser('text/plain');
    app.addContentTypeParser('text/plain', { parseAs: 'buffer' }, (req, body, done) => keepRaw(req, body as Buffer, done));
    app.post<{ Querystring: { secret?: string } }>(
      '/webhooks/zoho',
      {
        bodyLimit: deps.bodyLimit ?? 256 * 1024,
        // The default request log prints the URL, which may hold ?secret=…; this route logs its own redacted line.
        logLevel: 'warn',
        schema: {
          tags: ['webhooks'],
          summary: 'Zoho Inventory workflow webhook (items, sales orders, adjustments, transfers, receives, invoices, shipments)',
          security: [{ webhookSecret: [] }],
          querystring: { type: 'object', properties: { secret: { type: 'string', maxLength: 200 } } },
          response: {
            202: { type: 'object', properties: { status: { type: 'string', enum: ['accepted', 'duplicate', 'ignored'] } }, required: ['status'] },
            401: {
              type: 'object',
              properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'array', items: {} } } } },
            },
          },
        },
        onRequest: async (req, reply) => {
          const query = (req.query ?? {}) as { secret?: unknown };
          if (deps.ingest.authenticate(req.headers['x-webhook-secret'], query.secret)) return;
          const reason = !deps.ingest.configured ? 'not_configured' : req.headers['x-webhook-secret'] || query.secret ? 'wrong' : 'missing';
          await deps.ingest.refuse(reason, req.ip);
          req.log.warn({ url: redactUrl(req.url), ip: req.ip, reason }, 'zoho webhook refused');
          return reply.status(401).send(errorBody('webhook_unauthorized', 'Missing or wrong X-Webhook-Secret'));
        },
      },
      async (req, reply) => {
        const raw = req.rawBody;
        const decoded = decodeWebhookBody(req.body, raw);
        const rawText = raw ? raw.toString('utf8') : typeof req.body === 'string' ? req.body : JSON.stringify(req.body ?? null);
        const { outcome, event } = await deps.ingest.accept(decoded, rawText);
        req.log.info({ url: redactUrl(req.url), module: event.module, items: event.itemIds.length, outcome }, 'zoho webhook');
        return reply.status(202).send({ status: outcome === 'accepted' ? 'accepted' : outcome === 'duplicate' ? 'duplicate' : 'ignored' });
      },
    );
  };
}
