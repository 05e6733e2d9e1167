/**
 * Operator decisions on held orders (approveHeld / refuseHeld) with the fake
 * Zoho, catalog and compliance, on SQLite and PostgreSQL.
 */
import { afterEach, expect, it } from 'vitest';
import { toJson } from '../../src/store/columns.js';
import { releaseReservations } from '../../src/orders/reservations.js';
import { describeEachDatabase } from '../support/databases.js';
import { buildHarness, fakeWorld, orderBody, post, type FakeWorld } from './harness.js';
import { product } from './fakes/catalog.js';

const OP = { operator: 'admin:test1234', note: 'Called the customer, ID checked by phone' };

describeEachDatabase('operator decisions on held orders (fakes)', (kind) => {
  let w: FakeWorld | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  /** An order held for review (provider outage), not a pending verification. */
  async function heldForReview(world: FakeWorld, over: Parameters<typeof orderBody>[0] = {}) {
    const body = orderBody({ ageVerification: { provider: 'agechecker', reference: `outage-${Math.random().toString(36).slice(2)}` }, ...over });
    const res = await post(world.app, body);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.status).toBe('review');
    return body;
  }

  async function available(world: FakeWorld, sku: string) {
    return (await world.catalog.getBySku(sku))!.availableQuantity;
  }

  it('review → approve → placed in Zoho exactly once, with the override in the audit record', async () => {
    w = await fakeWorld(kind);
    const body = await heldForReview(w, { items: [{ sku: 'LAST-ONE', quantity: 1 }] });
    expect(await available(w, 'LAST-ONE')).toBe(0);
    await w.orders.worker.drain();
    expect(w.zoho.salesOrders.size).toBe(0);

    const answer = await w.orders.service.approveHeld(body.orderId, OP);
    expect(answer.changed).toBe(true);
    expect(answer.order.status).toBe('accepted');
    // The customer sees a plain reason, not the operator's note.
    expect(answer.order.reasons).toEqual([{ code: 'operator_approved', message: 'Approved after review' }]);
    await w.orders.worker.drain();

    const order = await w.orders.getOrder(body.orderId);
    expect(order!.status).toBe('placed');
    expect([...w.zoho.salesOrders.values()].filter((so) => so.reference_number === body.orderId)).toHaveLength(1);
    expect(w.zoho.count('salesorders.create')).toBe(1);
    // The stock was held once and stays taken (no double reservation).
    expect(await available(w, 'LAST-ONE')).toBe(0);
    const approved = order!.history.find((h) => h.step === 'operator' && h.status === 'approved');
    expect(approved?.detail).toMatchObject({ operator: OP.operator, note: OP.note, heldFor: ['age_provider_unavailable'] });

    expect(w.compliance.decisions.filter((d) => d.orderId === body.orderId)).toEqual([
      { orderId: body.orderId, kind: 'checkout', outcome: 'review' },
      { orderId: body.orderId, kind: 'resume', outcome: 'allow' },
    ]);
    const audit = w.compliance.recorded.find((r) => r.orderId === body.orderId && r.kind === 'resume')!;
    expect(audit.assessment.outcome).toBe('allow');
    expect(audit.assessment.pendingVerification).toBe(false);
    const [override, ...original] = audit.assessment.reasons;
    expect(override).toMatchObject({ code: 'operator_approved', source: 'operator' });
    expect(override!.message).toContain(OP.operator);
    expect(override!.message).toContain(OP.note);
    expect(original.map((r) => r.code)).toEqual(['age_provider_unavailable']);
    // The audit summary is built from the held date of birth (erased from the order afterwards).
    expect(audit.input.customer.dob).toBe(body.customer.dob);
    const row = await w.store.db.selectFrom('orders').select(['dob_held', 'decision_id', 'audit_id']).where('order_id', '=', body.orderId).executeTakeFirstOrThrow();
    expect(row.dob_held).toBeNull();
    expect(row.decision_id).toBe(audit.assessment.decisionId);
    expect(row.audit_id).toBeTruthy();

    // Idempotent: approving again is a no-op answer, no second record, no second push.
    const again = await w.orders.service.approveHeld(body.orderId, OP);
    expect(again.changed).toBe(false);
    expect(again.order.status).toBe('placed');
    await w.orders.worker.drain();
    expect(w.zoho.count('salesorders.create')).toBe(1);
    expect(w.compliance.decisions.filter((d) => d.orderId === body.orderId)).toHaveLength(2);
  });

  it('review → refuse → refused, stock released, audited; refusing again is a no-op; a pending verification can be refused too', async () => {
    w = await fakeWorld(kind);
    const body = await heldForReview(w, { items: [{ sku: 'ACC-RAW-KSS', quantity: 5 }] });
    expect(await available(w, 'ACC-RAW-KSS')).toBe(45);
    const answer = await w.orders.service.refuseHeld(body.orderId, { operator: OP.operator, note: 'Address looks fraudulent' });
    expect(answer.changed).toBe(true);
    expect(answer.order.status).toBe('refused');
    expect(answer.order.reasons.map((r) => r.code)).toEqual(['age_provider_unavailable', 'operator_refused']);
    expect(await available(w, 'ACC-RAW-KSS')).toBe(50);
    const audit = w.compliance.recorded.find((r) => r.orderId === body.orderId && r.kind === 'resume')!;
    expect(audit.assessment.outcome).toBe('deny');
    expect(audit.assessment.reasons[0]).toMatchObject({ code: 'operator_refused', effect: 'deny' });
    expect(audit.assessment.reasons[0]!.message).toContain('Address looks fraudulent');
    expect(audit.assessment.reasons.slice(1).map((r) => r.code)).toEqual(['age_provider_unavailable']);

    const again = await w.orders.service.refuseHeld(body.orderId, { operator: OP.operator });
    expect(again.changed).toBe(false);
    expect(await available(w, 'ACC-RAW-KSS')).toBe(50);
    expect(w.compliance.decisions.filter((d) => d.orderId === body.orderId)).toHaveLength(2);
    // A refused order can never be approved afterwards.
    await expect(w.orders.service.approveHeld(body.orderId, OP)).rejects.toMatchObject({ code: 'order_not_reviewable', httpStatus: 409 });
    await w.orders.worker.drain();
    expect(w.zoho.salesOrders.size).toBe(0);

    const pending = orderBody({ ageVerification: { provider: 'agechecker', reference: 'pending-op' } });
    expect((await post(w.app, pending)).body.status).toBe('pending_verification');
    // Approval is for review holds only: a pending verification waits for its provider.
    await expect(w.orders.service.approveHeld(pending.orderId, OP)).rejects.toMatchObject({ code: 'order_not_reviewable' });
    expect((await w.orders.service.refuseHeld(pending.orderId, { operator: OP.operator })).order.status).toBe('refused');
    // A late settlement does not revive it.
    await w.compliance.settle('pending-op', 'accepted');
    expect((await w.orders.getOrder(pending.orderId))!.status).toBe('refused');
  });

  it('never approves an order with a deny reason (409 order_not_approvable), nor one in another state, nor without a note', async () => {
    w = await fakeWorld(kind);
    const body = await heldForReview(w);
    // A review order whose stored assessment carries a deny reason (must not exist; the check is defence in depth).
    const row = await w.store.db.selectFrom('orders').select('assessment_json').where('order_id', '=', body.orderId).executeTakeFirstOrThrow();
    const a = JSON.parse(row.assessment_json!);
    a.reasons.push({ code: 'flavored_ban', message: 'Flavored products cannot ship to UT', effect: 'deny' });
    await w.store.db.updateTable('orders').set({ assessment_json: toJson(a) }).where('order_id', '=', body.orderId).execute();
    const denied = await w.orders.service.approveHeld(body.orderId, OP).catch((e) => e);
    expect(denied).toMatchObject({ code: 'order_not_approvable', httpStatus: 409 });
    expect(denied.details).toEqual([{ code: 'flavored_ban', message: 'Flavored products cannot ship to UT' }]);
    expect((await w.orders.getOrder(body.orderId))!.status).toBe('review');
    // No stored assessment at all: fail closed too.
    await w.store.db.updateTable('orders').set({ assessment_json: null }).where('order_id', '=', body.orderId).execute();
    await expect(w.orders.service.approveHeld(body.orderId, OP)).rejects.toMatchObject({ code: 'order_not_approvable' });
    // Refusing it is always possible.
    expect((await w.orders.service.refuseHeld(body.orderId, { operator: OP.operator })).order.status).toBe('refused');

    // Wrong states: an order the engine accepted, a refused one, an unknown one.
    const ok = orderBody();
    expect((await post(w.app, ok)).status).toBe(201);
    await expect(w.orders.service.approveHeld(ok.orderId, OP)).rejects.toMatchObject({ code: 'order_not_reviewable', httpStatus: 409 });
    await expect(w.orders.service.refuseHeld(ok.orderId, OP)).rejects.toMatchObject({ code: 'order_not_reviewable', httpStatus: 409 });
    await w.orders.worker.drain();
    await expect(w.orders.service.approveHeld(ok.orderId, OP)).rejects.toMatchObject({ code: 'order_not_reviewable' });
    const young = orderBody({ customer: { email: 'y@example.com', firstName: 'Y', lastName: 'Z', dob: '2015-01-01' } });
    expect((await post(w.app, young)).status).toBe(422);
    await expect(w.orders.service.approveHeld(young.orderId, OP)).rejects.toMatchObject({ code: 'order_not_reviewable' });
    await expect(w.orders.service.refuseHeld(young.orderId, OP)).rejects.toMatchObject({ code: 'order_not_reviewable' });
    await expect(w.orders.service.approveHeld('NOPE-1', OP)).rejects.toMatchObject({ httpStatus: 404 });

    const held = await heldForReview(w);
    await expect(w.orders.service.approveHeld(held.orderId, { operator: OP.operator, note: ' ok ' })).rejects.toMatchObject({ code: 'note_required', httpStatus: 400 });
    await expect(w.orders.service.approveHeld(held.orderId, { operator: '  ', note: OP.note })).rejects.toMatchObject({ code: 'operator_required' });
    // A cancelled hold is not reviewable.
    await w.orders.cancelOrder(held.orderId);
    await expect(w.orders.service.approveHeld(held.orderId, OP)).rejects.toMatchObject({ code: 'order_not_reviewable' });
    await w.orders.worker.drain();
    expect(w.zoho.count('salesorders.create')).toBe(1);
  });

  it('after the reservation expired: re-reserves when the stock is there, answers 409 insufficient_stock when it is not', async () => {
    w = await fakeWorld(kind);
    // Expired but still open (the sweep has not run): the approval keeps it and clears the expiry.
    const stale = await heldForReview(w, { items: [{ sku: 'VAPE-MINT', quantity: 2 }] });
    await w.store.db.updateTable('order_reservations').set({ expires_at: 1 }).where('order_id', '=', stale.orderId).execute();
    expect((await w.orders.service.approveHeld(stale.orderId, OP)).order.status).toBe('accepted');
    const kept = await w.store.db.selectFrom('order_reservations').selectAll().where('order_id', '=', stale.orderId).execute();
    expect(kept.map((r) => [r.state, r.expires_at])).toEqual([['open', null]]);
    expect(await available(w, 'VAPE-MINT')).toBe(18);

    // Released: the stock is still there, so the approval takes it again.
    const a = await heldForReview(w, { items: [{ sku: 'LAST-ONE', quantity: 1 }] });
    await w.store.db.transaction().execute((trx) => releaseReservations(trx, a.orderId, Date.now()));
    expect(await available(w, 'LAST-ONE')).toBe(1);
    const approved = await w.orders.service.approveHeld(a.orderId, OP);
    expect(approved.order.status).toBe('accepted');
    expect(await available(w, 'LAST-ONE')).toBe(0);
    const history = (await w.orders.getOrder(a.orderId))!.history;
    expect(history.find((h) => h.status === 'approved')!.detail).toMatchObject({ reReserved: ['LAST-ONE'] });
    await w.orders.worker.drain();
    expect((await w.orders.getOrder(a.orderId))!.status).toBe('placed');

    // Released, and someone else bought the stock meanwhile: 409, the order stays in review, nothing recorded.
    w.catalog.add(product('SOLO', { zohoQuantity: 1 }));
    const b = await heldForReview(w, { items: [{ sku: 'SOLO', quantity: 1 }] });
    await w.store.db.transaction().execute((trx) => releaseReservations(trx, b.orderId, Date.now()));
    expect((await post(w.app, orderBody({ items: [{ sku: 'SOLO', quantity: 1 }] }))).status).toBe(201);
    const decisionsBefore = w.compliance.decisions.length;
    const err = await w.orders.service.approveHeld(b.orderId, OP).catch((e) => e);
    expect(err).toMatchObject({ code: 'insufficient_stock', httpStatus: 409 });
    expect(err.details).toEqual([{ sku: 'SOLO', requested: 1, available: 0 }]);
    expect((await w.orders.getOrder(b.orderId))!.status).toBe('review');
    expect(w.compliance.decisions.length).toBe(decisionsBefore);
    expect(await w.store.db.selectFrom('order_outbox').select('order_id').where('order_id', '=', b.orderId).executeTakeFirst()).toBeUndefined();
    // The operator can still refuse it.
    expect((await w.orders.service.refuseHeld(b.orderId, { operator: OP.operator, note: 'out of stock' })).order.status).toBe('refused');
  });

  it('the state change rolls back when the audit record cannot be written', async () => {
    w = await fakeWorld(kind);
    const body = await heldForReview(w, { items: [{ sku: 'LAST-ONE', quantity: 1 }] });
    await w.store.db.transaction().execute((trx) => releaseReservations(trx, body.orderId, Date.now()));
    w.compliance.failRecord = true;
    await expect(w.orders.service.approveHeld(body.orderId, OP)).rejects.toThrow(/audit store down/);
    expect((await w.orders.getOrder(body.orderId))!.status).toBe('review');
    // The re-reservation made inside the transaction went with it.
    expect(await available(w, 'LAST-ONE')).toBe(1);
    expect(await w.store.db.selectFrom('order_outbox').select('order_id').where('order_id', '=', body.orderId).executeTakeFirst()).toBeUndefined();
    await expect(w.orders.service.refuseHeld(body.orderId, { operator: OP.operator })).rejects.toThrow(/audit store down/);
    expect((await w.orders.getOrder(body.orderId))!.status).toBe('review');
    w.compliance.failRecord = false;
    expect((await w.orders.service.approveHeld(body.orderId, OP)).order.status).toBe('accepted');
  });

  it('two approvals at once (two modules on one database) → one approval, one audit record, one sales order', async () => {
    w = await fakeWorld(kind);
    const body = await heldForReview(w, { items: [{ sku: 'ACC-RAW-KSS', quantity: 3 }] });
    const other = await buildHarness(kind, { zoho: w.zoho.api(), catalog: w.catalog, compliance: w.compliance }, {}, w.store);
    try {
      const answers = await Promise.all([
        w.orders.service.approveHeld(body.orderId, OP),
        other.orders.service.approveHeld(body.orderId, { operator: 'admin:other', note: 'Second operator agrees' }),
        w.orders.service.approveHeld(body.orderId, OP),
      ]);
      expect(answers.filter((a) => a.changed)).toHaveLength(1);
      await Promise.all([w.orders.worker.drain(), other.orders.worker.drain()]);
    } finally {
      await other.close();
    }
    expect((await w.orders.getOrder(body.orderId))!.status).toBe('placed');
    expect(w.zoho.count('salesorders.create')).toBe(1);
    expect(w.compliance.decisions.filter((d) => d.orderId === body.orderId && d.kind === 'resume')).toHaveLength(1);
    expect((await w.orders.getOrder(body.orderId))!.history.filter((h) => h.status === 'approved')).toHaveLength(1);
    expect(await available(w, 'ACC-RAW-KSS')).toBe(47);

    // Approve and refuse racing: exactly one wins, and the stock matches the winner.
    const raced = await heldForReview(w, { items: [{ sku: 'ACC-RAW-KSS', quantity: 2 }] });
    const results = await Promise.allSettled([w.orders.service.approveHeld(raced.orderId, OP), w.orders.service.refuseHeld(raced.orderId, { operator: OP.operator })]);
    expect(results.filter((r) => r.status === 'fulfilled' && r.value.changed)).toHaveLength(1);
    const final = (await w.orders.getOrder(raced.orderId))!.status;
    expect(await available(w, 'ACC-RAW-KSS')).toBe(final === 'refused' ? 47 : 45);
  });

  it('the admin routes of the orders module: approve needs a note; refuse takes an optional one', async () => {
    w = await fakeWorld(kind);
    const body = await heldForReview(w);
    const noNote = await w.app.inject({ method: 'POST', url: `/api/admin/orders/${body.orderId}/approve`, payload: { note: 'ok' } });
    expect(noNote.statusCode).toBe(400);
    const ok = await w.app.inject({ method: 'POST', url: `/api/admin/orders/${body.orderId}/approve`, payload: { note: OP.note, operator: 'script' } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'accepted', changed: true });
    const wrong = await w.app.inject({ method: 'POST', url: `/api/admin/orders/${body.orderId}/refuse`, payload: {} });
    expect(wrong.statusCode).toBe(409);
    expect(wrong.json().error.code).toBe('order_not_reviewable');
    const other = await heldForReview(w);
    const refused = await w.app.inject({ method: 'POST', url: `/api/admin/orders/${other.orderId}/refuse`, payload: { note: 'duplicate order' } });
    expect(refused.statusCode, refused.body).toBe(200);
    expect(refused.json().status).toBe('refused');
  });
});
