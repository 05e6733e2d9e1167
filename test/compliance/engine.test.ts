import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decide, ageInYears, ruleIdsOf, namesMatch, packCount, type EngineInput } from '../../src/compliance/engine.js';
import type { Ruleset } from '../../src/compliance/ruleset.js';
import type { AgeVerificationStatus, ComplianceLine } from '../../src/compliance/types.js';
import { REASON_CODES } from '../../src/compliance/reason-codes.js';
import { AT, CUSTOMER, SHIPPED, accepted, addressIn, baseInput, isolatedRuleset, line, validAddress } from './helpers.js';

const codes = (d: ReturnType<typeof decide>) => d.reasons.map((r) => r.code);
const reqs = (d: ReturnType<typeof decide>) => d.requirements.map((r) => r.code);
const dobForAge = (age: number, at = AT) => {
  const d = new Date(at);
  d.setUTCFullYear(d.getUTCFullYear() - age);
  return d.toISOString().slice(0, 10);
};
const today = AT.toISOString().slice(0, 10);

describe('every rule of the shipped ruleset (table-driven)', () => {
  const rs = isolatedRuleset();
  const noLicences = isolatedRuleset((r) => {
    r.seller.licenses_held = [];
  });
  for (const rule of SHIPPED.rules) {
    const active = (!rule.effective_date || rule.effective_date <= today) && (!rule.expires_date || rule.expires_date > today);
    for (const j of rule.jurisdictions) {
      const state = j === 'US' ? 'TX' : j;
      const category = rule.categories[0]!;
      it(`${rule.id}: ${category} to ${state}`, () => {
        const l = line(category, { flavored: Boolean(rule.flavored_banned), sku: 'L1' }, rs);
        const d = decide(baseInput(state, [l], { ruleset: rs }));
        if (!active) {
          expect(d.appliedRules).not.toContain(rule.id);
          return;
        }
        expect(d.appliedRules).toContain(rule.id);
        const mine = d.reasons.filter((r) => ruleIdsOf(r).includes(rule.id));
        if (rule.ship_banned) {
          expect(mine).toContainEqual(expect.objectContaining({ code: 'state_ship_ban', sku: 'L1', effect: 'deny', source: expect.stringContaining(rule.source) }));
          expect(d.outcome).toBe('deny');
        }
        if (rule.flavored_banned) {
          expect(mine).toContainEqual(expect.objectContaining({ code: 'flavored_ban', sku: 'L1', effect: 'deny' }));
          const unflavored = decide(baseInput(state, [{ ...l, flavored: false }], { ruleset: rs }));
          expect(unflavored.reasons.filter((r) => ruleIdsOf(r).includes(rule.id) && r.code === 'flavored_ban')).toEqual([]);
        }
        if (rule.min_age !== undefined) {
          const young = decide(baseInput(state, [l], { ruleset: rs, customer: { ...CUSTOMER, dob: dobForAge(rule.min_age - 1) } }));
          expect(codes(young)).toContain('under_age');
          expect(young.outcome).toBe('deny');
          expect(young.minAge).toBeGreaterThanOrEqual(rule.min_age);
        }
        if (rule.requires_adult_signature) expect(reqs(d)).toContain('adult_signature_id_check');
        if (rule.usps_allowed === false) expect(reqs(d)).toContain('no_usps');
        if (rule.po_box_allowed === false || rule.military_allowed === false) {
          expect(reqs(d)).toContain('no_po_box');
          const box = addressIn(state, { line1: 'PO Box 77' });
          const boxed = decide(baseInput(state, [l], { ruleset: rs, shippingAddress: box, address: validAddress(box, { poBox: true }) }));
          expect(codes(boxed)).toContain('po_box_not_allowed');
          expect(boxed.outcome).toBe('deny');
        }
        if (rule.max_package_weight_lb !== undefined) {
          const heavy = decide(baseInput(state, [{ ...l, quantity: 3, weightGrams: 2000 }], { ruleset: rs }));
          expect(heavy.packages).toBe(2);
          expect(heavy.requirements).toContainEqual(expect.objectContaining({ code: 'package_split', packages: 2 }));
        }
        if (rule.license_required?.length) {
          const unlicensed = decide(baseInput(state, [l], { ruleset: noLicences }));
          expect(unlicensed.reasons.filter((r) => ruleIdsOf(r).includes(rule.id))).toContainEqual(expect.objectContaining({ code: 'license_required', effect: 'review' }));
          expect(unlicensed.outcome).not.toBe('allow');
        }
      });
    }
  }
});

describe('watchlist (unconfirmed) entries', () => {
  const withWatchlist = isolatedRuleset((r) => {
    r.watchlist_unconfirmed = structuredClone(SHIPPED.watchlist_unconfirmed);
  });
  for (const w of SHIPPED.watchlist_unconfirmed) {
    for (const state of w.jurisdictions) {
      it(`${w.id} holds ${w.categories[0]} to ${state}`, () => {
        const l = line(w.categories[0]!, { sku: 'W1' }, withWatchlist);
        const d = decide(baseInput(state, [l], { ruleset: withWatchlist }));
        expect(d.reasons.filter((r) => ruleIdsOf(r).includes(w.id))).toContainEqual(expect.objectContaining({ code: 'unconfirmed_rule_review', effect: 'review', sku: 'W1' }));
        expect(d.outcome).not.toBe('allow');
        const denied = decide(baseInput(state, [l], { ruleset: withWatchlist, options: { unconfirmedAction: 'deny' } }));
        expect(denied.reasons.filter((r) => ruleIdsOf(r).includes(w.id))).toContainEqual(expect.objectContaining({ effect: 'deny' }));
        expect(denied.outcome).toBe('deny');
        const ignored = decide(baseInput(state, [l], { ruleset: withWatchlist, options: { unconfirmedAction: 'ignore' } }));
        expect(ignored.reasons.filter((r) => ruleIdsOf(r).includes(w.id))).toEqual([]);
      });
    }
  }

  it('a rule with confidence unconfirmed holds instead of refusing (default review)', () => {
    const rs = isolatedRuleset((r) => {
      r.rules.push({ id: 'TX-TEST-UNCONFIRMED', jurisdictions: ['TX'], categories: ['accessories'], ship_banned: true, confidence: 'unconfirmed', source: 'test' });
    });
    const d = decide(baseInput('TX', [line('accessories', {}, rs)], { ruleset: rs }));
    expect(d.outcome).toBe('review');
    expect(d.reasons).toEqual([expect.objectContaining({ code: 'unconfirmed_rule_review', ruleId: 'TX-TEST-UNCONFIRMED', effect: 'review' })]);
    expect(decide(baseInput('TX', [line('accessories', {}, rs)], { ruleset: rs, options: { unconfirmedAction: 'deny' } })).outcome).toBe('deny');
    expect(decide(baseInput('TX', [line('accessories', {}, rs)], { ruleset: rs, options: { unconfirmedAction: 'ignore' } })).outcome).toBe('allow');
  });
});

describe('one reason per finding', () => {
  it('two rules banning the same line to the same state give one reason carrying both rule ids and sources', () => {
    const rs = isolatedRuleset((r) => {
      r.rules.push(
        { id: 'TX-TEST-BAN-A', jurisdictions: ['TX'], categories: ['accessories'], ship_banned: true, confidence: 'primary', source: 'source A' },
        { id: 'TX-TEST-BAN-B', jurisdictions: ['TX'], categories: ['accessories'], ship_banned: true, confidence: 'secondary', source: 'source B' },
      );
    });
    const d = decide(baseInput('TX', [line('accessories', { sku: 'ACC-1' }, rs)], { ruleset: rs }));
    const bans = d.reasons.filter((r) => r.code === 'state_ship_ban');
    expect(bans).toHaveLength(1);
    expect(bans[0]).toMatchObject({ sku: 'ACC-1', effect: 'deny', ruleId: 'TX-TEST-BAN-A, TX-TEST-BAN-B', source: 'source A | source B' });
    expect(ruleIdsOf(bans[0]!)).toEqual(['TX-TEST-BAN-A', 'TX-TEST-BAN-B']);
    expect(d.appliedRules).toEqual(expect.arrayContaining(['TX-TEST-BAN-A', 'TX-TEST-BAN-B']));
    expect(d.outcome).toBe('deny');
  });

  it('the same rule on two lines of one SKU, and two SKUs, stay one reason per SKU', () => {
    const rs = isolatedRuleset((r) => {
      r.rules.push({ id: 'TX-TEST-BAN', jurisdictions: ['TX'], categories: ['accessories'], ship_banned: true, confidence: 'primary', source: 's' });
    });
    const a = line('accessories', { sku: 'A' }, rs);
    const b = line('accessories', { sku: 'B' }, rs);
    const d = decide(baseInput('TX', [a, { ...a }, b], { ruleset: rs }));
    expect(d.reasons.filter((r) => r.code === 'state_ship_ban').map((r) => r.sku)).toEqual(['A', 'B']);
  });

  it('no reason repeats (code, sku, message) for any state and category of the shipped ruleset', () => {
    const rs = isolatedRuleset((r) => {
      r.seller.licenses_held = [];
      r.watchlist_unconfirmed = structuredClone(SHIPPED.watchlist_unconfirmed);
    });
    const states = [...new Set(SHIPPED.rules.flatMap((r) => r.jurisdictions).filter((j) => !j.includes(':')).map((j) => (j === 'US' ? 'TX' : j)))];
    let merged = 0;
    for (const category of Object.keys(SHIPPED.categories)) {
      for (const state of states) {
        const d = decide(baseInput(state, [line(category, { sku: 'L1', flavored: true }, rs)], { ruleset: rs }));
        const keys = d.reasons.map((r) => `${r.code}|${r.sku ?? ''}|${r.message}`);
        expect(new Set(keys).size, `${category} to ${state}: ${keys.join(' / ')}`).toBe(keys.length);
        merged += d.reasons.filter((r) => ruleIdsOf(r).length > 1).length;
      }
    }
    // CA-FLAVOR-BAN and CA-FLAVOR-BAN-DELIVERY-SELLERS overlap, so merging happened somewhere.
    expect(merged).toBeGreaterThan(0);
  });

  it('a merged reason takes the most restrictive effect', () => {
    const rs = isolatedRuleset((r) => {
      r.watchlist_unconfirmed = [
        { id: 'W-REVIEW', jurisdictions: ['TX'], categories: ['accessories'], action: 'review', confidence: 'unconfirmed', source: 'w1' },
        { id: 'W-DENY', jurisdictions: ['TX'], categories: ['accessories'], action: 'deny', confidence: 'unconfirmed', source: 'w2' },
      ] as Ruleset['watchlist_unconfirmed'];
    });
    const d = decide(baseInput('TX', [line('accessories', { sku: 'A' }, rs)], { ruleset: rs }));
    const held = d.reasons.filter((r) => r.code === 'unconfirmed_rule_review');
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ effect: 'deny', ruleId: 'W-REVIEW, W-DENY' });
    expect(d.outcome).toBe('deny');
  });
});

describe('rule details', () => {
  const rs = isolatedRuleset();
  it('CA flavour ban exempts premium cigars and loose-leaf pipe tobacco', () => {
    const cigar = line('tobacco_cigars', { flavored: true, attributes: { premium_cigar: true } }, rs);
    expect(codes(decide(baseInput('CA', [cigar], { ruleset: rs })))).not.toContain('flavored_ban');
    const pipe = line('tobacco_pipe_shisha', { flavored: true, attributes: { loose_leaf_pipe_tobacco: true } }, rs);
    expect(codes(decide(baseInput('CA', [pipe], { ruleset: rs })))).not.toContain('flavored_ban');
    const shisha = line('tobacco_pipe_shisha', { flavored: true }, rs);
    expect(codes(decide(baseInput('CA', [shisha], { ruleset: rs })))).toContain('flavored_ban');
  });

  it('applies_if: MA high-nicotine ban only above 35 mg/mL, and when the attribute is missing', () => {
    const low = decide(baseInput('MA', [line('eliquid', { attributes: { nicotine_mg_per_ml: 20 } }, rs)], { ruleset: rs }));
    expect(low.appliedRules).not.toContain('MA-HIGH-NICOTINE');
    const high = decide(baseInput('MA', [line('eliquid', { attributes: { nicotine_mg_per_ml: 50 } }, rs)], { ruleset: rs }));
    expect(high.reasons.filter((r) => ruleIdsOf(r).includes('MA-HIGH-NICOTINE'))).toContainEqual(expect.objectContaining({ code: 'state_ship_ban' }));
    const unknown = decide(baseInput('MA', [line('eliquid', {}, rs)], { ruleset: rs }));
    expect(unknown.appliedRules).toContain('MA-HIGH-NICOTINE');
  });

  it('effective dates: the 2026 federal hemp ban is not applied before 2026-11-12', () => {
    const l = line('hemp_thc_intoxicating', {}, rs);
    expect(decide(baseInput('TX', [l], { ruleset: rs, at: new Date('2026-11-11T12:00:00Z') })).outcome).toBe('allow');
    expect(decide(baseInput('TX', [l], { ruleset: rs, at: new Date('2026-11-12T12:00:00Z') })).outcome).toBe('deny');
  });

  it('per-item restricted states (cf_restricted_states) refuse on top of the ruleset', () => {
    const d = decide(baseInput('TX', [line('accessories', { restrictedStates: ['tx', 'NM'], sku: 'ACC-1' }, rs)], { ruleset: rs }));
    expect(d.reasons).toEqual([expect.objectContaining({ code: 'item_state_restricted', sku: 'ACC-1', effect: 'deny' })]);
  });

  it('an unknown or empty category is high risk and held for review', () => {
    for (const category of [null, '', 'made_up']) {
      const d = decide(baseInput('TX', [line(category, { sku: 'U1', riskLevel: 'low', ageRequired: false })], { ruleset: rs }));
      expect(d.outcome).toBe('review');
      expect(d.reasons).toContainEqual(expect.objectContaining({ code: 'unknown_category', sku: 'U1' }));
      expect(reqs(d)).toEqual(expect.arrayContaining(['adult_signature_id_check', 'no_po_box', 'no_usps']));
      expect(d.ageRequired).toBe(true);
    }
    const box = addressIn('TX', { line1: 'P.O. Box 9' });
    const boxed = decide(baseInput('TX', [line(null)], { ruleset: rs, shippingAddress: box, address: validAddress(box) }));
    expect(boxed.outcome).toBe('deny');
  });

  it('high risk: per-order quantity limit per SKU, configurable', () => {
    const vape = line('ends_vape', { sku: 'V1', quantity: 6 }, rs);
    const d = decide(baseInput('CA', [vape, { ...vape, quantity: 5 }], { ruleset: rs }));
    expect(d.reasons).toContainEqual(expect.objectContaining({ code: 'quantity_limit', sku: 'V1', effect: 'deny' }));
    expect(decide(baseInput('CA', [vape, { ...vape, quantity: 5 }], { ruleset: rs, options: { highRiskMaxQuantity: 11 } })).outcome).toBe('allow');
    expect(decide(baseInput('CA', [line('accessories', { quantity: 50 }, rs)], { ruleset: rs })).outcome).toBe('allow');
  });

  it('minimum age is 21 everywhere, even without a rule', () => {
    const d = decide(baseInput('TX', [line('accessories', {}, rs)], { ruleset: rs, customer: { ...CUSTOMER, dob: dobForAge(20) } }));
    expect(codes(d)).toContain('under_age');
    expect(d.minAge).toBe(21);
    const exactly21 = decide(baseInput('TX', [line('ends_vape', {}, rs)], { ruleset: rs, customer: { ...CUSTOMER, dob: dobForAge(21) } }));
    expect(codes(exactly21)).not.toContain('under_age');
    const aRuleSaysMore = isolatedRuleset((r) => {
      r.rules.push({ id: 'TX-AGE-25', jurisdictions: ['TX'], categories: ['ends_vape'], min_age: 25, confidence: 'primary', source: 'test' });
    });
    const d25 = decide(baseInput('TX', [line('ends_vape', {}, aRuleSaysMore)], { ruleset: aRuleSaysMore, customer: { ...CUSTOMER, dob: dobForAge(24) } }));
    expect(d25.minAge).toBe(25);
    expect(codes(d25)).toContain('under_age');
  });

  it('PACT shipments: requirements and the 10-lb package split from item weights', () => {
    const d = decide(baseInput('CA', [line('ends_vape', { quantity: 10, weightGrams: 1000 }, rs)], { ruleset: rs, options: { highRiskMaxQuantity: 50 } }));
    expect(d.pactShipment).toBe(true);
    expect(reqs(d)).toEqual(expect.arrayContaining(['adult_signature_id_check', 'no_usps', 'no_po_box', 'pact_report', 'package_split']));
    expect(d.packages).toBe(3); // 4 x 1 kg fit in 4.536 kg
    const unknownWeight = decide(baseInput('CA', [line('ends_vape', { weightGrams: null }, rs)], { ruleset: rs }));
    expect(reqs(unknownWeight)).toContain('weigh_before_shipping');
    const tooHeavy = decide(baseInput('CA', [line('ends_vape', { weightGrams: 5000 }, rs)], { ruleset: rs }));
    expect(codes(tooHeavy)).toContain('package_weight_limit');
    const cigarsOnly = decide(baseInput('TX', [line('tobacco_cigars', {}, rs)], { ruleset: rs }));
    expect(cigarsOnly.pactShipment).toBe(false);
    expect(reqs(cigarsOnly)).not.toContain('no_usps');
    expect(cigarsOnly.packages).toBe(1);
  });
});

describe('address results', () => {
  const rs = isolatedRuleset();
  const vape = line('ends_vape', { sku: 'V' }, rs);
  const ca = addressIn('CA');
  const run = (overrides: Partial<EngineInput>) => decide(baseInput('CA', [vape], { ruleset: rs, ...overrides }));
  it.each([
    ['invalid', 'address_invalid', 'deny'],
    ['unverifiable', 'address_unverifiable', 'review'],
    ['error', 'provider_error', 'review'],
  ] as const)('status %s → %s (%s)', (status, code, outcome) => {
    const d = run({ address: validAddress(ca, { status, standardized: null }) });
    expect(codes(d)).toContain(code);
    expect(d.outcome).toBe(outcome);
  });
  it('a provider error can be configured to refuse, never to approve', () => {
    expect(run({ address: validAddress(ca, { status: 'error', standardized: null }), options: { providerErrorAction: 'deny' } }).outcome).toBe('deny');
  });
  it('no validation result at all holds the order', () => {
    expect(run({ address: null }).outcome).toBe('review');
  });
  it('a standardized state different from the entered one is refused; rules use the standardized address', () => {
    const d = run({ address: validAddress(ca, { status: 'corrected', standardized: { ...ca, state: 'NY', zip: '10001' } }) });
    expect(codes(d)).toContain('address_state_mismatch');
    expect(d.shipTo.state).toBe('NY');
    expect(d.appliedRules).toContain('NY-SHIP-VAPOR');
  });
  it('vacant → review; CMRA / PO box / military refused for a vape but fine for accessories', () => {
    expect(run({ address: validAddress(ca, { vacant: true }) }).outcome).toBe('review');
    expect(codes(run({ address: validAddress(ca, { cmra: true }) }))).toContain('cmra_not_allowed');
    const apo = { line1: 'PSC 1234 Box 5678', line2: null, city: 'APO', state: 'AE', zip: '09012' };
    const mil = decide(baseInput('AE', [vape], { ruleset: rs, shippingAddress: apo, address: validAddress(apo) }));
    expect(codes(mil)).toContain('military_address_not_allowed');
    const acc = line('accessories', {}, rs);
    const box = addressIn('TX', { line1: 'PO Box 5' });
    expect(decide(baseInput('TX', [acc], { ruleset: rs, shippingAddress: box, address: validAddress(box, { poBox: true, cmra: true }) })).outcome).toBe('allow');
  });
  it('the engine detects a PO box itself when the provider did not flag it', () => {
    const box = addressIn('CA', { line1: 'Post Office Box 12' });
    expect(codes(decide(baseInput('CA', [vape], { ruleset: rs, shippingAddress: box, address: validAddress(box) })))).toContain('po_box_not_allowed');
  });
});

describe('age results', () => {
  const rs = isolatedRuleset();
  const vape = line('ends_vape', {}, rs);
  const cases: Array<[AgeVerificationStatus, string | null, string, boolean]> = [
    ['accepted', null, 'allow', false],
    ['denied', 'age_verification_failed', 'deny', false],
    ['not_created', 'age_verification_failed', 'deny', false],
    ['pending', 'age_verification_pending', 'review', true],
    ['signature', 'age_verification_pending', 'review', true],
    ['photo_id', 'age_verification_pending', 'review', true],
    ['phone_validation', 'age_verification_pending', 'review', true],
    ['error', 'provider_error', 'review', false],
  ];
  it.each(cases)('%s → %s', (status, code, outcome, pending) => {
    const d = decide(baseInput('CA', [vape], { ruleset: rs, age: accepted('Ana', 'Ruiz', { status }) }));
    expect(d.outcome).toBe(outcome);
    expect(d.pendingVerification).toBe(pending);
    if (code) expect(codes(d)).toContain(code);
  });
  it('no verification → age_unverified (review)', () => {
    const d = decide(baseInput('CA', [vape], { ruleset: rs, age: null }));
    expect(codes(d)).toEqual(['age_unverified']);
  });
  it('a date of birth that is not a real date is not accepted', () => {
    expect(codes(decide(baseInput('CA', [vape], { ruleset: rs, customer: { ...CUSTOMER, dob: '1990-02-30' } })))).toContain('age_unverified');
    expect(ageInYears('not-a-date', AT)).toBeNull();
  });
  it('name match: strict, last_name, off, the ship-to name, accents', () => {
    const run = (first: string, last: string, nameMatch: 'strict' | 'last_name' | 'off', extra: Partial<EngineInput> = {}) =>
      decide(baseInput('CA', [vape], { ruleset: rs, age: accepted(first, last), options: { nameMatch }, ...extra })).outcome;
    expect(run('Anna', 'Ruiz', 'strict')).toBe('deny');
    expect(run('ANA maria', 'Ruiz', 'strict')).toBe('allow');
    expect(run('Ána', 'RUÍZ', 'strict')).toBe('allow');
    expect(run('Anna', 'Ruiz', 'last_name')).toBe('allow');
    expect(run('Bob', 'Smith', 'last_name')).toBe('deny');
    expect(run('Bob', 'Smith', 'off')).toBe('allow');
    expect(run('Bob', 'Smith', 'strict', { shipToName: { firstName: 'Bob', lastName: 'Smith' } })).toBe('allow');
    const noName = decide(baseInput('CA', [vape], { ruleset: rs, age: accepted('x', 'y', { verifiedName: null }) }));
    expect(codes(noName)).toEqual(['name_unverifiable']);
    expect(namesMatch({ firstName: '', lastName: 'Ruiz' }, { firstName: '', lastName: 'Ruiz' }, 'strict')).toBe(false);
  });
});

describe('reasons', () => {
  it('every reason the engine emits has a documented code and a customer message', () => {
    const d = decide(
      baseInput('NY', [line('ends_vape', { flavored: true, quantity: 99 }), line(null)], {
        customer: { ...CUSTOMER, dob: dobForAge(18) },
        age: accepted('Bob', 'Smith'),
      }),
    );
    expect(d.reasons.length).toBeGreaterThan(3);
    for (const r of d.reasons) {
      expect(Object.keys(REASON_CODES)).toContain(r.code);
      expect(r.message).not.toMatch(/\{\w+\}/);
      expect(r.message.length).toBeGreaterThan(10);
    }
  });
  it('packCount packs first-fit decreasing', () => {
    expect(packCount([], 10)).toBe(0);
    expect(packCount([6, 5, 5, 4], 10)).toBe(2);
  });
});

// ---------------------------------------------------------------------------
// Properties.

const STATES = ['CA', 'TX', 'NY', 'MA', 'GA', 'AZ', 'ME', 'NJ', 'RI', 'UT', 'AK', 'WA', 'FL', 'AE'];
const CATEGORIES = [...Object.keys(SHIPPED.categories), null, ''];
const STATUSES: AgeVerificationStatus[] = ['accepted', 'denied', 'pending', 'signature', 'photo_id', 'phone_validation', 'not_created', 'error'];
const SEVERITY = { allow: 0, review: 1, deny: 2 } as const;

const lineArb = fc.record({
  category: fc.constantFrom(...CATEGORIES),
  flavored: fc.boolean(),
  quantity: fc.integer({ min: 1, max: 15 }),
  weightGrams: fc.option(fc.integer({ min: 1, max: 6000 }), { nil: null }),
  riskLevel: fc.constantFrom('low' as const, 'medium' as const, 'high' as const),
  ageRequired: fc.boolean(),
  restricted: fc.subarray(STATES, { maxLength: 2 }),
  sku: fc.constantFrom('A', 'B', 'C', 'D'),
});

const inputArb = fc.record({
  lines: fc.array(lineArb, { minLength: 1, maxLength: 4 }),
  state: fc.constantFrom(...STATES),
  age: fc.integer({ min: 14, max: 90 }),
  status: fc.constantFrom(...STATUSES),
  addressStatus: fc.constantFrom('valid' as const, 'corrected' as const, 'invalid' as const, 'unverifiable' as const, 'error' as const),
  poBox: fc.boolean(),
  cmra: fc.boolean(),
  nameOk: fc.boolean(),
});

type InputValue = typeof inputArb extends fc.Arbitrary<infer T> ? T : never;

function toInput(x: InputValue, ruleset: Ruleset): EngineInput {
  const shipping = addressIn(x.state, x.poBox ? { line1: 'PO Box 4' } : {});
  const lines: ComplianceLine[] = x.lines.map((l) => ({
    ...line(l.category, {}, ruleset),
    sku: l.sku,
    flavored: l.flavored,
    quantity: l.quantity,
    weightGrams: l.weightGrams,
    riskLevel: l.riskLevel,
    ageRequired: l.ageRequired,
    restrictedStates: l.restricted,
  }));
  return {
    lines,
    customer: { ...CUSTOMER, dob: dobForAge(x.age) },
    shippingAddress: shipping,
    address: validAddress(shipping, { status: x.addressStatus, cmra: x.cmra, standardized: x.addressStatus === 'invalid' || x.addressStatus === 'error' ? null : { ...shipping } }),
    age: accepted(x.nameOk ? 'Ana' : 'Zed', 'Ruiz', { status: x.status }),
    ruleset,
    at: AT,
  };
}

type Restriction =
  | { kind: 'ban'; state: string; category: string }
  | { kind: 'flavor'; state: string; category: string }
  | { kind: 'min_age'; state: string; category: string; age: number }
  | { kind: 'no_po_box'; state: string; category: string }
  | { kind: 'max_qty'; state: string; category: string; qty: number }
  | { kind: 'watch'; state: string; category: string }
  | { kind: 'item_state'; state: string }
  | { kind: 'licence'; state: string; category: string };

const restrictionArb: fc.Arbitrary<Restriction> = fc.oneof(
  fc.record({ kind: fc.constant('ban' as const), state: fc.constantFrom('US', ...STATES), category: fc.constantFrom(...Object.keys(SHIPPED.categories)) }),
  fc.record({ kind: fc.constant('flavor' as const), state: fc.constantFrom('US', ...STATES), category: fc.constantFrom(...Object.keys(SHIPPED.categories)) }),
  fc.record({ kind: fc.constant('min_age' as const), state: fc.constantFrom('US', ...STATES), category: fc.constantFrom(...Object.keys(SHIPPED.categories)), age: fc.integer({ min: 21, max: 40 }) }),
  fc.record({ kind: fc.constant('no_po_box' as const), state: fc.constantFrom('US', ...STATES), category: fc.constantFrom(...Object.keys(SHIPPED.categories)) }),
  fc.record({ kind: fc.constant('max_qty' as const), state: fc.constantFrom('US', ...STATES), category: fc.constantFrom(...Object.keys(SHIPPED.categories)), qty: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant('watch' as const), state: fc.constantFrom(...STATES), category: fc.constantFrom(...Object.keys(SHIPPED.categories)) }),
  fc.record({ kind: fc.constant('item_state' as const), state: fc.constantFrom(...STATES) }),
  fc.record({ kind: fc.constant('licence' as const), state: fc.constantFrom('US', ...STATES), category: fc.constantFrom(...Object.keys(SHIPPED.categories)) }),
);

function restrict(input: EngineInput, r: Restriction): EngineInput {
  const ruleset = structuredClone(input.ruleset) as Ruleset;
  const base = { id: `PROP-${ruleset.rules.length}`, jurisdictions: [r.state], categories: 'category' in r ? [r.category] : ['*'], confidence: 'primary' as const, source: 'property test' };
  let lines = input.lines;
  switch (r.kind) {
    case 'ban':
      ruleset.rules.push({ ...base, ship_banned: true });
      break;
    case 'flavor':
      ruleset.rules.push({ ...base, flavored_banned: true });
      break;
    case 'min_age':
      ruleset.rules.push({ ...base, min_age: r.age });
      break;
    case 'no_po_box':
      ruleset.rules.push({ ...base, po_box_allowed: false, military_allowed: false });
      break;
    case 'max_qty':
      ruleset.rules.push({ ...base, max_quantity_per_order: r.qty });
      break;
    case 'watch':
      ruleset.watchlist_unconfirmed.push({ id: `PROP-W-${ruleset.watchlist_unconfirmed.length}`, jurisdictions: [r.state], categories: [r.category], action: 'review', confidence: 'unconfirmed', source: 'property test' });
      break;
    case 'item_state':
      lines = lines.map((l, i) => (i === 0 ? { ...l, restrictedStates: [...l.restrictedStates, r.state] } : l));
      break;
    case 'licence':
      ruleset.rules.push({ ...base, license_required: ['Property test licence'] });
      break;
  }
  return { ...input, ruleset, lines };
}

describe('properties', () => {
  it('adding a restriction never makes a decision more permissive (a refusal never becomes an approval)', () => {
    fc.assert(
      fc.property(inputArb, fc.array(restrictionArb, { minLength: 1, maxLength: 3 }), (x, restrictions) => {
        let input = toInput(x, SHIPPED);
        let before = decide(input);
        for (const r of restrictions) {
          input = restrict(input, r);
          const after = decide(input);
          expect(SEVERITY[after.outcome]).toBeGreaterThanOrEqual(SEVERITY[before.outcome]);
          if (before.outcome !== 'allow') expect(after.outcome).not.toBe('allow');
          before = after;
        }
      }),
      { numRuns: 400 },
    );
  });

  it('an under-21 buyer with an age-restricted item is never allowed, whatever the provider said', () => {
    const restrictedLine = lineArb.filter((l) => {
      const def = l.category ? SHIPPED.categories[l.category] : undefined;
      return l.ageRequired || !def || def.age_restricted || l.riskLevel === 'high';
    });
    fc.assert(
      fc.property(inputArb, restrictedLine, fc.integer({ min: 0, max: 20 }), fc.constantFrom<'strict' | 'last_name' | 'off'>('strict', 'last_name', 'off'), (x, extra, age, nameMatch) => {
        const input = toInput({ ...x, lines: [...x.lines, extra], age, status: 'accepted', addressStatus: 'valid', poBox: false, cmra: false, nameOk: true }, SHIPPED);
        const d = decide({ ...input, options: { nameMatch, unconfirmedAction: 'ignore', missingLicenseAction: 'ignore' } });
        expect(d.outcome).toBe('deny');
        expect(d.reasons.map((r) => r.code)).toContain('under_age');
      }),
      { numRuns: 400 },
    );
  });

  it('a provider error (age or address) never approves', () => {
    fc.assert(
      fc.property(inputArb, fc.boolean(), (x, ageError) => {
        const input = toInput({ ...x, ...(ageError ? { status: 'error' as const } : { addressStatus: 'error' as const }) }, SHIPPED);
        expect(decide(input).outcome).not.toBe('allow');
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic (pure)', () => {
    fc.assert(
      fc.property(inputArb, (x) => {
        const input = toInput(x, SHIPPED);
        expect(decide(input)).toEqual(decide(structuredClone(input)));
      }),
      { numRuns: 100 },
    );
  });
});
