import { isLoopbackUrl } from '../config/load.js';

/**
 * Outbound transport rule: in live mode every URL the bridge sends a token or
 * secret to must be https; plain http is allowed only to loopback (the
 * emulator, tests). Applied to config URLs and to hosts Zoho hands us at run
 * time (accounts-server, api_domain), which config validation never sees.
 */
export function assertOutboundUrl(url: string, what: string, live: boolean): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${what} is not an absolute URL`);
  }
  if (parsed.protocol === 'https:') return url;
  if (parsed.protocol === 'http:' && (!live || isLoopbackUrl(url))) return url;
  throw new Error(`${what} must use https (plain http is allowed only to loopback addresses): ${parsed.origin}`);
}

/** Zoho Accounts hosts per data centre (reference/zoho-api.md §1.1, plus the UK host of [ACC-MDC]). */
export const KNOWN_ACCOUNTS_HOSTS = new Set([
  'accounts.zoho.com',
  'accounts.zoho.eu',
  'accounts.zoho.in',
  'accounts.zoho.com.au',
  'accounts.zoho.jp',
  'accounts.zohocloud.ca',
  'accounts.zoho.sa',
  'accounts.zoho.com.cn',
  'accounts.zoho.uk',
]);

/**
 * The `accounts-server` of a multi-DC redirect decides where the code (and
 * later the refresh token) is sent, so it must be a known Zoho accounts host
 * over https, or exactly the configured ZOHO_ACCOUNTS_URL. Returns the origin.
 */
export function acceptAccountsServer(value: string, configured: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  const configuredOrigin = safeOrigin(configured);
  if (configuredOrigin && url.origin === configuredOrigin) return url.origin;
  if (url.protocol === 'https:' && KNOWN_ACCOUNTS_HOSTS.has(url.hostname.toLowerCase()) && (url.port === '' || url.port === '443')) {
    return url.origin;
  }
  return null;
}

function safeOrigin(value: string): string | null {
  try {
    return new URL(value).origin;
  } catch {
    return null;
  }
}
