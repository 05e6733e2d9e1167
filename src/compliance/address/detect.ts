/**
 * The bridge's own address classification. USPS Addresses v3 has no PO-box
 * flag (compliance.md §6.1), so PO boxes, private mailboxes (PMB) and military
 * addresses are recognised from the text here, for every provider.
 */
import type { PostalAddress } from '../types.js';

const normalize = (s: string): string =>
  s
    .toUpperCase()
    .replace(/[.,]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

const PO_BOX_PATTERNS: RegExp[] = [
  // P.O. Box, PO Box, P O Box, POBox12, POB 12, P.O.B.
  /(^|[^A-Z])P\s?O\s?B(OX)?(?=\s|\d|#|$)/,
  /\bPOST\s?OFFICE\s?(BOX|DRAWER)\b/,
  /\bPOSTAL\s?BOX\b/,
  /\bP\s?O\s?DRAWER\b/,
  // Private mailbox at a CMRA.
  /\bPMB\b/,
  // "Box 12", "BOX #12", "#Box 12" (not "Boxwood Ln", not "Box Canyon Rd").
  /(^|\s)#?BOX\s?#?\s?\d+/,
  /\bCALLER\s?BOX\b/,
  /\bLOCK\s?BOX\b/,
];

/** True when the text names a post-office box or a private mailbox. */
export function looksLikePoBox(text: string | null | undefined): boolean {
  if (!text) return false;
  const t = normalize(text);
  return PO_BOX_PATTERNS.some((p) => p.test(t));
}

/** APO/FPO/DPO: the military "states" AA, AE, AP, or a military city name, or a PSC/CMR/Unit line. */
export function isMilitaryAddress(address: Pick<PostalAddress, 'line1' | 'line2' | 'city' | 'state'>): boolean {
  const state = normalize(address.state ?? '');
  if (state === 'AA' || state === 'AE' || state === 'AP') return true;
  const city = normalize(address.city ?? '');
  if (city === 'APO' || city === 'FPO' || city === 'DPO') return true;
  const lines = normalize(`${address.line1 ?? ''} ${address.line2 ?? ''}`);
  return /\b(PSC|CMR|UNIT)\s\d+\s(BOX\s\d+)/.test(lines);
}

export function isPoBoxAddress(address: Pick<PostalAddress, 'line1' | 'line2'>): boolean {
  return looksLikePoBox(address.line1) || looksLikePoBox(address.line2);
}

/**
 * Three-digit ZIP prefixes to states (USPS sectional centers). Good enough to
 * catch a ZIP that belongs to another state; not a substitute for USPS.
 */
const ZIP_PREFIX_RANGES: Array<[number, number, string]> = [
  [5, 5, 'NY'], [6, 9, 'PR'], [10, 27, 'MA'], [28, 29, 'RI'], [30, 38, 'NH'], [39, 49, 'ME'],
  [50, 54, 'VT'], [55, 55, 'MA'], [56, 59, 'VT'], [60, 69, 'CT'], [70, 89, 'NJ'], [90, 99, 'AE'],
  [100, 149, 'NY'], [150, 196, 'PA'], [197, 199, 'DE'], [200, 200, 'DC'], [201, 201, 'VA'],
  [202, 205, 'DC'], [206, 219, 'MD'], [220, 246, 'VA'], [247, 268, 'WV'], [270, 289, 'NC'],
  [290, 299, 'SC'], [300, 319, 'GA'], [320, 339, 'FL'], [340, 340, 'AA'], [341, 349, 'FL'],
  [350, 369, 'AL'], [370, 385, 'TN'], [386, 397, 'MS'], [398, 399, 'GA'], [400, 427, 'KY'],
  [430, 459, 'OH'], [460, 479, 'IN'], [480, 499, 'MI'], [500, 528, 'IA'], [530, 549, 'WI'],
  [550, 567, 'MN'], [569, 569, 'DC'], [570, 577, 'SD'], [580, 588, 'ND'], [590, 599, 'MT'],
  [600, 629, 'IL'], [630, 658, 'MO'], [660, 679, 'KS'], [680, 693, 'NE'], [700, 714, 'LA'],
  [716, 729, 'AR'], [730, 732, 'OK'], [733, 733, 'TX'], [734, 749, 'OK'], [750, 799, 'TX'],
  [800, 816, 'CO'], [820, 831, 'WY'], [832, 838, 'ID'], [840, 847, 'UT'], [850, 865, 'AZ'],
  [870, 884, 'NM'], [885, 885, 'TX'], [889, 898, 'NV'], [900, 961, 'CA'], [962, 966, 'AP'],
  [967, 968, 'HI'], [969, 969, 'GU'], [970, 979, 'OR'], [980, 994, 'WA'], [995, 999, 'AK'],
];

/** The state a ZIP belongs to, or null when the prefix is unassigned or the ZIP malformed. */
export function stateForZip(zip: string): string | null {
  const m = /^(\d{3})\d{2}(-?\d{4})?$/.exec(zip.trim());
  if (!m) return null;
  const prefix = Number(m[1]);
  for (const [from, to, state] of ZIP_PREFIX_RANGES) if (prefix >= from && prefix <= to) return state;
  return null;
}

/** A ZIP in the given state (for drills and demo data). */
export function sampleZipForState(state: string): string | null {
  const range = ZIP_PREFIX_RANGES.find((r) => r[2] === state);
  return range ? `${String(range[0]).padStart(3, '0')}01` : null;
}
