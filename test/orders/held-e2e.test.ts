/**
 * Operator decisions with the real compliance module (audit log in the
 * database) and the Zoho emulator: the "outage" persona of the fake age
 * provider holds the order for review.
 */
import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { orderBody as baseOrderBody, post } from './harness.js';
import { realWorld, type RealWorld } from './e2e-harness.js';

const OUTAGE_DOB = '1994-04-04';
const OP = { operator: 'admin:e2e', note: 'Verified the ID by video call' };

function heldBody() {
  return baseOrderBody({ ageVerification: null, customer: { email: 'out@example.com', firstName: 'Olive', lastName: 'Tage', dob: OUTAGE_DOB } });
}

describeEachDatabase('operator decisions end to end (emulator, real compliance)', (kind) => {
  let w: RealWorld | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  it('review → approve → one sales order in the emulator; the override is in the audit chain', async () => {
    w = await realWorld(kind);
    const body = heldBody();
    const res = await post(w.app, body);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.status).toBe('review');
    const heldCodes = (await w.compliance.listAudit({ orderId: body.orderId })).items[0]!.reasons.map((r) => r.code);
    expect(heldCodes.length).toBeGreaterThan(0);

    const [a, b] = await Promise.all([w.orders.service.approveHeld(body.orderId, OP), w.orders.service.approveHeld(body.orderId, OP)]);
    expect([a.changed, b.changed].sort()).toEqual([false, true]);
    await w.orders.worker.drain();
    const order = await w.orders.getOrder(body.orderId);
    expect(order!.status, order!.lastError ?? '').toBe('placed');
    expect(w.emu.control.salesOrders().filter((s) => s.reference_number === body.orderId)).toHaveLength(1);

    const audit = await w.compliance.listAudit({ orderId: body.orderId });
    const resume = audit.items.filter((r) => r.kind === 'resume');
    expect(resume).toHaveLength(1);
    expect(resume[0]!.outcome).toBe('allow');
    expect(resume[0]!.reasons[0]).toMatchObject({ code: 'operator_approved', source: 'operator' });
    expect(resume[0]!.reasons[0]!.message).toContain(OP.operator);
    expect(resume[0]!.reasons[0]!.message).toContain(OP.note);
    // The reasons that held the order stay in the record.
    expect(resume[0]!.reasons.slice(1).map((r) => r.code)).toEqual(heldCodes);
    // The order points at the override decision, which the sales order carries.
    const row = await w.store.db.selectFrom('orders').select(['decision_id', 'audit_id']).where('order_id', '=', body.orderId).executeTakeFirstOrThrow();
    expect(row.decision_id).toBe(resume[0]!.decisionId);
    expect(row.audit_id).toBe(resume[0]!.id);
    expect((await w.compliance.verifyAuditChain()).ok).toBe(true);
  });

  it('review → refuse → refused and released, audited; approve afterwards is 409', async () => {
    w = await realWorld(kind);
    const body = heldBody();
    expect((await post(w.app, body)).body.status).toBe('review');
    const sku = body.items[0]!.sku;
    const before = (await w.catalog.reader.getBySku(sku))!.availableQuantity;
    const refused = await w.app.inject({ method: 'POST', url: `/api/admin/orders/${body.orderId}/refuse`, payload: { note: 'Customer asked to drop it', operator: 'admin:e2e' } });
    expect(refused.statusCode, refused.body).toBe(200);
    expect(refused.json().status).toBe('refused');
    expect((await w.catalog.reader.getBySku(sku))!.availableQuantity).toBe(before + body.items[0]!.quantity);
    const resume = (await w.compliance.listAudit({ orderId: body.orderId, kind: 'resume' })).items;
    expect(resume).toHaveLength(1);
    expect(resume[0]!.outcome).toBe('deny');
    expect(resume[0]!.reasons[0]).toMatchObject({ code: 'operator_refused', effect: 'deny' });
    const approve = await w.app.inject({ method: 'POST', url: `/api/admin/orders/${body.orderId}/approve`, payload: { note: OP.note } });
    expect(approve.statusCode).toBe(409);
    expect(approve.json().error.code).toBe('order_not_reviewable');
    await w.orders.worker.drain();
    expect(w.emu.control.salesOrders().filter((s) => s.reference_number === body.orderId)).toHaveLength(0);
    expect((await w.compliance.verifyAuditChain()).ok).toBe(true);
  });
});
