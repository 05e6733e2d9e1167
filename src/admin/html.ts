/**
 * Server-side HTML: a tagged template that escapes every interpolation
 * unless it is already SafeHtml, plus the few components the pages share.
 */

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

type Part = SafeHtml | string | number | boolean | null | undefined | Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof SafeHtml) return part.value;
  if (Array.isArray(part)) return part.map(render).join('');
  return escapeHtml(part);
}

export function html(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

export const raw = (value: string): SafeHtml => new SafeHtml(value);

export type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'muted';

export function badge(text: string, tone: Tone): SafeHtml {
  return html`<span class="badge badge-${tone}">${text}</span>`;
}

/** Colour of a status word wherever it appears (connection, order, outcome, delivery). */
export function toneOf(status: string | null | undefined): Tone {
  switch (status) {
    case 'connected':
    case 'placed':
    case 'accepted':
    case 'allow':
    case 'ok':
    case 'valid':
    case 'sent':
    case 'live':
      return 'ok';
    case 'pending_verification':
    case 'review':
    case 'retrying':
    case 'pending':
    case 'duplicate':
    case 'ignored':
    case 'warning':
    case 'not_connected':
      return 'warn';
    case 'needs_reauth':
    case 'error':
    case 'failed':
    case 'refused':
    case 'deny':
    case 'critical':
    case 'dead_letter':
      return 'bad';
    case 'cancelled':
    case 'skipped':
      return 'muted';
    default:
      return 'info';
  }
}

export function statusBadge(status: string | null | undefined): SafeHtml {
  return badge((status ?? 'unknown').replace(/_/g, ' '), toneOf(status));
}

export function formatTime(epochMs: number | null | undefined): string {
  if (epochMs === null || epochMs === undefined || !Number.isFinite(epochMs)) return '—';
  return new Date(epochMs).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
}

export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(abs)} ms`;
  if (abs < 90_000) return `${Math.round(abs / 1000)} s`;
  if (abs < 90 * 60_000) return `${Math.round(abs / 60_000)} min`;
  if (abs < 48 * 3600_000) return `${(abs / 3600_000).toFixed(abs < 10 * 3600_000 ? 1 : 0)} h`;
  return `${Math.round(abs / 86_400_000)} d`;
}

/** "2026-11-28 08:00:00 UTC (5 min ago)" as a <time> element. */
export function timeAgo(epochMs: number | null | undefined, now: number): SafeHtml {
  if (epochMs === null || epochMs === undefined) return html`<span class="muted">never</span>`;
  const delta = now - epochMs;
  const rel = delta >= 0 ? `${formatDuration(delta)} ago` : `in ${formatDuration(-delta)}`;
  return html`<time datetime="${new Date(epochMs).toISOString()}" title="${formatTime(epochMs)}">${rel}</time>`;
}

export function money(cents: number | null | undefined): string {
  if (cents === null || cents === undefined) return '—';
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(Math.round(cents));
  return `${sign}$${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
}

export interface Column<T> {
  title: string;
  cell: (row: T) => Part;
  className?: string;
}

export function table<T>(rows: T[], columns: Array<Column<T>>, empty = 'Nothing here yet.'): SafeHtml {
  if (rows.length === 0) return html`<p class="empty">${empty}</p>`;
  return html`<div class="table-wrap"><table>
<thead><tr>${columns.map((c) => html`<th class="${c.className ?? ''}">${c.title}</th>`)}</tr></thead>
<tbody>${rows.map((r) => html`<tr>${columns.map((c) => html`<td class="${c.className ?? ''}">${c.cell(r)}</td>`)}</tr>`)}</tbody>
</table></div>`;
}

/** Definition list of label → value pairs. */
export function facts(pairs: Array<[string, Part]>): SafeHtml {
  return html`<dl class="facts">${pairs.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}

export function card(title: string, body: Part, extra?: { tone?: Tone; id?: string }): SafeHtml {
  return html`<section class="card ${extra?.tone ? `card-${extra.tone}` : ''}"${extra?.id ? raw(` id="${escapeHtml(extra.id)}"`) : ''}><h2>${title}</h2>${body}</section>`;
}

/** A small POST form with the CSRF token; `confirm` asks before sending (web/admin.js). */
export function postButton(action: string, label: string, csrf: string, options: { confirm?: string; tone?: 'primary' | 'danger' | 'plain'; fields?: Record<string, string> } = {}): SafeHtml {
  return html`<form method="post" action="${action}" class="inline"${options.confirm ? raw(` data-confirm="${escapeHtml(options.confirm)}"`) : ''}>
<input type="hidden" name="_csrf" value="${csrf}">${Object.entries(options.fields ?? {}).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}
<button type="submit" class="btn btn-${options.tone ?? 'plain'}">${label}</button></form>`;
}

/**
 * Bar chart as inline SVG, rendered on the server (no chart library, no JS).
 * `values` are drawn left to right; labels under every `labelEvery`-th bar.
 */
export function barChart(
  values: number[],
  options: { labels: string[]; title: string; labelEvery?: number; highlight?: number; limitLine?: { value: number; label: string } },
): SafeHtml {
  const width = 720;
  const height = 200;
  const left = 40;
  const bottom = 24;
  const top = 14;
  const plotH = height - bottom - top;
  const max = Math.max(1, ...values, options.limitLine?.value ?? 0);
  const slot = (width - left - 8) / Math.max(1, values.length);
  const barW = Math.max(2, slot * 0.72);
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const ticks = [0, Math.round(max / 2), max];
  const every = options.labelEvery ?? 1;
  const bars = values.map((v, i) => {
    const x = left + i * slot + (slot - barW) / 2;
    const h = Math.max(v > 0 ? 1 : 0, (v / max) * plotH);
    const cls = i === options.highlight ? 'bar bar-now' : 'bar';
    return raw(
      `<rect class="${cls}" x="${x.toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}"><title>${escapeHtml(options.labels[i] ?? '')}: ${v}</title></rect>` +
        (i % every === 0 ? `<text class="axis" x="${(x + barW / 2).toFixed(1)}" y="${height - 6}" text-anchor="middle">${escapeHtml(options.labels[i] ?? '')}</text>` : ''),
    );
  });
  const grid = ticks.map((t) => raw(`<line class="grid" x1="${left}" x2="${width - 4}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}"/><text class="axis" x="${left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${t}</text>`));
  const limit = options.limitLine
    ? raw(`<line class="limit" x1="${left}" x2="${width - 4}" y1="${y(options.limitLine.value).toFixed(1)}" y2="${y(options.limitLine.value).toFixed(1)}"/><text class="axis limit-label" x="${width - 6}" y="${(y(options.limitLine.value) - 4).toFixed(1)}" text-anchor="end">${escapeHtml(options.limitLine.label)}</text>`)
    : '';
  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${options.title}" preserveAspectRatio="xMinYMin meet"><title>${options.title}</title>${grid}${limit}${bars}</svg>`;
}

/** A horizontal gauge (used / limit) with a colour by ratio. */
export function gauge(used: number, limit: number, label: string): SafeHtml {
  const ratio = limit > 0 ? Math.min(1, used / limit) : 0;
  const tone: Tone = ratio >= 0.95 ? 'bad' : ratio >= 0.8 ? 'warn' : 'ok';
  return html`<div class="gauge gauge-${tone}" title="${label}"><div class="gauge-fill" style="width:${(ratio * 100).toFixed(1)}%"></div><span class="gauge-text">${label}</span></div>`;
}
