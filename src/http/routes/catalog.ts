/**
 * Storefront catalog API, served from the local store only (no Zoho call per
 * read): `GET /api/products`, `GET /api/products/:sku`,
 * `GET /api/products/:sku/image`. ETag (weak, from row versions and the
 * available quantities) with 304, and a short public cache.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../shared/errors.js';
import { applyDiscountBps, centsToDecimal } from '../../shared/money.js';
import type { CatalogProduct } from '../../catalog/types.js';
import type { CatalogReaderImpl } from '../../catalog/reader.js';
import { describeRollout } from '../../catalog/rollout.js';
import { isServableImageType, readImage } from '../../catalog/images.js';

export interface CatalogRoutesDeps {
  reader: CatalogReaderImpl;
  imageDir: string;
  /** Largest pageSize accepted (default 100). */
  maxPageSize?: number;
  /** Cache-Control max-age in seconds (default 5). */
  maxAgeSeconds?: number;
  /**
   * How long this process reuses a serialized product (body + ETag) for
   * GET /api/products/:sku (default 1000 ms; 0 disables). Writes by this
   * process drop entries at once (repository generation); the TTL bounds how
   * late other processes' writes and new reservations show up.
   */
  productCacheTtlMs?: number;
  /** Clock for the cache (default Date.now). */
  now?: () => number;
  /** Entries kept at most (default 5000; the oldest half is dropped when full). */
  productCacheMax?: number;
}

interface CachedProduct {
  body: string;
  etag: string;
  generation: number;
  expires: number;
}

const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'array', items: {} } },
      required: ['code', 'message'],
    },
  },
} as const;

export const productSchema = {
  type: 'object',
  properties: {
    sku: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    brand: { type: ['string', 'null'] },
    category: { type: ['string', 'null'], description: 'Compliance category (ruleset id), null when unknown' },
    zohoCategory: { type: ['string', 'null'] },
    msrpCents: { type: 'integer' },
    msrp: { type: 'string', description: 'Decimal dollars, e.g. "12.50"' },
    clubDiscountBps: { type: 'integer', description: 'Club discount in basis points (1250 = 12.5 %)' },
    clubPriceCents: { type: 'integer' },
    clubPrice: { type: 'string' },
    availableQuantity: { type: 'integer' },
    inStock: { type: 'boolean' },
    ageRequired: { type: 'boolean' },
    restrictedStates: { type: 'array', items: { type: 'string' } },
    complianceCategory: { type: ['string', 'null'] },
    flavored: { type: 'boolean' },
    riskLevel: { type: 'string', enum: ['low', 'medium', 'high'] },
    imageUrl: { type: ['string', 'null'] },
    stockSeenAt: { type: 'string', description: 'When the bridge last read this stock figure from Zoho (ISO time)' },
  },
  required: ['sku', 'name', 'msrpCents', 'availableQuantity', 'ageRequired', 'restrictedStates', 'complianceCategory', 'flavored', 'riskLevel'],
} as const;

export function productJson(p: CatalogProduct) {
  const clubPriceCents = applyDiscountBps(p.msrpCents, p.clubDiscountBps);
  return {
    sku: p.sku,
    name: p.name,
    description: p.description,
    brand: p.brand,
    category: p.complianceCategory,
    zohoCategory: p.zohoCategory ?? null,
    msrpCents: p.msrpCents,
    msrp: centsToDecimal(p.msrpCents),
    clubDiscountBps: p.clubDiscountBps,
    clubPriceCents,
    clubPrice: centsToDecimal(clubPriceCents),
    availableQuantity: p.availableQuantity,
    inStock: p.availableQuantity > 0,
    ageRequired: p.ageRequired,
    restrictedStates: p.restrictedStates,
    complianceCategory: p.complianceCategory,
    flavored: p.flavored,
    riskLevel: p.riskLevel,
    imageUrl: p.hasImage ? `/api/products/${encodeURIComponent(p.sku)}/image` : null,
    stockSeenAt: new Date(p.stockSeenAt || 0).toISOString(),
  };
}

function etagOf(parts: string): string {
  return `W/"${createHash('sha1').update(parts).digest('base64url').slice(0, 22)}"`;
}

function notModified(req: FastifyRequest, etag: string): boolean {
  const inm = req.headers['if-none-match'];
  if (typeof inm !== 'string') return false;
  return inm.split(',').some((t) => {
    const s = t.trim();
    return s === etag || s === '*' || s === etag.slice(2);
  });
}

export function catalogRoutes(deps: CatalogRoutesDeps) {
  const maxPageSize = deps.maxPageSize ?? 100;
  const cacheControl = `public, max-age=${deps.maxAgeSeconds ?? 5}`;
  const rolloutTag = describeRollout(deps.reader.rollout);
  const ttl = deps.productCacheTtlMs ?? 1000;
  const now = deps.now ?? Date.now;
  const cacheMax = deps.productCacheMax ?? 5000;
  const cache = new Map<string, CachedProduct>();
  // The route's own serializer, compiled once, so a cached body is byte-identical to an uncached one.
  let serialize: ((p: unknown) => string) | null = null;

  return async function catalogRoutesPlugin(app: FastifyInstance): Promise<void> {
    app.get<{ Querystring: { page?: number; pageSize?: number; category?: string; q?: string } }>(
      '/api/products',
      {
        schema: {
          tags: ['catalog'],
          summary: 'List the products live in the storefront',
          querystring: {
            type: 'object',
            properties: {
              page: { type: 'integer', minimum: 1, maximum: 100000, default: 1 },
              pageSize: { type: 'integer', minimum: 1, maximum: maxPageSize, default: 24 },
              category: { type: 'string', maxLength: 80, description: 'Compliance category or Zoho category slug' },
              q: { type: 'string', maxLength: 100, description: 'Words searched in name, SKU, brand and category' },
            },
            additionalProperties: false,
          },
          response: {
            200: {
              type: 'object',
              properties: {
                items: { type: 'array', items: productSchema },
                page: { type: 'integer' },
                pageSize: { type: 'integer' },
                total: { type: 'integer' },
                hasMore: { type: 'boolean' },
              },
              required: ['items', 'page', 'pageSize', 'total', 'hasMore'],
            },
            400: errorSchema,
          },
        },
      },
      async (req, reply) => {
        const page = req.query.page ?? 1;
        const pageSize = req.query.pageSize ?? 24;
        const category = req.query.category?.trim().toLowerCase() || undefined;
        const q = req.query.q?.trim() || undefined;
        const result = await deps.reader.listProducts({ page, pageSize, ...(category ? { category } : {}), ...(q ? { q } : {}) });
        const etag = etagOf(
          `${rolloutTag}|${page}|${pageSize}|${category ?? ''}|${q ?? ''}|${result.total}|` +
            result.items.map((i) => `${i.product.zohoItemId}:${i.version}:${i.product.availableQuantity}`).join(','),
        );
        reply.header('etag', etag).header('cache-control', cacheControl);
        if (notModified(req, etag)) return reply.status(304).send();
        return {
          items: result.items.map((i) => productJson(i.product)),
          page,
          pageSize,
          total: result.total,
          hasMore: page * pageSize < result.total,
        };
      },
    );

    app.get<{ Params: { sku: string } }>(
      '/api/products/:sku',
      {
        schema: {
          tags: ['catalog'],
          summary: 'One product by SKU',
          params: { type: 'object', properties: { sku: { type: 'string', minLength: 1, maxLength: 100 } }, required: ['sku'] },
          response: { 200: productSchema, 404: errorSchema },
        },
      },
      async (req: FastifyRequest<{ Params: { sku: string } }>, reply: FastifyReply) => {
        const sku = req.params.sku;
        const t = now();
        const generation = deps.reader.generation;
        let hit = ttl > 0 ? cache.get(sku) : undefined;
        if (hit && (hit.expires <= t || hit.generation !== generation)) {
          cache.delete(sku);
          hit = undefined;
        }
        if (!hit) {
          const found = await deps.reader.getWithVersion(sku);
          if (!found) throw new AppError('product_not_found', `No product with SKU ${sku}`, 404);
          const etag = etagOf(`${rolloutTag}|${found.product.zohoItemId}:${found.version}:${found.product.availableQuantity}`);
          serialize ??= reply.compileSerializationSchema(productSchema as unknown as Record<string, unknown>) as (p: unknown) => string;
          const body = serialize(productJson(found.product));
          hit = { body, etag, generation, expires: t + ttl };
          if (ttl > 0) {
            if (cache.size >= cacheMax) {
              let drop = cache.size / 2;
              for (const k of cache.keys()) {
                if (drop-- <= 0) break;
                cache.delete(k);
              }
            }
            cache.set(sku, hit);
          }
        }
        reply.header('etag', hit.etag).header('cache-control', cacheControl);
        if (notModified(req, hit.etag)) return reply.status(304).send();
        return reply.type('application/json; charset=utf-8').send(hit.body);
      },
    );

    app.get<{ Params: { sku: string } }>(
      '/api/products/:sku/image',
      {
        schema: {
          tags: ['catalog'],
          summary: 'The product image (cached from Zoho)',
          params: { type: 'object', properties: { sku: { type: 'string', minLength: 1, maxLength: 100 } }, required: ['sku'] },
          response: { 404: errorSchema },
        },
      },
      async (req, reply) => {
        const found = await deps.reader.getWithVersion(req.params.sku);
        const row = found?.row;
        if (!row || !row.image_file || !isServableImageType(row.image_content_type)) {
          throw new AppError('image_not_found', `No image for SKU ${req.params.sku}`, 404);
        }
        const etag = `"${row.image_file}"`;
        reply.header('etag', etag).header('cache-control', 'public, max-age=300');
        if (notModified(req, etag)) return reply.status(304).send();
        const body = await readImage(deps.imageDir, row.image_file);
        if (!body) throw new AppError('image_not_found', `No image for SKU ${req.params.sku}`, 404);
        return reply.type(row.image_content_type!).send(body);
      },
    );
  };
}
