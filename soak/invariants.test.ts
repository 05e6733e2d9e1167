import { describe, expect, it } from 'vitest';
import { checkInvariants, type InvariantInput } from './invariants.js';
import { parseArgs } from './args.js';
import { percentile } from './stats.js';

function world(): InvariantInput {
  return {
    stockMode: 'commit',
    dtcLocationId: 'DTC',
    accepted: new Set(['A', 'B', 'C', 'D']),
    rejected: new Set(['E']),
    orders: new Map([
      ['A', { orderId: 'A', status: 'placed', zohoSalesOrderId: '1', lines: [{ sku: 'x', quantity: 2 }] }],
      ['B', { orderId: 'B', status: 'cancelled', zohoSalesOrderId: '2', lines: [{ sku: 'x', quantity: 1 }] }],
      ['C', { orderId: 'C', status: 'refused', zohoSalesOrderId: null, lines: [{ sku: 'x', quantity: 1 }] }],
      ['D', { orderId: 'D', status: 'pending_verification', zohoSalesOrderId: null, lines: [{ sku: 'y', quantity: 1 }] }],
    ]),
    salesOrders: [
      { salesorder_id: '1', reference_number: 'A', status: 'confirmed', line_items: [{ location_id: 'DTC', quantity: 2 }] },
      { salesorder_id: '2', reference_number: 'B', status: 'void', line_items: [{ location_id: 'DTC', quantity: 1 }] },
    ],
    adjustments: [{ inventory_adjustment_id: '9', reference_number: '' }],
    setStockAdjustments: 1,
    committedBaseline: 5,
    committedNow: 7,
    audit: { ok: true, rows: 4, problems: [] },
    budget: { dailyLimit: 1000, maxUsedToday: 100, perMinuteLimit: 100, maxUsedThisMinute: 40 },
    anomalies: [],
  };
}

const failing = (input: InvariantInput) => checkInvariants(input).filter((r) => !r.ok).map((r) => r.name);

describe('soak invariants', () => {
  it('pass on a consistent end state', () => {
    expect(failing(world())).toEqual([]);
  });

  it('catch an order stuck in accepted and one lost', () => {
    const w = world();
    w.orders.get('D')!.status = 'accepted';
    w.orders.delete('C');
    const bad = checkInvariants(w).find((r) => r.name.startsWith('every accepted order'))!;
    expect(bad.ok).toBe(false);
    expect(bad.offenders).toEqual(['C: accepted by the API but not in the orders table', 'D: accepted']);
  });

  it('catch a duplicate sales order and one for a refused order', () => {
    const w = world();
    w.salesOrders.push({ salesorder_id: '3', reference_number: 'A', status: 'draft', line_items: [{ location_id: 'DTC', quantity: 2 }] });
    w.salesOrders.push({ salesorder_id: '4', reference_number: 'C', status: 'draft', line_items: [] });
    expect(failing(w)).toEqual(
      expect.arrayContaining(['exactly one Zoho sales order per placed order', 'no sales order for refused, held or rejected orders', 'placed orders confirmed, cancelled orders void']),
    );
  });

  it('catch committed stock that does not match, an adjustment by the bridge, a broken chain, an overspent budget, a 5xx', () => {
    const w = world();
    w.committedNow = 8;
    w.adjustments.push({ inventory_adjustment_id: '10', reference_number: 'A' });
    w.audit = { ok: false, rows: 4, problems: [{ problem: 'hash_mismatch', detail: 'edited', seq: 2 }] };
    w.budget.maxUsedToday = 1001;
    w.anomalies.push('POST /api/orders answered 500');
    expect(failing(w)).toEqual([
      'commit mode: no inventory adjustments by the bridge',
      'committed stock at DTC = confirmed, non-void soak sales orders',
      'compliance audit chain verifies',
      'Zoho call budget within its daily limit',
      'no 5xx, lost answer or broken replay from the API',
    ]);
  });

  it('catch a cancelled order whose sales order is still confirmed', () => {
    const w = world();
    w.salesOrders[1]!.status = 'confirmed';
    w.committedNow = 8;
    expect(failing(w)).toEqual(['placed orders confirmed, cancelled orders void', 'committed stock at DTC = confirmed, non-void soak sales orders']);
  });
});

describe('soak helpers', () => {
  it('parse the command line', () => {
    expect(parseArgs(['--minutes', '2', '--orders-per-second=1.5'])).toMatchObject({ minutes: 2, ordersPerSecond: 1.5 });
    expect(() => parseArgs(['--minutes', '0'])).toThrow(/--minutes/);
    expect(() => parseArgs(['--bogus'])).toThrow(/unknown option/);
  });

  it('take nearest-rank percentiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
  });
});
