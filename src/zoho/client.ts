import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Clock } from '../shared/clock.js';
import { ZohoApiError, ZohoBudgetExceededError, ZohoOutcomeUnknownError, ZohoUnavailableError, type ZohoPriority } from './errors.js';
import { parseZohoJson } from './json.js';
import { classify, networkErrorWasSent, type AttemptOutcome, type HttpMethod, type RetryPolicy } from './retry.js';
import type { ZohoBudget } from './budget.js';

/** The subset of fetch the module uses: injectable for tests, undici's fetch by default. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<{ status: number; headers: { get(name: string): string | null }; text(): Promise<string>; arrayBuffer(): Promise<ArrayBuffer> }>;

/** Where the client gets its bearer token and API base (src/zoho/connection.ts). */
export interface TokenSource {
  getAccessToken(options?: { rejected?: string }): Promise<{ token: string; apiBase: string }>;
}

export interface RequestSpec {
  method: HttpMethod;
  /** Path template for metrics and logs, e.g. `/items/:id`. */
  endpoint: string;
  /** Concrete path under the API base, e.g. `/items/123`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  priority: ZohoPriority;
  signal?: AbortSignal;
}

export interface ClientOptions {
  organizationId: string;
  timeoutMs: number;
  retry: RetryPolicy;
  /**
   * The default transport (an undici Agent with headersTimeout/bodyTimeout =
   * timeoutMs) enforces the timeout itself; an injected fetch gets a timer per request.
   */
  transportEnforcesTimeout?: boolean;
}

export interface BinaryResponse {
  status: number;
  contentType: string;
  body: Buffer;
}

type Received = { status: number; contentType: string; text?: string; bytes?: Buffer; retryAfter: string | null };

/**
 * One Zoho Inventory call: token, budget slot, request, envelope check, retry
 * classifier. Everything that can fail reaches the caller as a class from
 * src/zoho/errors.ts.
 */
export class ZohoHttpClient {
  constructor(
    private readonly tokens: TokenSource,
    private readonly budget: ZohoBudget,
    private readonly fetchImpl: FetchLike,
    private readonly options: ClientOptions,
    private readonly deps: { clock: Clock; logger: Logger },
  ) {}

  /** JSON call: resolves with the envelope (code 0) or rejects with a typed error. */
  async call<T = Record<string, unknown>>(spec: RequestSpec): Promise<T> {
    const result = await this.execute(spec, false);
    return result.json as T;
  }

  /** Binary call (item image). A JSON answer is checked as an envelope; 404 resolves null. */
  async binary(spec: RequestSpec): Promise<BinaryResponse | null> {
    try {
      const result = await this.execute(spec, true);
      if (result.binary) return result.binary;
      return null;
    } catch (err) {
      if (err instanceof ZohoApiError && err.httpStatus === 404) return null;
      throw err;
    }
  }

  private async execute(spec: RequestSpec, binary: boolean): Promise<{ json?: unknown; binary?: BinaryResponse }> {
    const { clock } = this.deps;
    let refreshed = false;
    let rejected: string | undefined;
    for (let attempt = 1; ; attempt++) {
      spec.signal?.throwIfAborted();
      const { token, apiBase } = await this.tokens.getAccessToken(rejected === undefined ? undefined : { rejected });
      const release = await this.budget.acquire(spec.priority, spec.signal);
      const started = performance.now();
      let received: Received | undefined;
      let networkError: unknown;
      try {
        received = await this.send(spec, token, apiBase, binary);
      } catch (err) {
        networkError = err;
      } finally {
        release();
      }
      const durationMs = performance.now() - started;

      let json: unknown;
      let zohoCode: number | undefined;
      let outcome: AttemptOutcome;
      if (received) {
        const isJson = received.text !== undefined;
        if (isJson) {
          try {
            json = received.text === '' ? undefined : parseZohoJson(received.text!);
          } catch {
            json = undefined;
          }
          zohoCode = readCode(json);
        }
        outcome = { kind: 'response', status: received.status, zohoCode, retryAfter: received.retryAfter };
        // A 2xx that is not a readable envelope: for a write the work was done but the answer is unusable.
        if (isJson && received.status < 300 && (json === undefined || typeof json !== 'object')) {
          this.record(spec, received.status, null, durationMs, attempt);
          if (spec.method !== 'GET') throw new ZohoOutcomeUnknownError(spec.endpoint, new Error(`HTTP ${received.status} with an unreadable body`));
          throw new ZohoApiError(received.status, undefined, 'response is not a JSON envelope', spec.endpoint, false);
        }
      } else {
        if (isCallerAbort(spec.signal, networkError) && spec.method === 'GET') {
          this.record(spec, 0, null, durationMs, attempt);
          throw networkError;
        }
        outcome = { kind: 'network', sent: networkErrorWasSent(networkError) };
      }
      this.record(spec, received?.status ?? 0, zohoCode ?? null, durationMs, attempt);

      const decision = classify({ method: spec.method, attempt, refreshed, outcome, now: clock.now() }, this.options.retry);
      switch (decision.action) {
        case 'ok':
          return received!.bytes ? { binary: { status: received!.status, contentType: received!.contentType, body: received!.bytes } } : { json };
        case 'retry':
          this.deps.logger.warn(
            { endpoint: spec.endpoint, method: spec.method, attempt, status: received?.status ?? 0, zohoCode, delayMs: decision.delayMs },
            'Zoho call failed; retrying',
          );
          await sleepUnlessAborted(clock, decision.delayMs, spec.signal);
          continue;
        case 'refresh_and_retry':
          refreshed = true;
          rejected = token;
          continue;
        case 'daily_quota': {
          const ms = await this.budget.markDailyExhausted(parseRetryAfterMs(received?.retryAfter));
          throw new ZohoBudgetExceededError(spec.priority, 'daily', ms);
        }
        case 'outcome_unknown':
          throw new ZohoOutcomeUnknownError(spec.endpoint, networkError ?? new Error(`HTTP ${received?.status ?? 0} from a gateway`));
        case 'unavailable':
          throw new ZohoUnavailableError(spec.endpoint, networkError);
        case 'fail':
          throw new ZohoApiError(received?.status ?? 0, zohoCode, readMessage(json) ?? `HTTP ${received?.status ?? 0}`, spec.endpoint, decision.retryable);
      }
    }
  }

  private async send(spec: RequestSpec, token: string, apiBase: string, binary: boolean): Promise<Received> {
    let url = `${apiBase}${spec.path}?organization_id=${encodeURIComponent(this.options.organizationId)}`;
    if (spec.query) {
      for (const key in spec.query) {
        const value = spec.query[key];
        if (value !== undefined && value !== '') url += `&${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`;
      }
    }
    const headers: Record<string, string> = { authorization: `Zoho-oauthtoken ${token}`, accept: 'application/json' };
    let body: string | undefined;
    if (spec.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(spec.body);
    }
    let controller: AbortController | undefined;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    let signal = spec.signal;
    if (!this.options.transportEnforcesTimeout) {
      const c = (controller = new AbortController());
      const timeout = this.options.timeoutMs;
      timer = setTimeout(() => c.abort(new TimeoutError(`Zoho did not answer within ${timeout} ms`)), timeout);
      if (spec.signal) {
        onAbort = () => c.abort(spec.signal!.reason);
        spec.signal.addEventListener('abort', onAbort, { once: true });
      }
      signal = c.signal;
    }
    try {
      const res = await this.fetchImpl(url, { method: spec.method, headers, ...(body !== undefined ? { body } : {}), ...(signal ? { signal } : {}) });
      const contentType = res.headers.get('content-type') ?? '';
      const retryAfter = res.status === 429 || res.status >= 500 ? res.headers.get('retry-after') : null;
      if (binary && res.status < 300 && !contentType.includes('json')) {
        return { status: res.status, contentType, bytes: Buffer.from(await res.arrayBuffer()), retryAfter };
      }
      return { status: res.status, contentType, text: await res.text(), retryAfter };
    } finally {
      if (timer) clearTimeout(timer);
      if (onAbort) spec.signal?.removeEventListener('abort', onAbort);
      void controller;
    }
  }

  private record(spec: RequestSpec, status: number, zohoCode: number | null, durationMs: number, attempt: number): void {
    this.budget.record({ endpoint: spec.endpoint, method: spec.method, status, zohoCode, durationMs, priority: spec.priority, attempt });
  }
}

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

function readCode(body: unknown): number | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const code = (body as { code?: unknown }).code;
  if (typeof code === 'number') return code;
  if (typeof code === 'string' && /^-?\d+$/.test(code)) return Number(code);
  return undefined;
}

function readMessage(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const message = (body as { message?: unknown }).message;
  return typeof message === 'string' ? message : undefined;
}

function parseRetryAfterMs(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n * 1000 : undefined;
}

function isCallerAbort(signal: AbortSignal | undefined, err: unknown): boolean {
  return Boolean(signal?.aborted) && !(err instanceof TimeoutError);
}

async function sleepUnlessAborted(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  await clock.sleep(ms);
  signal?.throwIfAborted();
}
