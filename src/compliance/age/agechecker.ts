/**
 * AgeChecker.net adapter, written against its documented API
 * (reference/compliance.md §5.1): `POST /v1/create`, `GET /v1/status/{uuid}`,
 * and the signed `PUT` status webhook.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../shared/errors.js';
import type { Clock } from '../../shared/clock.js';
import { systemClock } from '../../shared/clock.js';
import type { AgeVerificationResult, AgeVerificationStatus, AgeWebhookEvent } from '../types.js';
import { AgeProviderError, type AgeVerificationProvider, type AgeVerificationRequest } from './provider.js';

export const AGECHECKER_DEFAULT_URL = 'https://api.agechecker.net';

const KNOWN_STATUSES: Record<string, AgeVerificationStatus> = {
  accepted: 'accepted',
  denied: 'denied',
  signature: 'signature',
  photo_id: 'photo_id',
  phone_validation: 'phone_validation',
  pending: 'pending',
  not_created: 'not_created',
  // Listed by the status endpoint docs: the customer was texted a link.
  sms_sent: 'pending',
};

export interface AgeCheckerOptions {
  apiUrl?: string;
  apiKey: string;
  secret: string;
  /** Where AgeChecker PUTs status changes (our /webhooks/agechecker). */
  callbackUrl?: string;
  fetch?: typeof fetch;
  /** Per-request timeout; the service also bounds the whole call. */
  timeoutMs?: number;
}

type FetchLike = typeof fetch;

export class AgeCheckerProvider implements AgeVerificationProvider {
  readonly name = 'agechecker';
  private readonly base: string;
  private readonly fetch: FetchLike;

  constructor(private readonly options: AgeCheckerOptions) {
    this.base = (options.apiUrl ?? AGECHECKER_DEFAULT_URL).replace(/\/+$/, '');
    this.fetch = options.fetch ?? fetch;
  }

  async create(request: AgeVerificationRequest): Promise<AgeVerificationResult> {
    const [year, month, day] = request.dob.split('-').map(Number);
    const body = {
      key: this.options.apiKey,
      secret: this.options.secret,
      data: {
        first_name: request.firstName,
        last_name: request.lastName,
        address: [request.address.line1, request.address.line2].filter(Boolean).join(' '),
        city: request.address.city,
        state: request.address.state,
        zip: request.address.zip,
        country: request.address.country ?? 'US',
        dob_day: day,
        dob_month: month,
        dob_year: year,
        ...(request.email ? { email: request.email } : {}),
      },
      options: {
        min_age: Math.min(75, Math.max(18, request.minAge)),
        ...(request.ip ? { customer_ip: request.ip } : {}),
        ...(this.options.callbackUrl ? { callback_url: this.options.callbackUrl } : {}),
        ...(request.orderId ? { metadata: { order_id: request.orderId.slice(0, 250) } } : {}),
      },
    };
    const json = await this.call('POST', '/v1/create', body);
    const status = mapStatus(json.status);
    const uuid = typeof json.uuid === 'string' && json.uuid ? json.uuid : null;
    // The buyer AgeChecker checked is the one we sent.
    return {
      provider: this.name,
      status,
      reference: uuid,
      verifiedName: { firstName: request.firstName, lastName: request.lastName },
      ...(typeof json.reason === 'string' ? { message: json.reason } : {}),
    };
  }

  async status(reference: string): Promise<AgeVerificationResult> {
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(reference)) {
      return { provider: this.name, status: 'denied', reference, verifiedName: null, message: 'malformed verification reference' };
    }
    let json: Record<string, unknown>;
    try {
      json = await this.call('GET', `/v1/status/${encodeURIComponent(reference)}`);
    } catch (err) {
      // A definitive "no such verification" is a failed verification, not an outage.
      if (err instanceof AgeProviderError && (err.code === 'uuid_not_found' || err.httpStatus === 404)) {
        return { provider: this.name, status: 'denied', reference, verifiedName: null, message: 'uuid_not_found' };
      }
      throw err;
    }
    // A uuid made under another merchant key proves nothing about this shop's buyer.
    if (typeof json.key === 'string' && json.key !== this.options.apiKey) {
      return { provider: this.name, status: 'denied', reference, verifiedName: null, message: 'verification belongs to another AgeChecker key' };
    }
    const verification = (json.verification ?? {}) as Record<string, unknown>;
    return {
      provider: this.name,
      status: mapStatus(json.status),
      reference,
      verifiedName: buyerName(verification.buyer),
      ...(typeof json.reason === 'string' ? { message: json.reason } : {}),
    };
  }

  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await this.fetch(`${this.base}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          'x-agechecker-secret': this.options.secret,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 8000),
      });
    } catch (err) {
      const e = err as Error;
      throw new AgeProviderError(this.name, e.name === 'TimeoutError' ? 'timeout' : 'network', e.message);
    }
    const text = await res.text().catch(() => '');
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      throw new AgeProviderError(this.name, 'bad_response', `HTTP ${res.status}: not JSON`, res.status);
    }
    if (!res.ok) {
      const error = (json as { error?: { code?: unknown; message?: unknown } })?.error;
      throw new AgeProviderError(
        this.name,
        typeof error?.code === 'string' ? error.code : `http_${res.status}`,
        typeof error?.message === 'string' ? error.message : `HTTP ${res.status}`,
        res.status,
      );
    }
    if (!json || typeof json !== 'object') throw new AgeProviderError(this.name, 'bad_response', 'not an object', res.status);
    return json as Record<string, unknown>;
  }
}

/** An unknown status never approves: it becomes `error`. */
function mapStatus(value: unknown): AgeVerificationStatus {
  return (typeof value === 'string' && KNOWN_STATUSES[value]) || 'error';
}

/** `verification.buyer` shape is UNCONFIRMED: accept {first_name,last_name} or {name}. */
function buyerName(buyer: unknown): { firstName: string; lastName: string } | null {
  if (!buyer || typeof buyer !== 'object') return null;
  const b = buyer as Record<string, unknown>;
  if (typeof b.first_name === 'string' && typeof b.last_name === 'string') return { firstName: b.first_name, lastName: b.last_name };
  if (typeof b.name === 'string' && b.name.trim().includes(' ')) {
    const parts = b.name.trim().split(/\s+/);
    return { firstName: parts[0]!, lastName: parts[parts.length - 1]! };
  }
  return null;
}

/** base64(HMAC-SHA1(secret, body)), the documented X-AgeChecker-Signature. */
export function signAgeCheckerBody(secret: string, body: string | Buffer): string {
  return createHmac('sha1', secret).update(body).digest('base64');
}

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

export interface WebhookVerifierOptions {
  secret: string | undefined;
  clock?: Clock;
  /** How long a seen signature / (uuid,status) is remembered (default 24 h). */
  replayWindowMs?: number;
  maxRemembered?: number;
}

/**
 * Verifies the AgeChecker status webhook: HMAC over the raw body (and, since
 * whether AgeChecker signs the raw bytes or its re-serialized JSON is
 * UNCONFIRMED, over JSON.stringify of the parsed body), constant-time
 * compared; then refuses a signature or a (uuid, status) already seen inside
 * the window. A flip from denied to accepted is a new (uuid, status) and passes.
 */
export class AgeCheckerWebhookVerifier {
  private readonly seen = new Map<string, number>();
  private readonly clock: Clock;
  private readonly windowMs: number;
  private readonly max: number;

  constructor(private readonly options: WebhookVerifierOptions) {
    this.clock = options.clock ?? systemClock;
    this.windowMs = options.replayWindowMs ?? 24 * 3600_000;
    this.max = options.maxRemembered ?? 50_000;
  }

  verify(rawBody: Buffer | undefined, headers: Record<string, string | string[] | undefined>): AgeWebhookEvent {
    const invalid = (why: string) => new AppError('webhook_signature_invalid', `AgeChecker webhook rejected: ${why}`, 401);
    const secret = this.options.secret;
    if (!secret) throw invalid('AGECHECKER_SECRET is not configured');
    const header = headers['x-agechecker-signature'];
    const signature = (Array.isArray(header) ? header[0] : header)?.trim();
    if (!signature) throw invalid('missing X-AgeChecker-Signature');
    if (!rawBody || rawBody.length === 0) throw invalid('empty body');

    let parsed: unknown;
    try {
      parsed = JSON.parse(rawBody.toString('utf8'));
    } catch {
      throw invalid('body is not JSON');
    }
    const candidates = [signAgeCheckerBody(secret, rawBody), signAgeCheckerBody(secret, JSON.stringify(parsed))];
    // Evaluate both so the comparison time does not depend on which matched.
    const matches = candidates.map((c) => safeEqual(c, signature));
    if (!matches.some(Boolean)) throw invalid('signature mismatch');

    const body = parsed as { uuid?: unknown; status?: unknown; reason?: unknown };
    if (typeof body.uuid !== 'string' || !body.uuid || typeof body.status !== 'string') {
      throw new AppError('invalid_request', 'AgeChecker webhook body needs uuid and status', 400);
    }
    const status = mapStatus(body.status);

    const now = this.clock.now();
    this.prune(now);
    const keys = [`sig:${signature}`, `evt:${body.uuid}:${body.status}`];
    if (keys.some((k) => this.seen.has(k))) {
      throw new AppError('webhook_replayed', 'This AgeChecker webhook was already received', 409);
    }
    for (const k of keys) this.seen.set(k, now + this.windowMs);
    return { reference: body.uuid, status };
  }

  private prune(now: number): void {
    for (const [k, until] of this.seen) {
      if (until <= now || this.seen.size > this.max) this.seen.delete(k);
      else break; // insertion order = expiry order (constant window)
    }
  }
}
