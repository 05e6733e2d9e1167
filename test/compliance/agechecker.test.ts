import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgeCheckerProvider, AgeCheckerWebhookVerifier, signAgeCheckerBody } from '../../src/compliance/age/agechecker.js';
import { AgeProviderError, type AgeVerificationRequest } from '../../src/compliance/age/provider.js';
import { startAgeCheckerFake, type AgeCheckerFake } from '../../src/emulator/agechecker-fake.js';
import { agecheckerWebhookRoutes } from '../../src/http/routes/agechecker-webhook.js';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/observability/logger.js';
import { FakeClock } from '../../src/shared/clock.js';
import { AppError } from '../../src/shared/errors.js';
import type { AgeWebhookEvent } from '../../src/compliance/types.js';

const KEY = 'ak_test_key';
const SECRET = 'ac_test_secret_0123456789';

const request = (first: string, last: string, dob = '1990-04-12'): AgeVerificationRequest => ({
  orderId: 'VIP-1',
  firstName: first,
  lastName: last,
  dob,
  email: 'a@example.com',
  address: { line1: '73-510 Fred Waring Dr', line2: null, city: 'Palm Desert', state: 'CA', zip: '92260' },
  ip: '203.0.113.7',
  minAge: 21,
});

describe('AgeChecker adapter against the wire-format fake', () => {
  let fake: AgeCheckerFake;
  let provider: AgeCheckerProvider;
  beforeAll(async () => {
    fake = await startAgeCheckerFake({ apiKey: KEY, secret: SECRET });
    provider = new AgeCheckerProvider({ apiUrl: fake.url, apiKey: KEY, secret: SECRET, callbackUrl: 'http://127.0.0.1:1/webhooks/agechecker', timeoutMs: 1000 });
  });
  afterAll(async () => {
    await fake.close();
  });

  it.each([
    ['JOHN', 'DOE', 'accepted'],
    ['JANE', 'DOE', 'photo_id'],
    ['FRANK', 'DOE', 'photo_id'],
    ['SIGNATURE', 'DOE', 'signature'],
    ['PHONE', 'DOE', 'phone_validation'],
    ['PENDING', 'DOE', 'pending'],
    ['Ana', 'Ruiz', 'accepted'],
  ])('create %s %s → %s, with a uuid, and the status lookup agrees', async (first, last, status) => {
    const r = await provider.create(request(first, last));
    expect(r.status).toBe(status);
    expect(r.reference).toMatch(/^[0-9a-f]{32}$/);
    expect(r.verifiedName).toEqual({ firstName: first, lastName: last });
    const looked = await provider.status(r.reference!);
    expect(looked.status).toBe(status);
    expect(looked.verifiedName).toEqual({ firstName: first, lastName: last });
    const sent = fake.verifications.get(r.reference!)!;
    expect(sent.metadata).toEqual({ order_id: 'VIP-1' });
    expect(sent.callbackUrl).toBe('http://127.0.0.1:1/webhooks/agechecker');
  });

  it('not_created: banned test name, and an underage buyer (no uuid)', async () => {
    expect(await provider.create(request('GRACE', 'DOE'))).toMatchObject({ status: 'not_created', reference: null });
    expect(await provider.create(request('Kid', 'Young', '2012-01-01'))).toMatchObject({ status: 'not_created', reference: null });
  });

  it('denied after a photo-ID review (FRANK DOE), with the reason', async () => {
    const r = await provider.create(request('FRANK', 'DOE'));
    await fake.resolve(r.reference!);
    expect(await provider.status(r.reference!)).toMatchObject({ status: 'denied', message: 'invalid_id' });
  });

  it('an unknown or malformed uuid is a failed verification, not an outage', async () => {
    expect(await provider.status('0000000000000000000000000000dead')).toMatchObject({ status: 'denied', message: 'uuid_not_found' });
    expect(await provider.status('../../v1/latest')).toMatchObject({ status: 'denied' });
  });

  it('a uuid made under another merchant key is not accepted', async () => {
    const other = new AgeCheckerProvider({ apiUrl: fake.url, apiKey: 'ak_other', secret: SECRET });
    const r = await provider.create(request('JOHN', 'DOE'));
    expect(await other.status(r.reference!)).toMatchObject({ status: 'denied', message: /another AgeChecker key/ });
  });

  it('errors: bad key, 500, non-JSON, timeout → AgeProviderError', async () => {
    const badKey = new AgeCheckerProvider({ apiUrl: fake.url, apiKey: 'nope', secret: SECRET });
    await expect(badKey.create(request('JOHN', 'DOE'))).rejects.toMatchObject({ code: 'invalid_key', httpStatus: 401 });
    for (const fault of ['500', 'bad_json'] as const) {
      fake.setFault(fault);
      try {
        await expect(provider.create(request('JOHN', 'DOE'))).rejects.toBeInstanceOf(AgeProviderError);
      } finally {
        fake.setFault('none');
      }
    }
    fake.setFault('hang');
    try {
      const quick = new AgeCheckerProvider({ apiUrl: fake.url, apiKey: KEY, secret: SECRET, timeoutMs: 150 });
      await expect(quick.status('abc')).rejects.toMatchObject({ code: 'timeout' });
    } finally {
      fake.setFault('none');
    }
  });
});

describe('AgeChecker webhook signature', () => {
  const clock = new FakeClock();
  const body = (o: unknown) => Buffer.from(JSON.stringify(o));

  it('valid signature over the raw body → the event', () => {
    const v = new AgeCheckerWebhookVerifier({ secret: SECRET, clock });
    const raw = body({ uuid: 'u1', status: 'accepted' });
    expect(v.verify(raw, { 'x-agechecker-signature': signAgeCheckerBody(SECRET, raw) })).toEqual({ reference: 'u1', status: 'accepted' });
  });
  it('also accepts a signature over the re-serialized JSON (AgeChecker example; raw vs parsed UNCONFIRMED)', () => {
    const v = new AgeCheckerWebhookVerifier({ secret: SECRET, clock });
    const raw = Buffer.from('{ "uuid": "u2",  "status": "denied", "reason": "underage" }');
    const sig = signAgeCheckerBody(SECRET, JSON.stringify(JSON.parse(raw.toString())));
    expect(v.verify(raw, { 'x-agechecker-signature': sig }).status).toBe('denied');
  });
  it.each([
    ['wrong secret', (raw: Buffer) => ({ 'x-agechecker-signature': signAgeCheckerBody('other-secret', raw) })],
    ['missing header', () => ({})],
    ['garbage', () => ({ 'x-agechecker-signature': 'not-base64!!' })],
    ['signature of another body', () => ({ 'x-agechecker-signature': signAgeCheckerBody(SECRET, '{"uuid":"u3","status":"denied"}') })],
  ])('%s → 401 webhook_signature_invalid', (_name, headers) => {
    const v = new AgeCheckerWebhookVerifier({ secret: SECRET, clock });
    const raw = body({ uuid: 'u3', status: 'accepted' });
    try {
      v.verify(raw, headers(raw));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('webhook_signature_invalid');
      expect((err as AppError).httpStatus).toBe(401);
    }
  });
  it('no secret configured → every webhook refused', () => {
    const v = new AgeCheckerWebhookVerifier({ secret: undefined, clock });
    const raw = body({ uuid: 'u', status: 'accepted' });
    expect(() => v.verify(raw, { 'x-agechecker-signature': signAgeCheckerBody(SECRET, raw) })).toThrow(/not configured/);
  });
  it('a replay is refused within the window; a flip denied → accepted passes; after the window it is accepted again', () => {
    const v = new AgeCheckerWebhookVerifier({ secret: SECRET, clock, replayWindowMs: 60_000 });
    const denied = body({ uuid: 'u4', status: 'denied' });
    const h = { 'x-agechecker-signature': signAgeCheckerBody(SECRET, denied) };
    v.verify(denied, h);
    expect(() => v.verify(denied, h)).toThrow(expect.objectContaining({ code: 'webhook_replayed' }));
    // Same event re-serialized with other spacing: a different signature, same (uuid, status).
    const again = Buffer.from('{"uuid":"u4", "status":"denied"}');
    expect(() => v.verify(again, { 'x-agechecker-signature': signAgeCheckerBody(SECRET, again) })).toThrow(expect.objectContaining({ code: 'webhook_replayed' }));
    const accepted = body({ uuid: 'u4', status: 'accepted' });
    expect(v.verify(accepted, { 'x-agechecker-signature': signAgeCheckerBody(SECRET, accepted) }).status).toBe('accepted');
    clock.advance(61_000);
    expect(v.verify(denied, h).status).toBe('denied');
  });
});

describe('PUT /webhooks/agechecker', () => {
  it('verifies over req.rawBody, answers 401/409, emits valid events; the fake AgeChecker calls it for real', async () => {
    const verifier = new AgeCheckerWebhookVerifier({ secret: SECRET });
    const events: AgeWebhookEvent[] = [];
    const app = await createHttpServer({ logger: createLogger('silent') });
    await app.register(agecheckerWebhookRoutes({ parse: (raw, headers) => verifier.verify(raw, headers), emit: (e) => void events.push(e) }));
    const raw = '{"uuid":"abc","status":"accepted"}';
    const ok = await app.inject({ method: 'PUT', url: '/webhooks/agechecker', headers: { 'content-type': 'application/json', 'x-agechecker-signature': signAgeCheckerBody(SECRET, raw) }, payload: raw });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ received: true, reference: 'abc', status: 'accepted' });
    const bad = await app.inject({ method: 'PUT', url: '/webhooks/agechecker', headers: { 'content-type': 'application/json', 'x-agechecker-signature': 'AAAA' }, payload: raw });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().error.code).toBe('webhook_signature_invalid');
    const missing = await app.inject({ method: 'PUT', url: '/webhooks/agechecker', headers: { 'content-type': 'application/json' }, payload: raw });
    expect(missing.statusCode).toBe(401);
    const replay = await app.inject({ method: 'PUT', url: '/webhooks/agechecker', headers: { 'content-type': 'application/json', 'x-agechecker-signature': signAgeCheckerBody(SECRET, raw) }, payload: raw });
    expect(replay.statusCode).toBe(409);
    expect(events).toEqual([{ reference: 'abc', status: 'accepted' }]);

    // End to end: a pending verification resolved at the fake PUTs a signed callback to this server.
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const fake = await startAgeCheckerFake({ apiKey: KEY, secret: SECRET });
    try {
      const provider = new AgeCheckerProvider({ apiUrl: fake.url, apiKey: KEY, secret: SECRET, callbackUrl: `${url}/webhooks/agechecker` });
      const r = await provider.create(request('JANE', 'DOE'));
      expect(r.status).toBe('photo_id');
      await fake.resolve(r.reference!);
      expect(fake.callbacks.at(-1)?.status).toBe(200);
      expect(events.at(-1)).toEqual({ reference: r.reference, status: 'accepted' });
    } finally {
      await fake.close();
      await app.close();
    }
  });
});
