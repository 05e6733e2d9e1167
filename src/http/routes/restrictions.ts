/**
 * `GET /api/compliance/restrictions`: public and cacheable, where each
 * compliance category is refused or held, from the loaded ruleset at today's
 * date (src/compliance/restrictions.ts). The storefront marks products with
 * it before checkout; checkout stays the authority.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { StorefrontRestrictions } from '../../compliance/restrictions.js';

export interface RestrictionsRoutesDeps {
  /** The restrictions at a date (cached by the provider per ruleset version and day). */
  restrictions: (at: Date) => StorefrontRestrictions;
  now?: () => Date;
  /** Cache-Control max-age in seconds (default 300). */
  maxAgeSeconds?: number;
}

const stateList = { type: 'array', items: { type: 'string', pattern: '^[A-Z]{2}$' } } as const;

export const restrictionsSchema = {
  type: 'object',
  properties: {
    rulesetVersion: { type: 'string' },
    date: { type: 'string', description: 'UTC day the rules were evaluated at (YYYY-MM-DD)' },
    states: stateList,
    categories: {
      type: 'object',
      description: 'By compliance category id (ruleset categories)',
      additionalProperties: {
        type: 'object',
        properties: {
          banned: { ...stateList, description: 'States that refuse the category' },
          flavoredBanned: { ...stateList, description: 'States that refuse only its flavored products' },
          review: { ...stateList, description: 'States where an order is held for review (watchlist, licence not declared, unconfirmed rule)' },
          flavoredReview: { ...stateList, description: 'States where only its flavored products are held for review' },
        },
        required: ['banned', 'flavoredBanned', 'review', 'flavoredReview'],
      },
    },
    unknownCategory: { type: 'string', enum: ['allow', 'review', 'deny'], description: 'What checkout does with a product of no or an unknown category' },
  },
  required: ['rulesetVersion', 'date', 'states', 'categories', 'unknownCategory'],
} as const;

export function restrictionsRoutes(deps: RestrictionsRoutesDeps) {
  const now = deps.now ?? (() => new Date());
  const cacheControl = `public, max-age=${deps.maxAgeSeconds ?? 300}`;
  let last: { value: StorefrontRestrictions; body: string; etag: string } | null = null;

  return async function restrictionsRoutesPlugin(app: FastifyInstance): Promise<void> {
    app.get(
      '/api/compliance/restrictions',
      {
        schema: {
          tags: ['compliance'],
          summary: 'Where each product category cannot ship or is held for review (a hint; checkout decides)',
          response: { 200: restrictionsSchema, 304: { type: 'null', description: 'Not modified (If-None-Match)' } },
        },
      },
      async (req, reply) => {
        const value = deps.restrictions(now());
        if (!last || last.value !== value) {
          const body = JSON.stringify(value);
          last = { value, body, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"` };
        }
        reply.header('etag', last.etag).header('cache-control', cacheControl);
        const inm = req.headers['if-none-match'];
        if (typeof inm === 'string' && inm.split(',').some((t) => { const s = t.trim(); return s === last!.etag || s === `W/${last!.etag}` || s === '*'; })) {
          return reply.status(304).send();
        }
        return reply.type('application/json; charset=utf-8').send(last.body);
      },
    );
  };
}
