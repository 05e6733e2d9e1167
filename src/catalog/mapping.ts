/**
 * Zoho item → catalog fields. Custom fields are resolved by api_name (labels
 * are user-editable and repeat across modules, reference/zoho-api.md §5.5),
 * from `custom_fields[]` or `custom_field_hash`. Every parse is defensive:
 * Zoho sends numbers as numbers or strings, empties as "", checkboxes as
 * booleans or words. A missing or mistyped compliance field never stops a
 * sync: the item gets the safe value and a recorded problem.
 */
import { toCents } from '../shared/money.js';
import type { ZohoItem } from '../zoho/types.js';
import type { RiskLevel } from './types.js';

export const LOGICAL_FIELDS = [
  'description',
  'msrp',
  'clubDiscount',
  'ageRequired',
  'restrictedStates',
  'complianceCategory',
  'flavored',
  'riskLevel',
  'dtcEnabled',
] as const;
export type LogicalField = (typeof LOGICAL_FIELDS)[number];
export type FieldMap = Record<LogicalField, string>;

export const DEFAULT_FIELD_MAP: FieldMap = {
  description: 'cf_dtc_description',
  msrp: 'cf_msrp',
  clubDiscount: 'cf_club_discount',
  ageRequired: 'cf_age_required',
  restrictedStates: 'cf_restricted_states',
  complianceCategory: 'cf_compliance_category',
  flavored: 'cf_flavored',
  riskLevel: 'cf_risk_level',
  dtcEnabled: 'cf_dtc_enabled',
};

/**
 * CUSTOM_FIELD_MAP: a JSON object `{ "<logical field>": "<api_name>" }`
 * overriding the defaults, e.g. `{"msrp":"cf_retail_price"}`. Throws a
 * one-line error naming the bad key, for the config loader to report.
 */
export function parseFieldMap(input: string | Partial<Record<string, string>> | undefined | null): FieldMap {
  if (input === undefined || input === null || input === '') return { ...DEFAULT_FIELD_MAP };
  let obj: unknown = input;
  if (typeof input === 'string') {
    try {
      obj = JSON.parse(input);
    } catch {
      throw new Error('CUSTOM_FIELD_MAP must be a JSON object like {"msrp":"cf_msrp"}');
    }
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new Error('CUSTOM_FIELD_MAP must be a JSON object like {"msrp":"cf_msrp"}');
  }
  const map: FieldMap = { ...DEFAULT_FIELD_MAP };
  for (const [key, value] of Object.entries(obj as Record<string, unknown>)) {
    if (!(LOGICAL_FIELDS as readonly string[]).includes(key)) {
      throw new Error(`CUSTOM_FIELD_MAP has an unknown field "${key}" (known: ${LOGICAL_FIELDS.join(', ')})`);
    }
    if (typeof value !== 'string' || !/^[A-Za-z0-9_]+$/.test(value)) {
      throw new Error(`CUSTOM_FIELD_MAP.${key} must be a Zoho api_name such as "cf_msrp"`);
    }
    map[key as LogicalField] = value;
  }
  return map;
}

export interface FieldProblem {
  field: LogicalField | 'stock' | 'msrp' | 'sku';
  problem: 'missing' | 'invalid' | 'location_missing' | 'location_not_configured' | 'unknown_state';
  detail?: string;
}

/** Reads a custom field value by api_name: `custom_fields[]` first, then `custom_field_hash` (unformatted value preferred). */
export function readCustomField(item: ZohoItem, apiName: string): { found: boolean; value: unknown } {
  const list = item.custom_fields;
  if (Array.isArray(list)) {
    for (const f of list) {
      if (f && (f.api_name === apiName || (f.api_name === undefined && f.placeholder === apiName))) {
        return { found: !isEmpty(f.value), value: f.value };
      }
    }
  }
  return readFromHash(item, apiName);
}

/** `custom_field_hash` fallback: the unformatted value first (typed), then the formatted one. */
function readFromHash(item: ZohoItem, apiName: string): { found: boolean; value: unknown } {
  const hash = item.custom_field_hash;
  if (hash && typeof hash === 'object') {
    if (Object.prototype.hasOwnProperty.call(hash, `${apiName}_unformatted`)) {
      const v = hash[`${apiName}_unformatted`];
      if (!isEmpty(v)) return { found: true, value: v };
    }
    if (Object.prototype.hasOwnProperty.call(hash, apiName)) {
      const v = hash[apiName];
      return { found: !isEmpty(v), value: v };
    }
  }
  return { found: false, value: undefined };
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);
}

// ---- scalar parsers: each returns undefined for "not that type" ----

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 'on', 'checked', 'x']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0', 'off', 'unchecked']);

export function parseCheckbox(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : undefined;
  if (typeof value === 'string') {
    const w = value.trim().toLowerCase();
    if (TRUE_WORDS.has(w)) return true;
    if (FALSE_WORDS.has(w)) return false;
  }
  return undefined;
}

/** Currency to integer cents; undefined when not a non-negative amount. */
export function parseMoneyCents(value: unknown): number | undefined {
  if (typeof value === 'number' && !Number.isFinite(value)) return undefined;
  const cents = toCents(typeof value === 'string' ? value.replace(/^USD\s*/i, '') : value);
  return cents === undefined || cents < 0 ? undefined : cents;
}

/** Percent (12.5, "12.5", "12.5 %") to basis points (1250); 0..100 only. */
export function parsePercentBps(value: unknown): number | undefined {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    text = value.toFixed(6);
  } else if (typeof value === 'string') text = value.trim().replace(/\s*%$/, '');
  else return undefined;
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return undefined;
  const frac = ((m[2] ?? '') + '000').slice(0, 3);
  let bps = Number(m[1]) * 100 + Number(frac.slice(0, 2));
  if (Number(frac[2]) >= 5) bps += 1;
  return bps > 10000 ? undefined : bps;
}

export const US_STATES: Record<string, string> = {
  AL: 'Alabama', AK: 'Alaska', AZ: 'Arizona', AR: 'Arkansas', CA: 'California', CO: 'Colorado',
  CT: 'Connecticut', DE: 'Delaware', DC: 'District of Columbia', FL: 'Florida', GA: 'Georgia',
  HI: 'Hawaii', ID: 'Idaho', IL: 'Illinois', IN: 'Indiana', IA: 'Iowa', KS: 'Kansas', KY: 'Kentucky',
  LA: 'Louisiana', ME: 'Maine', MD: 'Maryland', MA: 'Massachusetts', MI: 'Michigan', MN: 'Minnesota',
  MS: 'Mississippi', MO: 'Missouri', MT: 'Montana', NE: 'Nebraska', NV: 'Nevada', NH: 'New Hampshire',
  NJ: 'New Jersey', NM: 'New Mexico', NY: 'New York', NC: 'North Carolina', ND: 'North Dakota',
  OH: 'Ohio', OK: 'Oklahoma', OR: 'Oregon', PA: 'Pennsylvania', RI: 'Rhode Island', SC: 'South Carolina',
  SD: 'South Dakota', TN: 'Tennessee', TX: 'Texas', UT: 'Utah', VT: 'Vermont', VA: 'Virginia',
  WA: 'Washington', WV: 'West Virginia', WI: 'Wisconsin', WY: 'Wyoming', PR: 'Puerto Rico', GU: 'Guam',
  VI: 'U.S. Virgin Islands', AS: 'American Samoa', MP: 'Northern Mariana Islands',
};
const STATE_BY_NAME = new Map<string, string>();
for (const [code, name] of Object.entries(US_STATES)) {
  STATE_BY_NAME.set(squash(name), code);
  STATE_BY_NAME.set(code.toLowerCase(), code);
}
STATE_BY_NAME.set('washingtondc', 'DC');
STATE_BY_NAME.set('virginislands', 'VI');
STATE_BY_NAME.set('usvirginislands', 'VI');

function squash(s: string): string {
  return s.toLowerCase().replace(/[^a-z]/g, '');
}

/** One state, as a code or a name ("ca", "California", "New-York"); undefined when unknown. */
export function normalizeState(value: string): string | undefined {
  return STATE_BY_NAME.get(squash(value));
}

/** A multi-select (array or comma/semicolon/pipe-separated string) to sorted unique codes, plus the entries not understood. */
export function parseStateList(value: unknown): { states: string[]; unknown: string[] } | undefined {
  let parts: unknown[];
  if (Array.isArray(value)) parts = value.flatMap((v) => (typeof v === 'string' ? v.split(/[,;|]/) : [v]));
  else if (typeof value === 'string') parts = value.split(/[,;|\n]/);
  else return undefined;
  const states = new Set<string>();
  const unknown: string[] = [];
  for (const p of parts) {
    const text = typeof p === 'string' ? p.trim() : p && typeof p === 'object' && 'name' in p ? String((p as { name: unknown }).name).trim() : String(p);
    if (text === '') continue;
    const code = normalizeState(text);
    if (code) states.add(code);
    else unknown.push(text);
  }
  return { states: [...states].sort(), unknown };
}

export function parseRiskLevel(value: unknown): RiskLevel | undefined {
  if (typeof value !== 'string') return undefined;
  const w = value.trim().toLowerCase();
  for (const level of ['low', 'medium', 'high'] as const) if (w === level || w.startsWith(`${level} `) || w.startsWith(`${level}-`)) return level;
  if (w === 'med' || w === 'moderate') return 'medium';
  return undefined;
}

/** `Tobacco - Cigars` → `tobacco_cigars`; ruleset ids pass through unchanged. */
export function slugify(value: string): string {
  // Categories repeat across a catalog: a sync maps each name once.
  let slug = slugMemo.get(value);
  if (slug !== undefined) return slug;
  slug = slugifyText(value);
  if (slugMemo.size >= 1000) slugMemo.clear();
  slugMemo.set(value, slug);
  return slug;
}

const slugMemo = new Map<string, string>();

function slugifyText(value: string): string {
  return value
    .trim()
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

const GRAMS_PER: Record<string, number> = { g: 1, gm: 1, gms: 1, gram: 1, grams: 1, kg: 1000, kgs: 1000, lb: 453.59237, lbs: 453.59237, oz: 28.349523125 };

/** Zoho `weight` + `weight_unit` to whole grams; null when absent or unusable. */
export function parseWeightGrams(weight: unknown, unit: unknown): number | null {
  const n = parseNumber(weight);
  if (n === undefined || n <= 0) return null;
  const u = typeof unit === 'string' && unit.trim() !== '' ? unit.trim().toLowerCase() : 'g';
  const factor = GRAMS_PER[u];
  if (factor === undefined) return null;
  return Math.round(n * factor);
}

/** Zoho decimals: 5, "5.000000", "" → undefined. */
export function parseNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value.trim().replace(/,/g, ''));
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

// ---- Zoho timestamps ----

/** `2024-02-01T10:54:54+0200` (offset without colon; also accepts ISO) → epoch ms, or null. */
export function parseZohoTime(value: unknown): number | null {
  if (typeof value !== 'string' || value === '') return null;
  const fixed = value.replace(/([+-])(\d{2})(\d{2})$/, '$1$2:$3');
  const ms = Date.parse(fixed);
  return Number.isFinite(ms) ? ms : null;
}

/** The offset of a Zoho timestamp in minutes (`+0200` → 120); 0 when absent. */
export function zohoOffsetMinutes(value: string | null | undefined): number {
  const m = value ? /([+-])(\d{2}):?(\d{2})$/.exec(value) : null;
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** epoch ms → `yyyy-MM-ddTHH:mm:ss±hhmm` in the given offset (Zoho's filter format). */
export function formatZohoTime(ms: number, offsetMinutes = 0): string {
  const d = new Date(ms + offsetMinutes * 60_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}` +
    `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  );
}

// ---- stock ----

export const STOCK_FIGURES = ['actual_available_for_sale', 'available_for_sale', 'actual_available', 'available', 'stock_on_hand'] as const;
export type StockFigure = (typeof STOCK_FIGURES)[number];

const FIGURE_SUFFIX: Record<StockFigure, string> = {
  actual_available_for_sale: 'actual_available_for_sale_stock',
  available_for_sale: 'available_for_sale_stock',
  actual_available: 'actual_available_stock',
  available: 'available_stock',
  stock_on_hand: 'stock_on_hand',
};

export interface StockReading {
  /** Sellable whole units: the figure floored and clamped at 0 (0 when the location is missing). */
  quantity: number;
  /** The figure as Zoho sent it; null when the location was not found. */
  raw: number | null;
  shape: 'locations' | 'warehouses' | null;
  problem?: FieldProblem;
}

/**
 * The configured figure at one location, from `locations[]` (current orgs) or
 * legacy `warehouses[]`. Never the organization total: an item without the
 * location is not sellable here.
 */
export function extractStock(item: ZohoItem, locationId: string | undefined, figure: StockFigure = 'actual_available_for_sale'): StockReading {
  const suffix = FIGURE_SUFFIX[figure];
  if (!locationId) {
    return { quantity: 0, raw: null, shape: null, problem: { field: 'stock', problem: 'location_not_configured', detail: 'ZOHO_LOCATION_ID is not set' } };
  }
  let entry: Record<string, unknown> | undefined;
  let prefix = '';
  let shape: StockReading['shape'] = null;
  if (Array.isArray(item.locations)) {
    shape = 'locations';
    prefix = 'location_';
    entry = item.locations.find((l) => String(l.location_id) === locationId);
  }
  if (!entry && Array.isArray(item.warehouses)) {
    shape = 'warehouses';
    prefix = 'warehouse_';
    entry = item.warehouses.find((w) => String(w.warehouse_id) === locationId);
  }
  if (!entry) {
    return { quantity: 0, raw: null, shape, problem: { field: 'stock', problem: 'location_missing', detail: `no stock entry for location ${locationId}` } };
  }
  const raw = parseNumber(entry[`${prefix}${suffix}`]);
  if (raw === undefined) {
    return { quantity: 0, raw: null, shape, problem: { field: 'stock', problem: 'invalid', detail: `${prefix}${suffix} is missing or not a number` } };
  }
  return { quantity: raw > 0 ? Math.floor(raw + 1e-9) : 0, raw, shape };
}

// ---- the whole item ----

export interface MappedItem {
  itemId: string;
  sku: string | null;
  name: string;
  description: string;
  brand: string | null;
  categoryId: string | null;
  categoryName: string | null;
  categorySlug: string | null;
  status: 'active' | 'inactive';
  rateCents: number | null;
  msrpCents: number;
  clubDiscountBps: number;
  ageRequired: boolean;
  restrictedStates: string[];
  complianceCategory: string | null;
  flavored: boolean;
  riskLevel: RiskLevel;
  dtcEnabled: boolean;
  weightGrams: number | null;
  taxId: string | null;
  lastModified: string | null;
  lastModifiedMs: number | null;
  imageKey: string | null;
  problems: FieldProblem[];
}

function str(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  const s = String(v).trim();
  return s === '' ? null : s;
}

/** Fields present in both list rows and details (no custom fields, no per-location stock). */
export function mapListFields(item: ZohoItem): Omit<MappedItem, 'msrpCents' | 'clubDiscountBps' | 'ageRequired' | 'restrictedStates' | 'complianceCategory' | 'flavored' | 'riskLevel' | 'dtcEnabled' | 'problems' | 'description'> & { zohoDescription: string } {
  const categoryName = str(item.category_name);
  const lastModified = str(item.last_modified_time);
  const imageId = str(item.image_document_id) ?? str(item.image_name);
  return {
    itemId: String(item.item_id),
    sku: str(item.sku),
    name: str(item.name) ?? str(item.item_name) ?? '',
    zohoDescription: str(item.description) ?? '',
    brand: str(item.brand) ?? str(item.manufacturer),
    categoryId: str(item.category_id),
    categoryName,
    categorySlug: categoryName ? slugify(categoryName) : null,
    status: String(item.status ?? 'active').toLowerCase() === 'inactive' ? 'inactive' : 'active',
    rateCents: parseMoneyCents(item.rate) ?? null,
    weightGrams: parseWeightGrams(item.weight, item.weight_unit),
    taxId: str(item.tax_id),
    lastModified,
    lastModifiedMs: parseZohoTime(lastModified),
    imageKey: imageId ? `${imageId}@${str(item.image_name) ?? ''}` : null,
  };
}

/**
 * The `custom_fields[]` entries by api_name (or placeholder when api_name is
 * absent), first entry winning: the same answer as readCustomField, from one
 * pass over the array instead of one per logical field.
 */
function customFieldIndex(item: ZohoItem): Map<string, unknown> | null {
  const list = item.custom_fields;
  if (!Array.isArray(list) || list.length === 0) return null;
  const idx = new Map<string, unknown>();
  for (const f of list) {
    if (!f) continue;
    const key = f.api_name !== undefined ? f.api_name : f.placeholder;
    if (typeof key === 'string' && !idx.has(key)) idx.set(key, f.value);
  }
  return idx;
}

function readIndexed(item: ZohoItem, idx: Map<string, unknown> | null, apiName: string): { found: boolean; value: unknown } {
  if (idx !== null && idx.has(apiName)) {
    const value = idx.get(apiName);
    return { found: !isEmpty(value), value };
  }
  return readFromHash(item, apiName);
}

function badField(problems: FieldProblem[], fieldMap: FieldMap, field: LogicalField, value: unknown): void {
  problems.push({ field, problem: 'invalid', detail: `${fieldMap[field]} has an unusable value ${JSON.stringify(value)?.slice(0, 60)}` });
}

function missingField(problems: FieldProblem[], fieldMap: FieldMap, field: LogicalField): void {
  problems.push({ field, problem: 'missing', detail: `${fieldMap[field]} is not set` });
}

/** A detail (with custom fields) to every catalog field, with the problems found. */
export function mapItem(item: ZohoItem, fieldMap: FieldMap = DEFAULT_FIELD_MAP): MappedItem {
  const base = mapListFields(item);
  const problems: FieldProblem[] = [];
  // Module-level helpers, not closures: a full sync maps every item, and closures cost per call.
  const idx = customFieldIndex(item);

  // Text: the DTC copy wins, Zoho's description otherwise.
  const desc = readIndexed(item, idx, fieldMap.description);
  const description = desc.found && typeof desc.value === 'string' ? desc.value.trim() : base.zohoDescription;

  // MSRP falls back to the Zoho rate (types.ts contract); both missing is a problem.
  let msrpCents = base.rateCents ?? 0;
  const msrp = readIndexed(item, idx, fieldMap.msrp);
  if (msrp.found) {
    const c = parseMoneyCents(msrp.value);
    if (c === undefined) badField(problems, fieldMap, 'msrp', msrp.value);
    else msrpCents = c;
  } else if (base.rateCents === null) problems.push({ field: 'msrp', problem: 'missing', detail: `${fieldMap.msrp} and the Zoho rate are both empty` });

  let clubDiscountBps = 0;
  const club = readIndexed(item, idx, fieldMap.clubDiscount);
  if (club.found) {
    const b = parsePercentBps(club.value);
    if (b === undefined) badField(problems, fieldMap, 'clubDiscount', club.value);
    else clubDiscountBps = b;
  }

  // Compliance fields: missing or unusable → the safe value.
  let ageRequired = true;
  const age = readIndexed(item, idx, fieldMap.ageRequired);
  if (age.found) {
    const b = parseCheckbox(age.value);
    if (b === undefined) badField(problems, fieldMap, 'ageRequired', age.value);
    else ageRequired = b;
  } else missingField(problems, fieldMap, 'ageRequired');

  let restrictedStates: string[] = [];
  const rs = readIndexed(item, idx, fieldMap.restrictedStates);
  if (rs.found) {
    const parsed = parseStateList(rs.value);
    if (!parsed) badField(problems, fieldMap, 'restrictedStates', rs.value);
    else {
      restrictedStates = parsed.states;
      if (parsed.unknown.length > 0) {
        problems.push({ field: 'restrictedStates', problem: 'unknown_state', detail: `not a US state: ${parsed.unknown.slice(0, 5).join(', ')}` });
      }
    }
  }

  let complianceCategory: string | null = null;
  const cat = readIndexed(item, idx, fieldMap.complianceCategory);
  if (cat.found) {
    const v = Array.isArray(cat.value) && cat.value.length === 1 ? cat.value[0] : cat.value;
    const slug = typeof v === 'string' ? slugify(v) : '';
    if (slug !== '') complianceCategory = slug;
    else badField(problems, fieldMap, 'complianceCategory', cat.value);
  } else missingField(problems, fieldMap, 'complianceCategory');

  let flavored = false;
  const fl = readIndexed(item, idx, fieldMap.flavored);
  if (fl.found) {
    const b = parseCheckbox(fl.value);
    if (b === undefined) {
      badField(problems, fieldMap, 'flavored', fl.value);
      flavored = true;
    } else flavored = b;
  }

  let riskLevel: RiskLevel = 'high';
  const rl = readIndexed(item, idx, fieldMap.riskLevel);
  if (rl.found) {
    const r = parseRiskLevel(rl.value);
    if (r === undefined) badField(problems, fieldMap, 'riskLevel', rl.value);
    else riskLevel = r;
  } else missingField(problems, fieldMap, 'riskLevel');

  let dtcEnabled = false;
  const de = readIndexed(item, idx, fieldMap.dtcEnabled);
  if (de.found) {
    const b = parseCheckbox(de.value);
    if (b === undefined) badField(problems, fieldMap, 'dtcEnabled', de.value);
    else dtcEnabled = b;
  }

  if (!base.sku) problems.push({ field: 'sku', problem: 'missing', detail: 'the item has no SKU and cannot be sold' });

  const { zohoDescription: _z, ...rest } = base;
  return {
    ...rest,
    description,
    msrpCents,
    clubDiscountBps,
    ageRequired,
    restrictedStates,
    complianceCategory,
    flavored,
    riskLevel,
    dtcEnabled,
    problems,
  };
}

export function problemText(p: FieldProblem): string {
  return `${p.field}: ${p.problem}${p.detail ? ` (${p.detail})` : ''}`;
}

/** Org-wide stock aggregates a list row may carry (Zoho sends some or all; the emulator the first three). */
export const LIST_STOCK_AGGREGATES = [
  'stock_on_hand',
  'available_stock',
  'actual_available_stock',
  'available_for_sale_stock',
  'actual_available_for_sale_stock',
  'committed_stock',
  'actual_committed_stock',
] as const;

/**
 * A compact signature of a list row's stock aggregates (absent fields as
 * empty), so the sweep can tell "some stock of this item moved somewhere" from
 * three list calls instead of ten detail calls. Zoho sends numbers or numeric
 * strings ("5.000000"); both normalize to the same text.
 */
export function listStockSig(row: ZohoItem): string {
  const r = row as unknown as Record<string, unknown>;
  let out = '';
  for (let i = 0; i < LIST_STOCK_AGGREGATES.length; i++) {
    const v = r[LIST_STOCK_AGGREGATES[i]!];
    if (i > 0) out += '|';
    if (v === undefined || v === null || v === '') continue;
    const n = typeof v === 'number' ? v : Number(v);
    out += Number.isFinite(n) ? String(n) : String(v);
  }
  return out;
}
