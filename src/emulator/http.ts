/**
 * The emulator's HTTP layer on node:http: a tiny router, request counting,
 * injected faults, artificial latency and the Inventory request pipeline
 * (authorization, organization_id, scope, rate limits). node:http rather than
 * Fastify because faults need the raw socket (a lost response destroys it
 * after the write; a timeout keeps it open) and the hot path must stay cheap
 * for 10,000-item benchmarks.
 */
import http, { type IncomingMessage, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Clock } from '../shared/clock.js';
import type { EmulatorCounters, FaultSpec } from './types.js';

export interface Reply {
  status: number;
  /** An object is sent as JSON; a string or Buffer as is (with contentType). */
  body: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface RequestContext {
  method: string;
  /** Path relative to the route's prefix (`/items/123` for inventory). */
  path: string;
  fullPath: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** Present on inventory routes once the pipeline has authenticated the call. */
  auth?: { token: string; scopes: string[] };
}

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;

/** A scope requirement: module and operation; any of the alternatives grants it. */
export type ScopeRequirement = Array<[module: string, operation: 'READ' | 'CREATE' | 'UPDATE' | 'DELETE']>;

export interface RouteDef {
  method: string;
  template: string;
  handler: Handler;
  scope?: ScopeRequirement;
  /** Inventory routes that do not need `organization_id` (the organizations list). */
  noOrganization?: boolean;
}

interface CompiledRoute extends RouteDef {
  kind: 'accounts' | 'inventory';
  key: string;
  re: RegExp;
  paramNames: string[];
}

export const INVENTORY_PREFIX = '/inventory/v1';

export function envelope(code: number, message: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { code, message, ...extra };
}

export function zohoError(status: number, code: number, message: string, headers?: Record<string, string>): Reply {
  return headers ? { status, body: envelope(code, message), headers } : { status, body: envelope(code, message) };
}

export interface InventoryGate {
  /** Authenticates `Authorization`; returns the token's scopes or an error reply. */
  authenticate(header: string | undefined): { token: string; scopes: string[] } | Reply;
  hasScope(scopes: string[], req: ScopeRequirement): boolean;
  organizationId: string;
}

interface PendingFault extends FaultSpec {
  remaining: number;
}

export class RateLimits {
  private minuteWindow = -1;
  private minuteCount = 0;
  private dayWindow = -1;
  private dayCount = 0;

  constructor(
    private readonly clock: Clock,
    public perMinute: number,
    public daily: number,
    private readonly dayStart: (ms: number) => number,
  ) {}

  /** Counts one call, or returns the 429 to send when a limit is reached (refused calls are not counted). */
  take(): Reply | null {
    const now = this.clock.now();
    const minute = Math.floor(now / 60_000);
    if (minute !== this.minuteWindow) {
      this.minuteWindow = minute;
      this.minuteCount = 0;
    }
    const day = this.dayStart(now);
    if (day !== this.dayWindow) {
      this.dayWindow = day;
      this.dayCount = 0;
    }
    if (this.dayCount >= this.daily) {
      const retry = Math.max(1, Math.ceil((day + 86_400_000 - now) / 1000));
      return zohoError(
        429,
        45,
        `The API call for this organization has exceeded the maximum call rate limit of ${this.daily.toLocaleString('en-US')}`,
        { 'Retry-After': String(retry), ...this.headers(now) },
      );
    }
    if (this.minuteCount >= this.perMinute) {
      const retry = Math.max(1, Math.ceil(((minute + 1) * 60_000 - now) / 1000));
      // The per-minute body is UNCONFIRMED (zoho-api.md §4): code 44 as in the mocks.
      return zohoError(
        429,
        44,
        `You have exceeded the maximum number of API requests per minute (${this.perMinute}) for this organization. Please try again after some time.`,
        { 'Retry-After': String(retry), ...this.headers(now) },
      );
    }
    this.minuteCount += 1;
    this.dayCount += 1;
    return null;
  }

  /** Zoho Books-style headers; optional for clients (zoho-api.md §4). */
  headers(now = this.clock.now()): Record<string, string> {
    const day = this.dayStart(now);
    const used = day === this.dayWindow ? this.dayCount : 0;
    return {
      'X-Rate-Limit-Limit': String(this.daily),
      'X-Rate-Limit-Remaining': String(Math.max(0, this.daily - used)),
      'X-Rate-Limit-Reset': String(Math.max(0, Math.ceil((day + 86_400_000 - now) / 1000))),
    };
  }
}

export class EmulatorHttp {
  private readonly routes: CompiledRoute[] = [];
  private readonly faults: PendingFault[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly held = new Set<ServerResponse>();
  readonly server: http.Server;
  latencyMs: number;
  counters: EmulatorCounters = emptyCounters();

  constructor(
    private readonly gate: InventoryGate,
    readonly limits: RateLimits,
    latencyMs: number,
  ) {
    this.latencyMs = latencyMs;
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          this.send(res, zohoError(500, 1, `Internal error: ${err instanceof Error ? err.message : String(err)}`));
        }
      });
    });
    this.server.keepAliveTimeout = 5_000;
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  accounts(def: RouteDef): void {
    this.add('accounts', def);
  }

  inventory(def: RouteDef): void {
    this.add('inventory', def);
  }

  private add(kind: 'accounts' | 'inventory', def: RouteDef): void {
    const paramNames: string[] = [];
    const pattern = def.template
      .split('/')
      .map((seg) => {
        if (seg.startsWith(':')) {
          paramNames.push(seg.slice(1));
          return '([^/]+)';
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.routes.push({
      ...def,
      method: def.method.toUpperCase(),
      kind,
      key: `${def.method.toUpperCase()} ${def.template}`,
      re: new RegExp(`^${pattern}/?$`),
      paramNames,
    });
  }

  injectFault(f: FaultSpec): void {
    this.faults.push({ ...f, remaining: f.times ?? 1 });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  resetCounters(): void {
    this.counters = emptyCounters();
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const addr = this.server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      });
    });
  }

  async close(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.held.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const fullPath = url.pathname;
    const isInventory = fullPath === INVENTORY_PREFIX || fullPath.startsWith(`${INVENTORY_PREFIX}/`);
    const path = isInventory ? fullPath.slice(INVENTORY_PREFIX.length) || '/' : fullPath;
    const kind = isInventory ? 'inventory' : 'accounts';

    let route: CompiledRoute | undefined;
    let params: Record<string, string> = {};
    let pathMatched = false;
    for (const r of this.routes) {
      if (r.kind !== kind) continue;
      const m = r.re.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== method) continue;
      route = r;
      params = {};
      r.paramNames.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1] ?? '');
      });
      break;
    }

    const key = route ? route.key : `${method} (unmatched)`;
    this.counters.total += 1;
    this.counters.byEndpoint[key] = (this.counters.byEndpoint[key] ?? 0) + 1;

    const rawBody = await readBody(req);
    const fault = this.takeFault(method, route?.template, path, fullPath);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));

    if (fault) {
      switch (fault.kind) {
        case 'http500':
          return this.send(res, zohoError(500, 1, 'Internal Server Error (injected by the emulator)'));
        case 'http503':
          return this.send(res, zohoError(503, 1, 'Service Unavailable (injected by the emulator)'));
        case 'http429':
          return this.send(
            res,
            zohoError(429, 44, 'You have made too many requests. Please try again after some time. (injected)', {
              'Retry-After': String(fault.retryAfterSeconds ?? 1),
            }),
          );
        case 'timeout':
          this.held.add(res);
          res.on('close', () => this.held.delete(res));
          return;
        case 'lost_response':
          break;
      }
    }

    let reply: Reply;
    if (!route) {
      reply = pathMatched
        ? zohoError(405, 37, `The HTTP method ${method} is not allowed for the requested resource`)
        : kind === 'inventory'
          ? zohoError(404, 5, 'Invalid URL Passed')
          : { status: 404, body: 'Not Found', contentType: 'text/plain; charset=utf-8' };
    } else {
      const ctx: RequestContext = { method, path, fullPath, params, query: url.searchParams, headers: req.headers, rawBody };
      reply = route.kind === 'inventory' ? await this.inventoryPipeline(route, ctx) : await route.handler(ctx);
    }

    if (fault?.kind === 'lost_response') {
      // The write happened; the answer never reaches the client.
      req.socket.destroy();
      return;
    }
    this.send(res, reply);
  }

  private async inventoryPipeline(route: CompiledRoute, ctx: RequestContext): Promise<Reply> {
    const auth = this.gate.authenticate(headerValue(ctx.headers.authorization));
    if ('status' in auth) return auth;
    if (!route.noOrganization) {
      const org = ctx.query.get('organization_id');
      if (!org) return zohoError(400, 2, 'Invalid value passed for organization_id');
      if (org !== this.gate.organizationId) {
        return zohoError(400, 6041, `This user is not associated with the CompanyID/CompanyName:${org}.`);
      }
    }
    if (route.scope && !this.gate.hasScope(auth.scopes, route.scope)) {
      return zohoError(401, 57, 'You are not authorized to perform this operation');
    }
    const limited = this.limits.take();
    if (limited) return limited;
    ctx.auth = auth;
    const reply = await route.handler(ctx);
    reply.headers = { ...this.limits.headers(), ...reply.headers };
    return reply;
  }

  private takeFault(method: string, template: string | undefined, path: string, fullPath: string): PendingFault | undefined {
    for (let i = 0; i < this.faults.length; i++) {
      const f = this.faults[i]!;
      if (f.method && f.method.toUpperCase() !== method) continue;
      const hit =
        typeof f.path === 'string'
          ? f.path === template || f.path === path || f.path === fullPath
          : f.path.test(path) || f.path.test(fullPath);
      if (!hit) continue;
      f.remaining -= 1;
      if (f.remaining <= 0) this.faults.splice(i, 1);
      return f;
    }
    return undefined;
  }

  private send(res: ServerResponse, reply: Reply): void {
    if (res.destroyed) return;
    if (reply.status === 429) this.counters.rateLimited += 1;
    let payload: string | Buffer;
    let type = reply.contentType;
    if (Buffer.isBuffer(reply.body) || typeof reply.body === 'string') {
      payload = reply.body;
      type ??= 'text/plain; charset=utf-8';
    } else {
      payload = JSON.stringify(reply.body);
      type ??= 'application/json;charset=UTF-8';
    }
    res.writeHead(reply.status, {
      'Content-Type': type,
      'Content-Length': String(Buffer.byteLength(payload)),
      ...reply.headers,
    });
    res.end(payload);
  }
}

export function emptyCounters(): EmulatorCounters {
  return {
    total: 0,
    byEndpoint: {},
    tokenRefreshes: 0,
    tokenRefreshAttempts: 0,
    codeExchanges: 0,
    rateLimited: 0,
    webhooksSent: 0,
  };
}

function headerValue(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 5 * 1024 * 1024) {
        req.destroy();
        reject(new Error('body too large'));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Parameters from the query string and an urlencoded body, the body winning (Zoho accepts both, zoho-api.md §2.3). */
export function formParams(ctx: RequestContext): URLSearchParams {
  const merged = new URLSearchParams(ctx.query);
  const type = headerValue(ctx.headers['content-type']) ?? '';
  if (ctx.rawBody.length > 0 && (type.includes('application/x-www-form-urlencoded') || type === '')) {
    for (const [k, v] of new URLSearchParams(ctx.rawBody.toString('utf8'))) merged.set(k, v);
  }
  return merged;
}

/**
 * A JSON request body: `application/json`, or the legacy `JSONString` form
 * field (zoho-api.md §3.2). An unparseable body gives the reply to send.
 */
export function jsonBody(ctx: RequestContext): { ok: true; value: Record<string, unknown> } | { ok: false; reply: Reply } {
  const bad = { ok: false as const, reply: zohoError(400, 2, 'Invalid value passed for JSONString') };
  const type = headerValue(ctx.headers['content-type']) ?? '';
  let text = ctx.rawBody.toString('utf8');
  if (type.includes('application/x-www-form-urlencoded') || type.includes('multipart/form-data')) {
    const js = type.includes('multipart') ? multipartField(text, 'JSONString') : new URLSearchParams(text).get('JSONString');
    if (js === null) return bad;
    text = js;
  } else if (!text && ctx.query.get('JSONString')) {
    text = ctx.query.get('JSONString') ?? '';
  }
  if (!text.trim()) return bad;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return bad;
    return { ok: true, value: parsed as Record<string, unknown> };
  } catch {
    return bad;
  }
}

function multipartField(body: string, name: string): string | null {
  const re = new RegExp(`name="${name}"\\r?\\n(?:[^\\r\\n]+\\r?\\n)*\\r?\\n([\\s\\S]*?)\\r?\\n--`);
  const m = re.exec(body);
  return m ? (m[1] ?? null) : null;
}
