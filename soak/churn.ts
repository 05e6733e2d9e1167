/**
 * The Zoho side of the soak, through the emulator's control: stock counts
 * corrected in the UI (inventory_adjustment webhooks), item edits (item
 * webhooks) and injected faults on the two writes of an order push.
 */
import type { EmulatorControl, FaultKind, FaultSpec, ZohoRecord } from '../src/emulator/types.js';
import { Counter, sleep } from './stats.js';

export const FAULT_KINDS: FaultKind[] = ['http500', 'http503', 'http429', 'timeout', 'lost_response'];
export const FAULT_PATHS = ['/salesorders', '/salesorders/:id/status/confirmed'] as const;

export interface ChurnState {
  control: EmulatorControl;
  random: () => number;
  deadline: number;
  counts: Counter;
  /** Adjustments made by setStock (the only ones the bridge must not be blamed for). */
  setStockAdjustments: number;
  errors: string[];
}

export function committedAt(item: ZohoRecord, locationId: string): number {
  const loc = (item.locations as Array<Record<string, unknown>> | undefined)?.find((l) => l.location_id === locationId);
  return Number(loc?.location_committed_stock ?? 0);
}

/** Committed stock summed over every item at one location. */
export function totalCommittedAt(control: EmulatorControl, locationId: string): number {
  return control.items().reduce((sum, item) => sum + committedAt(item, locationId), 0);
}

function skuOf(item: ZohoRecord): string {
  return String(item.sku ?? '');
}

export async function churnLoop(c: ChurnState): Promise<void> {
  const dtc = c.control.locationIds.dtc;
  await sleep(1500);
  while (Date.now() < c.deadline) {
    const r = c.random();
    try {
      const items = c.control.items().filter((i) => skuOf(i) !== '' && i.status === 'active');
      const item = items[Math.floor(c.random() * items.length)];
      if (r < 0.35 && item) {
        // Mostly plenty of stock over what is committed; now and then nearly sold out.
        const committed = committedAt(item, dtc);
        const quantity = committed + (c.random() < 0.12 ? Math.floor(c.random() * 3) : 20 + Math.floor(c.random() * 100));
        const adj = c.control.setStock(skuOf(item), dtc, quantity);
        if (adj) c.setStockAdjustments += 1;
        c.counts.inc('setStock');
      } else if (r < 0.45 && item) {
        const rate = Number(item.rate ?? 0);
        const patch =
          c.random() < 0.5 && rate > 1
            ? { rate: Math.round(rate * (0.95 + c.random() * 0.1) * 100) / 100 }
            : { description: `Soak edit ${new Date().toISOString()}` };
        c.control.updateItem(skuOf(item), patch);
        c.counts.inc(`updateItem ${Object.keys(patch)[0]}`);
      } else {
        const kind = FAULT_KINDS[Math.floor(c.random() * FAULT_KINDS.length)]!;
        const path = FAULT_PATHS[c.random() < 0.6 ? 0 : 1];
        const times = c.random() < 0.8 ? 1 : 2 + Math.floor(c.random() * 2);
        const fault: FaultSpec = { method: 'POST', path, kind, times, ...(kind === 'http429' ? { retryAfterSeconds: 1 + Math.floor(c.random() * 2) } : {}) };
        c.control.injectFault(fault);
        c.counts.inc(`fault ${kind} POST ${path}`);
        c.counts.inc(`fault ${kind} (matching requests)`, times);
      }
    } catch (err) {
      c.errors.push(`churn: ${(err as Error).message}`);
    }
    await sleep(2000 + c.random() * 2000);
  }
}
