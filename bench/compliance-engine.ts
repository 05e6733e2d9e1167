/**
 * Compliance engine and audit-log benchmark. Prints ratios against a baseline
 * measured in the same process (no absolute timing claims):
 * - decide() on the shipped ruleset vs an empty ruleset (cost of the rules);
 * - decide() on a 10-line order vs a 1-line order;
 * - audit append (hash chain + head row) vs a plain insert of the same row, SQLite;
 * - verifyAuditChain per row vs a plain select of the same rows.
 */
import { performance } from 'node:perf_hooks';
import { decide, type EngineInput } from '../src/compliance/engine.js';
import { loadRuleset, type Ruleset } from '../src/compliance/ruleset.js';
import { appendAudit, verifyAuditChain } from '../src/compliance/audit.js';
import { openStore } from '../src/store/db.js';
import type { ComplianceLine } from '../src/compliance/types.js';

function timeIt(fn: () => void, iterations: number): number {
  for (let i = 0; i < Math.min(200, iterations); i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) fn();
  return (performance.now() - t0) / iterations;
}

async function timeAsync(fn: (i: number) => Promise<void>, iterations: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) await fn(i);
  return (performance.now() - t0) / iterations;
}

const line = (i: number, category: string): ComplianceLine => ({
  sku: `SKU-${i}`,
  name: 'x',
  brand: 'b',
  quantity: 2,
  ageRequired: true,
  restrictedStates: ['ND'],
  complianceCategory: category,
  flavored: i % 2 === 0,
  riskLevel: 'high',
  weightGrams: 350,
  unitPriceCents: 1999,
});

export async function run(): Promise<void> {
  const shipped = loadRuleset(undefined, { env: {} });
  const empty: Ruleset = { ...shipped, rules: [], watchlist_unconfirmed: [] };
  const address = { line1: '1 Main St', line2: null, city: 'Austin', state: 'TX', zip: '78701' };
  const input = (ruleset: Ruleset, lines: ComplianceLine[]): EngineInput => ({
    lines,
    customer: { email: 'a@example.com', firstName: 'Ana', lastName: 'Ruiz', dob: '1990-04-12' },
    shippingAddress: address,
    address: { provider: 'b', status: 'valid', standardized: address, dpvConfirmed: true, cmra: false, residential: true, vacant: false, poBox: false, military: false },
    age: { provider: 'b', status: 'accepted', reference: 'r', verifiedName: { firstName: 'Ana', lastName: 'Ruiz' } },
    ruleset,
    at: new Date('2026-11-28T12:00:00Z'),
  });
  const cats = Object.keys(shipped.categories);
  const one = [line(0, 'ends_vape')];
  const ten = Array.from({ length: 10 }, (_, i) => line(i, cats[i % cats.length]!));

  const base = timeIt(() => decide(input(empty, one)), 20_000);
  const full = timeIt(() => decide(input(shipped, one)), 20_000);
  const full10 = timeIt(() => decide(input(shipped, ten)), 5_000);
  console.log(`decide(), shipped ruleset vs empty ruleset (1 line): ${(full / base).toFixed(2)}x`);
  console.log(`decide(), 10 lines vs 1 line (shipped ruleset):       ${(full10 / full).toFixed(2)}x`);
  console.log(`decide(), decisions per baseline-decision time:       ${(base / full).toFixed(3)}`);

  const store = await openStore({ kind: 'sqlite', filename: ':memory:' });
  try {
    const entry = (i: number) => ({
      decisionId: `d${i}`,
      orderId: `VIP-${i}`,
      kind: 'checkout' as const,
      drill: false,
      outcome: 'allow',
      reasons: [],
      requirements: [{ code: 'pact_report', message: 'x' }],
      rulesetVersion: shipped.version,
      providerRefs: { age: { provider: 'fake', reference: `r${i}`, status: 'accepted' } },
      inputSummary: { orderId: `VIP-${i}` },
      createdAt: Date.now(),
    });
    const n = 500;
    const plain = await timeAsync(async (i) => {
      await store.db
        .insertInto('compliance_audit')
        .values({ seq: 1_000_000 + i, id: `p${i}`, decision_id: 'd', created_at: 0, order_id: 'o', kind: 'checkout', drill: 0, outcome: 'allow', reasons: '[]', requirements: '[]', ruleset_version: 'v', provider_refs: '{}', input_summary: '{}', prev_hash: '', hash: '' })
        .execute();
    }, n);
    await store.db.deleteFrom('compliance_audit').execute();
    const chained = await timeAsync(async (i) => {
      await appendAudit(store.db, entry(i));
    }, n);
    console.log(`audit append (chained, own transaction) vs plain insert: ${(chained / plain).toFixed(2)}x`);
    const select = await timeAsync(async () => {
      await store.db.selectFrom('compliance_audit').selectAll().orderBy('seq').execute();
    }, 5);
    const verify = await timeAsync(async () => {
      const r = await verifyAuditChain(store.db);
      if (!r.ok) throw new Error('chain broken in bench');
    }, 5);
    console.log(`verifyAuditChain (${n} rows) vs plain select of the rows:   ${(verify / select).toFixed(2)}x`);
  } finally {
    await store.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run();
}
