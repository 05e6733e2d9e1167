/**
 * The catalog as the storefront and the checkout read it: rows from the
 * store, the rollout applied, and the bridge's own outstanding quantities
 * (open reservations, orders Zoho does not show yet) subtracted from Zoho's
 * figure. No Zoho call on a read.
 */
import type { ReservationsReader } from '../orders/types.js';
import type { ZohoPriority } from '../zoho/types.js';
import type { CatalogProduct, CatalogReader, RiskLevel } from './types.js';
import type { CatalogItemRow } from './tables.js';
import type { CatalogRepository } from './repository.js';
import { inRollout, type Rollout } from './rollout.js';
import { isServableImageType } from './images.js';

export interface ProductPage {
  items: Array<{ product: CatalogProduct; version: number }>;
  total: number;
}

export function isLiveRow(row: CatalogItemRow, rollout: Rollout): boolean {
  return (
    row.status === 'active' &&
    row.gone === 0 &&
    row.sku !== null &&
    row.fields_seen_at > 0 &&
    inRollout(rollout, { sku: row.sku, dtcEnabled: row.dtc_enabled === 1, complianceCategory: row.compliance_category })
  );
}

export class CatalogReaderImpl implements CatalogReader {
  constructor(
    private readonly repo: CatalogRepository,
    private readonly reservations: ReservationsReader,
    readonly rollout: Rollout,
    private readonly refresh: (ids: string[], priority: ZohoPriority) => Promise<void>,
  ) {}

  toProduct(row: CatalogItemRow, outstanding: number): CatalogProduct {
    const hasImage = row.image_file !== null && isServableImageType(row.image_content_type);
    return {
      sku: row.sku ?? '',
      zohoItemId: row.item_id,
      name: row.name,
      description: row.description,
      brand: row.brand,
      msrpCents: Number(row.msrp_cents),
      clubDiscountBps: row.club_discount_bps,
      ageRequired: row.age_required === 1,
      restrictedStates: JSON.parse(row.restricted_states) as string[],
      complianceCategory: row.compliance_category,
      flavored: row.flavored === 1,
      riskLevel: row.risk_level as RiskLevel,
      dtcEnabled: row.dtc_enabled === 1,
      weightGrams: row.weight_grams,
      zohoTaxId: row.tax_id,
      active: row.status === 'active' && row.gone === 0,
      zohoQuantity: row.zoho_quantity,
      availableQuantity: Math.max(0, row.zoho_quantity - Math.max(0, outstanding)),
      stockSeenAt: Number(row.stock_seen_at),
      zohoLastModified: row.zoho_last_modified,
      mappingProblems: JSON.parse(row.mapping_problems) as string[],
      hasImage,
      live: isLiveRow(row, this.rollout),
      zohoCategory: row.category_name,
      zohoCategorySlug: row.category_slug,
      gone: row.gone === 1,
    };
  }

  private async outstanding(rows: CatalogItemRow[]): Promise<Map<string, number>> {
    const q = rows.filter((r) => r.sku !== null).map((r) => ({ sku: r.sku!, stockSeenAt: Number(r.stock_seen_at) }));
    if (q.length === 0) return new Map();
    return this.reservations.outstandingBySku(q);
  }

  /** Changes whenever this process writes catalog rows (see CatalogRepository.generation). */
  get generation(): number {
    return this.repo.generation;
  }

  async getRowBySku(sku: string): Promise<CatalogItemRow | undefined> {
    return this.repo.findBySku(sku);
  }

  async getWithVersion(sku: string, options?: { includeHidden?: boolean }): Promise<{ product: CatalogProduct; version: number; row: CatalogItemRow } | null> {
    const row = await this.repo.findBySku(sku);
    if (!row) return null;
    if (!options?.includeHidden && !isLiveRow(row, this.rollout)) return null;
    const out = await this.outstanding([row]);
    return { product: this.toProduct(row, out.get(sku) ?? 0), version: row.version, row };
  }

  async getBySku(sku: string, options?: { includeHidden?: boolean }): Promise<CatalogProduct | null> {
    return (await this.getWithVersion(sku, options))?.product ?? null;
  }

  async getManyBySku(skus: string[], options?: { includeHidden?: boolean }): Promise<Map<string, CatalogProduct>> {
    const rows = await this.repo.findBySkus([...new Set(skus)]);
    const pick = new Map<string, CatalogItemRow>();
    for (const row of rows) {
      const prev = pick.get(row.sku!);
      // Same preference as findBySku: a live row over a gone or inactive one.
      if (!prev || (prev.gone === 1 && row.gone === 0) || (prev.status !== 'active' && row.status === 'active' && row.gone === 0)) pick.set(row.sku!, row);
    }
    const visible = [...pick.values()].filter((r) => options?.includeHidden || isLiveRow(r, this.rollout));
    const out = await this.outstanding(visible);
    const result = new Map<string, CatalogProduct>();
    for (const row of visible) result.set(row.sku!, this.toProduct(row, out.get(row.sku!) ?? 0));
    return result;
  }

  async refreshItems(zohoItemIds: string[], priority: ZohoPriority): Promise<void> {
    await this.refresh(zohoItemIds, priority);
  }

  async listProducts(opts: { page: number; pageSize: number; category?: string; q?: string }): Promise<ProductPage> {
    const { rows, total } = await this.repo.listLive({ rollout: this.rollout, ...opts });
    const out = await this.outstanding(rows);
    return { items: rows.map((r) => ({ product: this.toProduct(r, out.get(r.sku!) ?? 0), version: r.version })), total };
  }
}
