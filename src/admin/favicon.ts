/**
 * The site icon, shared by the dashboard and the demo storefront: a tiny
 * inline SVG (no binary asset to ship). The pages point at /favicon.svg
 * with <link rel="icon">; /favicon.ico answers the same image for clients
 * that ask for it by habit, so browsers stop logging a 404.
 */
import type { FastifyInstance } from 'fastify';

export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1f4e79"/>' +
  '<path d="M8 12h13l-3-3M24 20H11l3 3" fill="none" stroke="#f5b301" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/></svg>';

export const FAVICON_LINK = '<link rel="icon" href="/favicon.svg" type="image/svg+xml">';

/** Registers GET /favicon.svg and /favicon.ico unless another plugin of this server already did. */
export function registerFavicon(app: FastifyInstance, routeConfig: Record<string, unknown> = {}): void {
  for (const url of ['/favicon.svg', '/favicon.ico']) {
    if (app.hasRoute({ method: 'GET', url })) continue;
    app.get(url, { config: routeConfig, schema: { hide: true }, logLevel: 'warn' }, async (_req, reply) =>
      reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(FAVICON_SVG),
    );
  }
}
