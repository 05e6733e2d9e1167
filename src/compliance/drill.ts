/**
 * The compliance drill: a fixed library of restricted scenarios run through
 * the real decision path (service.assess → engine → audit log, with the fake
 * providers), each compared with the outcome it must have. Every result is
 * written to the audit log marked as a drill. `npx dtc-bridge drill` exits
 * non-zero when any scenario fails.
 */
import { ruleIdsOf } from './engine.js';
import type { Kysely } from 'kysely';
import type { Database } from '../store/database.js';
import type { Clock } from '../shared/clock.js';
import { systemClock } from '../shared/clock.js';
import type { CheckoutComplianceInput, ComplianceLine, ComplianceService, DecisionOutcome, PostalAddress } from './types.js';
import type { Ruleset } from './ruleset.js';
import { isoDay, type NameMatchMode } from './engine.js';
import { sampleZipForState } from './address/detect.js';
import { PERSONAS } from './age/fake.js';

export interface DrillScenario {
  id: string;
  description: string;
  input: Omit<CheckoutComplianceInput, 'orderId' | 'at'>;
  expected: { outcome: DecisionOutcome; reason?: string; ruleId?: string };
}

export interface DrillResult {
  id: string;
  description: string;
  expected: DecisionOutcome;
  expectedReason: string | null;
  actual: DecisionOutcome;
  reasonCodes: string[];
  pass: boolean;
  auditId: string;
  orderId: string;
}

export interface DrillReport {
  ok: boolean;
  at: string;
  rulesetVersion: string;
  passed: number;
  failed: number;
  results: DrillResult[];
  /** The expected-vs-actual table, for a terminal. */
  table: string;
}

export interface DrillDeps {
  db: Kysely<Database>;
  ruleset: Ruleset;
  clock?: Clock;
  /** The options the service runs with, so expectations follow them. */
  nameMatch?: NameMatchMode;
  providerErrorAction?: 'review' | 'deny';
  unconfirmedAction?: 'review' | 'deny' | 'ignore';
}

const persona = (id: string) => PERSONAS.find((p) => p.id === id)!.dob;

const PALM_DESERT: PostalAddress = { line1: '73-510 Fred Waring Dr', line2: null, city: 'Palm Desert', state: 'CA', zip: '92260' };
const CUSTOMER = { email: 'drill@example.com', firstName: 'Ana', lastName: 'Ruiz', dob: persona('adult'), phone: null };

function line(ruleset: Ruleset, category: string | null, overrides: Partial<ComplianceLine> = {}): ComplianceLine {
  const def = category ? ruleset.categories[category] : undefined;
  return {
    sku: `DRILL-${(category || 'UNKNOWN').toUpperCase()}`,
    name: `Drill ${category || 'unknown'} item`,
    brand: 'Drill',
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

function addressIn(state: string): PostalAddress {
  return { line1: '100 Main St', line2: null, city: 'Testville', state, zip: sampleZipForState(state) ?? '00000' };
}

/** The scenario library for this ruleset on this date. */
export function drillScenarios(ruleset: Ruleset, at: Date, deps: Omit<DrillDeps, 'db' | 'ruleset' | 'clock'> = {}): DrillScenario[] {
  const day = isoDay(at);
  const unconfirmed = deps.unconfirmedAction ?? ruleset.defaults.unconfirmed_action;
  const scenarios: DrillScenario[] = [];
  const vapeCategory = ruleset.categories.ends_vape ? 'ends_vape' : Object.keys(ruleset.categories).find((c) => ruleset.categories[c]!.pact_covered) ?? 'ends_vape';

  scenarios.push({
    id: 'control_allowed',
    description: 'Control: adult, unflavoured vape, Palm Desert CA, verified',
    input: { lines: [line(ruleset, vapeCategory)], customer: CUSTOMER, shippingAddress: PALM_DESERT },
    expected: { outcome: 'allow' },
  });
  const under = new Date(at);
  under.setUTCFullYear(under.getUTCFullYear() - 19);
  scenarios.push({
    id: 'under_21',
    description: 'Buyer aged 19 orders a vape',
    input: { lines: [line(ruleset, vapeCategory)], customer: { ...CUSTOMER, dob: isoDay(under) }, shippingAddress: PALM_DESERT },
    expected: { outcome: 'deny', reason: 'under_age' },
  });

  for (const rule of ruleset.rules) {
    if (!rule.ship_banned) continue;
    if (rule.effective_date && rule.effective_date > day) continue;
    if (rule.expires_date && rule.expires_date <= day) continue;
    if (rule.confidence === 'unconfirmed' && unconfirmed === 'ignore') continue;
    const category = rule.categories.find((c) => c !== '*') ?? vapeCategory;
    for (const j of rule.jurisdictions) {
      if (j.includes(':')) continue;
      // A federal ban is drilled in a state with no ban of its own.
      const state = j === 'US' ? 'TX' : j;
      const expected: DrillScenario['expected'] =
        rule.confidence === 'unconfirmed'
          ? { outcome: unconfirmed === 'deny' ? 'deny' : 'review', reason: 'unconfirmed_rule_review', ruleId: rule.id }
          : { outcome: 'deny', reason: 'state_ship_ban', ruleId: rule.id };
      scenarios.push({
        id: `ban_${rule.id}_${state}`.toLowerCase(),
        description: `${rule.id}: ${category} to ${state}`,
        input: { lines: [line(ruleset, category)], customer: CUSTOMER, shippingAddress: addressIn(state) },
        expected,
      });
    }
  }

  for (const rule of ruleset.rules) {
    if (!rule.flavored_banned || rule.confidence === 'unconfirmed') continue;
    if (rule.effective_date && rule.effective_date > day) continue;
    if (rule.expires_date && rule.expires_date <= day) continue;
    const category = rule.categories.includes(vapeCategory) ? vapeCategory : rule.categories.find((c) => c !== '*');
    if (!category) continue;
    for (const state of rule.jurisdictions) {
      if (state === 'US' || state.includes(':')) continue;
      scenarios.push({
        id: `flavor_${rule.id}_${state}`.toLowerCase(),
        description: `${rule.id}: flavoured ${category} to ${state}`,
        input: { lines: [line(ruleset, category, { flavored: true })], customer: CUSTOMER, shippingAddress: addressIn(state) },
        expected: { outcome: 'deny', reason: 'flavored_ban', ruleId: rule.id },
      });
    }
  }
  scenarios.push({
    id: 'flavored_vape_ca',
    description: 'Flavoured vape to California',
    input: { lines: [line(ruleset, vapeCategory, { flavored: true, sku: 'DRILL-VAPE-FLAVORED' })], customer: CUSTOMER, shippingAddress: PALM_DESERT },
    expected: { outcome: 'deny', reason: 'flavored_ban' },
  });
  scenarios.push({
    id: 'po_box_vape',
    description: 'Vape to a P.O. Box',
    input: { lines: [line(ruleset, vapeCategory)], customer: CUSTOMER, shippingAddress: { ...PALM_DESERT, line1: 'P.O. Box 1234' } },
    expected: { outcome: 'deny', reason: 'po_box_not_allowed' },
  });
  scenarios.push({
    id: 'military_vape',
    description: 'Vape to an APO address',
    input: { lines: [line(ruleset, vapeCategory)], customer: CUSTOMER, shippingAddress: { line1: 'PSC 1234 Box 5678', line2: null, city: 'APO', state: 'AE', zip: '09012' } },
    expected: { outcome: 'deny', reason: 'military_address_not_allowed' },
  });
  if ((deps.nameMatch ?? 'strict') !== 'off') {
    scenarios.push({
      id: 'name_mismatch',
      description: 'Verified ID is in another name than the order',
      input: { lines: [line(ruleset, vapeCategory)], customer: { ...CUSTOMER, dob: persona('name_mismatch') }, shippingAddress: PALM_DESERT },
      expected: { outcome: 'deny', reason: 'name_mismatch' },
    });
  }
  scenarios.push({
    id: 'age_provider_outage',
    description: 'Age-verification provider outage',
    input: { lines: [line(ruleset, vapeCategory)], customer: { ...CUSTOMER, dob: persona('outage') }, shippingAddress: PALM_DESERT },
    expected: { outcome: deps.providerErrorAction === 'deny' ? 'deny' : 'review', reason: 'provider_error' },
  });
  scenarios.push({
    id: 'address_provider_outage',
    description: 'Address provider outage',
    input: { lines: [line(ruleset, vapeCategory)], customer: CUSTOMER, shippingAddress: { ...PALM_DESERT, zip: '00000' } },
    expected: { outcome: deps.providerErrorAction === 'deny' ? 'deny' : 'review', reason: 'provider_error' },
  });
  scenarios.push({
    id: 'age_verification_pending',
    description: 'Age verification still pending',
    input: { lines: [line(ruleset, vapeCategory)], customer: { ...CUSTOMER, dob: persona('pending') }, shippingAddress: PALM_DESERT },
    expected: { outcome: 'review', reason: 'age_verification_pending' },
  });
  scenarios.push({
    id: 'unknown_category',
    description: 'Item with no compliance category',
    input: { lines: [line(ruleset, null)], customer: CUSTOMER, shippingAddress: PALM_DESERT },
    expected: { outcome: 'review', reason: 'unknown_category' },
  });
  scenarios.push({
    id: 'zip_in_other_state',
    description: 'Claims CA with a New York ZIP',
    input: { lines: [line(ruleset, vapeCategory)], customer: CUSTOMER, shippingAddress: { ...PALM_DESERT, zip: '10001' } },
    expected: { outcome: 'deny', reason: 'address_state_mismatch' },
  });
  return scenarios;
}

/** Runs every scenario through `service` and writes each decision to the audit log as a drill. */
export async function runDrill(service: ComplianceService, deps: DrillDeps): Promise<DrillReport> {
  const clock = deps.clock ?? systemClock;
  const at = new Date(clock.now());
  const scenarios = drillScenarios(deps.ruleset, at, deps);
  const stamp = at.toISOString().replace(/[-:.TZ]/g, '').slice(0, 14);
  const results: DrillResult[] = [];
  for (const s of scenarios) {
    const orderId = `DRILL-${stamp}-${s.id}`.slice(0, 120);
    const input: CheckoutComplianceInput = { ...s.input, orderId, at };
    const assessment = await service.assess(input);
    const { auditId } = await service.recordDecision(deps.db, assessment, { orderId, kind: 'drill', input });
    const codes = assessment.reasons.map((r) => r.code);
    const reasonOk =
      !s.expected.reason ||
      assessment.reasons.some((r) => r.code === s.expected.reason && (!s.expected.ruleId || ruleIdsOf(r).includes(s.expected.ruleId)));
    results.push({
      id: s.id,
      description: s.description,
      expected: s.expected.outcome,
      expectedReason: s.expected.reason ?? null,
      actual: assessment.outcome,
      reasonCodes: [...new Set(codes)],
      pass: assessment.outcome === s.expected.outcome && reasonOk,
      auditId,
      orderId,
    });
  }
  const passed = results.filter((r) => r.pass).length;
  return {
    ok: passed === results.length,
    at: at.toISOString(),
    rulesetVersion: deps.ruleset.version,
    passed,
    failed: results.length - passed,
    results,
    table: drillTable(results),
  };
}

export function drillTable(results: DrillResult[]): string {
  const rows = [
    ['scenario', 'expected', 'actual', 'reasons', 'result'],
    ...results.map((r) => [
      r.id,
      r.expectedReason ? `${r.expected} (${r.expectedReason})` : r.expected,
      r.actual,
      r.reasonCodes.join(' ') || '-',
      r.pass ? 'PASS' : 'FAIL',
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.min(60, Math.max(...rows.map((r) => r[i]!.length))));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}
