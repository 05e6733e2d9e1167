/**
 * The soak's end-state checks, as a pure function of what the run gathered
 * (the bridge's orders, the emulator's records, the audit chain, the budget),
 * so each check can be tested on hand-made data.
 */

export interface FinalOrder {
  orderId: string;
  status: string;
  zohoSalesOrderId: string | null;
  lines: Array<{ sku: string; quantity: number }>;
}

export interface SoakSalesOrder {
  salesorder_id: string;
  reference_number: string;
  status: string;
  line_items: Array<{ item_id?: string; location_id?: string; quantity: number }>;
}

export interface SoakAdjustment {
  inventory_adjustment_id: string;
  reference_number: string;
}

export interface InvariantInput {
  stockMode: 'commit' | 'adjustment';
  dtcLocationId: string;
  /** Order ids the API accepted (answered with the order: 201, 202 or a 422 refusal). */
  accepted: Set<string>;
  /** Order ids the API turned away without taking an order (insufficient stock, unknown SKU…). */
  rejected: Set<string>;
  /** Every row of the bridge's orders table after the drain, by order id. */
  orders: Map<string, FinalOrder>;
  /** Sales orders the emulator holds that did not exist when the soak started. */
  salesOrders: SoakSalesOrder[];
  /** Inventory adjustments that did not exist when the soak started. */
  adjustments: SoakAdjustment[];
  /** How many of those the soak itself made (emulator setStock). */
  setStockAdjustments: number;
  committedBaseline: number;
  committedNow: number;
  audit: { ok: boolean; rows: number; problems: Array<{ problem: string; detail: string; seq: number | null }> };
  budget: { dailyLimit: number; maxUsedToday: number; perMinuteLimit: number; maxUsedThisMinute: number };
  /** Things the API did during the run that it must not (5xx, broken replays). */
  anomalies: string[];
}

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  offenders: string[];
}

export const FINAL_STATUSES = new Set(['placed', 'cancelled', 'refused', 'pending_verification', 'review']);

function check(name: string, offenders: string[], okDetail: string, badDetail = `${offenders.length} offender(s)`): CheckResult {
  return { name, ok: offenders.length === 0, detail: offenders.length === 0 ? okDetail : badDetail, offenders };
}

export function checkInvariants(input: InvariantInput): CheckResult[] {
  const results: CheckResult[] = [];
  const byRef = new Map<string, SoakSalesOrder[]>();
  for (const so of input.salesOrders) {
    const list = byRef.get(so.reference_number) ?? [];
    list.push(so);
    byRef.set(so.reference_number, list);
  }

  // 1. Nothing lost, nothing stuck.
  {
    const offenders: string[] = [];
    for (const id of input.accepted) {
      const o = input.orders.get(id);
      if (!o) offenders.push(`${id}: accepted by the API but not in the orders table`);
      else if (!FINAL_STATUSES.has(o.status)) offenders.push(`${id}: ${o.status}`);
    }
    results.push(check('every accepted order ends placed/cancelled/refused/pending/review', offenders, `${input.accepted.size} accepted orders all settled`));
  }

  // 2. No order the client was never told about.
  {
    const offenders = [...input.orders.keys()].filter((id) => !input.accepted.has(id)).map((id) => `${id}: ${input.orders.get(id)!.status} (the API never accepted it)`);
    results.push(check('no order the API turned away exists', offenders, `${input.rejected.size} rejected checkouts left no order`));
  }

  // 3. Exactly one sales order per placed order, the one the bridge recorded.
  {
    const offenders: string[] = [];
    for (const o of input.orders.values()) {
      if (o.status !== 'placed') continue;
      const sos = byRef.get(o.orderId) ?? [];
      if (sos.length !== 1) offenders.push(`${o.orderId}: ${sos.length} sales orders in Zoho (${sos.map((s) => s.salesorder_id).join(', ')})`);
      else if (sos[0]!.salesorder_id !== o.zohoSalesOrderId) offenders.push(`${o.orderId}: bridge recorded ${o.zohoSalesOrderId}, Zoho has ${sos[0]!.salesorder_id}`);
    }
    const placed = [...input.orders.values()].filter((o) => o.status === 'placed').length;
    results.push(check('exactly one Zoho sales order per placed order', offenders, `${placed} placed, ${placed} sales orders`));
  }

  // 4. None for orders that never went to Zoho; none without an order.
  {
    const offenders: string[] = [];
    for (const [ref, sos] of byRef) {
      const o = input.orders.get(ref);
      if (!o) offenders.push(`${ref}: ${sos.length} sales order(s) for an order the bridge does not have`);
      else if (o.status !== 'placed' && o.status !== 'cancelled') offenders.push(`${ref}: ${sos.length} sales order(s) for a ${o.status} order`);
    }
    results.push(check('no sales order for refused, held or rejected orders', offenders, 'none'));
  }

  // 5. Commit mode: confirmed, never adjusted; cancelled: void.
  {
    const offenders: string[] = [];
    for (const o of input.orders.values()) {
      const sos = byRef.get(o.orderId) ?? [];
      if (o.status === 'placed' && input.stockMode === 'commit') {
        for (const so of sos) if (so.status !== 'confirmed') offenders.push(`${o.orderId}: placed but its sales order ${so.salesorder_id} is ${so.status}`);
      }
      if (o.status === 'cancelled') {
        if (sos.length > 1) offenders.push(`${o.orderId}: cancelled with ${sos.length} sales orders`);
        for (const so of sos) if (so.status !== 'void') offenders.push(`${o.orderId}: cancelled but its sales order ${so.salesorder_id} is ${so.status}`);
      }
    }
    results.push(check('placed orders confirmed, cancelled orders void', offenders, 'all as expected'));
  }
  if (input.stockMode === 'commit') {
    const byBridge = input.adjustments.filter((a) => a.reference_number !== '').map((a) => `${a.inventory_adjustment_id} (reference ${a.reference_number})`);
    if (input.adjustments.length !== input.setStockAdjustments) {
      byBridge.push(`${input.adjustments.length} new adjustments in Zoho, ${input.setStockAdjustments} made by the soak's stock counts`);
    }
    results.push(check('commit mode: no inventory adjustments by the bridge', byBridge, `${input.setStockAdjustments} adjustments, all the soak's own stock counts`));
  }

  // 6. Stock: what Zoho has committed at the DTC location is what the confirmed sales orders say, and what the bridge placed.
  {
    const delta = input.committedNow - input.committedBaseline;
    const bySalesOrders = input.salesOrders
      .filter((so) => so.status === 'confirmed')
      .reduce((sum, so) => sum + so.line_items.filter((l) => !l.location_id || l.location_id === input.dtcLocationId).reduce((s, l) => s + Number(l.quantity), 0), 0);
    const byBridge = [...input.orders.values()].filter((o) => o.status === 'placed').reduce((sum, o) => sum + o.lines.reduce((s, l) => s + l.quantity, 0), 0);
    const offenders: string[] = [];
    if (delta !== bySalesOrders) offenders.push(`committed at DTC moved by ${delta}; confirmed soak sales orders hold ${bySalesOrders}`);
    if (input.stockMode === 'commit' && delta !== byBridge) offenders.push(`committed at DTC moved by ${delta}; the bridge's placed orders hold ${byBridge} units`);
    results.push(check('committed stock at DTC = confirmed, non-void soak sales orders', offenders, `${delta} units committed (baseline ${input.committedBaseline})`));
  }

  // 7. Audit chain.
  results.push(
    check(
      'compliance audit chain verifies',
      input.audit.problems.map((p) => `seq ${p.seq}: ${p.problem} (${p.detail})`).concat(input.audit.ok ? [] : input.audit.problems.length === 0 ? ['verifyAuditChain answered ok=false'] : []),
      `${input.audit.rows} records, chain intact`,
    ),
  );

  // 8. Budget.
  {
    const offenders: string[] = [];
    if (input.budget.maxUsedToday > input.budget.dailyLimit) offenders.push(`${input.budget.maxUsedToday} calls used today > daily limit ${input.budget.dailyLimit}`);
    results.push(check('Zoho call budget within its daily limit', offenders, `peak ${input.budget.maxUsedToday} of ${input.budget.dailyLimit} today; peak ${input.budget.maxUsedThisMinute}/${input.budget.perMinuteLimit} in a minute`));
  }

  // 9. The API itself.
  results.push(check('no 5xx, lost answer or broken replay from the API', input.anomalies, 'none'));
  return results;
}
