import { badge, card, facts, formatTime, html, money, postButton, statusBadge, table, timeAgo, type SafeHtml } from '../html.js';
import type { AdminOrderDetail, AdminOrderSummary, PageOf } from '../sources.js';
import { failed, type Loaded, type PageContext } from './layout.js';
import { pager } from './pager.js';

export const ORDER_FILTERS: Array<[string, string]> = [
  ['', 'All'],
  ['dead_letter', 'Dead letters'],
  ['placed', 'Placed'],
  ['accepted', 'Accepted (syncing)'],
  ['pending_verification', 'Pending verification'],
  ['review', 'Review'],
  ['refused', 'Refused'],
  ['failed', 'Failed'],
  ['cancelled', 'Cancelled'],
];

const FINAL = new Set(['cancelled', 'refused']);

export function orderStatusCell(o: Pick<AdminOrderSummary, 'status' | 'deadLetter'>): SafeHtml {
  return html`${statusBadge(o.status)}${o.deadLetter ? html` ${badge('dead letter', 'bad')}` : ''}`;
}

export function ordersPage(ctx: PageContext, page: Loaded<PageOf<AdminOrderSummary>>, query: { status: string; offset: number; limit: number }): SafeHtml {
  const filter = html`<nav class="filters" aria-label="Filter by state">${ORDER_FILTERS.map(
    ([value, label]) => html`<a href="/admin/orders${value ? `?status=${value}` : ''}" class="chip${query.status === value ? ' chip-active' : ''}">${label}</a>`,
  )}</nav>`;
  if (!page.ok) return html`${filter}${failed('the orders', page.error)}`;
  const p = page.value;
  return html`${filter}
${card(
  `Orders (${p.total})`,
  html`${table(
    p.items,
    [
      { title: 'Order', cell: (o) => html`<a href="/admin/orders/${encodeURIComponent(o.orderId)}"><code>${o.orderId}</code></a>` },
      { title: 'State', cell: (o) => orderStatusCell(o) },
      { title: 'Customer', cell: (o) => html`${o.customerName ?? '—'}${o.shipState ? html` <span class="muted">(${o.shipState})</span>` : ''}` },
      { title: 'Total', cell: (o) => money(o.totalCents), className: 'num' },
      { title: 'Zoho sales order', cell: (o) => (o.zohoSalesOrderId ? html`<code>${o.zohoSalesOrderNumber ? `${o.zohoSalesOrderNumber} · ` : ''}${o.zohoSalesOrderId}</code>` : html`<span class="muted">—</span>`) },
      { title: 'Updated', cell: (o) => timeAgo(o.updatedAt, ctx.now) },
      { title: 'Last error', cell: (o) => (o.lastError ? html`<span class="error-text small">${o.lastError}</span>` : '') },
      {
        title: '',
        cell: (o) => (o.deadLetter ? postButton(`/admin/orders/${encodeURIComponent(o.orderId)}/retry`, 'Retry', ctx.csrf, { tone: 'primary' }) : ''),
      },
    ],
    query.status ? 'No order in this state.' : 'No order yet: place one in the storefront.',
  )}${pager('/admin/orders', { status: query.status }, query.offset, query.limit, p.total)}`,
  { id: 'orders' },
)}`;
}

export function orderDetailPage(ctx: PageContext, order: Loaded<AdminOrderDetail>): SafeHtml {
  if (!order.ok) return failed('the order', order.error);
  const o = order.value;
  const id = encodeURIComponent(o.orderId);
  const actions = html`<div class="actions">${o.deadLetter ? postButton(`/admin/orders/${id}/retry`, 'Retry dead letter', ctx.csrf, { tone: 'primary' }) : ''}${
    FINAL.has(o.status)
      ? ''
      : postButton(`/admin/orders/${id}/cancel`, 'Cancel order', ctx.csrf, {
          tone: 'danger',
          confirm: `Cancel order ${o.orderId}? Its reservation is released${o.zohoSalesOrderId ? ' and the Zoho sales order is voided' : ''}.`,
        })
  }</div>`;
  return html`<p><a href="/admin/orders">← all orders</a></p>
<div class="grid2">
${card(
  'Order',
  html`${facts([
    ['Order id', html`<code>${o.orderId}</code>`],
    ['State', orderStatusCell(o)],
    ['Zoho sales order', o.zohoSalesOrderId ? html`<code class="zoho-so">${o.zohoSalesOrderId}</code>${o.zohoSalesOrderNumber ? html` (${o.zohoSalesOrderNumber})` : ''}` : html`<span class="muted">not created yet</span>`],
    ['Customer', html`${o.customerName ?? '—'}${o.email ? html` <span class="muted">${o.email}</span>` : ''}`],
    ['Ship to state', o.shipState ?? '—'],
    ['Total', money(o.totalCents)],
    ['Created', formatTime(o.createdAt)],
    ['Updated', timeAgo(o.updatedAt, ctx.now)],
    ['Compliance decision', o.complianceDecisionId ? html`<a href="/admin/compliance?orderId=${encodeURIComponent(o.orderId)}"><code>${o.complianceDecisionId}</code></a>` : '—'],
    ['Age verification', o.ageVerificationReference ? html`<code>${o.ageVerificationReference}</code>` : '—'],
    ['Last error', o.lastError ? html`<span class="error-text">${o.lastError}</span>` : html`<span class="muted">none</span>`],
  ])}${actions}`,
  { id: 'order', tone: o.deadLetter || o.status === 'failed' ? 'bad' : o.status === 'placed' ? 'ok' : o.status === 'refused' ? 'bad' : 'warn' },
)}
${card(
  'Lines',
  html`${table(o.lines, [
    { title: 'SKU', cell: (l) => html`<code>${l.sku}</code>` },
    { title: 'Name', cell: (l) => l.name ?? '' },
    { title: 'Qty', cell: (l) => String(l.quantity), className: 'num' },
    { title: 'Unit', cell: (l) => money(l.unitPriceCents), className: 'num' },
    { title: 'Line total', cell: (l) => money(l.unitPriceCents * l.quantity), className: 'num' },
  ])}
${o.reasons.length ? html`<h3>Reasons</h3><ul class="reasons">${o.reasons.map((r) => html`<li><code>${r.code}</code> ${r.message}${r.sku ? html` <span class="muted">(${r.sku})</span>` : ''}</li>`)}</ul>` : ''}`,
  { id: 'lines' },
)}
</div>
${card(
  'Timeline',
  o.steps.length === 0
    ? html`<p class="empty">No step recorded yet.</p>`
    : html`<ol class="timeline">${o.steps.map(
        (s) => html`<li class="step step-${toneClass(s.status)}"><div class="step-head"><strong>${s.step}</strong> ${statusBadge(s.status)}${s.attempt ? html` <span class="muted">attempt ${s.attempt}</span>` : ''} <span class="muted small">${formatTime(s.at)}</span></div>${
          s.zohoId ? html`<div>Zoho id <code>${s.zohoId}</code></div>` : ''
        }${s.detail ? html`<div class="muted">${s.detail}</div>` : ''}${s.error ? html`<div class="error-text">${s.error}</div>` : ''}</li>`,
      )}</ol>`,
  { id: 'timeline' },
)}`;
}

function toneClass(status: string): string {
  if (['ok', 'done', 'placed', 'succeeded'].includes(status)) return 'ok';
  if (['failed', 'error', 'dead_letter'].includes(status)) return 'bad';
  return 'warn';
}
