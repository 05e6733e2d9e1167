import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createComplianceModule, type ComplianceModule } from '../../src/compliance/index.js';
import { FakeAgeProvider, PERSONAS } from '../../src/compliance/age/fake.js';
import { FakeAddressProvider } from '../../src/compliance/address/fake.js';
import type { CheckoutComplianceInput } from '../../src/compliance/types.js';
import { testConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetricsRegistry } from '../../src/observability/metrics.js';
import { RecordingAlertSink } from '../../src/observability/alerts.js';
import { FakeClock } from '../../src/shared/clock.js';
import { openTestStore } from '../support/databases.js';
import type { Store } from '../../src/store/db.js';
import { line } from './helpers.js';

const dob = (id: string) => PERSONAS.find((p) => p.id === id)!.dob;

function input(over: Partial<CheckoutComplianceInput> = {}, at: Date): CheckoutComplianceInput {
  return {
    orderId: 'VIP-100234',
    lines: [line('ends_vape', { sku: 'VAPE-1' })],
    customer: { email: 'a@example.com', firstName: 'Ana', lastName: 'Ruiz', dob: dob('adult'), phone: '+17605550100' },
    shippingAddress: { line1: '73-510 Fred Waring Dr', line2: null, city: 'Palm Desert', state: 'CA', zip: '92260' },
    ip: '203.0.113.7',
    at,
    ...over,
  };
}

describe('compliance service (fake providers)', () => {
  let store: Store;
  let clock: FakeClock;
  let alerts: RecordingAlertSink;
  let registry: ReturnType<typeof createMetricsRegistry>;
  let age: FakeAgeProvider;
  let mod: ComplianceModule;
  beforeEach(async () => {
    store = await openTestStore('sqlite');
    clock = new FakeClock();
    alerts = new RecordingAlertSink();
    registry = createMetricsRegistry(false);
    age = new FakeAgeProvider({ clock, hangMs: 5_000 });
    mod = createComplianceModule({
      config: testConfig(),
      store,
      logger: createLogger('silent'),
      registry,
      alerts,
      clock,
      ageProvider: age,
      addressProvider: new FakeAddressProvider(),
      options: { ageTimeoutMs: 100, addressTimeoutMs: 100 },
    });
  });
  afterEach(async () => {
    await store.close();
  });
  const at = () => new Date(clock.now());

  it('allows the adult persona with requirements, counts the decision', async () => {
    const a = await mod.service.assess(input({}, at()));
    expect(a.outcome).toBe('allow');
    expect(a.pactShipment).toBe(true);
    expect(a.requirements.map((r) => r.code)).toEqual(expect.arrayContaining(['adult_signature_id_check', 'no_usps', 'pact_report']));
    expect(a.shipTo.line1).toBe('73-510 FRED WARING DR');
    expect(a.age).toMatchObject({ provider: 'fake', status: 'accepted' });
    expect(a.rulesetVersion).toBe(mod.ruleset.version);
    expect(await registry.getSingleMetricAsString('compliance_decisions_total')).toMatch(/outcome="allow"\} 1/);
  });

  it('the pending persona is held, resolves after 15 s (status poll and settled event)', async () => {
    const settled: unknown[] = [];
    mod.onAgeVerificationSettled((e) => void settled.push(e));
    const a = await mod.service.assess(input({ customer: { ...input({}, at()).customer, dob: dob('pending') } }, at()));
    expect(a.outcome).toBe('review');
    expect(a.pendingVerification).toBe(true);
    expect((await mod.service.checkAgeVerification(a.age.reference!)).status).toBe('pending');
    clock.advance(15_000);
    await new Promise((r) => setImmediate(r));
    expect((await mod.service.checkAgeVerification(a.age.reference!)).status).toBe('accepted');
    expect(settled).toEqual([{ reference: a.age.reference, status: 'accepted' }]);
    // Resume: the storefront/orders pass the reference; it is re-checked server-side.
    const resumed = await mod.service.assess(input({ ageVerification: { provider: 'fake', reference: a.age.reference! } }, at()));
    expect(resumed.outcome).toBe('allow');
  });

  it('a storefront-supplied reference is re-checked, never trusted', async () => {
    const a = await mod.service.assess(input({ ageVerification: { provider: 'agechecker', reference: 'made-up-uuid' } }, at()));
    expect(a.outcome).toBe('deny');
    expect(a.reasons.map((r) => r.code)).toContain('age_verification_failed');
  });

  it.each([
    ['photo_id', 'review', 'age_verification_pending'],
    ['denied', 'deny', 'age_verification_failed'],
    ['name_mismatch', 'deny', 'name_mismatch'],
    ['under_21', 'deny', 'under_age'],
  ])('persona %s → %s (%s)', async (persona, outcome, code) => {
    const a = await mod.service.assess(input({ customer: { ...input({}, at()).customer, dob: persona === 'under_21' ? '2010-06-15' : dob(persona) } }, at()));
    expect(a.outcome).toBe(outcome);
    expect(a.reasons.map((r) => r.code)).toContain(code);
  });

  it('provider outage and provider timeout never allow; they alert and count', async () => {
    for (const persona of ['outage', 'timeout']) {
      const a = await mod.service.assess(input({ customer: { ...input({}, at()).customer, dob: dob(persona) } }, at()));
      expect(a.outcome).toBe('review');
      expect(a.age.status).toBe('error');
      expect(a.reasons.map((r) => r.code)).toContain('provider_error');
    }
    expect(alerts.events.filter((e) => e.kind === 'provider_outage').length).toBe(2);
    expect(await registry.getSingleMetricAsString('compliance_provider_errors_total')).toMatch(/provider="fake",kind="age"\} 2/);
    age.setOutage(true);
    expect((await mod.service.checkAgeVerification('fake-x')).status).toBe('error');
  });

  it('address provider outage → review; ZIP of another state → deny', async () => {
    const outage = await mod.service.assess(input({ shippingAddress: { ...input({}, at()).shippingAddress, zip: '00000' } }, at()));
    expect(outage.outcome).toBe('review');
    expect(outage.address.status).toBe('error');
    const other = await mod.service.assess(input({ shippingAddress: { ...input({}, at()).shippingAddress, zip: '10001' } }, at()));
    expect(other.outcome).toBe('deny');
    expect(other.reasons.map((r) => r.code)).toContain('address_state_mismatch');
  });

  it('recordDecision writes an audit row without raw DOB or full address', async () => {
    const i = input({}, at());
    const a = await mod.service.assess(i);
    const { auditId } = await mod.service.recordDecision(store.db, a, { orderId: i.orderId, kind: 'checkout', input: i });
    const row = await store.db.selectFrom('compliance_audit').selectAll().where('id', '=', auditId).executeTakeFirstOrThrow();
    const text = JSON.stringify(row);
    expect(text).not.toContain(i.customer.dob);
    expect(text).not.toMatch(/FRED WARING/i);
    expect(text).not.toContain('a@example.com');
    expect(text).not.toContain('203.0.113.7');
    const summary = JSON.parse(row.input_summary);
    expect(summary.customer.ageBand).toBe('30-39');
    expect(summary.shipTo).toMatchObject({ state: 'CA', zip3: '922' });
    expect(JSON.parse(row.provider_refs).age).toMatchObject({ provider: 'fake', status: 'accepted' });
    expect(row.ruleset_version).toBe(mod.ruleset.version);
    expect(Number(row.drill)).toBe(0);
    expect((await mod.verifyAuditChain()).ok).toBe(true);
  });

  it('personas and the unconfirmed list are exposed', () => {
    expect(mod.personas.map((p) => p.id)).toEqual(expect.arrayContaining(['adult', 'under_21', 'pending', 'photo_id', 'outage']));
    expect(mod.unconfirmed.length).toBeGreaterThan(5);
  });
});
