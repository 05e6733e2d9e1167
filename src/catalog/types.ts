/** The catalog as other modules see it. Implemented in src/catalog. */
import type { ZohoPriority } from '../zoho/errors.js';

export type RiskLevel = 'low' | 'medium' | 'high';

export interface CatalogProduct {
  sku: string;
  zohoItemId: string;
  name: string;
  description: string;
  brand: string | null;
  /** Retail price in cents (cf_msrp, falling back to the Zoho rate). */
  msrpCents: number;
  /** Club discount in basis points (1250 = 12.5 %). */
  clubDiscountBps: number;
  ageRequired: boolean;
  /** Two-letter state codes this item may not ship to (per-item, on top of the ruleset). */
  restrictedStates: string[];
  /** Ruleset category id (e.g. `vape_flavored`), or null when unknown (treated as high risk). */
  complianceCategory: string | null;
  flavored: boolean;
  riskLevel: RiskLevel;
  dtcEnabled: boolean;
  /** Weight per unit in grams, or null when Zoho has none. */
  weightGrams: number | null;
  zohoTaxId: string | null;
  active: boolean;
  /** Zoho's sellable figure at the configured location. */
  zohoQuantity: number;
  /** zohoQuantity minus the bridge's own open reservations and unsynced orders; never negative. */
  availableQuantity: number;
  /** When the bridge last read this item's stock from Zoho (epoch ms). */
  stockSeenAt: number;
  zohoLastModified: string | null;
  /** Mapping problems found on this item (missing or mistyped custom fields). */
  mappingProblems: string[];
  hasImage: boolean;
  /** Inside the staged rollout (visible and orderable). */
  live: boolean;
  /** Zoho's own category name (added by the catalog; the storefront filter accepts its slug too). */
  zohoCategory?: string | null;
  zohoCategorySlug?: string | null;
  /** Deleted in Zoho or missing from its last full list. */
  gone?: boolean;
}

export interface CatalogReader {
  /** The product as the storefront sees it; null when unknown or outside the rollout (unless includeHidden). */
  getBySku(sku: string, options?: { includeHidden?: boolean }): Promise<CatalogProduct | null>;
  getManyBySku(skus: string[], options?: { includeHidden?: boolean }): Promise<Map<string, CatalogProduct>>;
  /** Re-read these items from Zoho now (one batched call), e.g. the low-stock check at checkout. */
  refreshItems(zohoItemIds: string[], priority: ZohoPriority): Promise<void>;
}
