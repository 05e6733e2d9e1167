/**
 * `PUT /webhooks/agechecker`: AgeChecker's signed status callback. The
 * signature is checked over the exact bytes received (req.rawBody); anything
 * else is answered 401 `webhook_signature_invalid`, a replay 409
 * `webhook_replayed`. A valid event is acknowledged at once and handed to the
 * listeners (the orders module resumes held orders; it re-checks the status
 * server-side before placing anything).
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AgeWebhookEvent } from '../../compliance/types.js';

export interface AgeCheckerWebhookDeps {
  parse(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): AgeWebhookEvent;
  emit(event: AgeWebhookEvent): void | Promise<void>;
  logger?: Logger;
}

export function agecheckerWebhookRoutes(deps: AgeCheckerWebhookDeps) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.put(
      '/webhooks/agechecker',
      {
        schema: {
          summary: 'AgeChecker.net verification status callback (signed with X-AgeChecker-Signature)',
          tags: ['webhooks'],
          headers: {
            type: 'object',
            properties: { 'x-agechecker-signature': { type: 'string', description: 'base64(HMAC-SHA1(AGECHECKER_SECRET, body))' } },
          },
          body: {
            type: 'object',
            properties: { uuid: { type: 'string' }, status: { type: 'string' }, reason: { type: 'string' } },
          },
          response: {
            200: {
              type: 'object',
              properties: { received: { type: 'boolean' }, reference: { type: 'string' }, status: { type: 'string' } },
            },
          },
        },
      },
      async (req) => {
        const event = deps.parse(req.rawBody ?? Buffer.alloc(0), req.headers);
        try {
          await deps.emit(event);
        } catch (err) {
          // The status poll for held orders recovers a lost event; the webhook is acknowledged anyway.
          (deps.logger ?? req.log).error({ err, reference: event.reference }, 'age verification listener failed');
        }
        return { received: true, reference: event.reference, status: event.status };
      },
    );
  };
}
