/**
 * A local AgeChecker.net speaking its documented wire format
 * (reference/compliance.md §5.1), so the adapter is tested over real HTTP:
 * `POST /v1/create`, `GET /v1/status/{uuid}`, the `{ error: { code, message } }`
 * error shape, the developer-mode test names, and the signed `PUT` status
 * callback to `callback_url`.
 *
 * Test names (AgeChecker developer mode): JOHN DOE accepted; JANE DOE
 * photo_id (then accepted when resolved); FRANK DOE photo_id (then denied);
 * GRACE DOE not_created (banned). Extra names of this fake: SIGNATURE DOE →
 * signature, PHONE DOE → phone_validation, PENDING DOE → pending. A buyer
 * younger than options.min_age → not_created. Anyone else → accepted.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { signAgeCheckerBody } from '../compliance/age/agechecker.js';

export interface AgeCheckerFakeOptions {
  apiKey: string;
  secret: string;
  /** Sign callbacks over this body text instead of the bytes sent (tests of a bad signature). */
  signatureOverride?: (body: string) => string;
}

interface Verification {
  uuid: string;
  status: string;
  reason?: string;
  key: string;
  buyer: { first_name: string; last_name: string };
  created: number;
  metadata: Record<string, string>;
  callbackUrl?: string;
  /** What a manual resolve settles to (JANE → accepted, FRANK → denied). */
  settlesTo: 'accepted' | 'denied';
}

export type AgeCheckerFault = 'none' | '500' | 'hang' | 'bad_json';

export interface AgeCheckerFake {
  app: FastifyInstance;
  url: string;
  verifications: Map<string, Verification>;
  requests: { create: number; status: number };
  callbacks: Array<{ url: string; status: number | null; body: string }>;
  setFault(fault: AgeCheckerFault): void;
  /** Settles a verification and PUTs the signed callback (when it has a callback_url). */
  resolve(uuid: string, status?: 'accepted' | 'denied', reason?: string): Promise<void>;
  close(): Promise<void>;
}

function ageOn(dob: { y: number; m: number; d: number }, now: Date): number {
  let age = now.getUTCFullYear() - dob.y;
  const m = now.getUTCMonth() + 1;
  if (m < dob.m || (m === dob.m && now.getUTCDate() < dob.d)) age -= 1;
  return age;
}

export function buildAgeCheckerFake(options: AgeCheckerFakeOptions) {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const verifications = new Map<string, Verification>();
  const requests = { create: 0, status: 0 };
  const callbacks: AgeCheckerFake['callbacks'] = [];
  let fault: AgeCheckerFault = 'none';
  const err = (code: string, message: string) => ({ error: { code, message } });

  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/__fake')) return;
    if (fault === '500') return reply.status(500).send(err('server_error', 'Internal error'));
    if (fault === 'hang') {
      await new Promise((r) => setTimeout(r, 30_000).unref());
      return reply.status(504).send(err('timeout', 'hung'));
    }
    if (fault === 'bad_json') return reply.status(200).header('content-type', 'application/json').send('{not json');
  });

  app.post('/v1/create', async (req, reply) => {
    requests.create += 1;
    const body = (req.body ?? {}) as Record<string, any>;
    const secret = body.secret ?? req.headers['x-agechecker-secret'];
    if (body.key !== options.apiKey) return reply.status(401).send(err('invalid_key', 'The API key is not valid'));
    if (body.options && secret !== options.secret) return reply.status(401).send(err('invalid_token', 'The secret is required to use options'));
    const data = body.data ?? {};
    for (const f of ['first_name', 'last_name', 'address', 'city', 'state', 'zip', 'country', 'dob_day', 'dob_month', 'dob_year']) {
      if (data[f] === undefined || data[f] === '') return reply.status(400).send(err('info_missing', `data.${f} is required`));
    }
    if (typeof data.state !== 'string' || data.state.length !== 2) return reply.status(400).send(err('invalid_state', 'state must be 2 characters'));
    const minAge = Number(body.options?.min_age ?? 21);
    if (!(minAge >= 18 && minAge <= 75)) return reply.status(400).send(err('invalid_min_age', 'min_age must be 18-75'));
    const name = `${String(data.first_name).trim()} ${String(data.last_name).trim()}`.toUpperCase();
    const age = ageOn({ y: Number(data.dob_year), m: Number(data.dob_month), d: Number(data.dob_day) }, new Date());
    if (name === 'GRACE DOE' || age < minAge) return { status: 'not_created' };
    const status =
      name === 'JANE DOE' || name === 'FRANK DOE'
        ? 'photo_id'
        : name === 'SIGNATURE DOE'
          ? 'signature'
          : name === 'PHONE DOE'
            ? 'phone_validation'
            : name === 'PENDING DOE'
              ? 'pending'
              : 'accepted';
    const uuid = randomUUID().replace(/-/g, '');
    verifications.set(uuid, {
      uuid,
      status,
      key: body.key,
      buyer: { first_name: String(data.first_name), last_name: String(data.last_name) },
      created: Date.now(),
      metadata: body.options?.metadata ?? {},
      ...(body.options?.callback_url ? { callbackUrl: String(body.options.callback_url) } : {}),
      settlesTo: name === 'FRANK DOE' ? 'denied' : 'accepted',
    });
    return { uuid, status };
  });

  app.get('/v1/status/:uuid', async (req, reply) => {
    requests.status += 1;
    const { uuid } = req.params as { uuid: string };
    const v = verifications.get(uuid);
    if (!v) return reply.status(404).send(err('uuid_not_found', 'No verification with this UUID'));
    const base = { status: v.status, ...(v.reason ? { reason: v.reason } : {}) };
    if (req.headers['x-agechecker-secret'] !== options.secret) return base;
    return { ...base, key: v.key, verification: { buyer: v.buyer, created: Math.floor(v.created / 1000) }, metadata: v.metadata };
  });

  app.post('/__fake/resolve/:uuid', async (req) => {
    const { uuid } = req.params as { uuid: string };
    const body = (req.body ?? {}) as { status?: 'accepted' | 'denied'; reason?: string };
    await resolve(uuid, body.status, body.reason);
    return { ok: true };
  });

  async function resolve(uuid: string, status?: 'accepted' | 'denied', reason?: string): Promise<void> {
    const v = verifications.get(uuid);
    if (!v) throw new Error(`unknown uuid ${uuid}`);
    v.status = status ?? v.settlesTo;
    if (v.status === 'denied') v.reason = reason ?? 'invalid_id';
    else delete v.reason;
    if (!v.callbackUrl) return;
    const body = JSON.stringify({ uuid, status: v.status, ...(v.reason ? { reason: v.reason } : {}) });
    const signature = options.signatureOverride ? options.signatureOverride(body) : signAgeCheckerBody(options.secret, body);
    let code: number | null = null;
    try {
      const res = await fetch(v.callbackUrl, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-agechecker-signature': signature },
        body,
      });
      code = res.status;
    } catch {
      code = null;
    }
    callbacks.push({ url: v.callbackUrl, status: code, body });
  }

  return {
    app,
    verifications,
    requests,
    callbacks,
    setFault: (f: AgeCheckerFault) => {
      fault = f;
    },
    resolve,
  };
}

export async function startAgeCheckerFake(options: AgeCheckerFakeOptions, port = 0): Promise<AgeCheckerFake> {
  const fake = buildAgeCheckerFake(options);
  const address = await fake.app.listen({ host: '127.0.0.1', port });
  return { ...fake, url: address, close: () => fake.app.close() };
}
