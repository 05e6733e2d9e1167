import { html, raw, type SafeHtml } from '../html.js';
import type { Flash } from '../auth.js';
import { FAVICON_LINK } from '../favicon.js';

export interface PageContext {
  csrf: string;
  now: number;
  /** Current path, for the active nav link. */
  path: string;
  flash: Flash | null;
}

export type Loaded<T> = { ok: true; value: T } | { ok: false; error: string };

export const NAV: Array<[string, string]> = [
  ['/admin', 'Overview'],
  ['/admin/connection', 'Connection'],
  ['/admin/budget', 'Budget'],
  ['/admin/sync', 'Sync'],
  ['/admin/catalog', 'Catalog'],
  ['/admin/orders', 'Orders'],
  ['/admin/compliance', 'Compliance'],
  ['/admin/alerts', 'Alerts'],
];

export function failed(what: string, error: string): SafeHtml {
  return html`<div class="panel-error" role="alert"><strong>Could not load ${what}.</strong> ${error}</div>`;
}

/** Up to this many check lines are listed; beyond it (a full drill has ~50) only the failed ones, the rest folded. */
const FLASH_LINES_SHOWN = 8;

export function flashBox(flash: Flash | null): SafeHtml | '' {
  if (!flash) return '';
  const lines = flash.lines ?? [];
  const list = (items: typeof lines) => html`<ul class="checks">${items.map((l) => html`<li class="${l.ok ? 'check-ok' : 'check-bad'}">${l.ok ? '✔' : '✘'} ${l.text}</li>`)}</ul>`;
  let body: SafeHtml | '' = '';
  if (lines.length > 0 && lines.length <= FLASH_LINES_SHOWN) body = list(lines);
  else if (lines.length > FLASH_LINES_SHOWN) {
    const bad = lines.filter((l) => !l.ok);
    body = html`${bad.length ? list(bad) : ''}<details class="flash-more"><summary>All ${lines.length} checks (${lines.length - bad.length} passed, ${bad.length} failed)</summary>${list(lines)}</details>`;
  }
  return html`<div class="flash flash-${flash.kind}" role="status"><p>${flash.message}</p>${body}</div>`;
}

export function layout(ctx: PageContext, title: string, body: SafeHtml): string {
  const active = (href: string) => (href === '/admin' ? ctx.path === '/admin' : ctx.path === href || ctx.path.startsWith(`${href}/`));
  return `<!doctype html>\n${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · VIP Smoke bridge</title>
${raw(FAVICON_LINK)}
<link rel="stylesheet" href="/admin/assets/admin.css">
<script src="/admin/assets/admin.js" defer></script>
<meta name="csrf-token" content="${ctx.csrf}">
</head><body>
<header class="topbar"><div class="brand">VIP Smoke <span>⇄ Zoho bridge</span></div>
<nav>${NAV.map(([href, label]) => html`<a href="${href}"${active(href) ? raw(' class="active" aria-current="page"') : ''}>${label}</a>`)}</nav>
<form method="post" action="/admin/logout" class="logout"><input type="hidden" name="_csrf" value="${ctx.csrf}"><button type="submit" class="btn btn-plain">Log out</button></form>
</header>
<main><h1>${title}</h1>${flashBox(ctx.flash)}${body}</main>
<footer>Rendered ${new Date(ctx.now).toISOString().replace('T', ' ').slice(0, 19)} UTC · <a href="/docs">API docs</a> · <a href="/metrics">metrics</a></footer>
</body></html>`.value}`;
}

export function loginPage(options: { token: string; next: string; error?: string | null; blockedForMs?: number }): string {
  return `<!doctype html>\n${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · VIP Smoke bridge</title>${raw(FAVICON_LINK)}<link rel="stylesheet" href="/admin/assets/admin.css"></head>
<body class="login-body"><main class="login">
<h1>VIP Smoke <span>⇄ Zoho bridge</span></h1>
<p class="muted">Operator dashboard. The password is ADMIN_PASSWORD (in demo mode, the one printed at start).</p>
${options.error ? html`<div class="flash flash-error" role="alert"><p>${options.error}</p></div>` : ''}
<form method="post" action="/admin/login">
<input type="hidden" name="_csrf" value="${options.token}"><input type="hidden" name="next" value="${options.next}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
<button type="submit" class="btn btn-primary">Sign in</button>
</form></main></body></html>`.value}`;
}
