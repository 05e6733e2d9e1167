/**
 * USPS Addresses API v3 adapter (reference/compliance.md §6.1): OAuth 2.0
 * client-credentials token (cached until a minute before expiry, one fetch at
 * a time), `GET /addresses/v3/address`, DPV confirmation, CMRA, business,
 * vacant, and the v3 error shape. PO boxes and APO/FPO/DPO are detected by the
 * bridge (USPS has no flag for them).
 */
import type { Clock } from '../../shared/clock.js';
import { systemClock } from '../../shared/clock.js';
import type { AddressValidationResult, PostalAddress } from '../types.js';
import { isMilitaryAddress, isPoBoxAddress } from './detect.js';
import { AddressProviderError, type AddressProvider } from './provider.js';

export const USPS_DEFAULT_URL = 'https://apis.usps.com';

export interface UspsOptions {
  apiUrl?: string;
  clientId: string;
  clientSecret: string;
  fetch?: typeof fetch;
  clock?: Clock;
  timeoutMs?: number;
}

interface CachedToken {
  value: string;
  expiresAt: number;
}

const REFRESH_MARGIN_MS = 60_000;

export class UspsAddressProvider implements AddressProvider {
  readonly name = 'usps';
  private readonly base: string;
  private readonly fetch: typeof fetch;
  private readonly clock: Clock;
  private token: CachedToken | null = null;
  private inflight: Promise<string> | null = null;
  /** Tokens fetched so far (tests and diagnostics). */
  tokenFetches = 0;

  constructor(private readonly options: UspsOptions) {
    this.base = (options.apiUrl ?? USPS_DEFAULT_URL).replace(/\/+$/, '');
    this.fetch = options.fetch ?? fetch;
    this.clock = options.clock ?? systemClock;
  }

  async validate(address: PostalAddress): Promise<AddressValidationResult> {
    const params = new URLSearchParams();
    params.set('streetAddress', address.line1);
    if (address.line2) params.set('secondaryAddress', address.line2);
    if (address.city) params.set('city', address.city);
    params.set('state', address.state.toUpperCase());
    const zip = /^(\d{5})(?:-?(\d{4}))?$/.exec(address.zip.trim());
    if (zip) {
      params.set('ZIPCode', zip[1]!);
      if (zip[2]) params.set('ZIPPlus4', zip[2]);
    }
    const url = `${this.base}/addresses/v3/address?${params.toString()}`;

    let res = await this.get(url, await this.accessToken());
    if (res.status === 401) {
      // The cached token may have been revoked early: fetch a new one once.
      this.token = null;
      res = await this.get(url, await this.accessToken());
    }
    const json = await readJson(res, this.name);
    if (res.status === 400 || res.status === 404) {
      return this.invalid(address, errorMessage(json) ?? 'Address Not Found.');
    }
    if (!res.ok) {
      throw new AddressProviderError(this.name, errorCode(json) ?? `http_${res.status}`, errorMessage(json) ?? `HTTP ${res.status}`, res.status);
    }
    return this.map(address, json);
  }

  private map(input: PostalAddress, json: Record<string, unknown>): AddressValidationResult {
    const a = (json.address ?? {}) as Record<string, unknown>;
    // The older USPS examples name the block addressAdditionalInfo (UNCONFIRMED which is current).
    const info = (json.additionalInfo ?? json.addressAdditionalInfo ?? {}) as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
    const zip5 = str(a.ZIPCode);
    const plus4 = str(a.ZIPPlus4);
    const standardized: PostalAddress | null =
      str(a.streetAddress) && str(a.state)
        ? {
            line1: str(a.streetAddress)!,
            line2: str(a.secondaryAddress),
            city: str(a.city) ?? input.city,
            state: str(a.state)!,
            zip: zip5 ? (plus4 ? `${zip5}-${plus4}` : zip5) : input.zip,
            country: 'US',
          }
        : null;
    const dpv = str(info.DPVConfirmation);
    const status: AddressValidationResult['status'] =
      dpv === 'Y' ? (standardized && differs(input, standardized) ? 'corrected' : 'valid') : dpv === 'N' ? 'invalid' : 'unverifiable';
    const yn = (v: unknown) => (v === 'Y' ? true : v === 'N' ? false : null);
    const business = yn(info.business);
    const shown = standardized ?? input;
    const warnings = Array.isArray(json.warnings) ? json.warnings.filter((w) => typeof w === 'string') : [];
    return {
      provider: this.name,
      status,
      standardized,
      dpvConfirmed: dpv === null ? null : dpv === 'Y',
      cmra: yn(info.DPVCMRA),
      residential: business === null ? null : !business,
      vacant: yn(info.vacant),
      poBox: isPoBoxAddress(shown) || isPoBoxAddress(input),
      military: isMilitaryAddress(shown) || isMilitaryAddress(input),
      ...(dpv === 'D' ? { message: 'Secondary address (apartment, suite) missing' } : {}),
      ...(dpv === 'S' ? { message: 'Secondary address (apartment, suite) not confirmed' } : {}),
      ...(dpv !== 'D' && dpv !== 'S' && warnings.length ? { message: warnings.join('; ') } : {}),
    };
  }

  private invalid(input: PostalAddress, message: string): AddressValidationResult {
    return {
      provider: this.name,
      status: 'invalid',
      standardized: null,
      dpvConfirmed: false,
      cmra: null,
      residential: null,
      vacant: null,
      poBox: isPoBoxAddress(input),
      military: isMilitaryAddress(input),
      message,
    };
  }

  private async get(url: string, token: string): Promise<Response> {
    try {
      return await this.fetch(url, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 8000),
      });
    } catch (err) {
      const e = err as Error;
      throw new AddressProviderError(this.name, e.name === 'TimeoutError' ? 'timeout' : 'network', e.message);
    }
  }

  /** A valid bearer token; concurrent callers share one token request. */
  async accessToken(): Promise<string> {
    const now = this.clock.now();
    if (this.token && now < this.token.expiresAt - REFRESH_MARGIN_MS) return this.token.value;
    if (!this.inflight) {
      this.inflight = this.fetchToken().finally(() => {
        this.inflight = null;
      });
    }
    return this.inflight;
  }

  private async fetchToken(): Promise<string> {
    this.tokenFetches += 1;
    let res: Response;
    try {
      res = await this.fetch(`${this.base}/oauth2/v3/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({
          client_id: this.options.clientId,
          client_secret: this.options.clientSecret,
          grant_type: 'client_credentials',
          scope: 'addresses',
        }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 8000),
      });
    } catch (err) {
      const e = err as Error;
      throw new AddressProviderError(this.name, e.name === 'TimeoutError' ? 'timeout' : 'network', `token: ${e.message}`);
    }
    const json = await readJson(res, this.name);
    if (!res.ok || typeof json.access_token !== 'string') {
      const code = errorCode(json) ?? (typeof json.error === 'string' ? json.error : `token_http_${res.status}`);
      throw new AddressProviderError(this.name, code, errorMessage(json) ?? `token request failed (HTTP ${res.status})`, res.status);
    }
    const expiresIn = Number(json.expires_in);
    const lifetime = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : 3600_000;
    this.token = { value: json.access_token, expiresAt: this.clock.now() + lifetime };
    return this.token.value;
  }
}

function differs(a: PostalAddress, b: PostalAddress): boolean {
  const n = (s: string | null | undefined) => (s ?? '').toUpperCase().replace(/[^A-Z0-9]/g, '');
  return n(a.line1) !== n(b.line1) || n(a.line2) !== n(b.line2) || n(a.city) !== n(b.city) || n(a.state) !== n(b.state) || n(a.zip).slice(0, 5) !== n(b.zip).slice(0, 5);
}

async function readJson(res: Response, provider: string): Promise<Record<string, unknown>> {
  const text = await res.text().catch(() => '');
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    if (res.ok) throw new AddressProviderError(provider, 'bad_response', 'response is not JSON', res.status);
    return {};
  }
}

/** v3 error shape: `{ apiVersion, error: { code, message, errors: [{ status, code, title, detail, source }] } }`. */
function errorMessage(json: Record<string, unknown>): string | undefined {
  const e = json.error as { message?: unknown; errors?: Array<{ detail?: unknown; title?: unknown }> } | string | undefined;
  if (typeof e === 'string') return typeof json.error_description === 'string' ? json.error_description : e;
  if (!e || typeof e !== 'object') return undefined;
  const first = Array.isArray(e.errors) ? e.errors[0] : undefined;
  const detail = typeof first?.detail === 'string' ? first.detail : typeof first?.title === 'string' ? first.title : undefined;
  const message = typeof e.message === 'string' ? e.message : undefined;
  return message && detail && detail !== message ? `${message} (${detail})` : (message ?? detail);
}

function errorCode(json: Record<string, unknown>): string | undefined {
  const e = json.error as { code?: unknown } | undefined;
  return e && typeof e === 'object' && (typeof e.code === 'string' || typeof e.code === 'number') ? String(e.code) : undefined;
}
