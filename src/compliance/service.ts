/**
 * ComplianceService: the providers around the pure engine, and the audit /
 * PACT records after it. Every provider call is bounded by a timeout; an
 * error or a timeout becomes status `error`, which the engine holds for
 * review (or refuses), never approves.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { Database } from '../store/database.js';
import type { Clock } from '../shared/clock.js';
import { systemClock } from '../shared/clock.js';
import type { AlertSink } from '../observability/alerts.js';
import type {
  AddressValidationResult,
  AgeVerificationResult,
  AgeWebhookEvent,
  CheckoutComplianceInput,
  ComplianceAssessment,
  ComplianceService,
  PactShipmentRecord,
} from './types.js';
import type { Ruleset } from './ruleset.js';
import { decide, normalizeAddress, type EngineOptions } from './engine.js';
import type { AgeVerificationProvider } from './age/provider.js';
import type { AddressProvider } from './address/provider.js';
import { isMilitaryAddress, isPoBoxAddress } from './address/detect.js';
import type { AgeCheckerWebhookVerifier } from './age/agechecker.js';
import { appendAudit, summarizeInput } from './audit.js';
import { cancelShipment, recordShipment } from './pact.js';

export interface ComplianceServiceOptions extends EngineOptions {
  /** Bound on one age-provider call (default 8 s). */
  ageTimeoutMs?: number;
  /** Bound on one address-provider call (default 8 s). */
  addressTimeoutMs?: number;
}

export interface ComplianceMetrics {
  decisions: Counter<'outcome'>;
  providerErrors: Counter<'provider' | 'kind'>;
}

export function complianceMetrics(registry: Registry): ComplianceMetrics {
  const existing = registry.getSingleMetric('compliance_decisions_total') as Counter<'outcome'> | undefined;
  const decisions =
    existing ??
    new Counter({ name: 'compliance_decisions_total', help: 'Compliance decisions by outcome', labelNames: ['outcome'], registers: [registry] });
  const providerErrors =
    (registry.getSingleMetric('compliance_provider_errors_total') as Counter<'provider' | 'kind'> | undefined) ??
    new Counter({
      name: 'compliance_provider_errors_total',
      help: 'Age and address provider errors and timeouts',
      labelNames: ['provider', 'kind'],
      registers: [registry],
    });
  return { decisions, providerErrors };
}

export interface ComplianceServiceDeps {
  ruleset: Ruleset;
  ageProvider: AgeVerificationProvider;
  addressProvider: AddressProvider;
  webhookVerifier: AgeCheckerWebhookVerifier;
  /** Key of the HMAC hashes in the audit input summary. */
  hashKey: Buffer | string;
  clock?: Clock;
  logger?: Logger;
  alerts?: AlertSink;
  metrics?: ComplianceMetrics;
  options?: ComplianceServiceOptions;
}

export interface ExtendedComplianceService extends ComplianceService {
  readonly ruleset: Ruleset;
  readonly ageProviderName: string;
  readonly addressProviderName: string;
}

class ProviderTimeout extends Error {
  constructor(label: string, ms: number) {
    super(`${label} did not answer within ${ms} ms`);
    this.name = 'ProviderTimeout';
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProviderTimeout(label, ms)), ms);
    timer.unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function createComplianceService(deps: ComplianceServiceDeps): ExtendedComplianceService {
  const clock = deps.clock ?? systemClock;
  const options = deps.options ?? {};
  const ageTimeout = options.ageTimeoutMs ?? 8000;
  const addressTimeout = options.addressTimeoutMs ?? 8000;
  const { ruleset, ageProvider, addressProvider } = deps;

  function providerFailed(kind: 'age' | 'address', provider: string, err: unknown): string {
    const message = err instanceof Error ? err.message : String(err);
    deps.metrics?.providerErrors.inc({ provider, kind });
    deps.logger?.warn({ provider, kind, err: message }, 'compliance provider failed; the order is held, not approved');
    deps.alerts?.raise({
      kind: 'provider_outage',
      severity: 'warning',
      message: `${kind === 'age' ? 'Age-verification' : 'Address'} provider ${provider} failed: ${message}`,
      dedupeKey: `provider_outage:${provider}`,
      details: { provider, kind },
    });
    return message;
  }

  async function validateAddress(input: CheckoutComplianceInput): Promise<AddressValidationResult> {
    const address = normalizeAddress(input.shippingAddress);
    try {
      return await withTimeout(addressProvider.validate(address), addressTimeout, `address provider ${addressProvider.name}`);
    } catch (err) {
      const message = providerFailed('address', addressProvider.name, err);
      return {
        provider: addressProvider.name,
        status: 'error',
        standardized: null,
        dpvConfirmed: null,
        cmra: null,
        residential: null,
        vacant: null,
        poBox: isPoBoxAddress(address),
        military: isMilitaryAddress(address),
        message,
      };
    }
  }

  async function checkAge(reference: string): Promise<AgeVerificationResult> {
    try {
      return await withTimeout(ageProvider.status(reference), ageTimeout, `age provider ${ageProvider.name}`);
    } catch (err) {
      const message = providerFailed('age', ageProvider.name, err);
      return { provider: ageProvider.name, status: 'error', reference, verifiedName: null, message };
    }
  }

  const service: ExtendedComplianceService = {
    ruleset,
    ageProviderName: ageProvider.name,
    addressProviderName: addressProvider.name,

    async assess(input) {
      const address = await validateAddress(input);
      // A first pass without the age result tells whether and at what age to verify.
      const preliminary = decide({
        lines: input.lines,
        customer: input.customer,
        shipToName: input.shipToName ?? null,
        shippingAddress: input.shippingAddress,
        address,
        age: null,
        ruleset,
        at: input.at,
        options,
      });
      let age: AgeVerificationResult | null = null;
      if (preliminary.ageRequired) {
        const reference = input.ageVerification?.reference?.trim();
        if (reference) {
          // A verification the storefront ran is re-checked here, never trusted as sent.
          age = await checkAge(reference);
        } else {
          try {
            age = await withTimeout(
              ageProvider.create({
                orderId: input.orderId,
                firstName: input.shipToName?.firstName ?? input.customer.firstName,
                lastName: input.shipToName?.lastName ?? input.customer.lastName,
                dob: input.customer.dob,
                email: input.customer.email,
                phone: input.customer.phone ?? null,
                address: preliminary.shipTo,
                ip: input.ip ?? null,
                minAge: preliminary.minAge,
              }),
              ageTimeout,
              `age provider ${ageProvider.name}`,
            );
          } catch (err) {
            const message = providerFailed('age', ageProvider.name, err);
            age = { provider: ageProvider.name, status: 'error', reference: null, verifiedName: null, message };
          }
        }
      }
      const decision = decide({
        lines: input.lines,
        customer: input.customer,
        shipToName: input.shipToName ?? null,
        shippingAddress: input.shippingAddress,
        address,
        age,
        ruleset,
        at: input.at,
        options,
      });
      deps.metrics?.decisions.inc({ outcome: decision.outcome });
      return {
        decisionId: randomUUID(),
        outcome: decision.outcome,
        pendingVerification: decision.pendingVerification,
        reasons: decision.reasons,
        requirements: decision.requirements,
        pactShipment: decision.pactShipment,
        packages: decision.packages,
        age: age ?? { provider: 'none', status: 'not_created', reference: null, verifiedName: null, message: 'no age-restricted line: not verified' },
        address,
        shipTo: decision.shipTo,
        rulesetVersion: ruleset.version,
      };
    },

    async recordDecision(db: Kysely<Database>, assessment: ComplianceAssessment, context) {
      const { auditId } = await appendAudit(db, {
        decisionId: assessment.decisionId,
        orderId: context.orderId,
        kind: context.kind,
        drill: context.kind === 'drill',
        outcome: assessment.outcome,
        reasons: assessment.reasons,
        requirements: assessment.requirements,
        rulesetVersion: assessment.rulesetVersion,
        providerRefs: {
          age: {
            provider: assessment.age.provider,
            reference: assessment.age.reference,
            status: assessment.age.status,
            ...(assessment.age.message ? { message: assessment.age.message } : {}),
          },
          address: {
            provider: assessment.address.provider,
            status: assessment.address.status,
            dpvConfirmed: assessment.address.dpvConfirmed,
            cmra: assessment.address.cmra,
            residential: assessment.address.residential,
            vacant: assessment.address.vacant,
            poBox: assessment.address.poBox,
            military: assessment.address.military,
          },
        },
        inputSummary: summarizeInput(context.input, assessment, deps.hashKey),
        createdAt: clock.now(),
      });
      return { auditId };
    },

    async recordShipment(db: Kysely<Database>, shipment: PactShipmentRecord) {
      await recordShipment(db, shipment, clock.now());
    },

    async cancelShipment(db: Kysely<Database>, orderId: string) {
      await cancelShipment(db, orderId, clock.now());
    },

    checkAgeVerification: checkAge,

    parseAgeWebhook(rawBody: Buffer, headers): AgeWebhookEvent {
      return deps.webhookVerifier.verify(rawBody, headers);
    },
  };
  return service;
}
