import { badge, card, html, statusBadge, table, timeAgo, type SafeHtml } from '../html.js';
import type { AlertRecord } from '../sources.js';
import { failed, type Loaded, type PageContext } from './layout.js';

export function alertsPage(ctx: PageContext, alerts: Loaded<AlertRecord[]>, sinks: string[]): SafeHtml {
  const sinkCard = card(
    'Sinks',
    html`<p>${sinks.length ? sinks.map((s) => html`${badge(s, 'info')} `) : html`<span class="muted">log only</span>`}</p>
<p class="muted small">Configure ALERT_WEBHOOK_URL (Slack-compatible) and SMTP_URL with ALERT_EMAIL_TO. The same alert is sent once per 15 minutes; repeats are counted.</p>`,
    { id: 'sinks' },
  );
  if (!alerts.ok) return html`${sinkCard}${failed('the alerts', alerts.error)}`;
  return html`${sinkCard}
${card(
  'Recent alerts',
  table(
    alerts.value,
    [
      { title: 'Raised', cell: (a) => timeAgo(a.raisedAt, ctx.now) },
      { title: 'Severity', cell: (a) => statusBadge(a.severity) },
      { title: 'Kind', cell: (a) => html`<code>${a.kind}</code>` },
      { title: 'Message', cell: (a) => a.message },
      { title: 'Repeats', cell: (a) => (a.suppressed ? html`${a.suppressed} <span class="muted small">last ${timeAgo(a.lastSeenAt, ctx.now)}</span>` : '—'), className: 'num' },
      {
        title: 'Sent to',
        cell: (a) =>
          a.deliveries.length === 0
            ? html`<span class="muted">sending…</span>`
            : html`${a.deliveries.map((d) => html`<span class="delivery" title="${d.error ?? 'delivered'}">${badge(`${d.ok ? '✔' : '✘'} ${d.sink}`, d.ok ? 'ok' : 'bad')}</span> `)}`,
      },
    ],
    'No alert raised. Alerts appear here when Zoho needs re-authorization, the budget runs high, an order dead-letters, sync falls behind, webhooks are refused or a provider is down.',
  ),
  { id: 'alerts' },
)}`;
}
