/**
 * Operator decisions on orders the compliance engine held: a person approves
 * a `review` hold (provider outage, unconfirmed rule, photo-ID step…) or
 * refuses a held order. Each decision is one transaction: the state change,
 * the stock, the outbox row and the compliance audit record (kind `resume`)
 * commit together or not at all.
 *
 * The audit record of an approval is the held assessment turned into an
 * explicit override: outcome `allow`, a first reason `operator_approved`
 * naming the operator and the note, and every original reason kept as it was,
 * so the log shows both what held the order and who let it through.
 */
import { randomUUID } from 'node:crypto';
import type { CheckoutComplianceInput, ComplianceAssessment, ComplianceReason } from '../compliance/types.js';
import { AppError, notFound } from '../shared/errors.js';
import { fromJson, toJson } from '../store/columns.js';
import { insufficient, publicReasons, type StoredInput } from './checkout.js';
import { addEvent, loadLines, loadOrder, upsertOutbox, type OrdersContext } from './context.js';
import type { OrderReason, OrderStatus, OrderView } from './model.js';
import { InsufficientStockError, releaseReservations, reserveIn, runTx, setExpiry, type ReserveLine } from './reservations.js';
import type { OrdersRow } from './tables.js';

export interface OperatorDecision {
  /** Who decided (the dashboard passes its session identity). */
  operator: string;
  /** Why. Required (≥ APPROVE_NOTE_MIN characters) to approve; optional to refuse. */
  note?: string | null;
}

export interface HeldDecisionAnswer {
  order: OrderView;
  /** False when the same decision had already been taken (idempotent no-op). */
  changed: boolean;
}

export const APPROVE_NOTE_MIN = 5;
const NOTE_MAX = 1000;
const OPERATOR_MAX = 100;

/** States an approved order can be in afterwards: approving it again answers as a no-op. */
const AFTER_APPROVAL: OrderStatus[] = ['accepted', 'placed', 'failed', 'cancelling'];
const REFUSABLE: OrderStatus[] = ['review', 'pending_verification'];

/** The conditional state change found the order changed under it: read it again. */
class LostRace extends Error {}

export function createHeldDecisions(ctx: OrdersContext, view: (orderId: string) => Promise<OrderView>) {
  const db = ctx.db;

  async function decidedBefore(orderId: string, status: 'approved' | 'refused'): Promise<boolean> {
    const row = await db
      .selectFrom('order_events')
      .select('id')
      .where('order_id', '=', orderId)
      .where('step', '=', 'operator')
      .where('status', '=', status)
      .executeTakeFirst();
    return row !== undefined;
  }

  async function approveHeld(orderId: string, decision: OperatorDecision): Promise<HeldDecisionAnswer> {
    const operator = cleanOperator(decision.operator);
    const note = cleanNote(decision.note);
    if (note.length < APPROVE_NOTE_MIN) {
      throw new AppError('note_required', `Approving a held order needs a note of at least ${APPROVE_NOTE_MIN} characters saying why`, 400);
    }
    for (let round = 0; round < 5; round++) {
      const row = await loadOrder(db, orderId);
      if (!row || row.status === 'received') throw notFound(`Order ${orderId}`);
      const status = row.status as OrderStatus;
      if (status !== 'review' || row.cancel_requested === 1) {
        if (AFTER_APPROVAL.includes(status) && (await decidedBefore(orderId, 'approved'))) return { order: await view(orderId), changed: false };
        throw notReviewable(orderId, row.cancel_requested === 1 ? 'being cancelled' : status, 'only orders held for review can be approved');
      }
      const prior = fromJson<ComplianceAssessment | null>(row.assessment_json, null);
      // Defence in depth: a hard legal refusal never reaches `review`, but an override must never clear one.
      const denying = prior ? prior.reasons.filter((r) => r.effect === 'deny') : [];
      if (!prior || prior.outcome === 'deny' || denying.length > 0) {
        throw new AppError(
          'order_not_approvable',
          prior
            ? `Order ${orderId} has a reason that refuses it (${denying.map((r) => r.code).join(', ') || 'outcome deny'}); an operator cannot approve it`
            : `Order ${orderId} has no recorded compliance assessment; it cannot be approved`,
          409,
          denying.map((r) => ({ code: r.code, message: r.message, ...(r.sku ? { sku: r.sku } : {}) })),
        );
      }

      // The hold kept its stock; if the reservation is gone, the approval must take the stock again.
      const needed = await neededBySku(orderId);
      const missing = await missingSkus(db, orderId, needed);
      const products = missing.length > 0 ? await ctx.catalog.getManyBySku(missing) : new Map();

      const now = ctx.clock.now();
      const assessment = approvalAssessment(prior, operator, note);
      const input = complianceInput(row, now);
      try {
        await runTx(db, async (trx) => {
          const res = await trx
            .updateTable('orders')
            .set({
              status: 'accepted',
              decision_id: assessment.decisionId,
              assessment_json: toJson(assessment),
              // The customer sees that a person approved it, not the operator's note.
              reasons_json: toJson([{ code: 'operator_approved', message: 'Approved after review' }] satisfies OrderReason[]),
              dob_held: null,
              hold_expires_at: null,
              updated_at: now,
            })
            .where('order_id', '=', orderId)
            .where('status', '=', 'review')
            .where('cancel_requested', '=', 0)
            .executeTakeFirst();
          if (Number(res.numUpdatedRows) !== 1) throw new LostRace();
          // Read again under the row lock: the answer outside the transaction may be stale.
          const stillMissing = await missingSkus(trx, orderId, needed);
          let reReserved: string[] = [];
          if (stillMissing.length > 0) {
            if (stillMissing.some((sku) => !missing.includes(sku))) throw new LostRace();
            const lines: ReserveLine[] = stillMissing.map((sku) => {
              const p = products.get(sku);
              // A product gone from the catalog has no stock to promise.
              return { sku, quantity: needed.get(sku)!, zohoQuantity: p ? p.zohoQuantity : 0, stockSeenAt: p ? p.stockSeenAt : 0 };
            });
            // A released row keeps its (order, sku) key: it goes before the new reservation.
            await trx.deleteFrom('order_reservations').where('order_id', '=', orderId).where('sku', 'in', stillMissing).where('state', '=', 'released').execute();
            await reserveIn(trx, orderId, lines, null, now);
            reReserved = stillMissing;
          }
          await setExpiry(trx, orderId, null, now);
          const audit = await ctx.compliance.recordDecision(trx, assessment, { orderId, kind: 'resume', input });
          await trx.updateTable('orders').set({ audit_id: audit.auditId }).where('order_id', '=', orderId).execute();
          await upsertOutbox(trx, orderId, now);
          await addEvent(trx, orderId, 'operator', 'approved', now, {
            operator,
            note,
            decisionId: assessment.decisionId,
            heldFor: prior.reasons.map((r) => r.code),
            ...(reReserved.length > 0 ? { reReserved } : {}),
          });
        });
      } catch (err) {
        if (err instanceof LostRace) continue;
        if (err instanceof InsufficientStockError) throw insufficient(err.lines);
        throw err;
      }
      ctx.logger.info({ orderId, operator, decisionId: assessment.decisionId }, 'operator approved a held order');
      ctx.metrics.ordersTotal.inc({ status: 'accepted' });
      ctx.notifyWorker();
      return { order: await view(orderId), changed: true };
    }
    throw new AppError('order_in_progress', `Order ${orderId} keeps changing; look again`, 409);
  }

  async function refuseHeld(orderId: string, decision: OperatorDecision): Promise<HeldDecisionAnswer> {
    const operator = cleanOperator(decision.operator);
    const note = cleanNote(decision.note);
    for (let round = 0; round < 5; round++) {
      const row = await loadOrder(db, orderId);
      if (!row || row.status === 'received') throw notFound(`Order ${orderId}`);
      const status = row.status as OrderStatus;
      if (!REFUSABLE.includes(status) || row.cancel_requested === 1) {
        if (status === 'refused' && (await decidedBefore(orderId, 'refused'))) return { order: await view(orderId), changed: false };
        throw notReviewable(orderId, row.cancel_requested === 1 ? 'being cancelled' : status, 'only held orders (review, pending verification) can be refused');
      }
      const prior = fromJson<ComplianceAssessment | null>(row.assessment_json, null);
      const now = ctx.clock.now();
      const assessment = refusalAssessment(prior, row, operator, note);
      const input = complianceInput(row, now);
      const held = prior ? publicReasons(prior) : fromJson<OrderReason[]>(row.reasons_json, []);
      let changed = false;
      await runTx(db, async (trx) => {
        const res = await trx
          .updateTable('orders')
          .set({
            status: 'refused',
            decision_id: assessment.decisionId,
            assessment_json: toJson(assessment),
            reasons_json: toJson([...held, { code: 'operator_refused', message: 'The order was refused after review' }] satisfies OrderReason[]),
            dob_held: null,
            hold_expires_at: null,
            updated_at: now,
          })
          .where('order_id', '=', orderId)
          .where('status', 'in', REFUSABLE)
          .where('cancel_requested', '=', 0)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) return;
        changed = true;
        await releaseReservations(trx, orderId, now);
        const audit = await ctx.compliance.recordDecision(trx, assessment, { orderId, kind: 'resume', input });
        await trx.updateTable('orders').set({ audit_id: audit.auditId }).where('order_id', '=', orderId).execute();
        await addEvent(trx, orderId, 'operator', 'refused', now, {
          operator,
          ...(note ? { note } : {}),
          decisionId: assessment.decisionId,
          heldFor: (prior?.reasons ?? held).map((r) => r.code),
        });
      });
      if (!changed) continue;
      ctx.logger.info({ orderId, operator, decisionId: assessment.decisionId }, 'operator refused a held order');
      ctx.metrics.ordersTotal.inc({ status: 'refused' });
      return { order: await view(orderId), changed: true };
    }
    throw new AppError('order_in_progress', `Order ${orderId} keeps changing; look again`, 409);
  }

  async function neededBySku(orderId: string): Promise<Map<string, number>> {
    const needed = new Map<string, number>();
    for (const l of await loadLines(db, orderId)) needed.set(l.sku, (needed.get(l.sku) ?? 0) + Number(l.quantity));
    return needed;
  }

  return { approveHeld, refuseHeld };
}

/** SKUs of the order with no reservation still counted (open, or consumed by a push). */
async function missingSkus(db: OrdersContext['db'], orderId: string, needed: Map<string, number>): Promise<string[]> {
  const rows = await db.selectFrom('order_reservations').select(['sku']).where('order_id', '=', orderId).where('state', 'in', ['open', 'consumed']).execute();
  const held = new Set(rows.map((r) => r.sku));
  return [...needed.keys()].filter((sku) => !held.has(sku)).sort();
}

function notReviewable(orderId: string, state: string, why: string): AppError {
  return new AppError('order_not_reviewable', `Order ${orderId} is ${state.replace(/_/g, ' ')}; ${why}`, 409, [{ status: state }]);
}

function cleanOperator(operator: string): string {
  const s = String(operator ?? '')
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .trim()
    .slice(0, OPERATOR_MAX);
  if (!s) throw new AppError('operator_required', 'An operator decision needs the operator identity', 400);
  return s;
}

function cleanNote(note: string | null | undefined): string {
  return String(note ?? '')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, ' ')
    .trim()
    .slice(0, NOTE_MAX);
}

/** The compliance input the audit summary is built from: the stored input plus the held date of birth. */
function complianceInput(row: OrdersRow, now: number): CheckoutComplianceInput {
  const stored = fromJson<StoredInput & { shipTo?: unknown; addressStatus?: unknown }>(row.input_json, {} as StoredInput);
  const { shipTo: _s, addressStatus: _a, billingAddress: _b, clubMember: _c, ...rest } = stored;
  return { ...rest, orderId: row.order_id, customer: { ...stored.customer, dob: row.dob_held ?? '' }, at: new Date(now) } as CheckoutComplianceInput;
}

function approvalAssessment(prior: ComplianceAssessment, operator: string, note: string): ComplianceAssessment {
  const held = prior.reasons.map((r) => r.code).join(', ') || 'none';
  // ComplianceReason.effect has no "allow": `review` is the only effect that does not refuse, and the code and source say what it is.
  const override: ComplianceReason = {
    code: 'operator_approved',
    message: `Operator override by ${operator}: approved despite the hold (${held}). Note: ${note}`,
    source: 'operator',
    effect: 'review',
  };
  return { ...prior, decisionId: randomUUID(), outcome: 'allow', pendingVerification: false, reasons: [override, ...prior.reasons] };
}

function refusalAssessment(prior: ComplianceAssessment | null, row: OrdersRow, operator: string, note: string): ComplianceAssessment {
  const reason: ComplianceReason = {
    code: 'operator_refused',
    message: `Refused by operator ${operator}${note ? `. Note: ${note}` : ''}`,
    source: 'operator',
    effect: 'deny',
  };
  const base = prior ?? fallbackAssessment(row);
  return { ...base, decisionId: randomUUID(), outcome: 'deny', pendingVerification: false, reasons: [reason, ...base.reasons] };
}

/** An order without a stored assessment (should not happen for a held order) still gets an audit record. */
function fallbackAssessment(row: OrdersRow): ComplianceAssessment {
  const stored = fromJson<Partial<StoredInput> & { shipTo?: ComplianceAssessment['shipTo'] }>(row.input_json, {});
  const shipTo = stored.shipTo ?? stored.shippingAddress ?? { line1: '', city: '', state: '', zip: '' };
  return {
    decisionId: randomUUID(),
    outcome: 'review',
    pendingVerification: false,
    reasons: fromJson<OrderReason[]>(row.reasons_json, []).map((r) => ({ ...r, effect: 'review' as const })),
    requirements: [],
    pactShipment: row.pact_shipment === 1,
    packages: 1,
    age: { provider: 'none', status: 'not_created', reference: row.age_reference, verifiedName: null },
    address: { provider: 'none', status: 'unverifiable', standardized: null, dpvConfirmed: null, cmra: null, residential: null, vacant: null, poBox: false, military: false },
    shipTo,
    rulesetVersion: 'unknown',
  };
}
