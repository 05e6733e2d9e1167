import type { FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { SessionManager, type SessionStore } from '../admin/auth.js';
import { SESSION_COOKIE } from '../admin/index.js';
import { errorBody } from '../shared/errors.js';

/**
 * A preHandler for routes outside the dashboard plugin that still need the
 * operator's login (the OAuth start). It reads the same session store and
 * cookie as the dashboard.
 */
export function requireAdminSession(store: SessionStore, secret: string): preHandlerHookHandler {
  const sessions = new SessionManager({ secret, store });
  return async function requireAdmin(req: FastifyRequest, reply: FastifyReply) {
    const session = await sessions.read(req.cookies[SESSION_COOKIE]);
    if (session) return;
    if ((req.headers.accept ?? '').includes('text/html')) {
      return reply.redirect(`/admin/login?next=${encodeURIComponent(req.url)}`, 302);
    }
    return reply.status(401).send(errorBody('unauthorized', 'Sign in to the dashboard first'));
  };
}
