/**
 * The compliance engine as the checkout sees it. Implemented in src/compliance.
 * The decision itself is a pure function (engine); this service adds the
 * providers (age, address) around it and the audit log / PACT records after it.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/database.js';
import type { RiskLevel } from '../catalog/types.js';

export type DecisionOutcome = 'allow' | 'deny' | 'review';

export interface PostalAddress {
  line1: string;
  line2?: string | null;
  city: string;
  state: string;
  zip: string;
  country?: string;
}

export interface ComplianceReason {
  /** Stable code, e.g. `under_age`, `state_ship_ban`, `flavored_ban`, `po_box_not_allowed`, `age_verification_pending`. */
  code: string;
  /** A sentence a customer can read. */
  message: string;
  /** The order line concerned, when a line is. */
  sku?: string;
  ruleId?: string;
  source?: string;
  /** What this reason alone does to the order. */
  effect: 'deny' | 'review';
}

export interface ShipmentRequirement {
  /** e.g. `adult_signature_id_check`, `no_usps`, `no_po_box`, `pact_report`, `package_split`. */
  code: string;
  message: string;
  /** For `package_split`: how many packages the PACT 10-lb limit needs. */
  packages?: number;
}

export interface ComplianceLine {
  sku: string;
  name: string;
  brand: string | null;
  quantity: number;
  ageRequired: boolean;
  restrictedStates: string[];
  complianceCategory: string | null;
  flavored: boolean;
  riskLevel: RiskLevel;
  weightGrams: number | null;
  unitPriceCents: number;
  /**
   * Optional product flags the ruleset can test (ruleset `product_flags`, e.g.
   * `premium_cigar`, `loose_leaf_pipe_tobacco`, `nicotine_mg_per_ml`). A rule
   * whose `applies_if` names an attribute the line lacks applies (most restrictive).
   */
  attributes?: Record<string, string | number | boolean | null>;
}

export interface ComplianceCustomer {
  email: string;
  firstName: string;
  lastName: string;
  /** ISO date yyyy-mm-dd. Never stored raw, never logged. */
  dob: string;
  phone?: string | null;
}

export type AgeVerificationStatus =
  | 'accepted'
  | 'denied'
  | 'pending'
  | 'signature'
  | 'photo_id'
  | 'phone_validation'
  | 'not_created'
  | 'error';

export interface AgeVerificationResult {
  provider: string;
  status: AgeVerificationStatus;
  /** Provider reference (AgeChecker uuid). */
  reference: string | null;
  verifiedName: { firstName: string; lastName: string } | null;
  message?: string;
}

export interface AddressValidationResult {
  provider: string;
  status: 'valid' | 'corrected' | 'invalid' | 'unverifiable' | 'error';
  standardized: PostalAddress | null;
  dpvConfirmed: boolean | null;
  cmra: boolean | null;
  residential: boolean | null;
  vacant: boolean | null;
  poBox: boolean;
  military: boolean;
  message?: string;
}

export interface CheckoutComplianceInput {
  orderId: string;
  lines: ComplianceLine[];
  customer: ComplianceCustomer;
  shippingAddress: PostalAddress;
  ip?: string | null;
  ageVerification?: { provider: string; reference: string } | null;
  /** The recipient when it is not the customer; the verified name must match it (AGE_NAME_MATCH). */
  shipToName?: { firstName: string; lastName: string } | null;
  /** Evaluation date (rules have effective dates). */
  at: Date;
}

export interface ComplianceAssessment {
  decisionId: string;
  outcome: DecisionOutcome;
  /** True when the only thing missing is an age verification still in progress. */
  pendingVerification: boolean;
  reasons: ComplianceReason[];
  requirements: ShipmentRequirement[];
  /** Any line of a PACT-covered category (report, no USPS, adult signature). */
  pactShipment: boolean;
  packages: number;
  age: AgeVerificationResult;
  address: AddressValidationResult;
  /** The standardized address when validation produced one, else the input. */
  shipTo: PostalAddress;
  rulesetVersion: string;
}

export interface PactShipmentRecord {
  orderId: string;
  zohoSalesOrderId: string | null;
  shippedAt: number;
  recipientName: string;
  address: PostalAddress;
  deliveryService: string;
  lines: Array<{ sku: string; name: string; brand: string | null; category: string; quantity: number }>;
}

export interface AgeWebhookEvent {
  reference: string;
  status: AgeVerificationStatus;
}

export interface ComplianceService {
  assess(input: CheckoutComplianceInput): Promise<ComplianceAssessment>;
  /** Append the decision to the audit log inside the caller's transaction. */
  recordDecision(
    db: Kysely<Database>,
    assessment: ComplianceAssessment,
    context: { orderId: string; kind: 'checkout' | 'resume' | 'cancel' | 'drill'; input: CheckoutComplianceInput },
  ): Promise<{ auditId: string }>;
  /** PACT shipment records (the monthly report reads these); call inside the placement transaction. */
  recordShipment(db: Kysely<Database>, shipment: PactShipmentRecord): Promise<void>;
  cancelShipment(db: Kysely<Database>, orderId: string): Promise<void>;
  /** Server-side status of an age verification (status poll for held orders). */
  checkAgeVerification(reference: string): Promise<AgeVerificationResult>;
  /** Verifies `X-AgeChecker-Signature` over the raw body; throws AppError on a bad or replayed signature. */
  parseAgeWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): AgeWebhookEvent;
}
