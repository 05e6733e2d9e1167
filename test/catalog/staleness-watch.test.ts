import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/shared/clock.js';
import { RecordingAlertSink } from '../../src/observability/alerts.js';
import { createStalenessWatch } from '../../src/catalog/staleness-watch.js';
import type { Plan } from '../../src/catalog/planner.js';

const MIN = 60_000;

function watch(worstAgeMin: number | null, plan: Partial<Plan> | null) {
  const clock = new FakeClock();
  const alerts = new RecordingAlertSink();
  const w = createStalenessWatch({
    clock,
    alerts,
    worstStockSeenAt: async () => (worstAgeMin === null ? null : clock.now() - worstAgeMin * MIN),
    plan: () => plan as Plan | null,
  });
  return { w, alerts };
}

describe('sync staleness watch', () => {
  it('raises sync_stale when the oldest figure is well past the promise', async () => {
    const { w, alerts } = watch(200, { walkBoundMs: 100 * MIN, stalenessBoundMs: 15 * MIN });
    expect((await w.check()).stale).toBe(true);
    expect(alerts.events.map((e) => e.kind)).toEqual(['sync_stale']);
  });

  it('stays quiet within the promise and its slack, without a plan, or with nothing synced', async () => {
    for (const [age, plan] of [
      [120, { walkBoundMs: 100 * MIN, stalenessBoundMs: 15 * MIN }],
      [500, null],
      [null, { walkBoundMs: 100 * MIN, stalenessBoundMs: 15 * MIN }],
      [500, { walkBoundMs: null, stalenessBoundMs: null }],
    ] as const) {
      const { w, alerts } = watch(age, plan);
      expect((await w.check()).stale).toBe(false);
      expect(alerts.events).toHaveLength(0);
    }
  });

  it('uses the sweep bound when no walk bound is planned', async () => {
    const { w } = watch(40, { walkBoundMs: null, stalenessBoundMs: 15 * MIN });
    expect((await w.check()).stale).toBe(true);
  });
});
