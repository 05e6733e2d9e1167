/**
 * Zoho Accounts (zoho-api.md §2): the consent page, grant codes, the token
 * endpoint (authorization_code and refresh_token grants, form body or query
 * string), revocation, and the documented limits: errors on HTTP 200, codes
 * single-use for 2 minutes, refresh tokens only for access_type=offline on a
 * first or forced consent, at most 10 refreshes per 10 minutes per refresh
 * token, 15 live access tokens per refresh token, 20 refresh tokens per client.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../shared/clock.js';
import { type EmulatorHttp, formParams, type Reply, type RequestContext, type ScopeRequirement, zohoError } from './http.js';

export const PROJECT_SCOPES = [
  'ZohoInventory.items.READ',
  'ZohoInventory.contacts.READ',
  'ZohoInventory.contacts.CREATE',
  'ZohoInventory.contacts.UPDATE',
  'ZohoInventory.salesorders.READ',
  'ZohoInventory.salesorders.CREATE',
  'ZohoInventory.salesorders.UPDATE',
  'ZohoInventory.settings.READ',
  'ZohoInventory.inventoryadjustments.CREATE',
  'ZohoInventory.inventoryadjustments.READ',
];

/** Modules of the Inventory scope list (zoho-api.md §2.7); anything else is an invalid scope. */
const INVENTORY_MODULES = new Set([
  'fullaccess',
  'items',
  'contacts',
  'salesorders',
  'inventoryadjustments',
  'settings',
  'warehouses',
  'packages',
  'shipmentorders',
  'invoices',
  'compositeitems',
  'transferorders',
  'purchaseorders',
  'purchasereceives',
  'bills',
  'customerpayments',
  'creditnotes',
  'salesreturns',
  'deliverychallans',
  'debitnotes',
  'picklists',
  'putaway',
  'moveorder',
  'reports',
]);
const OPERATIONS = new Set(['create', 'read', 'update', 'delete', 'all']);

const CODE_TTL_MS = 120_000;
const SELF_CLIENT_CODE_TTL_MS = 180_000;
const REFRESH_WINDOW_MS = 600_000;
const MAX_REFRESHES_PER_WINDOW = 10;
const MAX_ACCESS_TOKENS_PER_REFRESH = 15;
const MAX_REFRESH_TOKENS_PER_CLIENT = 20;

interface GrantCode {
  clientId: string;
  /** null for Self Client codes, which are exchanged without redirect_uri. */
  redirectUri: string | null;
  scopes: string[];
  offline: boolean;
  forceConsent: boolean;
  expiresAt: number;
  used: boolean;
}

interface RefreshToken {
  clientId: string;
  scopes: string[];
  refreshes: number[];
  accessTokens: string[];
  revoked: boolean;
}

interface AccessToken {
  scopes: string[];
  expiresAt: number;
  refreshToken: string | null;
}

export interface AccountsOptions {
  clientId: string;
  clientSecret: string;
  redirectUris: string[] | null;
  accessTokenTtlSeconds: number;
  clock: Clock;
}

export class Accounts {
  url = '';
  private readonly codes = new Map<string, GrantCode>();
  private readonly refreshTokens = new Map<string, RefreshToken>();
  private readonly refreshOrder: string[] = [];
  private readonly accessTokens = new Map<string, AccessToken>();
  private readonly consented = new Set<string>();

  constructor(
    private readonly opts: AccountsOptions,
    private readonly http: EmulatorHttp,
  ) {}

  register(): void {
    this.http.accounts({ method: 'GET', template: '/oauth/v2/auth', handler: (ctx) => this.authorize(ctx, ctx.query, false) });
    this.http.accounts({ method: 'POST', template: '/oauth/v2/auth', handler: (ctx) => this.authorize(ctx, formParams(ctx), true) });
    this.http.accounts({ method: 'POST', template: '/oauth/v2/token', handler: (ctx) => this.token(ctx) });
    this.http.accounts({ method: 'POST', template: '/oauth/v2/token/revoke', handler: (ctx) => this.revoke(ctx) });
  }

  // ---------- /oauth/v2/auth ----------

  private authorize(_ctx: RequestContext, p: URLSearchParams, decided: boolean): Reply {
    const clientId = p.get('client_id') ?? '';
    const redirectUri = p.get('redirect_uri') ?? '';
    if (clientId !== this.opts.clientId) return errorPage('Invalid Client', 'The client_id is not registered with Zoho Accounts.');
    if (!this.redirectAllowed(redirectUri)) {
      return errorPage('Invalid Redirect Uri', 'The redirect_uri does not match the one registered for this client.');
    }
    const state = p.get('state');
    if (p.get('response_type') !== 'code') {
      return redirect(redirectUri, { error: 'unsupported_response_type', state });
    }
    const scopeParam = p.get('scope') ?? '';
    const scopes = parseScopes(scopeParam);
    const invalid = scopes.filter((s) => !validScope(s));
    if (scopes.length === 0 || invalid.length > 0) {
      return errorPage('Invalid OAuthScope', `Scope does not exist: ${invalid.join(', ') || '(none given)'}`);
    }
    const offline = p.get('access_type') === 'offline';
    const forceConsent = p.get('prompt') === 'consent';
    const auto = p.get('emulator_auto_approve') === 'true';
    const decision = p.get('decision');
    if (!decided && !auto) return consentPage(p, scopes);
    if (decided && decision !== 'accept') return redirect(redirectUri, { error: 'access_denied', state });
    const code = `1000.${hex(16)}.${hex(16)}`;
    this.codes.set(code, {
      clientId,
      redirectUri,
      scopes,
      offline,
      forceConsent,
      expiresAt: this.opts.clock.now() + CODE_TTL_MS,
      used: false,
    });
    return redirect(redirectUri, { state, code, location: 'us', 'accounts-server': this.url });
  }

  private redirectAllowed(uri: string): boolean {
    if (this.opts.redirectUris) return this.opts.redirectUris.includes(uri);
    try {
      const u = new URL(uri);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  }

  // ---------- /oauth/v2/token ----------

  private token(ctx: RequestContext): Reply {
    const p = formParams(ctx);
    const grant = p.get('grant_type');
    if (grant === 'refresh_token') this.http.counters.tokenRefreshAttempts += 1;
    if (p.get('client_id') !== this.opts.clientId || p.get('client_secret') !== this.opts.clientSecret) {
      return oauthError('invalid_client');
    }
    if (grant === 'authorization_code') return this.exchangeCode(p);
    if (grant === 'refresh_token') return this.refresh(p);
    return oauthError('unsupported_grant_type');
  }

  private exchangeCode(p: URLSearchParams): Reply {
    const code = this.codes.get(p.get('code') ?? '');
    const now = this.opts.clock.now();
    if (!code || code.used || code.expiresAt <= now || code.clientId !== this.opts.clientId) return oauthError('invalid_code');
    if (code.redirectUri !== null && p.get('redirect_uri') !== code.redirectUri) return oauthError('invalid_redirect_uri');
    code.used = true;
    const body: Record<string, unknown> = {};
    let refreshToken: string | null = null;
    if (code.offline && (code.forceConsent || !this.consented.has(code.clientId) || code.redirectUri === null)) {
      refreshToken = this.mintRefreshToken(code.scopes);
    }
    if (code.offline) this.consented.add(code.clientId);
    body.access_token = this.mintAccessToken(code.scopes, refreshToken);
    if (refreshToken) body.refresh_token = refreshToken;
    body.api_domain = this.url;
    body.token_type = 'Bearer';
    body.expires_in = this.opts.accessTokenTtlSeconds;
    this.http.counters.codeExchanges += 1;
    return { status: 200, body };
  }

  private refresh(p: URLSearchParams): Reply {
    const token = p.get('refresh_token') ?? '';
    const rt = this.refreshTokens.get(token);
    if (!rt || rt.revoked || rt.clientId !== this.opts.clientId) return oauthError('invalid_code');
    const now = this.opts.clock.now();
    rt.refreshes = rt.refreshes.filter((t) => t > now - REFRESH_WINDOW_MS);
    if (rt.refreshes.length >= MAX_REFRESHES_PER_WINDOW) {
      return {
        status: 200,
        body: {
          error_description: 'You have made too many requests continuously. Please try again after some time.',
          error: 'Access Denied',
          status: 'failure',
        },
      };
    }
    rt.refreshes.push(now);
    this.http.counters.tokenRefreshes += 1;
    return {
      status: 200,
      body: {
        access_token: this.mintAccessToken(rt.scopes, token),
        api_domain: this.url,
        token_type: 'Bearer',
        expires_in: this.opts.accessTokenTtlSeconds,
      },
    };
  }

  // ---------- /oauth/v2/token/revoke ----------

  private revoke(ctx: RequestContext): Reply {
    const token = formParams(ctx).get('token') ?? '';
    if (this.revokeRefreshToken(token)) return { status: 200, body: { status: 'success' } };
    if (this.accessTokens.delete(token)) return { status: 200, body: { status: 'success' } };
    return { status: 400, body: { status: 'failure', error: 'invalid_token' } };
  }

  // ---------- tokens ----------

  private mintRefreshToken(scopes: string[]): string {
    const token = `1000.${hex(16)}.${hex(16)}`;
    this.refreshTokens.set(token, { clientId: this.opts.clientId, scopes, refreshes: [], accessTokens: [], revoked: false });
    this.refreshOrder.push(token);
    // The 21st refresh token of a user and client deletes the oldest (zoho-api.md §2.5).
    const live = this.refreshOrder.filter((t) => !this.refreshTokens.get(t)?.revoked);
    if (live.length > MAX_REFRESH_TOKENS_PER_CLIENT) this.revokeRefreshToken(live[0]!);
    return token;
  }

  private mintAccessToken(scopes: string[], refreshToken: string | null): string {
    const token = `1000.${hex(16)}.${hex(16)}`;
    this.accessTokens.set(token, {
      scopes,
      expiresAt: this.opts.clock.now() + this.opts.accessTokenTtlSeconds * 1000,
      refreshToken,
    });
    if (refreshToken) {
      const rt = this.refreshTokens.get(refreshToken);
      if (rt) {
        rt.accessTokens.push(token);
        while (rt.accessTokens.length > MAX_ACCESS_TOKENS_PER_REFRESH) {
          this.accessTokens.delete(rt.accessTokens.shift()!);
        }
      }
    }
    return token;
  }

  issueRefreshToken(scopes: string[] = PROJECT_SCOPES): string {
    return this.mintRefreshToken(scopes);
  }

  issueGrantCode(scopes: string[] = PROJECT_SCOPES, accessType: 'offline' | 'online' = 'offline'): string {
    const code = `1000.${hex(16)}.${hex(16)}`;
    this.codes.set(code, {
      clientId: this.opts.clientId,
      redirectUri: null,
      scopes,
      offline: accessType === 'offline',
      forceConsent: true,
      expiresAt: this.opts.clock.now() + SELF_CLIENT_CODE_TTL_MS,
      used: false,
    });
    return code;
  }

  revokeRefreshToken(token: string): boolean {
    const rt = this.refreshTokens.get(token);
    if (!rt || rt.revoked) return false;
    rt.revoked = true;
    for (const at of rt.accessTokens) this.accessTokens.delete(at);
    rt.accessTokens = [];
    return true;
  }

  expireAccessTokens(): void {
    const past = this.opts.clock.now() - 1;
    for (const t of this.accessTokens.values()) t.expiresAt = Math.min(t.expiresAt, past);
  }

  tokenScopes(token: string): string[] {
    const at = this.accessTokens.get(token);
    if (at && at.expiresAt > this.opts.clock.now()) return [...at.scopes];
    const rt = this.refreshTokens.get(token);
    if (rt && !rt.revoked) return [...rt.scopes];
    return [];
  }

  /** The Inventory side: `Authorization: Zoho-oauthtoken <token>` (or `Bearer`, zoho-api.md §2.4). */
  authenticate(header: string | undefined): { token: string; scopes: string[] } | Reply {
    const m = header ? /^(Zoho-oauthtoken|Bearer)\s+(\S+)$/i.exec(header.trim()) : null;
    if (!m) return zohoError(401, 14, 'Invalid value passed for Authorization');
    const token = m[2]!;
    const at = this.accessTokens.get(token);
    if (!at || at.expiresAt <= this.opts.clock.now()) {
      return zohoError(401, 57, 'You are not authorized to perform this operation');
    }
    return { token, scopes: at.scopes };
  }

  hasScope(scopes: string[], req: ScopeRequirement): boolean {
    for (const raw of scopes) {
      const [service, module, op] = raw.toLowerCase().split('.');
      if (service !== 'zohoinventory' || !module || !op) continue;
      if (module === 'fullaccess' && op === 'all') return true;
      for (const [m, o] of req) {
        if (module === m.toLowerCase() && (op === o.toLowerCase() || op === 'all')) return true;
      }
    }
    return false;
  }
}

export function parseScopes(text: string): string[] {
  return text
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** `ZohoInventory.<module>.<OPERATION>`; other Zoho services' scopes (e.g. `AaaServer.profile.READ`) pass. */
export function validScope(scope: string): boolean {
  const parts = scope.split('.');
  if (parts.length !== 3 || parts.some((p) => p.length === 0)) return false;
  const [service, module, op] = parts.map((p) => p.toLowerCase()) as [string, string, string];
  if (service !== 'zohoinventory') return /^[A-Za-z]+$/.test(parts[0]!);
  if (!OPERATIONS.has(op) || !INVENTORY_MODULES.has(module)) return false;
  return module !== 'fullaccess' || op === 'all';
}

function oauthError(error: string): Reply {
  return { status: 200, body: { error } };
}

function redirect(target: string, params: Record<string, string | null>): Reply {
  const u = new URL(target);
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== '') u.searchParams.set(k, v);
  return { status: 302, body: '', headers: { Location: u.toString() } };
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

function errorPage(title: string, detail: string): Reply {
  return {
    status: 400,
    contentType: 'text/html; charset=utf-8',
    body: `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title></head><body style="font-family:sans-serif;max-width:40em;margin:3em auto"><h1>${esc(title)}</h1><p>${esc(detail)}</p><p><small>Zoho Accounts (emulator)</small></p></body></html>`,
  };
}

function consentPage(p: URLSearchParams, scopes: string[]): Reply {
  const hidden = [...p.entries()]
    .filter(([k]) => k !== 'decision')
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('');
  const list = scopes.map((s) => `<li><code>${esc(s)}</code></li>`).join('');
  return {
    status: 200,
    contentType: 'text/html; charset=utf-8',
    body: `<!doctype html><html><head><meta charset="utf-8"><title>Zoho Accounts (emulator): consent</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:3em auto">
<h1>Allow access to BMB Wholesale's Zoho Inventory?</h1>
<p>The application <strong>${esc(p.get('client_id') ?? '')}</strong> asks for:</p>
<ul id="scopes">${list}</ul>
<form method="post" action="/oauth/v2/auth">${hidden}
<button type="submit" name="decision" value="accept" id="accept">Accept</button>
<button type="submit" name="decision" value="deny" id="deny">Deny</button>
</form>
<p><small>This is the bundled Zoho emulator, not Zoho.</small></p>
</body></html>`,
  };
}
