import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/observability/logger.js';
import { computeRestrictions, restrictionsProvider } from '../../src/compliance/restrictions.js';
import { restrictionsRoutes } from '../../src/http/routes/restrictions.js';
import { decide } from '../../src/compliance/engine.js';
import { SHIPPED, AT, line, addressIn } from './helpers.js';

const clone = () => JSON.parse(JSON.stringify(SHIPPED)) as typeof SHIPPED;

describe('computeRestrictions (shipped ruleset)', () => {
  const r = computeRestrictions(SHIPPED, AT);

  it('CA: flavored ends_vape is flavoredBanned (CA-FLAVOR-BAN), unflavored is not refused', () => {
    const vape = r.categories.ends_vape!;
    expect(vape.flavoredBanned).toContain('CA');
    expect(vape.banned).not.toContain('CA');
    // Every licence the CA rules name is declared held in CA: no hold there.
    expect(vape.review).not.toContain('CA');
  });

  it('CA: hemp_thc_intoxicating is banned (CA-HEMP-INTOXICATING), and everywhere after the 2026-11-12 federal redefinition', () => {
    expect(r.categories.hemp_thc_intoxicating!.banned).toContain('CA');
    expect(r.categories.hemp_thc_intoxicating!.banned).toHaveLength(r.states.length);
    const before = computeRestrictions(SHIPPED, new Date('2026-06-01T12:00:00Z'));
    expect(before.categories.hemp_thc_intoxicating!.banned).toContain('CA');
    expect(before.categories.hemp_thc_intoxicating!.banned.length).toBeLessThan(before.states.length);
  });

  it('review: watchlist entries and undeclared licences hold; accessories ship everywhere', () => {
    // WL-NV-ONLINE-TOBACCO (watchlist) holds cigars in NV.
    expect(r.categories.tobacco_cigars!.review).toContain('NV');
    // US-PACT-DELIVERY-SALE: the tobacco-tax registration is declared for CA only.
    expect(r.categories.tobacco_cigarettes!.review).toContain('TX');
    expect(r.categories.accessories).toEqual({ banned: [], flavoredBanned: [], review: [], flavoredReview: [] });
  });

  it('lists every ruleset category, each state in at most one list, and agrees with decide() at checkout', () => {
    expect(Object.keys(r.categories).sort()).toEqual(Object.keys(SHIPPED.categories).sort());
    for (const [id, c] of Object.entries(r.categories)) {
      const all = [...c.banned, ...c.flavoredBanned, ...c.review, ...c.flavoredReview];
      expect(new Set(all).size).toBe(all.length);
      for (const st of ['CA', 'NY', 'TX', 'NV']) {
        const d = decide({
          lines: [line(id, { flavored: true })],
          customer: { email: 'a@example.com', firstName: 'Ana', lastName: 'Ruiz', dob: '1980-01-01' },
          shippingAddress: addressIn(st),
          address: { provider: 't', status: 'valid', standardized: addressIn(st), dpvConfirmed: true, cmra: false, residential: true, vacant: false, poBox: false, military: false },
          age: { provider: 't', status: 'accepted', reference: 'r', verifiedName: { firstName: 'Ana', lastName: 'Ruiz' } },
          ruleset: SHIPPED,
          at: AT,
        });
        const expected = c.banned.includes(st) || c.flavoredBanned.includes(st) ? 'deny' : c.review.includes(st) || c.flavoredReview.includes(st) ? 'review' : 'allow';
        expect(`${id}/${st}:${d.outcome}`).toBe(`${id}/${st}:${expected}`);
      }
    }
  });

  it('unknown category: checkout holds it (the storefront treats categories it does not find the same way)', () => {
    expect(r.unknownCategory).toBe('review');
    expect(r.categories['no_such_category']).toBeUndefined();
  });

  it('follows the engine options (unconfirmedAction deny refuses watchlist states)', () => {
    const strict = computeRestrictions(SHIPPED, AT, { unconfirmedAction: 'deny' });
    expect(strict.categories.tobacco_cigars!.banned).toContain('NV');
    expect(strict.unknownCategory).toBe('review');
  });

  it('the provider caches per day and ruleset version', () => {
    const rs = clone();
    const get = restrictionsProvider(rs);
    const a = get(AT);
    expect(get(new Date(AT.getTime() + 60_000))).toBe(a);
    const b = get(new Date(AT.getTime() + 86_400_000));
    expect(b).not.toBe(a);
    expect(b.date).toBe('2026-11-29');
    rs.version = 'changed';
    expect(get(new Date(AT.getTime() + 86_400_000)).rulesetVersion).toBe('changed');
  });
});

describe('GET /api/compliance/restrictions', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await createHttpServer({ logger: createLogger('silent') });
    await app.register(restrictionsRoutes({ restrictions: restrictionsProvider(SHIPPED), now: () => AT }));
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  it('is public, cacheable (ETag, max-age=300) and answers 304 to If-None-Match', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/compliance/restrictions' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    const etag = res.headers.etag as string;
    expect(etag).toMatch(/^"/);
    const body = res.json();
    expect(body.rulesetVersion).toBe(SHIPPED.version);
    expect(body.date).toBe('2026-11-28');
    expect(body.categories.ends_vape.flavoredBanned).toContain('CA');
    expect(body.categories.hemp_thc_intoxicating.banned).toContain('CA');
    expect(body.unknownCategory).toBe('review');
    const again = await app.inject({ method: 'GET', url: '/api/compliance/restrictions', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const other = await app.inject({ method: 'GET', url: '/api/compliance/restrictions', headers: { 'if-none-match': '"nope"' } });
    expect(other.statusCode).toBe(200);
  });

  it('appears in the OpenAPI document', async () => {
    const doc = (app as unknown as { swagger?: () => { paths: Record<string, unknown> } }).swagger?.();
    if (doc) expect(Object.keys(doc.paths)).toContain('/api/compliance/restrictions');
  });
});
