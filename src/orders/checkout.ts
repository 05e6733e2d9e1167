/**
 * The synchronous part of a checkout: claim the order id (and idempotency key),
 * validate the lines against the catalog, check and reserve stock, ask the
 * compliance engine, and commit the decision, its audit record and the outbox
 * row in ONE transaction. The Zoho push happens in the worker.
 */
import type { CatalogProduct } from '../catalog/types.js';
import type { CheckoutComplianceInput, ComplianceAssessment, ComplianceLine } from '../compliance/types.js';
import { AppError } from '../shared/errors.js';
import { toFlag, toJson } from '../store/columns.js';
import { addEvent, loadLines, loadOrder, type OrdersContext } from './context.js';
import { httpStatusFor, orderView, requestHash, type OrderReason, type OrderStatus, type OrderView, type PlaceOrderRequest } from './model.js';
import { priceLine, totalsOf, type PricedLine } from './pricing.js';
import { InsufficientStockError, forgetReservations, releaseReservations, reserve, runTx, setExpiry } from './reservations.js';
import type { OrderLinesRow, OrdersRow } from './tables.js';

export interface CheckoutAnswer {
  httpStatus: number;
  body: Record<string, unknown>;
  replayed: boolean;
  order: OrderView;
}

/** Answer bodies: a refusal is an error body that still names the order and its status. */
export function answerFor(view: OrderView, replayed: boolean): CheckoutAnswer {
  const httpStatus = httpStatusFor(view.status);
  if (view.status === 'refused') {
    return {
      httpStatus,
      replayed,
      order: view,
      body: {
        error: {
          code: 'compliance_refused',
          message: 'The order cannot be accepted',
          details: view.reasons.map((r) => ({ code: r.code, message: r.message, ...(r.sku ? { sku: r.sku } : {}) })),
        },
        orderId: view.orderId,
        status: view.status,
        // design.md: the answer carries orderId, status and reasons (the storefront shows them).
        reasons: view.reasons,
        order: view,
      },
    };
  }
  return { httpStatus, replayed, order: view, body: view as unknown as Record<string, unknown> };
}

export function publicReasons(assessment: ComplianceAssessment): OrderReason[] {
  return assessment.reasons.map((r) => ({ code: r.code, message: r.message, ...(r.sku ? { sku: r.sku } : {}) }));
}

export function statusFromAssessment(a: ComplianceAssessment): OrderStatus {
  if (a.outcome === 'allow') return 'accepted';
  if (a.outcome === 'deny') return 'refused';
  return a.pendingVerification ? 'pending_verification' : 'review';
}

/** Stored compliance input: everything but the date of birth (kept apart, only while held). */
export type StoredInput = Omit<CheckoutComplianceInput, 'at' | 'customer'> & {
  customer: Omit<CheckoutComplianceInput['customer'], 'dob'>;
  billingAddress: PlaceOrderRequest['billingAddress'] | null;
  clubMember: boolean;
};

async function findExisting(ctx: OrdersContext, orderId: string, key: string | undefined): Promise<OrdersRow | undefined> {
  const byId = await loadOrder(ctx.db, orderId);
  if (byId) return byId;
  if (!key) return undefined;
  return ctx.db.selectFrom('orders').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
}

async function waitWhileReceived(ctx: OrdersContext, orderId: string): Promise<OrdersRow | undefined> {
  const deadline = Date.now() + 15_000;
  let delay = 5;
  for (;;) {
    const row = await loadOrder(ctx.db, orderId);
    if (!row || row.status !== 'received') return row;
    if (Date.now() > deadline) return row;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 100);
  }
}

/** `undefined` means the other request gave its claim up (an error answer): run this one afresh. */
async function replay(ctx: OrdersContext, existing: OrdersRow, hash: string, key: string | undefined): Promise<CheckoutAnswer | undefined> {
  if (key && existing.idempotency_key === key && existing.request_hash !== hash) {
    throw new AppError('idempotency_key_reused', 'This Idempotency-Key was used with a different request body', 422);
  }
  let row: OrdersRow | undefined = existing;
  if (row.status === 'received') {
    row = await waitWhileReceived(ctx, existing.order_id);
    if (!row) return undefined;
    if (row.status === 'received') throw new AppError('order_in_progress', 'This order is still being processed; retry shortly', 409);
  }
  return answerFor(orderView(row, await loadLines(ctx.db, row.order_id)), true);
}

function mergeItems(items: PlaceOrderRequest['items']): Array<{ sku: string; quantity: number }> {
  const merged = new Map<string, number>();
  for (const i of items) merged.set(i.sku, (merged.get(i.sku) ?? 0) + i.quantity);
  return [...merged].map(([sku, quantity]) => ({ sku, quantity }));
}

export function createCheckout(ctx: OrdersContext) {
  // One low-stock re-read per item at a time: ten checkouts of the last unit spend one Zoho call, not ten.
  const refreshing = new Map<string, Promise<void>>();
  function refreshOnce(itemIds: string[]): Promise<unknown> {
    const pending: Promise<void>[] = [];
    const fresh: string[] = [];
    for (const id of itemIds) {
      const p = refreshing.get(id);
      if (p) pending.push(p);
      else fresh.push(id);
    }
    if (fresh.length > 0) {
      const p = ctx.catalog.refreshItems(fresh, 'order').finally(() => {
        for (const id of fresh) refreshing.delete(id);
      });
      for (const id of fresh) refreshing.set(id, p);
      pending.push(p);
    }
    return Promise.all(pending);
  }

  async function discard(orderId: string): Promise<void> {
    await runTx(ctx.db, async (trx) => {
      // Only a claim that never got its decision is undone; a decided order keeps its reservation.
      const gone = await trx.deleteFrom('orders').where('order_id', '=', orderId).where('status', '=', 'received').executeTakeFirst();
      if (Number(gone.numDeletedRows) === 1) await forgetReservations(trx, orderId, ctx.clock.now());
    });
  }

  async function run(req: PlaceOrderRequest, now: number): Promise<CheckoutAnswer> {
    const items = mergeItems(req.items);
    const skus = items.map((i) => i.sku);
    let products = await ctx.catalog.getManyBySku(skus);
    const unknown = skus.filter((s) => {
      const p = products.get(s);
      // `live` applies ROLLOUT (`field` is where cf_dtc_enabled decides); with `all`, every active item sells.
      return !p || !p.active || !p.live;
    });
    if (unknown.length > 0) {
      throw new AppError('unknown_sku', `Unknown product${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, 404, unknown.map((sku) => ({ sku })));
    }

    const low = items.filter((i) => {
      const p = products.get(i.sku)!;
      // A read this fresh is as good as a new one (ten buyers of the last unit need one re-read).
      return p.availableQuantity <= ctx.options.lowStockThreshold && now - p.stockSeenAt > ctx.options.lowStockFreshMs;
    });
    if (low.length > 0) {
      try {
        await refreshOnce(low.map((i) => products.get(i.sku)!.zohoItemId));
        products = await ctx.catalog.getManyBySku(skus);
      } catch (err) {
        // The reservation below still guards against our own oversell; Zoho's figure is just older.
        ctx.logger.warn({ err, orderId: req.orderId }, 'low-stock re-read failed; using the cached quantity');
      }
    }
    const product = (sku: string): CatalogProduct => {
      const p = products.get(sku);
      if (!p) throw new AppError('unknown_sku', `Unknown product: ${sku}`, 404, [{ sku }]);
      return p;
    };
    const short = items.filter((i) => product(i.sku).availableQuantity < i.quantity);
    if (short.length > 0) throw insufficient(short.map((i) => ({ sku: i.sku, requested: i.quantity, available: product(i.sku).availableQuantity })));

    try {
      await reserve(
        ctx.db,
        req.orderId,
        items.map((i) => ({ sku: i.sku, quantity: i.quantity, zohoQuantity: product(i.sku).zohoQuantity, stockSeenAt: product(i.sku).stockSeenAt })),
        now + ctx.options.reservationTtlMs,
        now,
      );
    } catch (err) {
      if (err instanceof InsufficientStockError) throw insufficient(err.lines);
      throw err;
    }

    const state = req.shippingAddress.state.toUpperCase();
    const priced: PricedLine[] = items.map((i, n) => priceLine(n + 1, product(i.sku), i.quantity, req.clubMember === true, state, ctx.options.taxMap));
    const complianceLines: ComplianceLine[] = priced.map((l) => {
      const p = product(l.sku);
      return {
        sku: p.sku,
        name: p.name,
        brand: p.brand,
        quantity: l.quantity,
        ageRequired: p.ageRequired,
        restrictedStates: p.restrictedStates,
        complianceCategory: p.complianceCategory,
        flavored: p.flavored,
        riskLevel: p.riskLevel,
        weightGrams: p.weightGrams,
        unitPriceCents: l.unitPriceCents,
      };
    });
    const input: CheckoutComplianceInput = {
      orderId: req.orderId,
      lines: complianceLines,
      customer: { ...req.customer, phone: req.customer.phone ?? null },
      shippingAddress: { ...req.shippingAddress, line2: req.shippingAddress.line2 ?? null, state, country: 'US' },
      ip: req.ip ?? null,
      ageVerification: req.ageVerification ?? null,
      at: new Date(now),
    };

    let assessment: ComplianceAssessment;
    try {
      assessment = await ctx.compliance.assess(input);
    } catch (err) {
      if (err instanceof AppError) throw err;
      // Fail closed: no decision, no order.
      ctx.logger.error({ err, orderId: req.orderId }, 'compliance assessment failed');
      throw new AppError('compliance_unavailable', 'Compliance checks are unavailable; the order was not taken. Try again shortly.', 503);
    }

    const status = statusFromAssessment(assessment);
    const totals = totalsOf(priced);
    const decidedAt = ctx.clock.now();
    const holdExpiresAt = status === 'pending_verification' || status === 'review' ? decidedAt + ctx.options.holdTtlMs : null;
    const { dob, ...customerWithoutDob } = input.customer;
    const stored: StoredInput = {
      orderId: input.orderId,
      lines: input.lines,
      customer: customerWithoutDob,
      shippingAddress: input.shippingAddress,
      ip: input.ip ?? null,
      ageVerification: input.ageVerification ?? null,
      billingAddress: req.billingAddress ?? null,
      clubMember: req.clubMember === true,
    };

    const lineRows: OrderLinesRow[] = priced.map((l) => ({
      order_id: req.orderId,
      line_no: l.lineNo,
      sku: l.sku,
      zoho_item_id: l.zohoItemId,
      name: l.name,
      brand: l.brand,
      category: l.category,
      quantity: l.quantity,
      unit_msrp_cents: l.unitMsrpCents,
      unit_price_cents: l.unitPriceCents,
      discount_cents: l.discountCents,
      net_cents: l.netCents,
      tax_id: l.taxId,
      tax_rate_bps: l.taxRateBps,
      tax_cents: l.taxCents,
    }));
    await runTx(ctx.db, async (trx) => {
      const updated = await trx
        .updateTable('orders')
        .set({
          status,
          input_json: toJson({ ...stored, shipTo: assessment.shipTo, addressStatus: assessment.address.status }),
          dob_held: holdExpiresAt !== null ? dob : null,
          age_reference: assessment.age.reference ?? req.ageVerification?.reference ?? null,
          decision_id: assessment.decisionId,
          assessment_json: toJson(assessment),
          reasons_json: toJson(publicReasons(assessment)),
          pact_shipment: toFlag(assessment.pactShipment),
          subtotal_cents: totals.subtotalCents,
          discount_cents: totals.discountCents,
          tax_cents: totals.taxCents,
          total_cents: totals.totalCents,
          hold_expires_at: holdExpiresAt,
          updated_at: decidedAt,
        })
        .where('order_id', '=', req.orderId)
        .where('status', '=', 'received')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) throw new AppError('order_in_progress', 'The order changed while it was being decided; retry', 409);
      await trx.insertInto('order_lines').values(lineRows).execute();
      const audit = await ctx.compliance.recordDecision(trx, assessment, { orderId: req.orderId, kind: 'checkout', input });
      await trx.updateTable('orders').set({ audit_id: audit.auditId }).where('order_id', '=', req.orderId).execute();
      if (status === 'accepted') {
        await setExpiry(trx, req.orderId, null, decidedAt);
        await trx
          .insertInto('order_outbox')
          .values({ order_id: req.orderId, due_at: decidedAt, lease_owner: null, lease_expires_at: 0, fence: 0, attempts: 0, created_at: decidedAt })
          .execute();
      } else if (status === 'refused') {
        await releaseReservations(trx, req.orderId, decidedAt);
      } else {
        await setExpiry(trx, req.orderId, holdExpiresAt, decidedAt);
      }
      await addEvent(trx, req.orderId, 'compliance', status, decidedAt, {
        decisionId: assessment.decisionId,
        outcome: assessment.outcome,
        reasons: assessment.reasons.map((r) => r.code),
      });
    });
    ctx.metrics.ordersTotal.inc({ status });
    if (status === 'accepted') ctx.notifyWorker();
    const row = (await loadOrder(ctx.db, req.orderId))!;
    return answerFor(orderView(row, lineRows), false);
  }

  async function place(req: PlaceOrderRequest, idempotencyKey?: string): Promise<CheckoutAnswer> {
    const started = performance.now();
    let label = 'error';
    try {
      const answer = await placeInner(req, idempotencyKey);
      label = answer.order.status;
      return answer;
    } catch (err) {
      if (err instanceof AppError) label = err.code;
      throw err;
    } finally {
      ctx.metrics.checkoutSeconds.observe({ status: label }, (performance.now() - started) / 1000);
    }
  }

  async function placeInner(req: PlaceOrderRequest, idempotencyKey?: string): Promise<CheckoutAnswer> {
    const hash = requestHash(req);
    for (let round = 0; round < 5; round++) {
      const existing = await findExisting(ctx, req.orderId, idempotencyKey);
      if (existing) {
        const answer = await replay(ctx, existing, hash, idempotencyKey);
        if (answer) return answer;
        continue;
      }
      const now = ctx.clock.now();
      const inserted = await ctx.db
        .insertInto('orders')
        .values({
          order_id: req.orderId,
          idempotency_key: idempotencyKey ?? null,
          request_hash: hash,
          status: 'received',
          stock_mode: ctx.options.stockMode,
          customer_email: req.customer.email.trim().toLowerCase(),
          input_json: '{}',
          dob_held: null,
          age_reference: null,
          decision_id: null,
          audit_id: null,
          assessment_json: null,
          reasons_json: '[]',
          pact_shipment: 0,
          subtotal_cents: 0,
          discount_cents: 0,
          tax_cents: 0,
          total_cents: 0,
          zoho_contact_id: null,
          zoho_shipping_address_id: null,
          zoho_billing_address_id: null,
          zoho_salesorder_id: null,
          zoho_salesorder_number: null,
          so_sent: 0,
          stock_sent: 0,
          stock_done: 0,
          zoho_adjustment_id: null,
          cancel_requested: 0,
          void_sent: 0,
          void_done: 0,
          reversal_sent: 0,
          zoho_reversal_id: null,
          hold_expires_at: null,
          last_polled_at: null,
          last_error: null,
          attempts: 0,
          created_at: now,
          updated_at: now,
          placed_at: null,
          cancelled_at: null,
        })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) !== 1) continue;
      try {
        return await run(req, now);
      } catch (err) {
        await discard(req.orderId).catch((e) => ctx.logger.error({ err: e, orderId: req.orderId }, 'could not discard a failed checkout'));
        throw err;
      }
    }
    throw new AppError('order_in_progress', 'This order is being processed by another request; retry shortly', 409);
  }

  return { place, discard };
}

export function insufficient(lines: Array<{ sku: string; requested: number; available: number }>): AppError {
  return new AppError(
    'insufficient_stock',
    `Not enough stock for ${lines.map((l) => l.sku).join(', ')}`,
    409,
    lines.map((l) => ({ sku: l.sku, requested: l.requested, available: Math.max(0, l.available) })),
  );
}
