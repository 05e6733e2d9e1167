/**
 * Order operations beside the checkout: reads, operator retry and cancel, the
 * resumption of orders held for age verification (webhook or poll), and the
 * sweeper (expired reservations, expired holds, abandoned claims).
 */
import type { ComplianceAssessment } from '../compliance/types.js';
import { AppError, notFound } from '../shared/errors.js';
import { fromJson, toJson } from '../store/columns.js';
import { createCheckout, publicReasons, statusFromAssessment, type CheckoutAnswer, type StoredInput } from './checkout.js';
import { addEvent, loadLines, loadOrder, upsertOutbox, type OrdersContext } from './context.js';
import { eventView, orderView, type OrderDetail, type OrderStatus, type OrderSummary, type OrderView, type PlaceOrderRequest } from './model.js';
import { expiredReservationOrders, forgetReservations, releaseReservations, runTx, setExpiry } from './reservations.js';
import { finalizeCancel, type OrdersWorker } from './worker.js';
import { createHeldDecisions, type HeldDecisionAnswer, type OperatorDecision } from './held.js';

/** How long POST /api/orders/:id/cancel waits for the void before answering 202 `cancelling`. */
export const INLINE_CANCEL_WAIT_MS = 2_000;

export type { HeldDecisionAnswer, OperatorDecision };

export interface OrdersService {
  place(request: PlaceOrderRequest, idempotencyKey?: string): Promise<CheckoutAnswer>;
  get(orderId: string): Promise<OrderDetail | null>;
  list(query?: { status?: OrderStatus; limit?: number }): Promise<OrderSummary[]>;
  retry(orderId: string): Promise<OrderView>;
  cancel(orderId: string): Promise<OrderView>;
  /** Re-assesses a held order (age verification settled): accepted → queued for placement, denied → refused. */
  resume(orderId: string): Promise<OrderView>;
  /** For the AgeChecker webhook: resumes every order waiting on this verification. */
  resumeByAgeReference(reference: string): Promise<number>;
  /**
   * Operator approval of a `review` hold (note ≥ 5 chars): re-reserves stock if the
   * reservation is gone (409 insufficient_stock), records the override in the audit
   * log, queues the order for the worker. 409 order_not_reviewable in another state,
   * 409 order_not_approvable when a reason denies. Approving twice is a no-op.
   */
  approveHeld(orderId: string, decision: OperatorDecision): Promise<HeldDecisionAnswer>;
  /** Operator refusal of a held order (review or pending_verification): refused, stock released, audited. Idempotent. */
  refuseHeld(orderId: string, decision: OperatorDecision): Promise<HeldDecisionAnswer>;
  sweep(): Promise<void>;
  pollHolds(): Promise<void>;
}

const HELD: OrderStatus[] = ['pending_verification', 'review'];

export function createOrdersService(ctx: OrdersContext, getWorker: () => OrdersWorker): OrdersService {
  const checkout = createCheckout(ctx);
  const db = ctx.db;

  async function view(orderId: string): Promise<OrderView> {
    const row = await loadOrder(db, orderId);
    if (!row) throw notFound(`Order ${orderId}`);
    return orderView(row, await loadLines(db, orderId));
  }

  async function get(orderId: string): Promise<OrderDetail | null> {
    const row = await loadOrder(db, orderId);
    if (!row || row.status === 'received') return null;
    const [lines, events] = await Promise.all([
      loadLines(db, orderId),
      db.selectFrom('order_events').selectAll().where('order_id', '=', orderId).orderBy('at').orderBy('seq').execute(),
    ]);
    return { ...orderView(row, lines), history: events.map(eventView), attempts: Number(row.attempts) };
  }

  async function list(query: { status?: OrderStatus; limit?: number } = {}): Promise<OrderSummary[]> {
    let q = db
      .selectFrom('orders')
      .select(['order_id', 'status', 'zoho_salesorder_id', 'total_cents', 'attempts', 'last_error', 'created_at', 'updated_at'])
      .where('status', '!=', 'received')
      .orderBy('created_at', 'desc')
      .limit(Math.min(Math.max(query.limit ?? 50, 1), 500));
    if (query.status) q = q.where('status', '=', query.status);
    const rows = await q.execute();
    return rows.map((r) => ({
      orderId: r.order_id,
      status: r.status as OrderStatus,
      zohoSalesOrderId: r.zoho_salesorder_id,
      totalCents: Number(r.total_cents),
      attempts: Number(r.attempts),
      lastError: r.last_error,
      createdAt: new Date(Number(r.created_at)).toISOString(),
      updatedAt: new Date(Number(r.updated_at)).toISOString(),
    }));
  }

  async function retry(orderId: string): Promise<OrderView> {
    const row = await loadOrder(db, orderId);
    if (!row) throw notFound(`Order ${orderId}`);
    if (row.status !== 'failed') throw new AppError('order_not_retryable', `Order ${orderId} is ${row.status}; only failed orders can be retried`, 409);
    const now = ctx.clock.now();
    await runTx(db, async (trx) => {
      const res = await trx
        .updateTable('orders')
        .set({ status: row.cancel_requested === 1 ? 'cancelling' : 'accepted', attempts: 0, updated_at: now })
        .where('order_id', '=', orderId)
        .where('status', '=', 'failed')
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new AppError('order_not_retryable', `Order ${orderId} changed; look again`, 409);
      await upsertOutbox(trx, orderId, now);
      await addEvent(trx, orderId, 'operator', 'retry', now, { previousError: row.last_error });
    });
    ctx.notifyWorker();
    return view(orderId);
  }

  async function cancel(orderId: string): Promise<OrderView> {
    const row = await loadOrder(db, orderId);
    if (!row || row.status === 'received') throw notFound(`Order ${orderId}`);
    const now = ctx.clock.now();
    switch (row.status as OrderStatus) {
      case 'cancelled':
        return view(orderId);
      case 'refused':
        throw new AppError('order_not_cancellable', `Order ${orderId} was refused; there is nothing to cancel`, 409);
      case 'pending_verification':
      case 'review': {
        // Nothing reached Zoho: cancel right here, guarded against a concurrent resume.
        await finalizeCancel(ctx, row, async (trx) => {
          const res = await trx
            .updateTable('orders')
            .set({ cancel_requested: 1 })
            .where('order_id', '=', orderId)
            .where('status', 'in', HELD)
            .executeTakeFirst();
          if (Number(res.numUpdatedRows) !== 1) throw new AppError('order_in_progress', `Order ${orderId} changed; retry the cancellation`, 409);
        });
        return view(orderId);
      }
      default: {
        await runTx(db, async (trx) => {
          await trx
            .updateTable('orders')
            .set({ cancel_requested: 1, status: 'cancelling', attempts: 0, updated_at: now })
            .where('order_id', '=', orderId)
            .where('status', 'in', ['accepted', 'placed', 'failed', 'cancelling'])
            .execute();
          await upsertOutbox(trx, orderId, now);
          await addEvent(trx, orderId, 'cancel', 'requested', now);
        });
        // Try to finish now, but never hold the request for as long as Zoho may take
        // (budget waits, timeouts): past a short wait the answer is 202 `cancelling`
        // and the worker completes the cancellation under its lease.
        const inline = getWorker()
          .processNow(orderId)
          .catch((err) => ctx.logger.warn({ err, orderId }, 'inline cancellation failed; the worker retries'));
        await Promise.race([inline, ctx.clock.sleep(INLINE_CANCEL_WAIT_MS)]);
        ctx.notifyWorker();
        return view(orderId);
      }
    }
  }

  async function resume(orderId: string): Promise<OrderView> {
    const row = await loadOrder(db, orderId);
    if (!row) throw notFound(`Order ${orderId}`);
    if (!HELD.includes(row.status as OrderStatus)) return view(orderId);
    if (!row.dob_held) {
      await expireHold(orderId, 'verification_data_missing', 'The order can no longer be verified');
      return view(orderId);
    }
    const stored = fromJson<StoredInput & { shipTo?: unknown; addressStatus?: unknown }>(row.input_json, {} as StoredInput);
    const { shipTo: _s, addressStatus: _a, billingAddress: _b, clubMember: _c, ...rest } = stored;
    const now = ctx.clock.now();
    const prior = fromJson<ComplianceAssessment | null>(row.assessment_json, null);
    // Re-assess against the verification already started, never a new one.
    const ageVerification = row.age_reference ? { provider: prior?.age.provider ?? stored.ageVerification?.provider ?? 'agechecker', reference: row.age_reference } : (stored.ageVerification ?? null);
    const input = { ...rest, ageVerification, customer: { ...stored.customer, dob: row.dob_held }, at: new Date(now) };
    const assessment: ComplianceAssessment = await ctx.compliance.assess(input);
    const status = statusFromAssessment(assessment);
    if (status === row.status) {
      await db.updateTable('orders').set({ last_polled_at: now }).where('order_id', '=', orderId).execute();
      return view(orderId);
    }
    await runTx(db, async (trx) => {
      const stillHeld = status === 'pending_verification' || status === 'review';
      const res = await trx
        .updateTable('orders')
        .set({
          status,
          decision_id: assessment.decisionId,
          assessment_json: toJson(assessment),
          reasons_json: toJson(publicReasons(assessment)),
          age_reference: assessment.age.reference ?? row.age_reference,
          dob_held: stillHeld ? row.dob_held : null,
          last_polled_at: now,
          updated_at: now,
        })
        .where('order_id', '=', orderId)
        .where('status', '=', row.status)
        .where('cancel_requested', '=', 0)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return;
      const audit = await ctx.compliance.recordDecision(trx, assessment, { orderId, kind: 'resume', input });
      await trx.updateTable('orders').set({ audit_id: audit.auditId }).where('order_id', '=', orderId).execute();
      if (status === 'accepted') {
        await setExpiry(trx, orderId, null, now);
        await upsertOutbox(trx, orderId, now);
      } else if (status === 'refused') {
        await releaseReservations(trx, orderId, now);
      }
      await addEvent(trx, orderId, 'resume', status, now, { decisionId: assessment.decisionId, outcome: assessment.outcome, reasons: assessment.reasons.map((r) => r.code) });
    });
    ctx.metrics.ordersTotal.inc({ status });
    if (status === 'accepted') ctx.notifyWorker();
    return view(orderId);
  }

  async function resumeByAgeReference(reference: string): Promise<number> {
    const rows = await db.selectFrom('orders').select('order_id').where('age_reference', '=', reference).where('status', 'in', HELD).execute();
    for (const r of rows) await resume(r.order_id);
    return rows.length;
  }

  async function expireHold(orderId: string, code: string, message: string): Promise<void> {
    const now = ctx.clock.now();
    let changed = false;
    await runTx(db, async (trx) => {
      const res = await trx
        .updateTable('orders')
        .set({ status: 'refused', reasons_json: toJson([{ code, message }]), dob_held: null, updated_at: now })
        .where('order_id', '=', orderId)
        .where('status', 'in', HELD)
        .where('cancel_requested', '=', 0)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return;
      changed = true;
      await releaseReservations(trx, orderId, now);
      await addEvent(trx, orderId, 'hold', 'refused', now, { reason: code });
    });
    if (changed) ctx.metrics.ordersTotal.inc({ status: 'refused' });
  }

  async function sweep(): Promise<void> {
    const now = ctx.clock.now();
    // Holds past their TTL: refused and released.
    const expiredHolds = await db
      .selectFrom('orders')
      .select('order_id')
      .where('status', 'in', HELD)
      .where('hold_expires_at', '<', now)
      .limit(200)
      .execute();
    for (const r of expiredHolds) await expireHold(r.order_id, 'verification_expired', 'The age verification or review did not complete in time');

    // Claims whose request died before a decision.
    const stale = await db
      .selectFrom('orders')
      .select('order_id')
      .where('status', '=', 'received')
      .where('created_at', '<', now - ctx.options.staleReceivedMs)
      .limit(200)
      .execute();
    for (const r of stale) await checkout.discard(r.order_id);

    // Reservations past their TTL whose order is not waiting on anything that needs them.
    for (const orderId of await expiredReservationOrders(db, now)) {
      await runTx(db, async (trx) => {
        const order = await trx.selectFrom('orders').select(['status']).where('order_id', '=', orderId).executeTakeFirst();
        if (order && order.status !== 'received' && !HELD.includes(order.status as OrderStatus)) {
          // An accepted/placed order keeps its stock; only the stray expiry is cleared.
          await setExpiry(trx, orderId, null, now);
          return;
        }
        if (order && HELD.includes(order.status as OrderStatus)) return;
        await forgetReservations(trx, orderId, now);
        await trx.deleteFrom('orders').where('order_id', '=', orderId).where('status', '=', 'received').execute();
      });
    }
  }

  async function pollHolds(): Promise<void> {
    const now = ctx.clock.now();
    const rows = await db
      .selectFrom('orders')
      .select(['order_id', 'age_reference'])
      .where('status', '=', 'pending_verification')
      .where('age_reference', 'is not', null)
      .where((eb) => eb.or([eb('last_polled_at', 'is', null), eb('last_polled_at', '<', now - ctx.options.worker.agePollIntervalMs)]))
      .limit(50)
      .execute();
    for (const r of rows) {
      try {
        const result = await ctx.compliance.checkAgeVerification(r.age_reference!);
        if (result.status === 'accepted' || result.status === 'denied') await resume(r.order_id);
        else await db.updateTable('orders').set({ last_polled_at: now }).where('order_id', '=', r.order_id).execute();
      } catch (err) {
        ctx.logger.warn({ err, orderId: r.order_id }, 'age verification status poll failed');
        await db.updateTable('orders').set({ last_polled_at: now }).where('order_id', '=', r.order_id).execute();
      }
    }
  }

  const held = createHeldDecisions(ctx, view);

  return { place: checkout.place, get, list, retry, cancel, resume, resumeByAgeReference, approveHeld: held.approveHeld, refuseHeld: held.refuseHeld, sweep, pollHolds };
}
