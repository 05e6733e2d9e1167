import type { AddressValidationResult, AgeVerificationResult, ComplianceLine, PostalAddress } from '../../src/compliance/types.js';
import type { EngineInput } from '../../src/compliance/engine.js';
import { loadRuleset, type Ruleset } from '../../src/compliance/ruleset.js';
import { sampleZipForState } from '../../src/compliance/address/detect.js';

export const SHIPPED = loadRuleset(undefined, { env: {} });
export const AT = new Date('2026-11-28T12:00:00Z');

export function line(category: string | null, overrides: Partial<ComplianceLine> = {}, ruleset: Ruleset = SHIPPED): ComplianceLine {
  const def = category ? ruleset.categories[category] : undefined;
  return {
    sku: `SKU-${category ?? 'unknown'}`,
    name: `Test ${category}`,
    brand: 'Brand',
    quantity: 1,
    ageRequired: def?.age_restricted ?? true,
    restrictedStates: [],
    complianceCategory: category,
    flavored: false,
    riskLevel: def?.risk_level ?? 'high',
    weightGrams: 100,
    unitPriceCents: 1000,
    ...overrides,
  };
}

export function addressIn(state: string, overrides: Partial<PostalAddress> = {}): PostalAddress {
  return { line1: '100 Main St', line2: null, city: 'Testville', state, zip: sampleZipForState(state) ?? '99999', ...overrides };
}

export function validAddress(address: PostalAddress, overrides: Partial<AddressValidationResult> = {}): AddressValidationResult {
  return {
    provider: 'test',
    status: 'valid',
    standardized: { ...address, country: 'US' },
    dpvConfirmed: true,
    cmra: false,
    residential: true,
    vacant: false,
    poBox: false,
    military: false,
    ...overrides,
  };
}

export function accepted(first = 'Ana', last = 'Ruiz', overrides: Partial<AgeVerificationResult> = {}): AgeVerificationResult {
  return { provider: 'test', status: 'accepted', reference: 'ref-1', verifiedName: { firstName: first, lastName: last }, ...overrides };
}

export const CUSTOMER = { email: 'ana@example.com', firstName: 'Ana', lastName: 'Ruiz', dob: '1990-04-12', phone: null };

/** An allowed baseline: adult, verified, valid address in the state, one line. */
export function baseInput(state: string, lines: ComplianceLine[], overrides: Partial<EngineInput> = {}): EngineInput {
  const address = addressIn(state);
  return {
    lines,
    customer: CUSTOMER,
    shippingAddress: address,
    address: validAddress(address),
    age: accepted(),
    ruleset: SHIPPED,
    at: AT,
    ...overrides,
  };
}

/** The shipped ruleset with every licence declared held and no watchlist: isolates one rule's effect. */
export function isolatedRuleset(mutate?: (r: Ruleset) => void): Ruleset {
  const r = structuredClone(SHIPPED) as Ruleset;
  const licences = new Set(r.rules.flatMap((x) => x.license_required ?? []));
  r.seller.licenses_held = [...licences].map((license) => ({ license, jurisdictions: ['*'] }));
  r.watchlist_unconfirmed = [];
  mutate?.(r);
  return r;
}
