import { ZohoUnavailableError } from './errors.js';
import { parseZohoJson } from './json.js';
import type { FetchLike } from './client.js';

/**
 * Zoho Accounts token endpoint (reference/zoho-api.md §2.3, §2.6). Parameters
 * go in a form body (never the query string), so secrets stay out of URLs and
 * access logs. Zoho reports failures with HTTP 200 and an `error` key: every
 * answer is checked for it, whatever the status.
 */
export interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  api_domain?: string;
  token_type?: string;
  expires_in: number;
  scope?: string;
}

/** A failure the token endpoint reported (`error` key), kept verbatim for mapping. */
export class AccountsError extends Error {
  constructor(
    /** Zoho's `error` value: invalid_code, invalid_client, invalid_redirect_uri, Access Denied, … */
    readonly error: string,
    readonly description: string | undefined,
    readonly httpStatus: number,
  ) {
    super(`Zoho Accounts: ${error}${description ? ` (${description})` : ''}`);
    this.name = 'AccountsError';
  }

  /** `Access Denied` is the refresh throttle (10 per 10 min per refresh token, §2.5). */
  get throttled(): boolean {
    return /^access[ _]denied$/i.test(this.error) || /too many requests/i.test(this.description ?? '');
  }
}

export interface AccountsClientOptions {
  fetch: FetchLike;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
}

export class AccountsClient {
  constructor(private readonly options: AccountsClientOptions) {}

  exchangeCode(accountsServer: string, code: string, redirectUri: string | null): Promise<TokenResponse> {
    const form: Record<string, string> = { grant_type: 'authorization_code', client_id: this.options.clientId, client_secret: this.options.clientSecret, code };
    if (redirectUri) form.redirect_uri = redirectUri;
    return this.token(accountsServer, form);
  }

  refresh(accountsServer: string, refreshToken: string): Promise<TokenResponse> {
    return this.token(accountsServer, {
      grant_type: 'refresh_token',
      client_id: this.options.clientId,
      client_secret: this.options.clientSecret,
      refresh_token: refreshToken,
    });
  }

  /** `POST /oauth/v2/token/revoke?token=…` (the long-standing form; §2.6). An invalid token answers 400: treated as done. */
  async revoke(accountsServer: string, token: string): Promise<void> {
    const url = `${accountsServer}/oauth/v2/token/revoke?token=${encodeURIComponent(token)}`;
    const res = await this.send(url, '', 'oauth/token/revoke');
    if (res.status === 400) return;
    const body = res.body as { error?: string; error_description?: string } | undefined;
    if (body?.error) throw new AccountsError(body.error, body.error_description, res.status);
    if (res.status >= 500) throw new ZohoUnavailableError('oauth/token/revoke', new Error(`HTTP ${res.status}`));
  }

  private async token(accountsServer: string, form: Record<string, string>): Promise<TokenResponse> {
    const res = await this.send(`${accountsServer}/oauth/v2/token`, new URLSearchParams(form).toString(), 'oauth/token');
    const body = res.body as Partial<TokenResponse> & { error?: unknown; error_description?: string } | undefined;
    if (body && typeof body.error === 'string') throw new AccountsError(body.error, body.error_description, res.status);
    if (res.status >= 500) throw new ZohoUnavailableError('oauth/token', new Error(`HTTP ${res.status}`));
    if (!body || typeof body.access_token !== 'string' || body.access_token === '') {
      throw new AccountsError('invalid_response', `HTTP ${res.status} without access_token`, res.status);
    }
    const expiresIn = Number(body.expires_in ?? 3600);
    return {
      access_token: body.access_token,
      ...(typeof body.refresh_token === 'string' && body.refresh_token !== '' ? { refresh_token: body.refresh_token } : {}),
      ...(typeof body.api_domain === 'string' && body.api_domain !== '' ? { api_domain: body.api_domain.replace(/\/+$/, '') } : {}),
      ...(typeof body.token_type === 'string' ? { token_type: body.token_type } : {}),
      ...(typeof body.scope === 'string' ? { scope: body.scope } : {}),
      expires_in: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3600,
    };
  }

  private async send(url: string, body: string, endpoint: string): Promise<{ status: number; body: unknown }> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`timed out after ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
    try {
      const res = await this.options.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: controller.signal,
      });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? parseZohoJson(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, body: parsed };
    } catch (err) {
      throw new ZohoUnavailableError(endpoint, err);
    } finally {
      clearTimeout(timer);
    }
  }
}
