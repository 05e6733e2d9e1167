/**
 * Wire-format helpers: Zoho timestamps, business dates, ids, money rounding.
 *
 * The emulated organization keeps its clock at a fixed UTC-08:00 (Pacific
 * standard time, VIP Smoke is in Palm Desert, CA). DST is deliberately not
 * modelled so every timestamp has the same `-0800` offset: a client that
 * parses the offset properly works with any value, and one that ignores it
 * shows up in tests instead of twice a year.
 */

export const ORG_OFFSET_MINUTES = -480;
export const ORG_OFFSET_TEXT = '-0800';
export const ORG_TIME_ZONE = 'America/Los_Angeles';

const OFFSET_MS = ORG_OFFSET_MINUTES * 60_000;

/** `2024-05-21T08:40:03-0800`: org time zone, offset without a colon. */
export function zohoTime(epochMs: number): string {
  return new Date(epochMs + OFFSET_MS).toISOString().slice(0, 19) + ORG_OFFSET_TEXT;
}

/** `yyyy-MM-dd` in the org time zone. */
export function zohoDate(epochMs: number): string {
  return new Date(epochMs + OFFSET_MS).toISOString().slice(0, 10);
}

/** Start of the org-local day containing epochMs, as epoch ms. */
export function orgDayStart(epochMs: number): number {
  const local = epochMs + OFFSET_MS;
  return local - (((local % 86_400_000) + 86_400_000) % 86_400_000) - OFFSET_MS;
}

const ZOHO_TIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})([+-])(\d{2})(\d{2})$/;

/**
 * Parses the documented filter format `yyyy-MM-ddTHH:mm:ss±hhmm`. An unencoded
 * `+` arrives as a space and is refused, as Zoho refuses it.
 */
export function parseZohoTime(text: string): number | null {
  const m = ZOHO_TIME_RE.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, sign, oh, om] = m;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(utc)) return null;
  const offset = (Number(oh) * 60 + Number(om)) * (sign === '-' ? -1 : 1);
  return utc - offset * 60_000;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
export function isZohoDate(text: unknown): text is string {
  return typeof text === 'string' && DATE_RE.test(text) && !Number.isNaN(Date.parse(text));
}

/** Round to cents as Zoho does for amounts (price_precision 2). */
export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/**
 * 19-digit string ids like Zoho's (beyond Number.MAX_SAFE_INTEGER on purpose:
 * a client that parses them as numbers corrupts them). One sequence per kind
 * keeps them deterministic for a given seed.
 */
export type IdKind =
  | 'item'
  | 'location'
  | 'customfield'
  | 'contact'
  | 'contactperson'
  | 'address'
  | 'salesorder'
  | 'lineitem'
  | 'adjustment'
  | 'category'
  | 'group'
  | 'document'
  | 'misc';

const KIND_DIGITS: Record<IdKind, string> = {
  item: '10',
  location: '03',
  customfield: '07',
  contact: '30',
  contactperson: '31',
  address: '32',
  salesorder: '20',
  lineitem: '21',
  adjustment: '40',
  category: '09',
  group: '11',
  document: '12',
  misc: '99',
};

export const ID_PREFIX = '48151620000'; // 11 digits; + 2 kind digits + 6 sequence digits = 19

export class IdGenerator {
  private seq = new Map<IdKind, number>();
  next(kind: IdKind): string {
    const n = (this.seq.get(kind) ?? 0) + 1;
    this.seq.set(kind, n);
    return ID_PREFIX + KIND_DIGITS[kind] + String(n).padStart(6, '0');
  }
}

/** A deterministic pseudo-random generator (mulberry32) for generated items. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
