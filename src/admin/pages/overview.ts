import { badge, card, facts, gauge, html, statusBadge, timeAgo, type SafeHtml } from '../html.js';
import type { AdminOrderSummary, AlertRecord, BudgetSnapshot, ConnectionStatus, PageOf, SyncStatusView } from '../sources.js';
import { failed, type Loaded, type PageContext } from './layout.js';

export function overviewPage(
  ctx: PageContext,
  data: {
    connection: Loaded<ConnectionStatus>;
    budget: Loaded<BudgetSnapshot>;
    sync: Loaded<SyncStatusView>;
    deadLetters: Loaded<PageOf<AdminOrderSummary>>;
    /** Orders held for review (only `total` is read). Optional: an older caller may not pass it. */
    needsReview?: Loaded<PageOf<AdminOrderSummary>>;
    alerts: Loaded<AlertRecord[]>;
  },
): SafeHtml {
  const c = data.connection;
  const b = data.budget;
  const s = data.sync;
  const d = data.deadLetters;
  const a = data.alerts;
  const r = data.needsReview;
  const dayAgo = ctx.now - 24 * 3600_000;
  return html`<div class="grid3">
${c.ok
  ? card('Zoho connection', html`<p class="big">${statusBadge(c.value.state)}</p>${facts([['Organization', c.value.organizationId], ['Last refresh', timeAgo(c.value.lastRefreshAt, ctx.now)]])}<a href="/admin/connection">details →</a>`, {
      tone: c.value.state === 'connected' ? 'ok' : c.value.state === 'not_connected' ? 'warn' : 'bad',
      id: 'ov-connection',
    })
  : failed('the connection', c.error)}
${b.ok
  ? card('API budget today', html`${gauge(b.value.usedToday, b.value.dailyLimit, `${b.value.usedToday} / ${b.value.dailyLimit}`)}<p class="muted small">${b.value.usedThisMinute} / ${b.value.perMinuteLimit} this minute</p><a href="/admin/budget">details →</a>`, { id: 'ov-budget' })
  : failed('the budget', b.error)}
${s.ok
  ? card('Sync', html`${facts([['Last webhook', timeAgo(s.value.lastWebhookAt, ctx.now)], ['Last poll', timeAgo(s.value.lastPollAt, ctx.now)], ['Mapping problems', s.value.mappingProblems.length ? badge(String(s.value.mappingProblems.length), 'warn') : badge('0', 'ok')]])}<a href="/admin/sync">details →</a>`, { id: 'ov-sync' })
  : failed('the sync status', s.error)}
${d.ok
  ? card('Dead letters', html`<p class="big">${d.value.total > 0 ? badge(String(d.value.total), 'bad') : badge('0', 'ok')}</p><a href="/admin/orders?status=dead_letter">orders →</a>`, { tone: d.value.total > 0 ? 'bad' : 'ok', id: 'ov-dead' })
  : failed('the dead letters', d.error)}
${!r
  ? ''
  : r.ok
    ? card('Needs review', html`<p class="big">${r.value.total > 0 ? badge(String(r.value.total), 'warn') : badge('0', 'ok')}</p><a href="/admin/orders?status=review">orders held for a decision →</a>`, { tone: r.value.total > 0 ? 'warn' : 'ok', id: 'ov-review' })
    : failed('the orders held for review', r.error)}
${a.ok
  ? card('Alerts (24 h)', html`<p class="big">${(() => {
      const recent = a.value.filter((x) => x.raisedAt >= dayAgo);
      const critical = recent.filter((x) => x.severity === 'critical').length;
      return critical > 0 ? badge(`${critical} critical`, 'bad') : recent.length > 0 ? badge(String(recent.length), 'warn') : badge('none', 'ok');
    })()}</p><a href="/admin/alerts">alerts →</a>`, { id: 'ov-alerts' })
  : failed('the alerts', a.error)}
</div>`;
}
