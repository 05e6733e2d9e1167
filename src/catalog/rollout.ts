/**
 * Staged rollout (ROLLOUT): which products the storefront sees and can order.
 * Evaluated when reading, so changing ROLLOUT needs no re-sync.
 *   all                          every active item with a SKU
 *   field                        items whose cf_dtc_enabled checkbox is ticked
 *   skus:A,B,C                   exactly these SKUs
 *   categories:accessories,x     these compliance categories
 */
import { slugify } from './mapping.js';

export type Rollout =
  | { kind: 'all' }
  | { kind: 'field' }
  | { kind: 'skus'; skus: string[] }
  | { kind: 'categories'; categories: string[] };

export function parseRollout(value: string | undefined | null): Rollout {
  const text = (value ?? 'all').trim();
  if (text === '' || text.toLowerCase() === 'all') return { kind: 'all' };
  if (text.toLowerCase() === 'field') return { kind: 'field' };
  const m = /^(skus|categories)\s*:(.*)$/i.exec(text);
  if (m) {
    const list = m[2]!
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (list.length === 0) throw new Error(`ROLLOUT "${text}" lists nothing after "${m[1]}:"`);
    if (m[1]!.toLowerCase() === 'skus') return { kind: 'skus', skus: [...new Set(list)] };
    return { kind: 'categories', categories: [...new Set(list.map(slugify))] };
  }
  throw new Error(`ROLLOUT must be all, field, skus:A,B or categories:a,b (got "${text}")`);
}

export function describeRollout(r: Rollout): string {
  switch (r.kind) {
    case 'all':
      return 'all';
    case 'field':
      return 'field (cf_dtc_enabled)';
    case 'skus':
      return `skus:${r.skus.join(',')}`;
    case 'categories':
      return `categories:${r.categories.join(',')}`;
  }
}

export function inRollout(r: Rollout, item: { sku: string | null; dtcEnabled: boolean; complianceCategory: string | null }): boolean {
  switch (r.kind) {
    case 'all':
      return true;
    case 'field':
      return item.dtcEnabled;
    case 'skus':
      return item.sku !== null && r.skus.includes(item.sku);
    case 'categories':
      return item.complianceCategory !== null && r.categories.includes(item.complianceCategory);
  }
}
