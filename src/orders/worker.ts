/**
 * The outbox worker: pushes accepted orders to Zoho (contact → sales order →
 * stock effect → placed) and carries out cancellations. Every step is safe to
 * run again: a write whose outcome is unknown leaves a `*_sent` marker, and
 * the next attempt looks the record up by reference before any resend (Zoho
 * has no idempotency key). A row is worked by one claimant at a time: the
 * claim is a conditional UPDATE on an expired lease that bumps a fence, and
 * every write the worker persists re-checks (owner, fence).
 */
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { PostalAddress } from '../compliance/types.js';
import type { Database } from '../store/database.js';
import { fromJson, toJson } from '../store/columns.js';
import { ZohoApiError, ZohoAuthError, ZohoBudgetExceededError } from '../zoho/errors.js';
import type { CallOptions, ZohoAddressInput, ZohoContact, ZohoSalesOrderInput } from '../zoho/types.js';
import { addEvent, loadLines, loadOrder, type OrdersContext } from './context.js';
import { zohoRate } from './pricing.js';
import { consume, releaseReservations, runTx } from './reservations.js';
import type { StoredInput } from './checkout.js';
import type { OrdersRow } from './tables.js';

/** Zoho refusing a contact id we cached (deleted or merged there): 404/1002 on the contact, or an invalid customer_id. */
export function isStaleContactError(err: unknown): boolean {
  if (!(err instanceof ZohoApiError)) return false;
  const aboutContact = /contact|customer/i.test(err.zohoMessage) || /\/contacts\//.test(err.endpoint);
  return aboutContact && (err.httpStatus === 404 || err.zohoCode === 1002 || (err.httpStatus === 400 && err.zohoCode === 2));
}
import type { SalesOrderFieldNames } from './options.js';

export class LeaseLostError extends Error {
  constructor(orderId: string) {
    super(`lease on order ${orderId} was lost`);
  }
}

interface Claim {
  orderId: string;
  fence: number;
  signal: AbortSignal;
}

type OrderPatch = Partial<Omit<OrdersRow, 'order_id'>>;

export interface OrdersWorker {
  start(): void;
  stop(): Promise<void>;
  /** One pass: sweep and poll when due, then claim and run every due outbox row. Returns rows worked. */
  runOnce(): Promise<number>;
  /** Runs passes until nothing is due (tests, CLI). */
  drain(options?: { timeoutMs?: number }): Promise<void>;
  /** Claims and runs one order now if no one else holds it (cancel answers use it). */
  processNow(orderId: string): Promise<boolean>;
  notify(): void;
  readonly owner: string;
}

export interface WorkerPeriodicJobs {
  sweep(): Promise<void>;
  pollHolds(): Promise<void>;
}

export function createWorker(ctx: OrdersContext, jobs: WorkerPeriodicJobs): OrdersWorker {
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const wopts = ctx.options.worker;
  const db = ctx.db;
  let running = false;
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;
  let timer: NodeJS.Timeout | null = null;
  let nextSweepAt = 0;
  let nextPollAt = 0;
  const inFlight = new Set<string>();

  async function guard(trx: Kysely<Database>, claim: Claim): Promise<void> {
    const now = ctx.clock.now();
    const res = await trx
      .updateTable('order_outbox')
      .set({ lease_expires_at: now + wopts.leaseMs })
      .where('order_id', '=', claim.orderId)
      .where('lease_owner', '=', owner)
      .where('fence', '=', claim.fence)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw new LeaseLostError(claim.orderId);
  }

  /** Persists a patch of the order under the fence, with a history event. */
  async function persist(claim: Claim, patch: OrderPatch, event?: { step: string; status: string; detail?: Record<string, unknown> }): Promise<void> {
    await runTx(db, async (trx) => {
      await guard(trx, claim);
      await trx
        .updateTable('orders')
        .set({ ...patch, updated_at: ctx.clock.now() })
        .where('order_id', '=', claim.orderId)
        .execute();
      if (event) await addEvent(trx, claim.orderId, event.step, event.status, ctx.clock.now(), event.detail);
    });
  }

  async function claimDue(limit: number, onlyOrderId?: string): Promise<Array<{ orderId: string; fence: number }>> {
    const now = ctx.clock.now();
    let q = db
      .selectFrom('order_outbox')
      .select(['order_id', 'fence'])
      .where('due_at', 'is not', null)
      .where('due_at', '<=', now)
      .where('lease_expires_at', '<', now)
      .orderBy('due_at')
      .limit(limit);
    if (onlyOrderId) q = q.where('order_id', '=', onlyOrderId);
    const candidates = await q.execute();
    const claimed: Array<{ orderId: string; fence: number }> = [];
    for (const c of candidates) {
      if (inFlight.has(c.order_id)) continue;
      const res = await db
        .updateTable('order_outbox')
        .set({ lease_owner: owner, lease_expires_at: now + wopts.leaseMs, fence: Number(c.fence) + 1 })
        .where('order_id', '=', c.order_id)
        .where('fence', '=', c.fence)
        .where('lease_expires_at', '<', now)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1) claimed.push({ orderId: c.order_id, fence: Number(c.fence) + 1 });
    }
    return claimed;
  }

  async function work(claimed: { orderId: string; fence: number }): Promise<void> {
    inFlight.add(claimed.orderId);
    const abort = new AbortController();
    const claim: Claim = { ...claimed, signal: abort.signal };
    // The heartbeat keeps the lease while Zoho calls (and the client's own retries) run; losing it aborts them.
    const heartbeat = setInterval(() => {
      guard(db, claim).catch(() => abort.abort(new LeaseLostError(claim.orderId)));
    }, Math.max(10, Math.floor(wopts.leaseMs / 3)));
    heartbeat.unref?.();
    let order: OrdersRow | undefined;
    try {
      order = await loadOrder(db, claim.orderId);
      if (!order) {
        await db.deleteFrom('order_outbox').where('order_id', '=', claim.orderId).where('fence', '=', claim.fence).execute();
        return;
      }
      await pushOrder(claim, order);
    } catch (err) {
      if (err instanceof LeaseLostError || abort.signal.reason instanceof LeaseLostError) {
        ctx.logger.warn({ orderId: claim.orderId }, 'order lease lost; another worker owns it now');
        return;
      }
      await onFailure(claim, err).catch((e) => {
        if (!(e instanceof LeaseLostError)) ctx.logger.error({ err: e, orderId: claim.orderId }, 'could not record an order failure');
      });
    } finally {
      clearInterval(heartbeat);
      inFlight.delete(claim.orderId);
    }
  }

  async function pushOrder(claim: Claim, initial: OrdersRow, contactRefreshed = false): Promise<void> {
    let order = initial;
    const opts: CallOptions = { priority: 'order', signal: claim.signal };
    const reload = async () => (order = (await loadOrder(db, claim.orderId))!);

    if (order.cancel_requested === 1) return cancelSteps(claim, order, opts);
    if (order.status !== 'accepted' && order.status !== 'failed') {
      // Nothing to push (refused, placed already, held): drop the row.
      await runTx(db, async (trx) => {
        await guard(trx, claim);
        await trx.deleteFrom('order_outbox').where('order_id', '=', claim.orderId).execute();
      });
      return;
    }

    // 1. Contact (cached by email) and the ship-to address id.
    if (!order.zoho_contact_id || !order.zoho_shipping_address_id) {
      await ctx.hook('contact.before', claim.orderId);
      const c = await ensureContact(order, opts);
      await ctx.hook('contact.after', claim.orderId);
      await persist(
        claim,
        { zoho_contact_id: c.contactId, zoho_shipping_address_id: c.shippingAddressId, zoho_billing_address_id: c.billingAddressId },
        { step: 'contact', status: 'done', detail: { contactId: c.contactId, created: c.created, zohoCalls: c.calls } },
      );
      await reload();
      if (order.cancel_requested === 1) return cancelSteps(claim, order, opts);
    }

    // 2. Sales order, looked up by reference before any resend.
    if (!order.zoho_salesorder_id) {
      let so = null;
      let adopted = false;
      if (order.so_sent === 1) {
        so = await ctx.zoho.salesOrders.findByReference(order.order_id, opts);
        adopted = so !== null;
      }
      if (!so) {
        await persist(claim, { so_sent: 1 });
        await ctx.hook('salesorder.before', claim.orderId);
        try {
          so = await ctx.zoho.salesOrders.create(await salesOrderInput(order), opts);
        } catch (err) {
          // The cached contact was deleted or merged in Zoho: Zoho refused the
          // customer, so nothing was created. Forget it and redo the contact once.
          if (contactRefreshed || !isStaleContactError(err)) throw err;
          await forgetContact(order.customer_email, order.zoho_contact_id);
          await persist(
            claim,
            { zoho_contact_id: null, zoho_shipping_address_id: null, zoho_billing_address_id: null, so_sent: 0 },
            { step: 'contact', status: 'stale', detail: { contactId: order.zoho_contact_id, error: (err as Error).message } },
          );
          return pushOrder(claim, (await reload())!, true);
        }
        await ctx.hook('salesorder.after', claim.orderId);
      }
      await persist(
        claim,
        { zoho_salesorder_id: so.salesorder_id, zoho_salesorder_number: so.salesorder_number ?? null },
        { step: 'salesorder', status: adopted ? 'adopted' : 'created', detail: { salesorderId: so.salesorder_id, number: so.salesorder_number ?? null } },
      );
      await reload();
      if (order.cancel_requested === 1) return cancelSteps(claim, order, opts);
    }

    // 3. Stock effect: confirm (commit mode) or one adjustment (adjustment mode); never both.
    if (order.stock_done !== 1) {
      const soId = order.zoho_salesorder_id!;
      if (order.stock_mode === 'adjustment') {
        let adj = null;
        if (order.stock_sent === 1) adj = await ctx.zoho.inventoryAdjustments.findByReference(order.order_id, opts);
        if (!adj) {
          await persist(claim, { stock_sent: 1 });
          await ctx.hook('stock.before', claim.orderId);
          adj = await ctx.zoho.inventoryAdjustments.create(await adjustmentInput(order, -1, order.order_id), opts);
          await ctx.hook('stock.after', claim.orderId);
        }
        await persist(claim, { stock_done: 1, zoho_adjustment_id: adj.inventory_adjustment_id }, { step: 'stock', status: 'adjusted', detail: { adjustmentId: adj.inventory_adjustment_id } });
      } else {
        let confirmed = false;
        if (order.stock_sent === 1) {
          const so = await ctx.zoho.salesOrders.get(soId, opts);
          const status = String(so.status ?? so.order_status ?? '').toLowerCase();
          if (status === 'void') throw new PermanentOrderError(`sales order ${soId} was voided in Zoho`);
          confirmed = status !== '' && status !== 'draft' && status !== 'pending_approval';
        }
        if (!confirmed) {
          await persist(claim, { stock_sent: 1 });
          await ctx.hook('stock.before', claim.orderId);
          await ctx.zoho.salesOrders.confirm(soId, opts);
          await ctx.hook('stock.after', claim.orderId);
        }
        await persist(claim, { stock_done: 1 }, { step: 'stock', status: 'confirmed', detail: { salesorderId: soId } });
      }
      await reload();
      if (order.cancel_requested === 1) return cancelSteps(claim, order, opts);
    }

    // 4. Placed: state, consumed reservations and the PACT record in one transaction.
    await ctx.hook('finalize.before', claim.orderId);
    const lines = await loadLines(db, claim.orderId);
    const input = fromJson<StoredInput & { shipTo?: PostalAddress }>(order.input_json, {} as StoredInput);
    await runTx(db, async (trx) => {
      await guard(trx, claim);
      const now = ctx.clock.now();
      const res = await trx
        .updateTable('orders')
        .set({ status: 'placed', placed_at: now, updated_at: now, dob_held: null, last_error: null })
        .where('order_id', '=', claim.orderId)
        .where('cancel_requested', '=', 0)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new RetryNowError();
      await consume(trx, claim.orderId, now);
      if (order.pact_shipment === 1) {
        await ctx.compliance.recordShipment(trx, {
          orderId: claim.orderId,
          zohoSalesOrderId: order.zoho_salesorder_id,
          shippedAt: now,
          recipientName: `${input.customer?.firstName ?? ''} ${input.customer?.lastName ?? ''}`.trim(),
          address: input.shipTo ?? input.shippingAddress,
          deliveryService: 'adult_signature_carrier',
          lines: lines.map((l) => ({ sku: l.sku, name: l.name, brand: l.brand, category: l.category ?? 'unknown', quantity: Number(l.quantity) })),
        });
      }
      await trx.deleteFrom('order_outbox').where('order_id', '=', claim.orderId).execute();
      await addEvent(trx, claim.orderId, 'placed', 'placed', now, { salesorderId: order.zoho_salesorder_id });
    });
    ctx.metrics.ordersTotal.inc({ status: 'placed' });
  }

  async function cancelSteps(claim: Claim, initial: OrdersRow, opts: CallOptions): Promise<void> {
    let order = initial;
    const reload = async () => (order = (await loadOrder(db, claim.orderId))!);
    if (!order.zoho_salesorder_id && order.so_sent === 1) {
      const so = await ctx.zoho.salesOrders.findByReference(order.order_id, opts);
      await persist(claim, so ? { zoho_salesorder_id: so.salesorder_id, zoho_salesorder_number: so.salesorder_number ?? null, so_sent: 0 } : { so_sent: 0 });
      await reload();
    }
    if (order.stock_mode === 'adjustment') {
      if (!order.zoho_adjustment_id && order.stock_sent === 1) {
        const adj = await ctx.zoho.inventoryAdjustments.findByReference(order.order_id, opts);
        await persist(claim, adj ? { zoho_adjustment_id: adj.inventory_adjustment_id, stock_done: 1, stock_sent: 0 } : { stock_sent: 0 });
        await reload();
      }
      if (order.zoho_adjustment_id && !order.zoho_reversal_id) {
        const ref = `${order.order_id}-cancel`;
        let rev = null;
        if (order.reversal_sent === 1) rev = await ctx.zoho.inventoryAdjustments.findByReference(ref, opts);
        if (!rev) {
          await persist(claim, { reversal_sent: 1 });
          await ctx.hook('reversal.before', claim.orderId);
          rev = await ctx.zoho.inventoryAdjustments.create(await adjustmentInput(order, +1, ref), opts);
          await ctx.hook('reversal.after', claim.orderId);
        }
        await persist(claim, { zoho_reversal_id: rev.inventory_adjustment_id }, { step: 'cancel', status: 'adjustment_reversed', detail: { adjustmentId: rev.inventory_adjustment_id } });
        await reload();
      }
    }
    if (order.zoho_salesorder_id && order.void_done !== 1) {
      let voided = false;
      if (order.void_sent === 1) {
        const so = await ctx.zoho.salesOrders.get(order.zoho_salesorder_id, opts);
        voided = String(so.status ?? '').toLowerCase() === 'void';
      }
      if (!voided) {
        await persist(claim, { void_sent: 1 });
        await ctx.hook('void.before', claim.orderId);
        await ctx.zoho.salesOrders.void(order.zoho_salesorder_id, opts);
        await ctx.hook('void.after', claim.orderId);
      }
      await persist(claim, { void_done: 1 }, { step: 'cancel', status: 'salesorder_voided', detail: { salesorderId: order.zoho_salesorder_id } });
      await reload();
    }
    await finalizeCancel(ctx, order, async (trx) => guard(trx, claim));
  }

  async function ensureContact(
    order: OrdersRow,
    opts: CallOptions,
  ): Promise<{ contactId: string; shippingAddressId: string; billingAddressId: string | null; created: boolean; calls: number }> {
    const input = fromJson<StoredInput & { shipTo?: PostalAddress }>(order.input_json, {} as StoredInput);
    const email = order.customer_email;
    const shipTo = input.shipTo ?? input.shippingAddress;
    const billTo = input.billingAddress ?? null;
    const name = `${input.customer.firstName} ${input.customer.lastName}`.trim();
    const shipAddr = toZohoAddress(shipTo, name, input.customer.phone);
    const key = addressKey(shipTo);
    let calls = 0;
    let created = false;
    const now = ctx.clock.now();

    const cached = await db.selectFrom('order_contacts').select('contact_id').where('email', '=', email).executeTakeFirst();
    let contactId = cached?.contact_id ?? null;
    let contact: ZohoContact | null = null;
    let billingAddressId: string | null = null;
    if (!contactId) {
      calls++;
      contact = await ctx.zoho.contacts.findByEmail(email, opts);
      if (!contact) {
        calls++;
        contact = await ctx.zoho.contacts.create(
          {
            contact_name: `${name} (${email})`,
            contact_type: 'customer',
            customer_sub_type: 'individual',
            first_name: input.customer.firstName,
            last_name: input.customer.lastName,
            email,
            ...(input.customer.phone ? { phone: input.customer.phone } : {}),
            shipping_address: shipAddr,
            billing_address: billTo ? toZohoAddress({ ...billTo, line2: billTo.line2 ?? null }, name, input.customer.phone) : shipAddr,
            contact_persons: [
              {
                first_name: input.customer.firstName,
                last_name: input.customer.lastName,
                email,
                ...(input.customer.phone ? { phone: input.customer.phone } : {}),
                is_primary_contact: true,
              },
            ],
          },
          opts,
        );
        created = true;
        billingAddressId = contact.billing_address?.address_id ?? null;
      }
      contactId = contact.contact_id;
      await db
        .insertInto('order_contacts')
        .values({ email, contact_id: contactId, updated_at: now })
        .onConflict((oc) => oc.column('email').doUpdateSet({ contact_id: contactId!, updated_at: now }))
        .execute();
      const existingShip = contact.shipping_address;
      if (existingShip?.address_id && (created || sameAddress(existingShip, shipTo))) {
        await cacheAddress(contactId, key, existingShip.address_id);
      }
    }
    let shippingAddressId =
      (await db.selectFrom('order_contact_addresses').select('address_id').where('contact_id', '=', contactId).where('address_key', '=', key).executeTakeFirst())
        ?.address_id ?? null;
    if (!shippingAddressId) {
      calls++;
      try {
        shippingAddressId = (await ctx.zoho.contacts.addAddress(contactId, shipAddr, opts)).address_id;
      } catch (err) {
        // A cached contact that Zoho no longer has: look it up (or create it) afresh, once.
        if (!cached || !isStaleContactError(err)) throw err;
        await forgetContact(email, contactId);
        const again = await ensureContact(order, opts);
        return { ...again, calls: again.calls + calls };
      }
      await cacheAddress(contactId, key, shippingAddressId);
    }
    return { contactId, shippingAddressId, billingAddressId, created, calls };
  }

  async function forgetContact(email: string, contactId: string | null): Promise<void> {
    await db.deleteFrom('order_contacts').where('email', '=', email).execute();
    if (contactId) await db.deleteFrom('order_contact_addresses').where('contact_id', '=', contactId).execute();
  }

  async function cacheAddress(contactId: string, key: string, addressId: string): Promise<void> {
    const now = ctx.clock.now();
    await db
      .insertInto('order_contact_addresses')
      .values({ contact_id: contactId, address_key: key, address_id: addressId, updated_at: now })
      .onConflict((oc) => oc.columns(['contact_id', 'address_key']).doUpdateSet({ address_id: addressId, updated_at: now }))
      .execute();
  }

  async function salesOrderInput(order: OrdersRow): Promise<ZohoSalesOrderInput> {
    const lines = await loadLines(db, order.order_id);
    const assessment = fromJson<StoredAssessment | null>(order.assessment_json, null);
    const loc = ctx.options.locationId;
    return {
      customer_id: order.zoho_contact_id!,
      reference_number: order.order_id,
      date: orgDate(ctx.clock.now(), ctx.options.orgTimeZone),
      ...(loc ? { location_id: loc } : {}),
      shipping_address_id: order.zoho_shipping_address_id!,
      ...(order.zoho_billing_address_id ? { billing_address_id: order.zoho_billing_address_id } : {}),
      notes: `Web order ${order.order_id}`,
      line_items: lines.map((l) => ({
        item_id: l.zoho_item_id,
        quantity: Number(l.quantity),
        rate: zohoRate(Number(l.unit_price_cents)),
        ...(l.tax_id ? { tax_id: l.tax_id } : {}),
        ...(loc ? { location_id: loc } : {}),
      })),
      custom_fields: customFields(order, assessment, ctx.options.salesOrderFields),
    };
  }

  async function adjustmentInput(order: OrdersRow, sign: 1 | -1, reference: string) {
    const lines = await loadLines(db, order.order_id);
    const loc = ctx.options.locationId;
    return {
      date: orgDate(ctx.clock.now(), ctx.options.orgTimeZone),
      reason: sign < 0 ? ctx.options.adjustmentReason : `${ctx.options.adjustmentReason} (cancelled)`,
      adjustment_type: 'quantity' as const,
      reference_number: reference,
      description: sign < 0 ? `Web order ${order.order_id}` : `Cancellation of web order ${order.order_id}`,
      ...(loc ? { location_id: loc } : {}),
      line_items: lines.map((l) => ({ item_id: l.zoho_item_id, quantity_adjusted: sign * Number(l.quantity), ...(loc ? { location_id: loc } : {}) })),
    };
  }

  async function onFailure(claim: Claim, err: unknown): Promise<void> {
    if (err instanceof RetryNowError) {
      await release(claim, ctx.clock.now(), null);
      return;
    }
    const order = await loadOrder(db, claim.orderId);
    if (!order) return;
    const message = describeError(err);
    const now = ctx.clock.now();
    const permanent = err instanceof PermanentOrderError || (err instanceof ZohoApiError && !err.retryable);
    // Throttling (our budget, or Zoho's 429 after the client's own retries) is not the order's failure.
    const throttled = err instanceof ZohoBudgetExceededError || (err instanceof ZohoApiError && err.httpStatus === 429);
    const counts = !throttled;
    const attempts = Number(order.attempts) + (counts ? 1 : 0);
    if (permanent || attempts >= wopts.maxAttempts) {
      await runTx(db, async (trx) => {
        await guard(trx, claim);
        await trx.updateTable('orders').set({ status: 'failed', last_error: message, attempts, updated_at: now }).where('order_id', '=', claim.orderId).execute();
        await trx
          .updateTable('order_outbox')
          .set({ due_at: null, lease_owner: null, lease_expires_at: 0, attempts })
          .where('order_id', '=', claim.orderId)
          .where('fence', '=', claim.fence)
          .execute();
        await addEvent(trx, claim.orderId, order.cancel_requested === 1 ? 'cancel' : 'push', 'dead_letter', now, { error: message, attempts });
      });
      ctx.metrics.ordersTotal.inc({ status: 'failed' });
      ctx.alerts.raise({
        kind: 'dead_letter',
        severity: 'critical',
        message: `Order ${claim.orderId} could not be ${order.cancel_requested === 1 ? 'cancelled' : 'placed'} in Zoho: ${message}`,
        dedupeKey: `dead_letter:${claim.orderId}`,
        details: { orderId: claim.orderId, error: message, attempts },
      });
      ctx.logger.error({ orderId: claim.orderId, error: message, attempts }, 'order dead-lettered');
      return;
    }
    const delay =
      err instanceof ZohoBudgetExceededError
        ? Math.max(err.retryAfterMs, wopts.backoffBaseMs)
        : throttled
          ? backoff(3, wopts.backoffBaseMs, wopts.backoffMaxMs)
          : backoff(attempts, wopts.backoffBaseMs, wopts.backoffMaxMs) * (err instanceof ZohoAuthError ? 4 : 1);
    await runTx(db, async (trx) => {
      await guard(trx, claim);
      await trx.updateTable('orders').set({ last_error: message, attempts, updated_at: now }).where('order_id', '=', claim.orderId).execute();
      await addEvent(trx, claim.orderId, 'push', 'retry_scheduled', now, { error: message, attempts, delayMs: delay });
    });
    await release(claim, now + delay, attempts);
    ctx.logger.warn({ orderId: claim.orderId, error: message, attempts, delayMs: delay }, 'order push failed; retrying later');
  }

  async function release(claim: Claim, dueAt: number | null, attempts: number | null): Promise<void> {
    await db
      .updateTable('order_outbox')
      .set({ due_at: dueAt ?? ctx.clock.now(), lease_owner: null, lease_expires_at: 0, ...(attempts !== null ? { attempts } : {}) })
      .where('order_id', '=', claim.orderId)
      .where('lease_owner', '=', owner)
      .where('fence', '=', claim.fence)
      .execute();
  }

  async function runOnce(): Promise<number> {
    const now = ctx.clock.now();
    if (now >= nextSweepAt) {
      nextSweepAt = now + wopts.sweepIntervalMs;
      await jobs.sweep().catch((err) => ctx.logger.error({ err }, 'order sweeper failed'));
    }
    if (now >= nextPollAt) {
      nextPollAt = now + Math.min(wopts.agePollIntervalMs, wopts.sweepIntervalMs);
      await jobs.pollHolds().catch((err) => ctx.logger.error({ err }, 'age verification poll failed'));
    }
    const free = Math.max(0, wopts.concurrency - inFlight.size);
    if (free === 0) return 0;
    const claimed = await claimDue(free);
    await Promise.all(claimed.map((c) => work(c)));
    return claimed.length;
  }

  async function processNow(orderId: string): Promise<boolean> {
    const [claimed] = await claimDue(1, orderId);
    if (!claimed) return false;
    await work(claimed);
    return true;
  }

  async function drain(options: { timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 20_000);
    for (;;) {
      nextSweepAt = 0;
      const n = await runOnce();
      if (n === 0) {
        const now = ctx.clock.now();
        const next = await db
          .selectFrom('order_outbox')
          .select((eb) => eb.fn.min('due_at').as('due'))
          .where('due_at', 'is not', null)
          .executeTakeFirst();
        const due = next?.due === null || next?.due === undefined ? null : Number(next.due);
        if (due === null) return;
        if (Date.now() > deadline) throw new Error('orders worker did not drain in time');
        await new Promise((r) => setTimeout(r, Math.min(50, Math.max(1, due - now))));
      } else if (Date.now() > deadline) {
        throw new Error('orders worker did not drain in time');
      }
    }
  }

  function notify(): void {
    wake?.();
  }

  function start(): void {
    if (running) return;
    running = true;
    loop = (async () => {
      while (running) {
        try {
          const n = await runOnce();
          if (n > 0) continue;
        } catch (err) {
          ctx.logger.error({ err }, 'orders worker pass failed');
        }
        if (!running) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, wopts.pollIntervalMs);
        });
        wake = null;
        if (timer) clearTimeout(timer);
      }
    })();
  }

  async function stop(): Promise<void> {
    running = false;
    wake?.();
    await loop;
    loop = null;
  }

  return { start, stop, runOnce, drain, processNow, notify, owner };
}

/** Ends a cancellation: state, released stock, audit record and PACT exclusion in one transaction. */
export async function finalizeCancel(
  ctx: OrdersContext,
  order: OrdersRow,
  check: (trx: Kysely<Database>) => Promise<void>,
): Promise<void> {
  const input = fromJson<StoredInput>(order.input_json, {} as StoredInput);
  const assessment = fromJson<Parameters<OrdersContext['compliance']['recordDecision']>[1] | null>(order.assessment_json, null);
  await runTx(ctx.db, async (trx) => {
    await check(trx);
    const now = ctx.clock.now();
    await trx
      .updateTable('orders')
      .set({ status: 'cancelled', cancelled_at: now, updated_at: now, dob_held: null, last_error: null })
      .where('order_id', '=', order.order_id)
      .execute();
    await releaseReservations(trx, order.order_id, now);
    if (assessment) {
      await ctx.compliance.recordDecision(trx, assessment, {
        orderId: order.order_id,
        kind: 'cancel',
        input: { ...input, customer: { ...input.customer, dob: order.dob_held ?? '' }, at: new Date(now) },
      });
    }
    await ctx.compliance.cancelShipment(trx, order.order_id);
    await trx.deleteFrom('order_outbox').where('order_id', '=', order.order_id).execute();
    await addEvent(trx, order.order_id, 'cancel', 'cancelled', now, { salesorderId: order.zoho_salesorder_id, reversalId: order.zoho_reversal_id });
  });
  ctx.metrics.ordersTotal.inc({ status: 'cancelled' });
}

export class PermanentOrderError extends Error {}
class RetryNowError extends Error {}

function backoff(attempt: number, base: number, max: number): number {
  const raw = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.round(raw * (0.5 + Math.random() * 0.5));
}

function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 1000);
  return String(err).slice(0, 1000);
}

function toZohoAddress(a: PostalAddress, attention: string, phone?: string | null): ZohoAddressInput {
  return {
    attention,
    address: a.line1,
    ...(a.line2 ? { street2: a.line2 } : {}),
    city: a.city,
    state: a.state,
    zip: a.zip,
    country: 'U.S.A.',
    ...(phone ? { phone } : {}),
  };
}

function norm(v: unknown): string {
  return String(v ?? '')
    .trim()
    .toUpperCase()
    .replace(/\s+/g, ' ');
}

export function addressKey(a: PostalAddress): string {
  return createHash('sha256')
    .update([a.line1, a.line2 ?? '', a.city, a.state, a.zip.slice(0, 5)].map(norm).join('|'))
    .digest('hex')
    .slice(0, 32);
}

function sameAddress(z: Record<string, unknown>, a: PostalAddress): boolean {
  return (
    norm(z.address) === norm(a.line1) &&
    norm(z.street2) === norm(a.line2) &&
    norm(z.city) === norm(a.city) &&
    norm(z.state) === norm(a.state) &&
    norm(z.zip).slice(0, 5) === norm(a.zip).slice(0, 5)
  );
}

type StoredAssessment = { address?: { status?: string }; age?: { reference?: string | null }; requirements?: Array<{ code: string }>; packages?: number };

function customFields(order: OrdersRow, assessment: StoredAssessment | null, names: SalesOrderFieldNames): Array<{ api_name: string; value: unknown }> {
  const flags = [
    `pact_shipment=${order.pact_shipment === 1 ? 'yes' : 'no'}`,
    `requirements=${(assessment?.requirements ?? []).map((r) => r.code).join(',') || 'none'}`,
    `packages=${assessment?.packages ?? 1}`,
  ].join('; ');
  const values: Array<[string | null, unknown]> = [
    [names.shopOrderId, order.order_id],
    [names.decisionId, order.decision_id ?? ''],
    [names.ageReference, order.age_reference ?? assessment?.age?.reference ?? ''],
    [names.addressValidation, assessment?.address?.status ?? 'unknown'],
    [names.complianceFlags, flags],
  ];
  return values.filter((v): v is [string, unknown] => v[0] !== null).map(([api_name, value]) => ({ api_name, value }));
}

/** yyyy-MM-dd in the organization's time zone. */
export function orgDate(epochMs: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(epochMs));
}

export { toJson };
