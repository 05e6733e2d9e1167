import { html, type SafeHtml } from '../html.js';

export function pager(base: string, params: Record<string, string | undefined>, offset: number, limit: number, total: number): SafeHtml | '' {
  if (total <= limit && offset === 0) return '';
  const link = (o: number) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
    if (o > 0) q.set('offset', String(o));
    const s = q.toString();
    return s ? `${base}?${s}` : base;
  };
  const from = total === 0 ? 0 : offset + 1;
  const to = Math.min(total, offset + limit);
  return html`<nav class="pager">${offset > 0 ? html`<a href="${link(Math.max(0, offset - limit))}">← previous</a>` : ''} <span>${from}–${to} of ${total}</span> ${
    offset + limit < total ? html`<a href="${link(offset + limit)}">next →</a>` : ''
  }</nav>`;
}
