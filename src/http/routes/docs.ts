/**
 * Swagger UI at /docs over the OpenAPI document @fastify/swagger builds from
 * the route schemas (the HTTP shell registers @fastify/swagger). Register it
 * after every route plugin: the document is generated on first request, so
 * order matters only for `hide`-tagged routes, but it keeps the intent clear.
 *
 * Swagger UI needs inline styles and data: images; its scripts are static
 * files from 'self'. The shell's CSP would allow that already except for
 * fonts, and a page-specific policy makes the allowance explicit and scoped
 * to /docs only (the plugin is encapsulated).
 */
import type { FastifyInstance } from 'fastify';
import swaggerUi from '@fastify/swagger-ui';

export const DOCS_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self' data:; script-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

export interface DocsRoutesOptions {
  /** Default `/docs`. */
  routePrefix?: string;
}

export async function docsRoutes(app: FastifyInstance, options: DocsRoutesOptions = {}): Promise<void> {
  await app.register(swaggerUi, {
    routePrefix: options.routePrefix ?? '/docs',
    staticCSP: DOCS_CSP,
    uiConfig: { docExpansion: 'list', deepLinking: true, defaultModelsExpandDepth: 0 },
    theme: { title: 'zoho-dtc-bridge API' },
  });
}
