import { card, facts, formatTime, html, postButton, statusBadge, table, type SafeHtml } from '../html.js';
import type { AuditRecordDetail, AuditRecordSummary, PageOf } from '../sources.js';
import { failed, type Loaded, type PageContext } from './layout.js';
import { pager } from './pager.js';

const KIND_OPTIONS: Array<[string, string]> = [
  ['', 'any kind but drills'],
  ['all', 'any kind, drills too'],
  ['checkout', 'checkout'],
  ['resume', 'resume'],
  ['cancel', 'cancel'],
  ['drill', 'drill'],
];

function link(params: Record<string, string>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `/admin/compliance?${s}` : '/admin/compliance';
}

/** "2026-11-28 14:24:01" on one line; the full ISO time in the tooltip. */
export function compactTime(epochMs: number): SafeHtml {
  if (!Number.isFinite(epochMs)) return html`—`;
  const iso = new Date(epochMs).toISOString();
  return html`<time class="nowrap" datetime="${iso}" title="${formatTime(epochMs)}">${iso.slice(0, 10)} ${iso.slice(11, 19)}</time>`;
}

export interface AuditFilter {
  orderId: string;
  outcome: string;
  kind: string;
  offset: number;
  limit: number;
}

function previousMonth(now: number): string {
  const d = new Date(now);
  const y = d.getUTCMonth() === 0 ? d.getUTCFullYear() - 1 : d.getUTCFullYear();
  const m = d.getUTCMonth() === 0 ? 12 : d.getUTCMonth();
  return `${y}-${String(m).padStart(2, '0')}`;
}

export function compliancePage(ctx: PageContext, page: Loaded<PageOf<AuditRecordSummary>>, filter: AuditFilter, extra: { hiddenDrills?: number } = {}): SafeHtml {
  const tools = html`<div class="grid3">
${card(
  'Audit chain',
  html`<p class="muted">Every compliance decision is chained by hash; verifying re-computes the whole chain.</p>
<div class="actions">${postButton('/admin/compliance/verify', 'Verify the chain', ctx.csrf, { tone: 'primary' })}
<a class="btn btn-plain" href="/admin/compliance/audit-export" download>Download audit export</a></div>`,
  { id: 'chain' },
)}
${card(
  'Compliance drill',
  html`<p class="muted">Runs the documented personas through the engine (nothing is sent to Zoho) and checks each decision.</p>
<div class="actions">${postButton('/admin/compliance/drill', 'Run the drill', ctx.csrf, { tone: 'primary' })}</div>`,
  { id: 'drill' },
)}
${card(
  'PACT Act report',
  html`<form method="get" action="/admin/compliance/pact-report" class="stack">
<label>Month <input type="month" name="month" value="${previousMonth(ctx.now)}" required></label>
<label>State <input type="text" name="state" maxlength="2" size="3" placeholder="all" pattern="[A-Za-z]{2}"></label>
<button type="submit" class="btn btn-plain">Download report</button></form>`,
  { id: 'pact' },
)}
</div>`;
  const form = html`<form method="get" action="/admin/compliance" class="toolbar">
<input type="text" name="orderId" value="${filter.orderId}" placeholder="Order id" aria-label="Order id">
<select name="outcome" aria-label="Outcome">${['', 'allow', 'review', 'deny'].map((o) => html`<option value="${o}"${o === filter.outcome ? ' selected' : ''}>${o || 'any outcome'}</option>`)}</select>
<select name="kind" aria-label="Kind">${KIND_OPTIONS.map(([k, label]) => html`<option value="${k}"${k === filter.kind ? ' selected' : ''}>${label}</option>`)}</select>
<button type="submit" class="btn btn-plain">Filter</button></form>`;
  if (!page.ok) return html`${tools}${form}${failed('the audit log', page.error)}`;
  const hideDrills = filter.kind === '';
  // An adapter that ignores excludeKind still hands drills over: drop them here.
  const items = hideDrills ? page.value.items.filter((r) => r.kind !== 'drill') : page.value.items;
  const p = { ...page.value, items };
  const hidden = extra.hiddenDrills ?? 0;
  const keep = { orderId: filter.orderId, outcome: filter.outcome };
  const drillNote =
    hideDrills && hidden > 0
      ? html`<p class="drill-note muted small" id="drill-note">${hidden} drill record${hidden === 1 ? '' : 's'} hidden. <a href="${link({ ...keep, kind: 'drill' })}">Show the drill records</a> · <a href="${link({ ...keep, kind: 'all' })}">show everything</a></p>`
      : '';
  return html`${tools}
${card(
  `Audit log (${p.total})`,
  html`${form}${drillNote}${table(
    p.items,
    [
      { title: '#', cell: (r) => String(r.seq), className: 'num' },
      { title: 'When (UTC)', cell: (r) => compactTime(r.at), className: 'when' },
      { title: 'Kind', cell: (r) => r.kind },
      { title: 'Order', cell: (r) => (r.orderId ? html`<a href="/admin/orders/${encodeURIComponent(r.orderId)}"><code>${r.orderId}</code></a>` : '—') },
      { title: 'Outcome', cell: (r) => statusBadge(r.outcome) },
      { title: 'Reasons', cell: (r) => html`${r.reasonCodes.map((c) => html`<code class="reason">${c}</code> `)}` },
      { title: 'Hash', cell: (r) => html`<a href="/admin/compliance/audit/${encodeURIComponent(r.id)}"><code>${r.hash.slice(0, 12)}…</code></a>` },
    ],
    hideDrills && hidden > 0 ? 'No audit record matches, apart from the hidden drill records.' : 'No audit record matches.',
  )}${pager('/admin/compliance', { orderId: filter.orderId, outcome: filter.outcome, kind: filter.kind }, filter.offset, filter.limit, p.total)}`,
  { id: 'audit' },
)}`;
}

export function auditDetailPage(_ctx: PageContext, record: Loaded<AuditRecordDetail>): SafeHtml {
  if (!record.ok) return failed('the audit record', record.error);
  const r = record.value;
  return html`<p><a href="/admin/compliance">← audit log</a></p>
${card(
  `Audit record #${r.seq}`,
  html`${facts([
    ['Id', html`<code>${r.id}</code>`],
    ['When', formatTime(r.at)],
    ['Kind', r.kind],
    ['Order', r.orderId ? html`<a href="/admin/orders/${encodeURIComponent(r.orderId)}"><code>${r.orderId}</code></a>` : '—'],
    ['Outcome', statusBadge(r.outcome)],
    ['Reasons', r.reasonCodes.length ? r.reasonCodes.join(', ') : '—'],
    ['Hash', html`<code class="wrap">${r.hash}</code>`],
    ['Previous hash', r.prevHash ? html`<code class="wrap">${r.prevHash}</code>` : '—'],
  ])}<h3>Recorded decision</h3><pre class="json">${JSON.stringify(r.payload, null, 2)}</pre>`,
  { id: 'record' },
)}`;
}
