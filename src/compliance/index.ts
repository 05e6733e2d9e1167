/**
 * Compliance module factory.
 *
 * Deps (all passed in by the composition root):
 * - config: Config — AGE_PROVIDER/ADDRESS_PROVIDER (resolved as config.ageProvider /
 *   config.addressProvider), AGECHECKER_API_URL/_API_KEY/_SECRET, USPS_API_URL/_CLIENT_ID/
 *   _CLIENT_SECRET, AGE_NAME_MATCH, COMPLIANCE_RULES, PUBLIC_URL (AgeChecker callback_url),
 *   TOKEN_ENCRYPTION_KEY or SESSION_SECRET (keys the audit HMAC hashes), NODE_ENV.
 * - store: Store (its db holds the 300_ tables: compliance_audit, compliance_audit_head,
 *   compliance_pact_shipments).
 * - logger: pino Logger; registry: prom-client Registry; alerts: AlertSink.
 * - clock?: Clock (default systemClock); fetch?: fetch used by the provider adapters.
 * - overrides (tests, tools): ruleset, ageProvider, addressProvider, options.
 */
import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from '../config/load.js';
import type { Store } from '../store/db.js';
import type { AlertSink } from '../observability/alerts.js';
import type { Clock } from '../shared/clock.js';
import { systemClock } from '../shared/clock.js';
import type { AgeWebhookEvent, ComplianceService } from './types.js';
import { listUnconfirmed, loadRuleset, type Ruleset, type UnconfirmedItem } from './ruleset.js';
import { createComplianceService, complianceMetrics, type ComplianceServiceOptions, type ExtendedComplianceService } from './service.js';
import { AgeCheckerProvider, AgeCheckerWebhookVerifier } from './age/agechecker.js';
import { FakeAgeProvider, PERSONAS, type Persona } from './age/fake.js';
import type { AgeVerificationProvider } from './age/provider.js';
import { FakeAddressProvider } from './address/fake.js';
import { UspsAddressProvider } from './address/usps.js';
import type { AddressProvider } from './address/provider.js';
import { verifyAuditChain, exportAudit, listAudit, getAuditRecord, type AuditChainReport, type AuditRecord, type ExportAuditOptions, type ListAuditQuery } from './audit.js';
import { buildPactReport, type Deliverer, type PactReport } from './pact.js';
import { runDrill, type DrillReport } from './drill.js';
import { agecheckerWebhookRoutes } from '../http/routes/agechecker-webhook.js';
import { restrictionsProvider, type StorefrontRestrictions } from './restrictions.js';
import { restrictionsRoutes } from '../http/routes/restrictions.js';

export interface ComplianceModuleDeps {
  config: Config;
  store: Store;
  logger: Logger;
  registry: Registry;
  alerts: AlertSink;
  clock?: Clock;
  fetch?: typeof fetch;
  ruleset?: Ruleset;
  ageProvider?: AgeVerificationProvider;
  addressProvider?: AddressProvider;
  options?: ComplianceServiceOptions & { deliverers?: Record<string, Deliverer>; pactTimeZone?: string };
}

export interface ComplianceModule {
  service: ExtendedComplianceService;
  ruleset: Ruleset;
  /** Fake age-provider personas (the demo storefront shows them). */
  personas: readonly Persona[];
  /** What the ruleset marks unconfirmed (README, admin page). */
  unconfirmed: UnconfirmedItem[];
  runDrill(): Promise<DrillReport>;
  verifyAuditChain(): Promise<AuditChainReport>;
  exportAudit(options: ExportAuditOptions): Promise<string>;
  /** Audit records, newest first (admin pages). */
  listAudit(query?: ListAuditQuery): Promise<{ items: AuditRecord[]; total: number }>;
  getAuditRecord(id: string): Promise<AuditRecord | null>;
  buildPactReport(options: { month: string; state?: string }): Promise<PactReport>;
  /** Settled age verifications (signed webhook, or the fake provider's pending persona). */
  onAgeVerificationSettled(listener: (event: AgeWebhookEvent) => void | Promise<void>): void;
  /** Registers `PUT /webhooks/agechecker`. */
  routes(app: FastifyInstance): Promise<void>;
  /** Where each category is refused or held at a date, through the engine with the service's options (cached per day). */
  restrictions(at?: Date): StorefrontRestrictions;
  /** Registers the public `GET /api/compliance/restrictions` (storefront hints). */
  restrictionsRoutes(app: FastifyInstance): Promise<void>;
}

export function createComplianceModule(deps: ComplianceModuleDeps): ComplianceModule {
  const { config, store, logger, registry, alerts } = deps;
  const clock = deps.clock ?? systemClock;
  const log = logger.child({ module: 'compliance' });
  const ruleset =
    deps.ruleset ??
    loadRuleset(undefined, {
      env: { COMPLIANCE_RULES: config.COMPLIANCE_RULES },
      // reference/compliance.md §8: production refuses an unreviewed ruleset.
      requireLegalReview: config.NODE_ENV === 'production' && !config.demo,
    });
  if (!ruleset.legal_review.reviewed) {
    log.warn({ rulesetVersion: ruleset.version }, 'compliance ruleset is a DRAFT not reviewed by counsel (legal_review.reviewed=false)');
  }

  const listeners: Array<(event: AgeWebhookEvent) => void | Promise<void>> = [];
  const emit = async (event: AgeWebhookEvent) => {
    for (const l of listeners) {
      try {
        await l(event);
      } catch (err) {
        log.error({ err, reference: event.reference }, 'age verification settled listener failed');
      }
    }
  };

  const ageProvider = deps.ageProvider ?? makeAgeProvider(config, clock, deps.fetch);
  if (ageProvider instanceof FakeAgeProvider) ageProvider.onSettled((e) => void emit(e));
  const addressProvider = deps.addressProvider ?? makeAddressProvider(config, clock, deps.fetch);
  const hashKey = auditHashKey(config);
  const webhookVerifier = new AgeCheckerWebhookVerifier({ secret: config.AGECHECKER_SECRET, clock });
  const metrics = complianceMetrics(registry);
  const options: ComplianceServiceOptions = { nameMatch: config.AGE_NAME_MATCH, ...deps.options };

  const restrictions = restrictionsProvider(ruleset, options);

  const service = createComplianceService({
    ruleset,
    ageProvider,
    addressProvider,
    webhookVerifier,
    hashKey,
    clock,
    logger: log,
    alerts,
    metrics,
    options,
  });

  return {
    service,
    ruleset,
    personas: PERSONAS,
    unconfirmed: listUnconfirmed(ruleset),
    async runDrill() {
      // The real engine, service and audit log, with the fake providers: a drill never calls a paid provider.
      const drillService: ComplianceService = createComplianceService({
        ruleset,
        ageProvider: new FakeAgeProvider({ clock, autoSettle: false }),
        addressProvider: new FakeAddressProvider(),
        webhookVerifier,
        hashKey,
        clock,
        logger: log,
        options,
      });
      const report = await runDrill(drillService, {
        db: store.db,
        ruleset,
        clock,
        nameMatch: options.nameMatch ?? 'strict',
        providerErrorAction: options.providerErrorAction ?? 'review',
        unconfirmedAction: options.unconfirmedAction ?? ruleset.defaults.unconfirmed_action,
      });
      log.info({ passed: report.passed, failed: report.failed }, 'compliance drill finished');
      return report;
    },
    verifyAuditChain: () => verifyAuditChain(store.db),
    exportAudit: (o) => exportAudit(store.db, o),
    listAudit: (q) => listAudit(store.db, q),
    getAuditRecord: (id) => getAuditRecord(store.db, id),
    buildPactReport: (o) =>
      buildPactReport(store.db, {
        ...o,
        ruleset,
        now: clock.now(),
        ...(deps.options?.deliverers ? { deliverers: deps.options.deliverers } : {}),
        ...(deps.options?.pactTimeZone ? { timeZone: deps.options.pactTimeZone } : {}),
      }),
    onAgeVerificationSettled(listener) {
      listeners.push(listener);
    },
    routes: agecheckerWebhookRoutes({
      parse: (raw, headers) => service.parseAgeWebhook(raw, headers),
      emit,
      logger: log,
    }),
    restrictions: (at) => restrictions(at ?? new Date(clock.now())),
    restrictionsRoutes: restrictionsRoutes({ restrictions, now: () => new Date(clock.now()) }),
  };
}

function makeAgeProvider(config: Config, clock: Clock, fetchImpl?: typeof fetch): AgeVerificationProvider {
  if (config.ageProvider === 'agechecker' && config.AGECHECKER_API_KEY && config.AGECHECKER_SECRET) {
    return new AgeCheckerProvider({
      apiKey: config.AGECHECKER_API_KEY,
      secret: config.AGECHECKER_SECRET,
      ...(config.AGECHECKER_API_URL ? { apiUrl: config.AGECHECKER_API_URL } : {}),
      ...(config.PUBLIC_URL ? { callbackUrl: `${config.PUBLIC_URL.replace(/\/+$/, '')}/webhooks/agechecker` } : {}),
      ...(fetchImpl ? { fetch: fetchImpl } : {}),
    });
  }
  return new FakeAgeProvider({ clock });
}

function makeAddressProvider(config: Config, clock: Clock, fetchImpl?: typeof fetch): AddressProvider {
  if (config.addressProvider === 'usps' && config.USPS_CLIENT_ID && config.USPS_CLIENT_SECRET) {
    return new UspsAddressProvider({
      clientId: config.USPS_CLIENT_ID,
      clientSecret: config.USPS_CLIENT_SECRET,
      clock,
      ...(config.USPS_API_URL ? { apiUrl: config.USPS_API_URL } : {}),
      ...(fetchImpl ? { fetch: fetchImpl } : {}),
    });
  }
  return new FakeAddressProvider();
}

/**
 * The key of the audit log's HMAC hashes, derived from a configured secret so
 * hashes stay comparable across restarts. Demo installs without a secret use
 * a fixed key (hashes then only hide data from casual readers).
 */
export function auditHashKey(config: Pick<Config, 'AUDIT_HASH_KEY' | 'TOKEN_ENCRYPTION_KEY' | 'SESSION_SECRET'>): Buffer {
  // A dedicated key keeps the customer-matching hashes stable when other secrets rotate.
  const base = config.AUDIT_HASH_KEY ?? config.TOKEN_ENCRYPTION_KEY ?? config.SESSION_SECRET ?? 'zoho-dtc-bridge-demo-audit-key';
  return createHmac('sha256', base).update('compliance-audit-hash-v1').digest();
}

export { PERSONAS } from './age/fake.js';
export { loadRuleset, listUnconfirmed, rulesetJsonSchema } from './ruleset.js';
export { decide } from './engine.js';
export { REASON_CODES, REQUIREMENT_CODES } from './reason-codes.js';
export { verifyAuditChain, exportAudit, listAudit, getAuditRecord } from './audit.js';
export { buildPactReport } from './pact.js';
export { runDrill } from './drill.js';
export { computeRestrictions, restrictionsProvider, SHIP_STATES } from './restrictions.js';
export type { StorefrontRestrictions, CategoryRestrictions } from './restrictions.js';
export type { DrillReport } from './drill.js';
export type { AuditChainReport, AuditRecord, ListAuditQuery } from './audit.js';
export type { PactReport } from './pact.js';
