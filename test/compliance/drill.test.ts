import { afterEach, describe, expect, it } from 'vitest';
import { createComplianceModule } from '../../src/compliance/index.js';
import { testConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetricsRegistry } from '../../src/observability/metrics.js';
import { RecordingAlertSink } from '../../src/observability/alerts.js';
import { FakeClock } from '../../src/shared/clock.js';
import { openTestStore } from '../support/databases.js';
import type { Store } from '../../src/store/db.js';
import type { Ruleset } from '../../src/compliance/ruleset.js';
import { SHIPPED } from './helpers.js';

describe('compliance drill', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  const make = async (ruleset?: Ruleset) => {
    store = await openTestStore('sqlite');
    return createComplianceModule({
      config: testConfig(),
      store,
      logger: createLogger('silent'),
      registry: createMetricsRegistry(false),
      alerts: new RecordingAlertSink(),
      clock: new FakeClock(),
      ...(ruleset ? { ruleset } : {}),
    });
  };

  it('passes on the shipped ruleset, covers every scenario kind, and audits each run as a drill', async () => {
    const mod = await make();
    const report = await mod.runDrill();
    expect(report.failed).toBe(0);
    expect(report.ok).toBe(true);
    const ids = report.results.map((r) => r.id);
    for (const id of ['control_allowed', 'under_21', 'flavored_vape_ca', 'po_box_vape', 'name_mismatch', 'age_provider_outage', 'unknown_category', 'zip_in_other_state']) {
      expect(ids).toContain(id);
    }
    for (const rule of SHIPPED.rules.filter((r) => r.ship_banned && (!r.effective_date || r.effective_date <= '2026-11-28'))) {
      for (const j of rule.jurisdictions) expect(ids).toContain(`ban_${rule.id}_${j === 'US' ? 'TX' : j}`.toLowerCase());
    }
    expect(report.table).toMatch(/control_allowed\s+allow\s+allow/);
    const rows = await store!.db.selectFrom('compliance_audit').select(['kind', 'drill', 'order_id']).execute();
    expect(rows).toHaveLength(report.results.length);
    expect(rows.every((r) => r.kind === 'drill' && Number(r.drill) === 1)).toBe(true);
    expect((await mod.verifyAuditChain()).ok).toBe(true);
  });

  it('fails when a rule is missing from the ruleset', async () => {
    const weakened = structuredClone(SHIPPED) as Ruleset;
    weakened.rules = weakened.rules.filter((r) => !r.id.startsWith('CA-FLAVOR'));
    const mod = await make(weakened);
    const report = await mod.runDrill();
    expect(report.ok).toBe(false);
    expect(report.results.find((r) => r.id === 'flavored_vape_ca')).toMatchObject({ pass: false, actual: 'allow' });
  });
});
