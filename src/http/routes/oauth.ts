import type { FastifyPluginAsync, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { OAuthFlowError, type CallbackQuery } from '../../zoho/connection.js';
import type { ConnectionStatus } from '../../zoho/types.js';
import { errorBody } from '../../shared/errors.js';

/** What the routes need from the Zoho connection. */
export interface OAuthConnection {
  consentUrl(): Promise<{ url: string; state: string; expiresAt: number }>;
  handleCallback(query: CallbackQuery): Promise<ConnectionStatus>;
}

export interface OAuthRoutesOptions {
  /** Admin-login check for /oauth/zoho/start: required in production. */
  requireAdmin?: preHandlerHookHandler;
  /** Where a successful callback lands (default `/admin?connected=1`). */
  successRedirect?: string;
}

/**
 * `GET /oauth/zoho/start` (302 to Zoho's consent page) and
 * `GET /oauth/zoho/callback` (exchanges the code, stores the tokens).
 * The callback needs no login: the single-use `state` proves the flow was
 * started here. Errors: `oauth_state_invalid`, `oauth_denied`,
 * `oauth_exchange_failed` (JSON, or a short HTML page for a browser).
 */
export function oauthRoutes(connection: OAuthConnection, defaults: { production?: boolean } = {}): FastifyPluginAsync<OAuthRoutesOptions> {
  return async (app, opts) => {
    if (defaults.production && !opts.requireAdmin) {
      throw new Error('oauth routes: /oauth/zoho/start must be behind the admin login in production (pass requireAdmin)');
    }
    const successRedirect = opts.successRedirect ?? '/admin?connected=1';

    app.get(
      '/oauth/zoho/start',
      {
        ...(opts.requireAdmin ? { preHandler: opts.requireAdmin } : {}),
        schema: {
          tags: ['oauth'],
          summary: 'Redirect to the Zoho consent page',
          security: [{ adminSession: [] }],
          response: { 302: { type: 'null', description: 'Redirect to Zoho Accounts' } },
        },
      },
      async (_req, reply) => {
        const { url } = await connection.consentUrl();
        reply.header('cache-control', 'no-store');
        return reply.redirect(url, 302);
      },
    );

    app.get(
      '/oauth/zoho/callback',
      {
        schema: {
          tags: ['oauth'],
          summary: 'Zoho OAuth redirect target',
          querystring: {
            type: 'object',
            properties: {
              code: { type: 'string', maxLength: 2048 },
              state: { type: 'string', maxLength: 512 },
              error: { type: 'string', maxLength: 512 },
              location: { type: 'string', maxLength: 16 },
              'accounts-server': { type: 'string', maxLength: 512 },
            },
          },
          response: {
            302: { type: 'null', description: 'Connected: redirect to the dashboard' },
            400: errorSchema,
            502: errorSchema,
          },
        },
      },
      async (req, reply) => {
        reply.header('cache-control', 'no-store');
        try {
          await connection.handleCallback(req.query as CallbackQuery);
        } catch (err) {
          if (err instanceof OAuthFlowError) return sendError(req, reply, err);
          throw err;
        }
        return reply.redirect(successRedirect, 302);
      },
    );
  };
}

const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'array' } },
    },
  },
};

function sendError(req: FastifyRequest, reply: FastifyReply, err: OAuthFlowError) {
  reply.status(err.httpStatus);
  const accept = req.headers.accept ?? '';
  if (accept.includes('text/html')) {
    return reply
      .type('text/html; charset=utf-8')
      .send(
        `<!doctype html><html><head><meta charset="utf-8"><title>Zoho connection failed</title></head><body><h1>Zoho connection failed</h1><p>${escapeHtml(err.message)}</p><p><code>${err.code}</code></p><p><a href="/admin">Back to the dashboard</a></p></body></html>`,
      );
  }
  return reply.send(errorBody(err.code, err.message));
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
