import { badge, card, html, money, table, timeAgo, type SafeHtml } from '../html.js';
import type { CatalogProduct, PageOf } from '../sources.js';
import { failed, type Loaded, type PageContext } from './layout.js';
import { pager } from './pager.js';

export function catalogPage(ctx: PageContext, page: Loaded<PageOf<CatalogProduct>>, query: { search: string; offset: number; limit: number }): SafeHtml {
  const search = html`<form method="get" action="/admin/catalog" class="toolbar" role="search">
<input type="search" name="q" value="${query.search}" placeholder="SKU, name or brand" aria-label="Search the catalog">
<button type="submit" class="btn btn-plain">Search</button>${query.search ? html` <a href="/admin/catalog">clear</a>` : ''}</form>`;
  if (!page.ok) return html`${search}${failed('the catalog', page.error)}`;
  const p = page.value;
  return html`${search}
${card(
  `Items (${p.total})`,
  html`${table(
    p.items,
    [
      { title: 'SKU', cell: (i) => html`<code>${i.sku}</code>` },
      { title: 'Name', cell: (i) => html`${i.name}${i.brand ? html`<div class="muted small">${i.brand}</div>` : ''}` },
      { title: 'Price', cell: (i) => html`${money(i.msrpCents)}${i.clubDiscountBps ? html`<div class="muted small nowrap club">club −${clubPercent(i.clubDiscountBps)}&nbsp;%</div>` : ''}`, className: 'num' },
      {
        title: 'Stock',
        cell: (i) => html`${badge(String(i.availableQuantity), i.availableQuantity <= 0 ? 'bad' : i.availableQuantity <= 3 ? 'warn' : 'ok')}${
          i.zohoQuantity !== i.availableQuantity ? html`<div class="muted small">Zoho ${i.zohoQuantity}</div>` : ''
        }<div class="muted small">${timeAgo(i.stockSeenAt, ctx.now)}</div>`,
        className: 'num',
      },
      {
        title: 'Rollout',
        cell: (i) => (i.live ? badge('live', 'ok') : !i.active ? badge('inactive', 'muted') : !i.dtcEnabled ? badge('not DTC', 'muted') : badge('held back', 'warn')),
      },
      {
        title: 'Compliance',
        cell: (i) =>
          html`${i.complianceCategory ? html`<code>${i.complianceCategory}</code>` : badge('no category', 'bad')} ${badge(`risk ${i.riskLevel}`, i.riskLevel === 'high' ? 'bad' : i.riskLevel === 'medium' ? 'warn' : 'ok')}${
            i.ageRequired ? html` ${badge('21+', 'info')}` : ''
          }${i.flavored ? html` ${badge('flavored', 'warn')}` : ''}${
            i.restrictedStates.length ? html`<div class="muted small">no ship: ${i.restrictedStates.join(', ')}</div>` : ''
          }${i.mappingProblems.length ? html`<div class="error-text small">${i.mappingProblems.join('; ')}</div>` : ''}`,
      },
    ],
    query.search ? `No item matches “${query.search}”.` : 'The catalog is empty: the first sync has not run yet.',
  )}${pager('/admin/catalog', { q: query.search }, query.offset, query.limit, p.total)}`,
  { id: 'items' },
)}`;
}

/** 1000 bps → "10", 1250 → "12.5": no trailing ".0". */
export function clubPercent(bps: number): string {
  return String(Math.round(bps) / 100);
}
