/**
 * A ComplianceService with simple, visible rules:
 * - under 21 → deny `under_age`; shipping to UT with a flavored line → deny `flavored_ban` on that line;
 * - no ageVerification or a reference starting with `pending` → review + pendingVerification;
 * - a reference starting with `outage` → provider error: review (a person decides), not pending;
 * - `settle(reference, status)` changes what a later assess / check returns.
 */
import type {
  AgeVerificationResult,
  AgeWebhookEvent,
  CheckoutComplianceInput,
  ComplianceAssessment,
  ComplianceReason,
  ComplianceService,
  PactShipmentRecord,
} from '../../../src/compliance/types.js';

export class FakeCompliance implements ComplianceService {
  decisions: Array<{ orderId: string; kind: string; outcome: string }> = [];
  /** Every recorded assessment in full, with the audit context (operator decisions are checked on it). */
  recorded: Array<{ orderId: string; kind: string; assessment: ComplianceAssessment; input: CheckoutComplianceInput }> = [];
  shipments: PactShipmentRecord[] = [];
  cancelledShipments: string[] = [];
  settled = new Map<string, 'accepted' | 'denied'>();
  assessCalls = 0;
  failAssess = false;
  /** Makes recordDecision throw (the caller's transaction must roll back). */
  failRecord = false;
  private n = 0;
  private listeners: Array<(e: AgeWebhookEvent) => void | Promise<void>> = [];

  onAgeVerificationSettled(listener: (e: AgeWebhookEvent) => void | Promise<void>): void {
    this.listeners.push(listener);
  }

  async settle(reference: string, status: 'accepted' | 'denied', notify = true): Promise<void> {
    this.settled.set(reference, status);
    if (notify) for (const l of this.listeners) await l({ reference, status });
  }

  async assess(input: CheckoutComplianceInput): Promise<ComplianceAssessment> {
    this.assessCalls++;
    if (this.failAssess) throw new Error('provider down');
    const reasons: ComplianceReason[] = [];
    const dob = new Date(input.customer.dob + 'T00:00:00Z');
    const age = (input.at.getTime() - dob.getTime()) / (365.25 * 86400_000);
    if (!(age >= 21)) reasons.push({ code: 'under_age', message: 'You must be 21 or older', effect: 'deny' });
    for (const l of input.lines) {
      if (l.flavored && input.shippingAddress.state === 'UT') reasons.push({ code: 'flavored_ban', message: 'Flavored products cannot ship to UT', sku: l.sku, effect: 'deny' });
      if (l.restrictedStates.includes(input.shippingAddress.state)) reasons.push({ code: 'state_ship_ban', message: 'Cannot ship there', sku: l.sku, effect: 'deny' });
    }
    const ref = input.ageVerification?.reference ?? null;
    const settled = ref ? this.settled.get(ref) : undefined;
    let status: AgeVerificationResult['status'] = 'accepted';
    if (!ref) status = 'not_created';
    else if (settled) status = settled;
    else if (ref.startsWith('pending')) status = 'pending';
    else if (ref.startsWith('outage')) status = 'error';
    if (status === 'denied') reasons.push({ code: 'age_verification_denied', message: 'Age verification failed', effect: 'deny' });
    if (status === 'pending' || status === 'not_created') reasons.push({ code: 'age_verification_pending', message: 'Age verification in progress', effect: 'review' });
    if (status === 'error') reasons.push({ code: 'age_provider_unavailable', message: 'Age verification is unavailable; a person will review the order', effect: 'review' });
    const deny = reasons.some((r) => r.effect === 'deny');
    const review = reasons.some((r) => r.effect === 'review');
    const pact = input.lines.some((l) => l.complianceCategory?.startsWith('vape') ?? false);
    return {
      decisionId: `dec_${++this.n}`,
      outcome: deny ? 'deny' : review ? 'review' : 'allow',
      pendingVerification: !deny && review && reasons.every((r) => r.code === 'age_verification_pending'),
      reasons,
      requirements: [],
      pactShipment: pact,
      packages: 1,
      age: { provider: 'fake', status, reference: ref, verifiedName: null },
      address: { provider: 'fake', status: 'valid', standardized: null, dpvConfirmed: true, cmra: false, residential: true, vacant: false, poBox: false, military: false },
      shipTo: { ...input.shippingAddress },
      rulesetVersion: 'test',
    };
  }

  async recordDecision(_db: unknown, a: ComplianceAssessment, c: { orderId: string; kind: string; input: CheckoutComplianceInput }) {
    if (this.failRecord) throw new Error('audit store down');
    this.decisions.push({ orderId: c.orderId, kind: c.kind, outcome: a.outcome });
    this.recorded.push({ orderId: c.orderId, kind: c.kind, assessment: structuredClone(a), input: c.input });
    return { auditId: `aud_${this.decisions.length}` };
  }

  async recordShipment(_db: unknown, s: PactShipmentRecord): Promise<void> {
    this.shipments.push(s);
  }

  async cancelShipment(_db: unknown, orderId: string): Promise<void> {
    this.cancelledShipments.push(orderId);
  }

  async checkAgeVerification(reference: string): Promise<AgeVerificationResult> {
    return { provider: 'fake', status: this.settled.get(reference) ?? 'pending', reference, verifiedName: null };
  }

  parseAgeWebhook(): AgeWebhookEvent {
    throw new Error('not used');
  }
}
