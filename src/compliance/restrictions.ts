/**
 * Where each compliance category can ship, for the storefront's hints before
 * checkout. Derived by running the pure engine (decide) on a synthetic
 * one-line order per (category, flavoured, state) that passes every
 * non-state check (accepted age verification with a matching name, a valid
 * street address, quantity 1), so a refusal or a hold can only come from the
 * state's rules, watchlist entries or missing licences: the law stays in the
 * ruleset and the engine, never re-implemented here.
 *
 * A hint only. City-level rules (`STATE:CITY`), product attributes
 * (`applies_if`, flavour exemptions), quantities and the product's own
 * restrictedStates are not reflected; checkout decides.
 */
import { decide, isoDay, type EngineOptions } from './engine.js';
import type { Ruleset } from './ruleset.js';
import type { ComplianceLine, DecisionOutcome } from './types.js';

/** The 50 states and DC: where the storefront ships. */
export const SHIP_STATES: readonly string[] = [
  'AL', 'AK', 'AZ', 'AR', 'CA', 'CO', 'CT', 'DE', 'DC', 'FL', 'GA', 'HI', 'ID', 'IL', 'IN', 'IA', 'KS',
  'KY', 'LA', 'ME', 'MD', 'MA', 'MI', 'MN', 'MS', 'MO', 'MT', 'NE', 'NV', 'NH', 'NJ', 'NM', 'NY', 'NC',
  'ND', 'OH', 'OK', 'OR', 'PA', 'RI', 'SC', 'SD', 'TN', 'TX', 'UT', 'VT', 'VA', 'WA', 'WV', 'WI', 'WY',
];

export interface CategoryRestrictions {
  /** States that refuse the category (flavoured or not). */
  banned: string[];
  /** States that refuse only the flavoured products of the category (not listed in banned). */
  flavoredBanned: string[];
  /** States where an order of the category is held for review (not listed in banned). */
  review: string[];
  /** States where only the flavoured products are held for review (not in banned, flavoredBanned or review). */
  flavoredReview: string[];
}

export interface StorefrontRestrictions {
  rulesetVersion: string;
  /** The day (UTC, YYYY-MM-DD) the rules were evaluated at. */
  date: string;
  states: string[];
  categories: Record<string, CategoryRestrictions>;
  /** What checkout does with a product of no or an unknown category, in any state. */
  unknownCategory: DecisionOutcome;
}

const PROBE_DOB = '1970-01-01';
const PROBE_NAME = { firstName: 'Probe', lastName: 'Buyer' };

function probeOutcome(ruleset: Ruleset, category: string | null, flavored: boolean, state: string, at: Date, options: EngineOptions): DecisionOutcome {
  const line: ComplianceLine = {
    sku: 'PROBE',
    name: 'probe',
    brand: null,
    quantity: 1,
    ageRequired: false,
    restrictedStates: [],
    complianceCategory: category,
    flavored,
    riskLevel: 'low',
    weightGrams: 100,
    unitPriceCents: 100,
  };
  const address = { line1: '100 Main St', city: 'Springfield', state, zip: '00000', country: 'US' };
  return decide({
    lines: [line],
    customer: { email: 'probe@example.com', dob: PROBE_DOB, ...PROBE_NAME },
    shippingAddress: address,
    address: {
      provider: 'probe',
      status: 'valid',
      standardized: address,
      dpvConfirmed: true,
      cmra: false,
      residential: true,
      vacant: false,
      poBox: false,
      military: false,
    },
    age: { provider: 'probe', status: 'accepted', reference: 'probe', verifiedName: PROBE_NAME },
    ruleset,
    at,
    // The verified name is the buyer's: only the state's rules can refuse or hold the probe.
    options: { ...options, nameMatch: 'strict' },
  }).outcome;
}

/** Every category × {unflavoured, flavoured} × state through the engine (~1000 decisions). */
export function computeRestrictions(ruleset: Ruleset, at: Date, options: EngineOptions = {}, states: readonly string[] = SHIP_STATES): StorefrontRestrictions {
  const categories: Record<string, CategoryRestrictions> = {};
  for (const id of Object.keys(ruleset.categories).sort()) {
    const r: CategoryRestrictions = { banned: [], flavoredBanned: [], review: [], flavoredReview: [] };
    for (const st of states) {
      const plain = probeOutcome(ruleset, id, false, st, at, options);
      const flavored = probeOutcome(ruleset, id, true, st, at, options);
      if (plain === 'deny') r.banned.push(st);
      else if (flavored === 'deny') r.flavoredBanned.push(st);
      else if (plain === 'review') r.review.push(st);
      else if (flavored === 'review') r.flavoredReview.push(st);
    }
    categories[id] = r;
  }
  return {
    rulesetVersion: ruleset.version,
    date: isoDay(at),
    states: [...states],
    categories,
    unknownCategory: probeOutcome(ruleset, null, false, states[0] ?? 'CA', at, options),
  };
}

/** Caches computeRestrictions per ruleset version and UTC day. */
export function restrictionsProvider(ruleset: Ruleset, options: EngineOptions = {}): (at: Date) => StorefrontRestrictions {
  let cached: StorefrontRestrictions | null = null;
  return (at) => {
    const day = isoDay(at);
    if (!cached || cached.date !== day || cached.rulesetVersion !== ruleset.version) cached = computeRestrictions(ruleset, at, options);
    return cached;
  };
}
