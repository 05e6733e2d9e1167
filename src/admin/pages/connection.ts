import { badge, card, facts, formatTime, html, raw, statusBadge, timeAgo, type SafeHtml } from '../html.js';
import type { ConnectionStatus } from '../sources.js';
import { failed, type Loaded, type PageContext } from './layout.js';
import { BASE_SCOPES } from '../../zoho/connection.js';

/** Scopes the bridge needs (design.md); shown missing in red when the grant lacks one. */
export const EXPECTED_SCOPES: readonly string[] = BASE_SCOPES;

export function connectionPage(ctx: PageContext, status: Loaded<ConnectionStatus>, options: { justConnected?: boolean } = {}): SafeHtml {
  if (!status.ok) return failed('the connection status', status.error);
  const s = status.value;
  const connected = s.state === 'connected';
  const expiresIn = s.accessTokenExpiresAt !== null ? s.accessTokenExpiresAt - ctx.now : null;
  const granted = new Set(s.scopes);
  const fullAccess = s.scopes.some((x) => /FullAccess/i.test(x));
  const missing = fullAccess ? [] : EXPECTED_SCOPES.filter((x) => !granted.has(x));
  // Only when the status agrees: a stale ?connected=1 over a failing connection must not say all is well.
  const banner = options.justConnected && connected
    ? html`<div class="flash flash-ok" role="status" id="connected-flash"><p><strong>Connected to Zoho.</strong> The bridge now has a grant for organization <code>${s.organizationId}</code>${s.dataCentre ? ` (${s.dataCentre.toUpperCase()} data centre)` : ''}; the catalog sync and the order outbox use it from now on.</p></div>`
    : s.state === 'needs_reauth'
      ? html`<div class="flash flash-error" role="alert"><p><strong>Zoho needs you to sign in again.</strong> The refresh token no longer works (revoked, expired or the app was removed). Orders wait in the outbox until you reconnect.</p></div>`
      : s.state === 'not_connected'
        ? html`<div class="flash flash-info"><p>The bridge is not connected to Zoho yet. Press <strong>Connect to Zoho</strong> and approve the access on Zoho's page; you come back here afterwards.</p></div>`
        : s.state === 'error'
          ? html`<div class="flash flash-error" role="alert"><p><strong>The connection is failing.</strong> ${s.lastError ?? ''}</p></div>`
          : '';
  return html`${banner}
<div class="grid2">
${card(
  'Zoho connection',
  html`${facts([
    ['State', statusBadge(s.state)],
    ['Data centre', s.dataCentre.toUpperCase()],
    ['Organization', html`<code>${s.organizationId}</code>`],
    ['Accounts server', s.accountsServer ?? '—'],
    ['API domain', s.apiDomain ?? '—'],
    [
      'Access token expires',
      s.accessTokenExpiresAt === null
        ? html`<span class="muted">no token</span>`
        : html`${formatTime(s.accessTokenExpiresAt)} ${expiresIn !== null && expiresIn < 0 ? badge('expired', 'warn') : html`(${timeAgo(s.accessTokenExpiresAt, ctx.now)})`}`,
    ],
    ['Last refresh', timeAgo(s.lastRefreshAt, ctx.now)],
    ['Needs re-authorization', s.state === 'needs_reauth' ? badge('yes', 'bad') : badge('no', 'ok')],
    ['Last error', s.lastError ? html`<span class="error-text">${s.lastError}</span>` : html`<span class="muted">none</span>`],
  ])}
<div class="actions"><a class="btn ${connected ? 'btn-plain' : 'btn-primary'}" id="connect" href="/admin/connection/connect"${
    connected ? raw(' data-confirm="Start a new Zoho consent? The current tokens keep working until the new grant replaces them."') : ''
  }>${connected ? 'Reconnect to Zoho' : 'Connect to Zoho'}</a></div>`,
  { tone: connected ? 'ok' : s.state === 'not_connected' ? 'warn' : 'bad', id: 'connection' },
)}
${card(
  'Scopes',
  html`${s.scopes.length === 0 ? html`<p class="muted">No grant yet.</p>` : html`<ul class="scopes">${s.scopes.map((x) => html`<li><code>${x}</code></li>`)}</ul>`}
${missing.length > 0 && s.scopes.length > 0 ? html`<p class="error-text">Missing: ${missing.join(', ')}. Reconnect to grant them.</p>` : ''}`,
  { id: 'scopes' },
)}
</div>`;
}
