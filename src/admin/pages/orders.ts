import { badge, card, facts, formatDuration, formatTime, html, money, postButton, statusBadge, table, timeAgo, type SafeHtml } from '../html.js';
import { APPROVE_NOTE_MIN, type AdminOrderDetail, type AdminOrderSummary, type OrderStepView, type PageOf } from '../sources.js';
import { failed, type Loaded, type PageContext } from './layout.js';
import { pager } from './pager.js';

export const ORDER_FILTERS: Array<[string, string]> = [
  ['', 'All'],
  ['dead_letter', 'Dead letters'],
  ['placed', 'Placed'],
  ['accepted', 'Accepted (syncing)'],
  ['pending_verification', 'Pending verification'],
  ['review', 'Needs review'],
  ['refused', 'Refused'],
  ['failed', 'Failed'],
  ['cancelled', 'Cancelled'],
];

const FINAL = new Set(['cancelled', 'refused']);

export function orderStatusCell(o: Pick<AdminOrderSummary, 'status' | 'deadLetter'>): SafeHtml {
  return html`${statusBadge(o.status)}${o.deadLetter ? html` ${badge('dead letter', 'bad')}` : ''}`;
}

export function ordersPage(
  ctx: PageContext,
  page: Loaded<PageOf<AdminOrderSummary>>,
  query: { status: string; offset: number; limit: number; needsReview?: number | null },
): SafeHtml {
  const review = query.needsReview ?? null;
  const filter = html`<nav class="filters" aria-label="Filter by state">${ORDER_FILTERS.map(
    ([value, label]) =>
      html`<a href="/admin/orders${value ? `?status=${value}` : ''}" class="chip${query.status === value ? ' chip-active' : ''}"${value === 'review' ? html` id="needs-review"` : ''}>${label}${
        value === 'review' && review !== null ? html` <span class="review-count">(${String(review)})</span>` : ''
      }</a>`,
  )}</nav>${
    review && query.status !== 'review'
      ? html`<p class="flash flash-info" id="needs-review-banner">${String(review)} held order${review === 1 ? '' : 's'} need${review === 1 ? 's' : ''} a decision. <a href="/admin/orders?status=review">Review them →</a></p>`
      : ''
  }`;
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
${o.status === 'review' ? reviewPanel(ctx, o) : ''}
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
  o.steps.length === 0 ? html`<p class="empty">No step recorded yet.</p>` : html`<ol class="timeline">${o.steps.map((s) => timelineStep(s))}</ol>`,
  { id: 'timeline' },
)}`;
}

/**
 * The decision an operator takes on an order held for review: the reasons
 * that held it, then Approve (with a required note) and Refuse. An order with
 * a reason that denies it gets no Approve form (the service refuses it too).
 */
export function reviewPanel(ctx: PageContext, o: AdminOrderDetail): SafeHtml {
  const id = encodeURIComponent(o.orderId);
  const denying = o.reasons.filter((r) => r.effect === 'deny');
  const reasons = o.reasons.length
    ? html`<ul class="reasons hold-reasons">${o.reasons.map(
        (r) =>
          html`<li data-code="${r.code}"><code>${r.code}</code> ${r.message}${r.sku ? html` <span class="muted">(${r.sku})</span>` : ''}${
            r.effect === 'deny' ? html` ${badge('refuses', 'bad')}` : r.effect === 'review' ? html` ${badge('holds', 'warn')}` : ''
          }</li>`,
      )}</ul>`
    : html`<p class="muted">No reason was recorded.</p>`;
  const approve = denying.length
    ? html`<p class="error-text">This order cannot be approved: ${denying.map((r) => r.code).join(', ')} refuses it. Refuse it or let the hold expire.</p>`
    : html`<form method="post" action="/admin/orders/${id}/approve" class="stack" id="approve-form" data-confirm="${`Approve order ${o.orderId}? It is sent to Zoho and the override is written to the compliance audit log.`}">
<input type="hidden" name="_csrf" value="${ctx.csrf}">
<label>Why it can ship <input type="text" name="note" required minlength="${String(APPROVE_NOTE_MIN)}" maxlength="1000" size="50" placeholder="e.g. ID checked by phone with the customer"></label>
<button type="submit" class="btn btn-primary">Approve</button></form>`;
  const refuse = html`<form method="post" action="/admin/orders/${id}/refuse" class="stack" id="refuse-form" data-confirm="${`Refuse order ${o.orderId}? Its stock is released and the customer sees it refused.`}">
<input type="hidden" name="_csrf" value="${ctx.csrf}">
<label>Note (optional) <input type="text" name="note" maxlength="1000" size="50"></label>
<button type="submit" class="btn btn-danger">Refuse</button></form>`;
  return card(
    'Needs review',
    html`<p>The compliance checks held this order for a person to decide. Approving overrides the hold: the order is placed in Zoho and your note goes to the audit log with the reasons below.</p>
${reasons}
<div class="actions">${approve}${refuse}</div>`,
    { id: 'review', tone: 'warn' },
  );
}

/**
 * One timeline entry. The dot and the badge share one colour: green for a
 * step that succeeded, amber for a retry or a wait, red for a failure. An
 * error is red only on a failed step; on a retry it is what the attempt
 * ran into, and on an operator retry or a later success it is history
 * (the error that came before), never the step's own result.
 */
export function timelineStep(s: OrderStepView): SafeHtml {
  const tone = stepTone(s.status);
  const operator = /operator|admin|manual/i.test(s.step);
  const error = !s.error
    ? ''
    : tone === 'bad'
      ? html`<div class="step-error error-text">${s.error}</div>`
      : tone === 'warn' && !operator
        ? html`<div class="step-error warn-text">${s.attempt ? `Attempt ${s.attempt} failed: ` : 'Failed: '}${s.error}</div>`
        : html`<div class="step-history muted small">Earlier error (before this step): ${s.error}</div>`;
  return html`<li class="step step-${tone}"><div class="step-head"><strong>${stepLabel(s.step)}</strong> ${badge(s.status.replace(/_/g, ' '), tone)}${
    s.attempt ? html` <span class="muted">attempt ${s.attempt}</span>` : ''
  } <time class="muted small" datetime="${new Date(s.at).toISOString()}">${formatTime(s.at)}</time></div>${s.zohoId ? html`<div class="step-zoho">Zoho id <code>${s.zohoId}</code></div>` : ''}${
    s.detail ? stepDetail(s.detail) : ''
  }${error}</li>`;
}

function stepLabel(step: string): string {
  return step.replace(/[._]/g, ' ');
}

const OK_STATUSES = new Set(['ok', 'done', 'approved', 'placed', 'succeeded', 'success', 'accepted', 'allow', 'allowed', 'created', 'confirmed', 'adjusted', 'received', 'sent', 'reserved', 'released', 'completed', 'updated', 'found', 'matched', 'verified', 'cancelled', 'salesorder_voided', 'adjustment_reversed']);
const BAD_STATUSES = new Set(['failed', 'error', 'dead_letter', 'refused', 'deny', 'denied', 'rejected', 'expired']);

/** Green for success, red for failure, amber for the rest (retries, waits, holds). */
export function stepTone(status: string): 'ok' | 'warn' | 'bad' {
  const s = status.toLowerCase();
  if (BAD_STATUSES.has(s)) return 'bad';
  if (OK_STATUSES.has(s)) return 'ok';
  return 'warn';
}

/**
 * A step's detail (a JSON object from the order history) as "key value"
 * pairs a person reads: `{"created":true,"zohoCalls":2}` becomes
 * "created yes · Zoho calls 2". Anything that is not a JSON object is shown as is.
 */
export function stepDetail(detail: string): SafeHtml {
  let parsed: unknown;
  try {
    parsed = JSON.parse(detail);
  } catch {
    return html`<div class="step-detail muted">${detail}</div>`;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return html`<div class="step-detail muted">${detail}</div>`;
  const pairs = Object.entries(parsed as Record<string, unknown>).filter(([, v]) => v !== null && v !== undefined);
  if (pairs.length === 0) return html``;
  return html`<dl class="step-detail kv">${pairs.map(([k, v]) => html`<div><dt>${humanKey(k)}</dt><dd>${humanValue(k, v)}</dd></div>`)}</dl>`;
}

function humanKey(key: string): string {
  const words = key
    .replace(/Ms$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase()
    .replace(/\bzoho\b/g, 'Zoho')
    .replace(/\bid\b/g, 'id');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function humanValue(key: string, value: unknown): SafeHtml | string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number' && /Ms$/.test(key)) return formatDuration(value);
  if (typeof value === 'number' && /At$/.test(key) && value > 1e12) return formatTime(value);
  if (typeof value === 'number' && /Cents$/.test(key)) return money(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return html`<span class="muted">none</span>`;
    return value.map((v) => (v && typeof v === 'object' ? (typeof (v as { code?: unknown }).code === 'string' ? (v as { code: string }).code : JSON.stringify(v)) : String(v))).join(', ');
  }
  if (value && typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f-]{27,}$/i.test(value)) return html`<code>${value}</code>`;
  return String(value);
}
