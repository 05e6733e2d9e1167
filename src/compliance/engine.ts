/**
 * The decision engine: a pure function of (lines, customer, ship-to address
 * and its validation result, age-verification result, ruleset, date, options).
 * No I/O, no clock, no randomness: the same input always gives the same
 * decision, so it can be property-tested, replayed and drilled.
 *
 * Fail-closed principles: anything unknown (category, provider answer,
 * unconfirmed rule) can only hold or refuse an order, never approve it; when
 * rules overlap the most restrictive wins.
 */
import type {
  AddressValidationResult,
  AgeVerificationResult,
  ComplianceCustomer,
  ComplianceLine,
  ComplianceReason,
  DecisionOutcome,
  PostalAddress,
  ShipmentRequirement,
} from './types.js';
import type { Rule, Ruleset, UnconfirmedAction, CategoryDef } from './ruleset.js';
import { REASON_CODES, REQUIREMENT_CODES, formatMessage, type ReasonCode } from './reason-codes.js';
import { isMilitaryAddress, isPoBoxAddress } from './address/detect.js';

export type NameMatchMode = 'strict' | 'last_name' | 'off';

export interface EngineOptions {
  /** How the verified name must match the ship-to name (default strict). */
  nameMatch?: NameMatchMode;
  /** What unconfirmed rules and watchlist entries do (default: the ruleset's defaults.unconfirmed_action). */
  unconfirmedAction?: UnconfirmedAction;
  /** A provider error or timeout holds (review, default) or refuses (deny); it never approves. */
  providerErrorAction?: 'review' | 'deny';
  /** Per-order quantity cap per SKU for high-risk lines (default: the ruleset's defaults). */
  highRiskMaxQuantity?: number;
  /** What a licence the seller has not declared does (default: the ruleset's defaults.missing_license_action). */
  missingLicenseAction?: UnconfirmedAction;
}

export interface EngineInput {
  lines: ComplianceLine[];
  customer: ComplianceCustomer;
  /** The recipient's name when it differs from the customer; the customer's name otherwise. */
  shipToName?: { firstName: string; lastName: string } | null;
  /** The address as entered. */
  shippingAddress: PostalAddress;
  /** The address provider's answer; null when none was obtained. */
  address: AddressValidationResult | null;
  /** The age provider's answer; null when no verification exists. */
  age: AgeVerificationResult | null;
  ruleset: Ruleset;
  at: Date;
  options?: EngineOptions;
}

export interface EngineDecision {
  outcome: DecisionOutcome;
  pendingVerification: boolean;
  reasons: ComplianceReason[];
  requirements: ShipmentRequirement[];
  pactShipment: boolean;
  packages: number;
  /** The address the rules were applied to (standardized when available). */
  shipTo: PostalAddress;
  minAge: number;
  ageRequired: boolean;
  /** Ids of the rules and watchlist entries that matched some line. */
  appliedRules: string[];
}

const GRAMS_PER_LB = 453.59237;
const RISK_ORDER = { low: 0, medium: 1, high: 2 } as const;

export function decide(input: EngineInput): EngineDecision {
  const { ruleset, options = {} } = input;
  const defaults = ruleset.defaults;
  const unconfirmedAction = options.unconfirmedAction ?? defaults.unconfirmed_action;
  const licenseAction = options.missingLicenseAction ?? defaults.missing_license_action;
  const providerEffect = options.providerErrorAction ?? 'review';
  const nameMatch = options.nameMatch ?? 'strict';
  const highRiskMax = options.highRiskMaxQuantity ?? defaults.high_risk_max_quantity_per_order;
  const day = isoDay(input.at);

  const reasons = new ReasonList();
  const applied = new Set<string>();

  // ---- Address: the standardized address is what the rules use.
  const entered = normalizeAddress(input.shippingAddress);
  const addr = input.address;
  const shipTo = addr?.standardized ? normalizeAddress(addr.standardized) : entered;
  const state = shipTo.state;
  const city = shipTo.city.toUpperCase();
  if (!addr) {
    reasons.add('address_unverifiable', {}, { state });
  } else if (addr.status === 'error') {
    reasons.add('provider_error', { effect: providerEffect, message: REASON_CODES.provider_error.message }, { state });
  } else if (addr.status === 'invalid') {
    reasons.add('address_invalid', {}, { state });
  } else if (addr.status === 'unverifiable') {
    reasons.add('address_unverifiable', {}, { state });
  }
  if (addr?.standardized && normalizeAddress(addr.standardized).state !== entered.state) {
    reasons.add('address_state_mismatch', {}, { state: entered.state });
  }
  if (addr?.vacant) reasons.add('address_vacant', {}, { state });
  const poBox = Boolean(addr?.poBox) || isPoBoxAddress(shipTo) || isPoBoxAddress(entered);
  const military = Boolean(addr?.military) || isMilitaryAddress(shipTo) || isMilitaryAddress(entered);
  const cmra = addr?.cmra === true;

  // ---- Lines.
  const quantities = new Map<string, number>();
  for (const line of input.lines) quantities.set(line.sku, (quantities.get(line.sku) ?? 0) + line.quantity);

  let minAge = defaults.min_age;
  let ageRequired = defaults.age_verification_all_orders;
  let adultSignature = false;
  let noUsps = false;
  let noPoBox = false;
  let pactShipment = false;
  let weightLimitLb: number | undefined;
  const pactUnits: Array<number | null> = [];

  for (const line of input.lines) {
    const categoryId = line.complianceCategory?.trim() || null;
    const def: CategoryDef | undefined = categoryId ? ruleset.categories[categoryId] : undefined;
    const unknown = !def;
    const sku = line.sku;
    if (unknown) reasons.add('unknown_category', {}, { state }, sku);

    const risk = maxRisk(line.riskLevel, def?.risk_level ?? defaults.unknown_category_risk);
    const highRisk = risk === 'high';
    // null pact_covered means UNCONFIRMED: treated as covered.
    const pactCovered = def ? def.pact_covered !== false : false;
    if (pactCovered) pactShipment = true;

    const rules = unknown ? [] : ruleset.rules.filter((r) => ruleApplies(r, categoryId!, state, city, day, line));
    for (const r of rules) applied.add(r.id);

    let lineMinAge: number | undefined;
    let poBoxAllowed = true;
    let militaryAllowed = true;
    let uspsAllowed: boolean | undefined;
    let maxQty = def?.max_quantity_per_order;
    for (const r of rules) {
      if (r.min_age !== undefined) lineMinAge = Math.max(lineMinAge ?? 0, r.min_age);
      if (r.requires_adult_signature) adultSignature = true;
      if (r.po_box_allowed === false) poBoxAllowed = false;
      if (r.military_allowed === false) militaryAllowed = false;
      if (r.usps_allowed !== undefined) uspsAllowed = (uspsAllowed ?? true) && r.usps_allowed;
      if (r.max_quantity_per_order !== undefined) maxQty = Math.min(maxQty ?? Infinity, r.max_quantity_per_order);
      if (pactCovered && r.max_package_weight_lb !== undefined) weightLimitLb = Math.min(weightLimitLb ?? Infinity, r.max_package_weight_lb);
    }

    const lineAgeRestricted = line.ageRequired || Boolean(def?.age_restricted) || unknown || highRisk || lineMinAge !== undefined;
    if (lineAgeRestricted) {
      ageRequired = true;
      minAge = Math.max(minAge, lineMinAge ?? defaults.min_age);
    }

    // Shipping restrictions: PACT categories, unknown and high-risk lines go
    // to a street address, by a private carrier, with an adult signature.
    const restricted = pactCovered || unknown || highRisk;
    if (restricted) adultSignature = true;
    if (!poBoxAllowed || restricted) noPoBox = true;
    const lineNoPoBox = !poBoxAllowed || restricted;
    // usps_mailable null (UNCONFIRMED) counts as non-mailable.
    if (unknown || pactCovered || def?.usps_mailable !== true || uspsAllowed === false) noUsps = true;

    // Bans: a sourced rule refuses; an unconfirmed one holds (per unconfirmedAction).
    for (const r of rules) {
      if (r.ship_banned) addRuleReason(reasons, 'state_ship_ban', r, unconfirmedAction, state, sku);
      if (r.flavored_banned && line.flavored && !exempt(r, line)) addRuleReason(reasons, 'flavored_ban', r, unconfirmedAction, state, sku);
      for (const license of r.license_required ?? []) {
        if (licenseAction === 'ignore' || licenseHeld(ruleset, license, state)) continue;
        reasons.add('license_required', { effect: licenseAction, ruleId: r.id, source: r.source }, { state }, sku);
      }
    }
    if (line.restrictedStates.some((s) => s.trim().toUpperCase() === state)) {
      reasons.add('item_state_restricted', {}, { state }, sku);
    }
    if (!unknown && unconfirmedAction !== 'ignore') {
      for (const w of ruleset.watchlist_unconfirmed) {
        if (!w.categories.includes(categoryId!) && !w.categories.includes('*')) continue;
        if (!jurisdictionMatches(w.jurisdictions, state, city)) continue;
        if (w.effective_date && w.effective_date > day) continue;
        applied.add(w.id);
        const effect = unconfirmedAction === 'deny' || w.action === 'deny' ? 'deny' : 'review';
        reasons.add('unconfirmed_rule_review', { effect, ruleId: w.id, source: w.source }, { state }, sku);
      }
    }

    if (lineNoPoBox && poBox) reasons.add('po_box_not_allowed', {}, { state }, sku);
    if (lineNoPoBox && cmra) reasons.add('cmra_not_allowed', {}, { state }, sku);
    if ((lineNoPoBox || !militaryAllowed) && military) reasons.add('military_address_not_allowed', {}, { state }, sku);

    const limit = Math.min(maxQty ?? Infinity, highRisk ? highRiskMax : Infinity);
    if (Number.isFinite(limit) && (quantities.get(sku) ?? 0) > limit) {
      reasons.add('quantity_limit', {}, { state, limit }, sku);
    }

    if (pactCovered) {
      const units = Math.max(0, Math.floor(line.quantity));
      for (let i = 0; i < Math.min(units, 10_000); i++) pactUnits.push(line.weightGrams);
    }
  }

  // ---- Age.
  if (ageRequired) {
    const declared = ageInYears(input.customer.dob, input.at);
    if (declared === null) {
      reasons.add('age_unverified', {}, { state, minAge });
    } else if (declared < minAge) {
      reasons.add('under_age', {}, { state, minAge });
    }
    const age = input.age;
    if (!age) {
      reasons.add('age_unverified', {}, { state, minAge });
    } else {
      switch (age.status) {
        case 'accepted': {
          if (nameMatch !== 'off') {
            const wanted = input.shipToName ?? { firstName: input.customer.firstName, lastName: input.customer.lastName };
            if (!age.verifiedName) reasons.add('name_unverifiable', {}, { state });
            else if (!namesMatch(age.verifiedName, wanted, nameMatch)) reasons.add('name_mismatch', {}, { state });
          }
          break;
        }
        case 'denied':
        case 'not_created':
          reasons.add('age_verification_failed', {}, { state, minAge });
          break;
        case 'pending':
        case 'signature':
        case 'photo_id':
        case 'phone_validation':
          reasons.add('age_verification_pending', {}, { state });
          break;
        case 'error':
        default:
          reasons.add('provider_error', { effect: providerEffect }, { state });
          break;
      }
    }
  }

  // ---- Requirements.
  const requirements: ShipmentRequirement[] = [];
  const limitLb = weightLimitLb ?? (pactShipment ? 10 : undefined);
  let packages = 1;
  if (adultSignature) requirements.push(req('adult_signature_id_check', { minAge }));
  if (noUsps) requirements.push(req('no_usps', {}));
  if (noPoBox) requirements.push(req('no_po_box', {}));
  if (pactShipment) {
    requirements.push(req('pact_report', {}));
    requirements.push(req('pact_label', {}));
  }
  if (pactShipment && limitLb !== undefined) {
    const limitG = limitLb * GRAMS_PER_LB;
    const known = pactUnits.filter((w): w is number => w !== null && w > 0);
    if (known.length < pactUnits.length) requirements.push(req('weigh_before_shipping', { limitLb }));
    if (known.some((w) => w > limitG)) reasons.add('package_weight_limit', {}, { state });
    packages = Math.max(1, packCount(known, limitG));
    if (packages > 1) requirements.push({ ...req('package_split', { packages, limitLb }), packages });
  }

  const list = reasons.list();
  const outcome: DecisionOutcome = list.some((r) => r.effect === 'deny') ? 'deny' : list.length > 0 ? 'review' : 'allow';
  const pendingVerification = outcome === 'review' && list.every((r) => r.code === 'age_verification_pending');
  return {
    outcome,
    pendingVerification,
    reasons: list,
    requirements,
    pactShipment,
    packages,
    shipTo,
    minAge,
    ageRequired,
    appliedRules: [...applied].sort(),
  };
}

// ---------------------------------------------------------------------------

/**
 * Reasons in the order they were found. The same finding reached by several
 * rules (e.g. CA-FLAVOR-BAN and CA-FLAVOR-BAN-DELIVERY-SELLERS for one
 * flavoured line) is one reason, not one per rule: same code, same line and
 * same sentence for the customer collapse into the first, whose `ruleId`
 * and `source` then list every rule ("A, B" / "source A | source B", see
 * ruleIdsOf) and whose effect is the most restrictive of them.
 */
class ReasonList {
  private readonly items: ComplianceReason[] = [];
  private readonly byKey = new Map<string, ComplianceReason>();
  add(
    code: ReasonCode,
    over: { effect?: 'deny' | 'review'; ruleId?: string; source?: string; message?: string },
    values: Record<string, string | number | undefined>,
    sku?: string,
  ): void {
    const message = over.message ?? formatMessage(REASON_CODES[code].message, values);
    const effect = over.effect ?? REASON_CODES[code].effect;
    const key = `${code}|${sku ?? ''}|${message}`;
    const existing = this.byKey.get(key);
    if (existing) {
      if (effect === 'deny') existing.effect = 'deny';
      if (over.ruleId !== undefined) {
        const ids = ruleIdsOf(existing);
        if (!ids.includes(over.ruleId)) existing.ruleId = [...ids, over.ruleId].join(RULE_ID_SEPARATOR);
      }
      if (over.source !== undefined) {
        if (!existing.source) existing.source = over.source;
        else if (!existing.source.includes(over.source)) existing.source = `${existing.source}${SOURCE_SEPARATOR}${over.source}`;
      }
      return;
    }
    const reason: ComplianceReason = { code, message, effect };
    if (sku !== undefined) reason.sku = sku;
    if (over.ruleId !== undefined) reason.ruleId = over.ruleId;
    if (over.source !== undefined) reason.source = over.source;
    this.byKey.set(key, reason);
    this.items.push(reason);
  }
  list(): ComplianceReason[] {
    return this.items.map((r) => ({ ...r }));
  }
}

const RULE_ID_SEPARATOR = ', ';
const SOURCE_SEPARATOR = ' | ';

/**
 * Every rule (or watchlist entry) id behind a reason: one reason may stand
 * for several rules that found the same thing (`ruleId` "A, B"). Compare
 * rule ids through this, never with `reason.ruleId === id`.
 */
export function ruleIdsOf(reason: Pick<ComplianceReason, 'ruleId'>): string[] {
  return reason.ruleId ? reason.ruleId.split(',').map((s) => s.trim()).filter(Boolean) : [];
}

function addRuleReason(
  reasons: ReasonList,
  code: 'state_ship_ban' | 'flavored_ban',
  rule: Rule,
  unconfirmedAction: UnconfirmedAction,
  state: string,
  sku: string,
): void {
  if (rule.confidence === 'unconfirmed') {
    if (unconfirmedAction === 'ignore') return;
    reasons.add('unconfirmed_rule_review', { effect: unconfirmedAction, ruleId: rule.id, source: rule.source }, { state }, sku);
    return;
  }
  reasons.add(code, { ruleId: rule.id, source: rule.source }, { state }, sku);
}

function req(code: keyof typeof REQUIREMENT_CODES, values: Record<string, string | number | undefined>): ShipmentRequirement {
  return { code, message: formatMessage(REQUIREMENT_CODES[code], values) };
}

function ruleApplies(rule: Rule, category: string, state: string, city: string, day: string, line: ComplianceLine): boolean {
  if (!rule.categories.includes(category) && !rule.categories.includes('*')) return false;
  if (!jurisdictionMatches(rule.jurisdictions, state, city)) return false;
  if (rule.effective_date && rule.effective_date > day) return false;
  if (rule.expires_date && rule.expires_date <= day) return false;
  if (rule.applies_if) {
    const value = line.attributes?.[rule.applies_if.attribute];
    // A line that does not carry the attribute is treated as matching: most restrictive.
    if (value !== undefined && value !== null && !compare(value, rule.applies_if.op, rule.applies_if.value)) return false;
  }
  return true;
}

function jurisdictionMatches(jurisdictions: string[], state: string, city: string): boolean {
  return jurisdictions.some((j) => j === 'US' || j === state || j === `${state}:${city}`);
}

function compare(a: string | number | boolean, op: string, b: string | number | boolean): boolean {
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'gt':
      return typeof a === 'number' && typeof b === 'number' && a > b;
    case 'gte':
      return typeof a === 'number' && typeof b === 'number' && a >= b;
    case 'lt':
      return typeof a === 'number' && typeof b === 'number' && a < b;
    case 'lte':
      return typeof a === 'number' && typeof b === 'number' && a <= b;
    default:
      return true;
  }
}

function exempt(rule: Rule, line: ComplianceLine): boolean {
  return (rule.flavored_exempt_attributes ?? []).some((a) => line.attributes?.[a] === true);
}

function licenseHeld(ruleset: Ruleset, license: string, state: string): boolean {
  return ruleset.seller.licenses_held.some((h) => h.license === license && (h.jurisdictions.includes('*') || h.jurisdictions.includes(state)));
}

function maxRisk(a: 'low' | 'medium' | 'high', b: 'low' | 'medium' | 'high'): 'low' | 'medium' | 'high' {
  return RISK_ORDER[a] >= RISK_ORDER[b] ? a : b;
}

export function normalizeAddress(a: PostalAddress): PostalAddress {
  return {
    line1: (a.line1 ?? '').trim(),
    line2: a.line2?.trim() || null,
    city: (a.city ?? '').trim(),
    state: (a.state ?? '').trim().toUpperCase(),
    zip: (a.zip ?? '').trim(),
    country: (a.country ?? 'US').trim().toUpperCase(),
  };
}

export function isoDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** Whole years between an ISO date of birth and `at` (UTC calendar), or null when the date is not real. */
export function ageInYears(dob: string, at: Date): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dob ?? '');
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return null;
  const ay = at.getUTCFullYear();
  const am = at.getUTCMonth() + 1;
  const ad = at.getUTCDate();
  let age = ay - y;
  if (am < mo || (am === mo && ad < d)) age -= 1;
  return age;
}

function nameKey(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z\s-]/g, '')
    .replace(/[-\s]+/g, ' ')
    .trim();
}

/**
 * strict: same last name and same first given name (extra middle names are
 * tolerated); last_name: same last name only. Accents, case and punctuation
 * are ignored.
 */
export function namesMatch(
  verified: { firstName: string; lastName: string },
  wanted: { firstName: string; lastName: string },
  mode: NameMatchMode,
): boolean {
  if (mode === 'off') return true;
  const vl = nameKey(verified.lastName);
  const wl = nameKey(wanted.lastName);
  if (!vl || vl !== wl) return false;
  if (mode === 'last_name') return true;
  const vf = nameKey(verified.firstName).split(' ')[0] ?? '';
  const wf = nameKey(wanted.firstName).split(' ')[0] ?? '';
  return vf !== '' && vf === wf;
}

/** First-fit decreasing: how many packages of at most `limit` grams hold these units. */
export function packCount(weights: number[], limit: number): number {
  if (weights.length === 0) return 0;
  const sorted = weights.map((w) => Math.min(w, limit)).sort((a, b) => b - a);
  if (sorted.length > 2000) return Math.ceil(sorted.reduce((s, w) => s + w, 0) / limit);
  const bins: number[] = [];
  for (const w of sorted) {
    const i = bins.findIndex((b) => b + w <= limit + 1e-9);
    if (i >= 0) bins[i]! += w;
    else bins.push(w);
  }
  return bins.length;
}
