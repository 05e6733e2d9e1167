/**
 * Variables whose grammar belongs to a module (rollout, field maps, tax map):
 * checked at start-up with the module's own parser, so a bad value stops the
 * bridge with one line naming the variable instead of failing on first use.
 */
import { ConfigError } from './load.js';
import type { RawEnv } from './schema.js';
import { parseRollout } from '../catalog/rollout.js';
import { parseFieldMap } from '../catalog/mapping.js';
import { loadTaxMap, salesOrderFieldsFrom } from '../orders/options.js';

export function validateModuleVariables(raw: Pick<RawEnv, 'ROLLOUT' | 'CUSTOM_FIELD_MAP' | 'TAX_MAP' | 'SALES_ORDER_FIELD_MAP'>): void {
  const checks: Array<[string, () => unknown]> = [
    ['ROLLOUT', () => parseRollout(raw.ROLLOUT)],
    ['CUSTOM_FIELD_MAP', () => parseFieldMap(raw.CUSTOM_FIELD_MAP)],
    ['TAX_MAP', () => loadTaxMap(raw.TAX_MAP)],
    ['SALES_ORDER_FIELD_MAP', () => salesOrderFieldsFrom(raw.SALES_ORDER_FIELD_MAP)],
  ];
  for (const [variable, check] of checks) {
    try {
      check();
    } catch (err) {
      const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
      throw new ConfigError(variable, message.replace(new RegExp(`^${variable}\\s*`), '') || 'is invalid');
    }
  }
}
