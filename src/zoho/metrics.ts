import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * The module's metrics on the injected registry. Several module instances may
 * share one registry (tests, two "processes" in one), so an existing metric
 * of the same name is reused rather than registered twice.
 */
export interface ZohoMetrics {
  calls: Counter<'endpoint' | 'status' | 'priority'>;
  duration: Histogram<'endpoint'>;
  budgetRemaining: Gauge<'window'>;
  refreshes: Counter<'outcome'>;
}

export function zohoMetrics(registry: Registry): ZohoMetrics {
  const get = <T>(name: string, make: () => T): T => (registry.getSingleMetric(name) as T | undefined) ?? make();
  return {
    calls: get('zoho_calls_total', () =>
      new Counter({ name: 'zoho_calls_total', help: 'Zoho Inventory API calls by endpoint template, HTTP status (0 = no response) and priority', labelNames: ['endpoint', 'status', 'priority'] as const, registers: [registry] }),
    ),
    duration: get('zoho_call_duration_seconds', () =>
      new Histogram({ name: 'zoho_call_duration_seconds', help: 'Zoho Inventory API call duration', labelNames: ['endpoint'] as const, buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30], registers: [registry] }),
    ),
    budgetRemaining: get('zoho_budget_remaining', () =>
      new Gauge({ name: 'zoho_budget_remaining', help: 'Zoho calls left in the current window (day = UTC date, minute)', labelNames: ['window'] as const, registers: [registry] }),
    ),
    refreshes: get('zoho_token_refreshes_total', () =>
      new Counter({ name: 'zoho_token_refreshes_total', help: 'Zoho access-token refreshes by outcome', labelNames: ['outcome'] as const, registers: [registry] }),
    ),
  };
}
