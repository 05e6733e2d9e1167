/**
 * `npm run soak`: a bounded soak of the real application. The bridge starts in
 * demo mode (embedded Zoho emulator, SQLite in a temp dir, 127.0.0.1 only);
 * for `--minutes` it takes storefront browsing, checkouts at a fixed rate,
 * cancellations, Zoho-side stock and item churn and injected Zoho faults;
 * then the faults stop, the worker drains, dead letters are retried once, and
 * the end state is checked (soak/invariants.ts). Exit 1 when a check fails,
 * 2 on a crash or when the run outlives its own time bound.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { testConfig } from '../src/config/load.js';
import { startBridge, type RunningBridge } from '../src/app/serve.js';
import { createLogger } from '../src/observability/logger.js';
import type { EmulatorCounters, ZohoRecord } from '../src/emulator/types.js';
import { HelpRequested, USAGE, parseArgs, type SoakArgs } from './args.js';
import { Counter, seededRandom, sleep } from './stats.js';
import { browse, cancelLoop, checkoutLoop, newTrafficState, refreshProducts, type TrafficState } from './traffic.js';
import { churnLoop, totalCommittedAt, type ChurnState } from './churn.js';
import { checkInvariants, type CheckResult, type FinalOrder, type SoakAdjustment, type SoakSalesOrder } from './invariants.js';

const SETTLING = ['received', 'accepted', 'cancelling'];

function log(message: string): void {
  process.stdout.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

interface BudgetPeaks {
  dailyLimit: number;
  perMinuteLimit: number;
  maxUsedToday: number;
  maxUsedThisMinute: number;
  samples: number;
  finalByPriority: Record<string, number>;
}

async function sampleBudget(bridge: RunningBridge, peaks: BudgetPeaks): Promise<void> {
  const s = await bridge.ctx.zoho.budget.snapshot();
  peaks.dailyLimit = s.dailyLimit;
  peaks.perMinuteLimit = s.perMinuteLimit;
  peaks.maxUsedToday = Math.max(peaks.maxUsedToday, s.usedToday);
  peaks.maxUsedThisMinute = Math.max(peaks.maxUsedThisMinute, s.usedThisMinute);
  peaks.finalByPriority = { ...s.usedByPriority };
  peaks.samples += 1;
}

/** Waits until no order is between states and every `pending` persona's hold has resolved, or the bound passes. */
async function settle(bridge: RunningBridge, traffic: TrafficState, boundMs: number): Promise<{ ms: number; settled: boolean; left: Record<string, number> }> {
  const db = bridge.ctx.store.db;
  const started = Date.now();
  const pendingPersona = new Set([...traffic.orders.values()].filter((r) => r.persona === 'pending').map((r) => r.orderId));
  let left: Record<string, number> = {};
  for (;;) {
    const rows = await db.selectFrom('orders').select(['order_id', 'status']).execute();
    left = {};
    for (const r of rows) {
      if (SETTLING.includes(r.status) || (r.status === 'pending_verification' && pendingPersona.has(r.order_id))) left[r.status] = (left[r.status] ?? 0) + 1;
    }
    const due = await db.selectFrom('order_outbox').select('order_id').where('due_at', 'is not', null).execute();
    if (due.length > 0) left.outbox_due = due.length;
    if (Object.keys(left).length === 0) return { ms: Date.now() - started, settled: true, left };
    if (Date.now() - started > boundMs) return { ms: Date.now() - started, settled: false, left };
    await sleep(250);
  }
}

function diffCounters(before: EmulatorCounters, after: EmulatorCounters): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.byEndpoint)) {
    const d = v - (before.byEndpoint[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}

function asSalesOrder(r: ZohoRecord): SoakSalesOrder {
  return {
    salesorder_id: String(r.salesorder_id),
    reference_number: String(r.reference_number ?? ''),
    status: String(r.status ?? ''),
    line_items: ((r.line_items as Array<Record<string, unknown>>) ?? []).map((l) => ({
      item_id: String(l.item_id ?? ''),
      location_id: l.location_id === undefined || l.location_id === null ? '' : String(l.location_id),
      quantity: Number(l.quantity ?? 0),
    })),
  };
}

async function soak(args: SoakArgs): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dtc-soak-'));
  const runId = randomBytes(3).toString('hex').toUpperCase();
  log(`run ${runId}: ${args.minutes} min, ${args.ordersPerSecond} orders/s, seed ${args.seed}, data in ${dataDir}`);
  const bridge = await startBridge(testConfig({ DATA_DIR: dataDir, PORT: '0', ADMIN_PASSWORD: 'soak-admin-pw' }), {
    logger: createLogger('silent'),
    banner: false,
    // Faults must cost seconds, not the production backoff of minutes; 3 attempts
    // let a repeated fault reach the dead letters, which the end of the run retries.
    orders: { worker: { maxAttempts: 3, backoffBaseMs: 100, backoffMaxMs: 1_000, pollIntervalMs: 100, agePollIntervalMs: 2_000, sweepIntervalMs: 2_000 } },
    zoho: { retry: { baseDelayMs: 20, maxDelayMs: 200 } },
  });
  try {
    await bridge.ready;
    const emulator = bridge.emulator;
    if (!emulator) throw new Error('the bridge did not start in demo mode (Zoho credentials in the environment?)');
    if (!bridge.url.startsWith('http://127.0.0.1:')) throw new Error(`the bridge listens on ${bridge.url}, not 127.0.0.1`);
    const control = emulator.control;
    const dtc = control.locationIds.dtc;
    const stockMode = bridge.ctx.orders.options.stockMode;

    // Baseline: what Zoho held before the first soak order.
    const baselineSalesOrders = new Set(control.salesOrders().map((s) => String(s.salesorder_id)));
    const baselineAdjustments = new Set(control.adjustments().map((a) => String(a.inventory_adjustment_id)));
    const committedBaseline = totalCommittedAt(control, dtc);
    const countersBefore = control.counters();
    const webhooksBefore = control.webhookDeliveries().length;

    const random = seededRandom(args.seed);
    const trafficStarted = Date.now();
    const deadline = trafficStarted + args.minutes * 60_000;
    const traffic = newTrafficState(bridge.url, random, deadline, runId);
    await refreshProducts(traffic);
    log(`bridge at ${bridge.url}, emulator at ${emulator.url}; ${traffic.products.length} products listed, ${committedBaseline} units committed at DTC`);
    const churn: ChurnState = { control, random, deadline, counts: new Counter(), setStockAdjustments: 0, errors: [] };
    const peaks: BudgetPeaks = { dailyLimit: 0, perMinuteLimit: 0, maxUsedToday: 0, maxUsedThisMinute: 0, samples: 0, finalByPriority: {} };

    const background = async (everyMs: number, fn: () => Promise<void>) => {
      while (Date.now() < deadline) {
        await fn().catch((err: unknown) => void churn.errors.push(`background: ${(err as Error).message}`));
        await sleep(everyMs);
      }
    };
    const progress = async () => {
      while (Date.now() < deadline) {
        await sleep(15_000);
        const accepted = [...traffic.orders.values()].filter((r) => r.accepted).length;
        log(`${Math.round((Date.now() - trafficStarted) / 1000)} s: ${traffic.orders.size} checkouts (${accepted} accepted), ${traffic.anomalies.length} anomalies, budget peak ${peaks.maxUsedToday}/${peaks.dailyLimit}`);
      }
    };
    await Promise.all([
      checkoutLoop(traffic, args.ordersPerSecond),
      ...Array.from({ length: args.browsers }, () => browse(traffic)),
      cancelLoop(traffic),
      churnLoop(churn),
      background(5_000, () => refreshProducts(traffic)),
      background(2_000, () => sampleBudget(bridge, peaks)),
      progress(),
    ]);
    const trafficMs = Date.now() - trafficStarted;
    log(`traffic stopped after ${(trafficMs / 1000).toFixed(0)} s; clearing faults and draining (≤ ${args.drainSeconds} s)`);

    control.clearFaults();
    const drain1 = await settle(bridge, traffic, args.drainSeconds * 1000);
    await sampleBudget(bridge, peaks);
    const deadLetters = await bridge.ctx.store.db.selectFrom('orders').select('order_id').where('status', '=', 'failed').execute();
    const retried: string[] = [];
    for (const d of deadLetters) {
      try {
        await bridge.ctx.orders.retryOrder(d.order_id);
        retried.push(d.order_id);
      } catch (err) {
        churn.errors.push(`retry of dead letter ${d.order_id}: ${(err as Error).message}`);
      }
    }
    const drain2 = retried.length > 0 ? await settle(bridge, traffic, args.drainSeconds * 1000) : { ms: 0, settled: true, left: {} };
    await control.flushWebhooks();
    await sampleBudget(bridge, peaks);
    log(`drain ${drain1.settled ? 'settled' : 'DID NOT settle'} in ${(drain1.ms / 1000).toFixed(1)} s; ${retried.length} dead letter(s) retried${retried.length ? `, then ${drain2.settled ? 'settled' : 'DID NOT settle'} in ${(drain2.ms / 1000).toFixed(1)} s` : ''}`);

    // End state.
    const db = bridge.ctx.store.db;
    const orderRows = await db.selectFrom('orders').select(['order_id', 'status', 'zoho_salesorder_id', 'reasons_json']).execute();
    const lineRows = await db.selectFrom('order_lines').select(['order_id', 'sku', 'quantity']).execute();
    const orders = new Map<string, FinalOrder>();
    const reasons = new Counter();
    for (const r of orderRows) {
      orders.set(r.order_id, { orderId: r.order_id, status: r.status, zohoSalesOrderId: r.zoho_salesorder_id, lines: [] });
      if (r.status === 'placed' || r.status === 'cancelled') continue;
      const codes = (JSON.parse(r.reasons_json || '[]') as Array<{ code: string }>).map((x) => x.code);
      reasons.inc(`${r.status}: ${codes.join('+') || 'no reason'}`);
    }
    for (const l of lineRows) orders.get(l.order_id)?.lines.push({ sku: l.sku, quantity: Number(l.quantity) });
    const salesOrders = control
      .salesOrders()
      .filter((s) => !baselineSalesOrders.has(String(s.salesorder_id)))
      .map(asSalesOrder);
    const adjustments: SoakAdjustment[] = control
      .adjustments()
      .filter((a) => !baselineAdjustments.has(String(a.inventory_adjustment_id)))
      .map((a) => ({ inventory_adjustment_id: String(a.inventory_adjustment_id), reference_number: String(a.reference_number ?? '') }));
    const audit = await bridge.ctx.compliance.verifyAuditChain();
    const accepted = new Set([...traffic.orders.values()].filter((r) => r.accepted).map((r) => r.orderId));
    const rejected = new Set([...traffic.orders.values()].filter((r) => !r.accepted).map((r) => r.orderId));
    const results = checkInvariants({
      stockMode,
      dtcLocationId: dtc,
      accepted,
      rejected,
      orders,
      salesOrders,
      adjustments,
      setStockAdjustments: churn.setStockAdjustments,
      committedBaseline,
      committedNow: totalCommittedAt(control, dtc),
      audit,
      budget: peaks,
      anomalies: [...traffic.anomalies, ...churn.errors],
    });

    const countersAfter = control.counters();
    const endpointCalls = diffCounters(countersBefore, countersAfter);
    const deliveries = control.webhookDeliveries().slice(webhooksBefore);
    report({ reasons, args, runId, trafficMs, traffic, churn, peaks, orders, accepted, rejected, salesOrders, endpointCalls, deliveries, drain1, drain2, retried, results, rateLimited: countersAfter.rateLimited - countersBefore.rateLimited });
    return results.every((r) => r.ok) ? 0 : 1;
  } finally {
    await bridge.close();
    if (!args.keepData) rmSync(dataDir, { recursive: true, force: true });
  }
}

interface ReportInput {
  reasons: Counter;
  args: SoakArgs;
  runId: string;
  trafficMs: number;
  traffic: TrafficState;
  churn: ChurnState;
  peaks: BudgetPeaks;
  orders: Map<string, FinalOrder>;
  accepted: Set<string>;
  rejected: Set<string>;
  salesOrders: SoakSalesOrder[];
  endpointCalls: Record<string, number>;
  deliveries: Array<{ event: string; status: number | null }>;
  drain1: { ms: number; settled: boolean; left: Record<string, number> };
  drain2: { ms: number; settled: boolean; left: Record<string, number> };
  retried: string[];
  results: CheckResult[];
  rateLimited: number;
}

function report(r: ReportInput): void {
  const out: string[] = [];
  const line = (s = '') => out.push(s);
  const fmt = (n: number) => n.toFixed(1);
  line('');
  line(`=== soak ${r.runId}: ${fmt(r.trafficMs / 60_000)} min of traffic, ${r.args.ordersPerSecond} orders/s, seed ${r.args.seed} ===`);

  line('');
  line('Latency (client side, ms)            count     p50     p99     max');
  for (const name of ['POST /api/orders', 'GET /api/products/:sku', 'GET /api/products', 'POST /api/orders/:id/cancel']) {
    const s = r.traffic.latencies.summary(name);
    if (s) line(`  ${name.padEnd(32)} ${String(s.count).padStart(6)} ${fmt(s.p50).padStart(7)} ${fmt(s.p99).padStart(7)} ${fmt(s.max).padStart(7)}`);
  }

  line('');
  const statusCounts = new Counter();
  const byPersona = new Counter();
  for (const id of r.accepted) {
    const o = r.orders.get(id);
    const st = o?.status ?? 'MISSING';
    statusCounts.inc(st);
    byPersona.inc(`${r.traffic.orders.get(id)!.persona} → ${st}`);
  }
  const rejectedCodes = new Counter();
  for (const id of r.rejected) rejectedCodes.inc(r.traffic.orders.get(id)!.rejectedCode ?? 'no answer');
  line(`Checkouts: ${r.traffic.orders.size} order ids posted, ${r.accepted.size} accepted, ${r.rejected.size} turned away`);
  line(`  final status: ${statusCounts.entries().map(([k, v]) => `${k} ${v}`).join(', ')}`);
  line(`  by persona:   ${byPersona.entries().map(([k, v]) => `${k} ${v}`).join(', ')}`);
  line(`  reasons:      ${r.reasons.entries().map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
  line(`  turned away:  ${rejectedCodes.entries().map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
  const scenarios = new Counter();
  for (const o of r.traffic.orders.values()) scenarios.inc(o.scenario);
  line(`  scenarios:    ${scenarios.entries().map(([k, v]) => `${k} ${v}`).join(', ')}`);
  line(`  cancels:      ${r.traffic.cancels.entries().map(([k, v]) => `${k}: ${v}`).join('; ') || 'none'}`);
  line(`  dead letters retried at the end: ${r.retried.length}${r.retried.length ? ` (${r.retried.join(', ')})` : ''}`);
  line(`  drain: ${fmt(r.drain1.ms / 1000)} s${r.drain1.settled ? '' : ` NOT settled: ${JSON.stringify(r.drain1.left)}`}; after retry ${fmt(r.drain2.ms / 1000)} s${r.drain2.settled ? '' : ` NOT settled: ${JSON.stringify(r.drain2.left)}`}`);

  line('');
  line('HTTP answers:');
  for (const [k, v] of r.traffic.answers.entries()) line(`  ${k.padEnd(48)} ${v}`);

  line('');
  const placed = [...r.orders.values()].filter((o) => o.status === 'placed' || o.status === 'cancelled').length;
  const inventoryCalls = Object.entries(r.endpointCalls).filter(([k]) => !k.includes('/oauth/'));
  const total = inventoryCalls.reduce((s, [, v]) => s + v, 0);
  const orderCalls = inventoryCalls.filter(([k]) => /\/(contacts|salesorders)/.test(k)).reduce((s, [, v]) => s + v, 0);
  line(`Zoho (emulator) calls during the soak: ${total} Inventory calls, ${r.rateLimited} answered 429 (injected or limit)`);
  for (const [k, v] of inventoryCalls.sort(([a], [b]) => (a < b ? -1 : 1))) line(`  ${k.padEnd(48)} ${v}`);
  line(`  contacts + sales-order calls per order that reached Zoho (placed or cancelled, ${placed}): ${placed ? (orderCalls / placed).toFixed(2) : 'n/a'}`);
  line(`  all Inventory calls per placed order: ${placed ? (total / placed).toFixed(2) : 'n/a'}`);
  line(`  budget: peak ${r.peaks.maxUsedToday}/${r.peaks.dailyLimit} per day, peak ${r.peaks.maxUsedThisMinute}/${r.peaks.perMinuteLimit} per minute (${r.peaks.samples} samples); by priority ${JSON.stringify(r.peaks.finalByPriority)}`);
  const hooks = new Counter();
  for (const d of r.deliveries) hooks.inc(`${d.event} → ${d.status ?? 'error'}`);
  line(`  webhooks delivered: ${hooks.entries().map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
  line(`  Zoho-side churn: ${r.churn.counts.entries().map(([k, v]) => `${k} ${v}`).join('; ')}`);

  line('');
  line('Invariants:');
  for (const res of r.results) {
    line(`  ${res.ok ? 'PASS' : 'FAIL'}  ${res.name}: ${res.detail}`);
    for (const o of res.offenders.slice(0, 15)) line(`          - ${o}`);
    if (res.offenders.length > 15) line(`          … and ${res.offenders.length - 15} more`);
  }
  const failed = r.results.filter((x) => !x.ok).length;
  line('');
  line(failed === 0 ? 'SOAK PASSED' : `SOAK FAILED: ${failed} invariant(s)`);
  process.stdout.write(`${out.join('\n')}\n`);
}

async function main(): Promise<void> {
  let args: SoakArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  // The run bounds itself: traffic, two drains, start-up and shut-down.
  const boundMs = args.minutes * 60_000 + 2 * args.drainSeconds * 1000 + 120_000;
  setTimeout(() => {
    process.stderr.write(`soak: still running after ${Math.round(boundMs / 1000)} s; giving up\n`);
    process.exit(2);
  }, boundMs).unref();
  try {
    const code = await soak(args);
    process.exit(code);
  } catch (err) {
    process.stderr.write(`soak crashed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(2);
  }
}

void main();
