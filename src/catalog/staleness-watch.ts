/**
 * Raises `sync_stale` when the oldest stock figure the storefront serves is
 * older than what the planner promised (with slack), so an operator hears
 * about a stuck sync before customers buy stock that is gone.
 */
import type { AlertSink } from '../observability/alerts.js';
import type { Clock } from '../shared/clock.js';
import type { Plan } from './planner.js';

export interface StalenessWatchOptions {
  /** Promise × factor + slack before alerting (defaults 1.5 and 5 min). */
  factor?: number;
  slackMs?: number;
}

export interface StalenessCheck {
  stale: boolean;
  worstAgeMs: number | null;
  promiseMs: number | null;
}

export function createStalenessWatch(
  deps: { clock: Clock; alerts: AlertSink; worstStockSeenAt: () => Promise<number | null>; plan: () => Plan | null },
  options: StalenessWatchOptions = {},
): { check(): Promise<StalenessCheck> } {
  const factor = options.factor ?? 1.5;
  const slackMs = options.slackMs ?? 5 * 60_000;
  return {
    async check() {
      const plan = deps.plan();
      const worst = await deps.worstStockSeenAt();
      // The walk bound covers every stock figure (the sweep bound only aggregate-visible changes).
      const promiseMs = plan ? plan.walkBoundMs ?? plan.stalenessBoundMs : null;
      const worstAgeMs = worst === null ? null : Math.max(0, deps.clock.now() - worst);
      const stale = promiseMs !== null && worstAgeMs !== null && worstAgeMs > promiseMs * factor + slackMs;
      if (stale) {
        deps.alerts.raise({
          kind: 'sync_stale',
          severity: 'warning',
          message: `Catalog stock is ${Math.round(worstAgeMs! / 60_000)} min old, beyond the ${Math.round(promiseMs! / 60_000)} min the planner promised: check the Zoho connection, the budget and the Sync page`,
          dedupeKey: 'sync_stale',
          details: { worstAgeMs, promiseMs },
        });
      }
      return { stale, worstAgeMs, promiseMs };
    },
  };
}
