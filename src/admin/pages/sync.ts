import { badge, card, facts, formatDuration, html, statusBadge, table, timeAgo, type SafeHtml } from '../html.js';
import type { StalenessPromise, SyncStatusView } from '../sources.js';
import { failed, type Loaded, type PageContext } from './layout.js';

export function syncPage(ctx: PageContext, status: Loaded<SyncStatusView>, promise: Loaded<StalenessPromise>): SafeHtml {
  if (!status.ok) return failed('the sync status', status.error);
  const s = status.value;
  const limit = promise.ok ? promise.value.maxStalenessMs : null;
  const items = [...s.items].sort((a, b) => a.stockSeenAt - b.stockSeenAt);
  const staleCount = limit === null ? 0 : items.filter((i) => ctx.now - i.stockSeenAt > limit).length;
  const refused = s.webhookEvents.filter((e) => e.outcome === 'refused').length;
  const counts = s.webhookCounts ?? s.webhookEvents.reduce<Record<string, number>>((acc, e) => ((acc[e.outcome] = (acc[e.outcome] ?? 0) + 1), acc), {});
  return html`<div class="grid3">
${card('Last webhook', html`<p class="big">${timeAgo(s.lastWebhookAt, ctx.now)}</p>`, { id: 'last-webhook' })}
${card('Last poll', html`<p class="big">${timeAgo(s.lastPollAt, ctx.now)}</p>`, { id: 'last-poll' })}
${card('Last reconciliation', html`<p class="big">${timeAgo(s.lastReconciliationAt, ctx.now)}</p>`, { id: 'last-reconciliation' })}
</div>
${card(
  'Staleness per item',
  html`${facts([
    ['Promise', limit === null ? html`<span class="muted">unknown</span>` : `at most ${formatDuration(limit)} old`],
    ['Beyond the promise', staleCount > 0 ? badge(`${staleCount} item${staleCount === 1 ? '' : 's'}`, 'bad') : badge('none', 'ok')],
  ])}
${table(
  items.slice(0, 200),
  [
    { title: 'SKU', cell: (i) => html`<code>${i.sku}</code>` },
    { title: 'Name', cell: (i) => i.name },
    { title: 'Zoho item', cell: (i) => html`<code>${i.zohoItemId}</code>` },
    { title: 'Stock read', cell: (i) => timeAgo(i.stockSeenAt, ctx.now) },
    {
      title: 'Age',
      cell: (i) => {
        const age = ctx.now - i.stockSeenAt;
        return badge(formatDuration(age), limit !== null && age > limit ? 'bad' : limit !== null && age > limit * 0.8 ? 'warn' : 'ok');
      },
    },
  ],
  'No items synced yet.',
)}`,
  { id: 'staleness' },
)}
${card(
  'Webhook events',
  html`<p>${Object.entries(counts).map(([k, v]) => html`${statusBadge(k)} ${v} `)}</p>${refused > 0 ? html`<p class="error-text">Refused webhooks carry a wrong or missing secret: check ZOHO_WEBHOOK_SECRET and the custom header of the Zoho workflow's webhook.</p>` : ''}
${table(
  s.webhookEvents.slice(0, 100),
  [
    { title: 'Received', cell: (e) => timeAgo(e.receivedAt, ctx.now) },
    { title: 'Outcome', cell: (e) => statusBadge(e.outcome) },
    { title: 'Event', cell: (e) => e.event ?? '—' },
    { title: 'Items', cell: (e) => (e.itemIds && e.itemIds.length ? html`<code>${e.itemIds.slice(0, 5).join(', ')}${e.itemIds.length > 5 ? ` +${e.itemIds.length - 5}` : ''}</code>` : '—') },
    { title: 'Reason', cell: (e) => e.reason ?? '' },
  ],
  'No webhook received yet.',
)}`,
  { id: 'webhooks', ...(refused > 0 ? { tone: 'warn' as const } : {}) },
)}
${card(
  'Mapping problems',
  html`<p class="muted">Custom fields the catalog could not read (missing, or of the wrong type). Fix them in Zoho: Settings → Preferences → Items → Custom fields.</p>
${table(
  s.mappingProblems,
  [
    { title: 'SKU', cell: (p) => (p.sku ? html`<code>${p.sku}</code>` : '—') },
    { title: 'Zoho item', cell: (p) => (p.zohoItemId ? html`<code>${p.zohoItemId}</code>` : '—') },
    { title: 'Field', cell: (p) => html`<code>${p.field}</code>` },
    { title: 'Problem', cell: (p) => p.problem },
  ],
  'No mapping problems.',
)}`,
  { id: 'mapping', ...(s.mappingProblems.length > 0 ? { tone: 'warn' as const } : {}) },
)}`;
}
