import type { CatalogProduct } from '../catalog/types.js';
import { applyDiscountBps, centsToDecimal } from '../shared/money.js';
import type { TaxMap } from './options.js';

export interface PricedLine {
  lineNo: number;
  sku: string;
  zohoItemId: string;
  name: string;
  brand: string | null;
  category: string | null;
  quantity: number;
  unitMsrpCents: number;
  unitPriceCents: number;
  discountCents: number;
  netCents: number;
  taxId: string | null;
  taxRateBps: number;
  taxCents: number;
}

export interface Totals {
  currency: 'USD';
  subtotalCents: number;
  discountCents: number;
  taxCents: number;
  totalCents: number;
  subtotal: string;
  discount: string;
  tax: string;
  total: string;
}

/** Looks a tax up by destination state and category; `*` entries are the fallbacks. */
export function lookupTax(map: TaxMap, state: string, category: string | null): { zohoTaxId: string; rateBps: number } | null {
  const cat = category ?? '*';
  return map[state]?.[cat] ?? map[state]?.['*'] ?? map['*']?.[cat] ?? map['*']?.['*'] ?? null;
}

/** Integer cents throughout: unit price = MSRP less the club discount (basis points), tax per line, rounded half up. */
export function priceLine(
  lineNo: number,
  product: CatalogProduct,
  quantity: number,
  clubMember: boolean,
  state: string,
  taxMap: TaxMap,
): PricedLine {
  const unitMsrpCents = product.msrpCents;
  const unitPriceCents = clubMember && product.clubDiscountBps > 0 ? applyDiscountBps(unitMsrpCents, product.clubDiscountBps) : unitMsrpCents;
  const netCents = unitPriceCents * quantity;
  const tax = lookupTax(taxMap, state, product.complianceCategory);
  const taxRateBps = tax?.rateBps ?? 0;
  return {
    lineNo,
    sku: product.sku,
    zohoItemId: product.zohoItemId,
    name: product.name,
    brand: product.brand,
    category: product.complianceCategory,
    quantity,
    unitMsrpCents,
    unitPriceCents,
    discountCents: (unitMsrpCents - unitPriceCents) * quantity,
    netCents,
    // Without a mapped tax the item's own Zoho tax applies there; we cannot know its rate here.
    taxId: tax?.zohoTaxId ?? null,
    taxRateBps,
    taxCents: Math.round((netCents * taxRateBps) / 10_000),
  };
}

export function totalsOf(lines: Array<Pick<PricedLine, 'unitMsrpCents' | 'quantity' | 'discountCents' | 'taxCents'>>): Totals {
  let subtotalCents = 0;
  let discountCents = 0;
  let taxCents = 0;
  for (const l of lines) {
    subtotalCents += l.unitMsrpCents * l.quantity;
    discountCents += l.discountCents;
    taxCents += l.taxCents;
  }
  return totalsFromCents(subtotalCents, discountCents, taxCents);
}

export function totalsFromCents(subtotalCents: number, discountCents: number, taxCents: number): Totals {
  const totalCents = subtotalCents - discountCents + taxCents;
  return {
    currency: 'USD',
    subtotalCents,
    discountCents,
    taxCents,
    totalCents,
    subtotal: centsToDecimal(subtotalCents),
    discount: centsToDecimal(discountCents),
    tax: centsToDecimal(taxCents),
    total: centsToDecimal(totalCents),
  };
}

/** Zoho takes `rate` as a decimal number; cents / 100 through the decimal string avoids float noise. */
export function zohoRate(cents: number): number {
  return Number(centsToDecimal(cents));
}
