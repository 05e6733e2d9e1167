/** An in-memory CatalogReader: Zoho's figure minus the orders module's outstanding quantities. */
import type { CatalogProduct, CatalogReader } from '../../../src/catalog/types.js';
import type { ReservationsReader } from '../../../src/orders/types.js';

export function product(sku: string, over: Partial<CatalogProduct> = {}): CatalogProduct {
  return {
    sku,
    zohoItemId: `46000000${sku.length}${sku.charCodeAt(0)}${sku.charCodeAt(sku.length - 1)}`,
    name: `Product ${sku}`,
    description: '',
    brand: 'Acme',
    msrpCents: 1999,
    clubDiscountBps: 1000,
    ageRequired: true,
    restrictedStates: [],
    complianceCategory: 'accessory',
    flavored: false,
    riskLevel: 'low',
    dtcEnabled: true,
    weightGrams: 100,
    zohoTaxId: null,
    active: true,
    zohoQuantity: 10,
    availableQuantity: 10,
    stockSeenAt: 0,
    zohoLastModified: null,
    mappingProblems: [],
    hasImage: false,
    live: true,
    ...over,
  };
}

export class FakeCatalog implements CatalogReader {
  products = new Map<string, CatalogProduct>();
  refreshCalls: string[][] = [];
  reservations: ReservationsReader | null = null;
  /** What a refresh would read from Zoho (defaults to the current figure). */
  zohoTruth = new Map<string, number>();

  add(p: CatalogProduct): void {
    this.products.set(p.sku, p);
  }

  async getBySku(sku: string, options?: { includeHidden?: boolean }): Promise<CatalogProduct | null> {
    return (await this.getManyBySku([sku], options)).get(sku) ?? null;
  }

  async getManyBySku(skus: string[], options?: { includeHidden?: boolean }): Promise<Map<string, CatalogProduct>> {
    const out = new Map<string, CatalogProduct>();
    const found = skus.map((s) => this.products.get(s)).filter((p): p is CatalogProduct => !!p && (p.live || options?.includeHidden === true));
    const outstanding = this.reservations
      ? await this.reservations.outstandingBySku(found.map((p) => ({ sku: p.sku, stockSeenAt: p.stockSeenAt })))
      : new Map<string, number>();
    for (const p of found) out.set(p.sku, { ...p, availableQuantity: Math.max(0, p.zohoQuantity - (outstanding.get(p.sku) ?? 0)) });
    return out;
  }

  async refreshItems(ids: string[]): Promise<void> {
    this.refreshCalls.push(ids);
    // A real re-read is a network call: concurrent checkouts overlap it.
    await new Promise((r) => setTimeout(r, 10));
    for (const p of this.products.values()) {
      if (ids.includes(p.zohoItemId)) {
        const truth = this.zohoTruth.get(p.sku);
        this.products.set(p.sku, { ...p, zohoQuantity: truth ?? p.zohoQuantity, stockSeenAt: Date.now() });
      }
    }
  }
}
