/**
 * The compliance audit log: append-only, one row per decision, each row
 * carrying the SHA-256 of the previous one. Appends serialize on the chain
 * head row (compliance_audit_head, updated in the same transaction: a row
 * lock on PostgreSQL, the single writer lock on SQLite), so concurrent
 * checkouts on several instances still build one chain.
 *
 * No raw date of birth and no full address is written: the input summary
 * carries keyed HMAC hashes (for matching the same buyer or address across
 * orders), an age band, the state and the 3-digit ZIP prefix.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/database.js';
import type { ComplianceAssessment, CheckoutComplianceInput } from './types.js';
import { ageInYears } from './engine.js';
import { AUDIT_GENESIS_HASH, type ComplianceAuditTable } from './tables.js';

export type AuditKind = 'checkout' | 'resume' | 'cancel' | 'drill';

export interface AuditEntry {
  decisionId: string;
  orderId: string;
  kind: AuditKind;
  drill: boolean;
  outcome: string;
  reasons: unknown[];
  requirements: unknown[];
  rulesetVersion: string;
  providerRefs: Record<string, unknown>;
  inputSummary: Record<string, unknown>;
  createdAt: number;
}

type Row = ComplianceAuditTable;

/** The fields the hash covers, in a fixed order, exactly as stored. */
function rowHash(row: Omit<Row, 'hash'>): string {
  const canonical = JSON.stringify([
    Number(row.seq),
    row.id,
    row.decision_id,
    Number(row.created_at),
    row.order_id,
    row.kind,
    Number(row.drill),
    row.outcome,
    row.reasons,
    row.requirements,
    row.ruleset_version,
    row.provider_refs,
    row.input_summary,
    row.prev_hash,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** Appends one record; inside the caller's transaction when given one, else in its own. */
export async function appendAudit(db: Kysely<Database>, entry: AuditEntry): Promise<{ auditId: string; seq: number; hash: string }> {
  const run = async (trx: Kysely<Database>) => {
    // Taking the head row first serializes appenders (PostgreSQL row lock; SQLite write lock).
    const head = await trx
      .updateTable('compliance_audit_head')
      .set({ seq: sql<number>`seq + 1` })
      .where('id', '=', 1)
      .returning(['seq', 'hash'])
      .executeTakeFirst();
    if (!head) throw new Error('compliance_audit_head is missing: migration 300_001 did not run');
    const base: Omit<Row, 'hash'> = {
      seq: Number(head.seq),
      id: randomUUID(),
      decision_id: entry.decisionId,
      created_at: entry.createdAt,
      order_id: entry.orderId,
      kind: entry.kind,
      drill: entry.drill ? 1 : 0,
      outcome: entry.outcome,
      reasons: JSON.stringify(entry.reasons),
      requirements: JSON.stringify(entry.requirements),
      ruleset_version: entry.rulesetVersion,
      provider_refs: JSON.stringify(entry.providerRefs),
      input_summary: JSON.stringify(entry.inputSummary),
      prev_hash: head.hash,
    };
    const hash = rowHash(base);
    await trx.insertInto('compliance_audit').values({ ...base, hash }).execute();
    await trx.updateTable('compliance_audit_head').set({ hash }).where('id', '=', 1).execute();
    return { auditId: base.id, seq: base.seq, hash };
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

export interface AuditProblem {
  seq: number;
  id: string | null;
  orderId: string | null;
  problem: 'hash_mismatch' | 'prev_hash_mismatch' | 'sequence_gap' | 'sequence_out_of_order' | 'tail_mismatch';
  detail: string;
}

export interface AuditChainReport {
  ok: boolean;
  rows: number;
  lastSeq: number;
  lastHash: string;
  problems: AuditProblem[];
}

/**
 * Walks the chain in seq order and names every row that breaks it: an edited
 * row (its hash no longer matches its content), a deleted row (a seq gap and
 * the next row's prev_hash pointing at a missing hash; a deleted tail shows
 * against the head row), a reordered row (seq or prev_hash out of place).
 */
export async function verifyAuditChain(db: Kysely<Database>, options: { pageSize?: number } = {}): Promise<AuditChainReport> {
  const pageSize = options.pageSize ?? 1000;
  const problems: AuditProblem[] = [];
  let expectedSeq = 1;
  let prevHash = AUDIT_GENESIS_HASH;
  let rows = 0;
  let after = 0;
  for (;;) {
    const page = await db.selectFrom('compliance_audit').selectAll().where('seq', '>', after).orderBy('seq', 'asc').limit(pageSize).execute();
    if (page.length === 0) break;
    for (const raw of page) {
      const row = { ...raw, seq: Number(raw.seq), created_at: Number(raw.created_at), drill: Number(raw.drill) };
      rows += 1;
      const name = { seq: row.seq, id: row.id, orderId: row.order_id };
      if (row.seq !== expectedSeq) {
        problems.push({
          ...name,
          problem: 'sequence_gap',
          detail: `expected seq ${expectedSeq}, found ${row.seq}: ${row.seq - expectedSeq} row(s) before this one are missing`,
        });
      }
      const { hash, ...rest } = row;
      if (rowHash(rest) !== hash) {
        problems.push({ ...name, problem: 'hash_mismatch', detail: 'the row content does not match its hash (edited, or moved to another seq)' });
      }
      if (row.prev_hash !== prevHash) {
        problems.push({ ...name, problem: 'prev_hash_mismatch', detail: 'prev_hash does not match the hash of the row before it (a row was deleted, inserted or reordered)' });
      }
      expectedSeq = row.seq + 1;
      prevHash = hash;
      after = row.seq;
    }
    if (page.length < pageSize) break;
  }
  const head = await db.selectFrom('compliance_audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirst();
  if (head && (Number(head.seq) !== expectedSeq - 1 || head.hash !== prevHash)) {
    problems.push({
      seq: Number(head.seq),
      id: null,
      orderId: null,
      problem: 'tail_mismatch',
      detail: `the chain head says seq ${Number(head.seq)} but the last row is seq ${expectedSeq - 1}: rows at the end were deleted or altered`,
    });
  }
  return { ok: problems.length === 0, rows, lastSeq: expectedSeq - 1, lastHash: prevHash, problems };
}

export interface ExportAuditOptions {
  /** Inclusive lower bound: epoch ms, ISO date/time, or Date. */
  from?: number | string | Date;
  /** Exclusive upper bound; a date-only value means the end of that day. */
  to?: number | string | Date;
  format: 'csv' | 'jsonl';
  includeDrills?: boolean;
}

const CSV_COLUMNS = [
  'seq',
  'id',
  'created_at',
  'order_id',
  'kind',
  'drill',
  'outcome',
  'reason_codes',
  'ruleset_version',
  'age_provider',
  'age_reference',
  'age_status',
  'address_provider',
  'address_status',
  'decision_id',
  'prev_hash',
  'hash',
] as const;

export async function exportAudit(db: Kysely<Database>, options: ExportAuditOptions): Promise<string> {
  let q = db.selectFrom('compliance_audit').selectAll().orderBy('seq', 'asc');
  if (options.from !== undefined) q = q.where('created_at', '>=', toEpoch(options.from, false));
  if (options.to !== undefined) q = q.where('created_at', '<', toEpoch(options.to, true));
  if (options.includeDrills === false) q = q.where('drill', '=', 0);
  const rows = await q.execute();
  if (options.format === 'jsonl') {
    return rows
      .map((r) =>
        JSON.stringify({
          seq: Number(r.seq),
          id: r.id,
          decisionId: r.decision_id,
          createdAt: new Date(Number(r.created_at)).toISOString(),
          orderId: r.order_id,
          kind: r.kind,
          drill: Number(r.drill) === 1,
          outcome: r.outcome,
          reasons: JSON.parse(r.reasons),
          requirements: JSON.parse(r.requirements),
          rulesetVersion: r.ruleset_version,
          providerRefs: JSON.parse(r.provider_refs),
          inputSummary: JSON.parse(r.input_summary),
          prevHash: r.prev_hash,
          hash: r.hash,
        }),
      )
      .map((l) => `${l}\n`)
      .join('');
  }
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) {
    const refs = JSON.parse(r.provider_refs) as { age?: { provider?: string; reference?: string; status?: string }; address?: { provider?: string; status?: string } };
    const codes = (JSON.parse(r.reasons) as Array<{ code: string }>).map((x) => x.code).join(' ');
    const values = [
      Number(r.seq),
      r.id,
      new Date(Number(r.created_at)).toISOString(),
      r.order_id,
      r.kind,
      Number(r.drill),
      r.outcome,
      codes,
      r.ruleset_version,
      refs.age?.provider ?? '',
      refs.age?.reference ?? '',
      refs.age?.status ?? '',
      refs.address?.provider ?? '',
      refs.address?.status ?? '',
      r.decision_id,
      r.prev_hash,
      r.hash,
    ];
    lines.push(values.map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}

export function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? '' : String(value);
  // Spreadsheet formula injection: a cell must not start with = + - @.
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function toEpoch(v: number | string | Date, upper: boolean): number {
  if (typeof v === 'number') return v;
  if (v instanceof Date) return v.getTime();
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
    const start = Date.parse(`${v}T00:00:00Z`);
    return upper ? start + 86_400_000 : start;
  }
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new Error(`not a date: ${v}`);
  return t;
}

// ---------------------------------------------------------------------------
// Input summary: what the audit keeps about a checkout.

export function keyedHash(key: Buffer | string, value: string): string {
  return createHmac('sha256', key).update(value).digest('hex').slice(0, 32);
}

export function ageBand(age: number | null): string {
  if (age === null) return 'unknown';
  if (age < 18) return '<18';
  if (age < 21) return '18-20';
  if (age < 25) return '21-24';
  if (age < 30) return '25-29';
  if (age < 40) return '30-39';
  if (age < 50) return '40-49';
  if (age < 65) return '50-64';
  return '65+';
}

const norm = (s: string | null | undefined) => (s ?? '').trim().toUpperCase().replace(/\s+/g, ' ');

export function summarizeInput(input: CheckoutComplianceInput, assessment: ComplianceAssessment | null, key: Buffer | string): Record<string, unknown> {
  const addr = assessment?.shipTo ?? input.shippingAddress;
  const fullAddress = [addr.line1, addr.line2, addr.city, addr.state, addr.zip.slice(0, 5)].map(norm).join('|');
  return {
    orderId: input.orderId,
    at: input.at.toISOString(),
    customer: {
      emailHash: keyedHash(key, input.customer.email.trim().toLowerCase()),
      identityHash: keyedHash(key, `${norm(input.customer.firstName)}|${norm(input.customer.lastName)}|${input.customer.dob}`),
      ageBand: ageBand(ageInYears(input.customer.dob, input.at)),
    },
    shipTo: { state: norm(addr.state), zip3: addr.zip.trim().slice(0, 3), addressHash: keyedHash(key, fullAddress) },
    ipHash: input.ip ? keyedHash(key, input.ip) : null,
    storefrontVerification: input.ageVerification ? { provider: input.ageVerification.provider, supplied: true } : null,
    lines: input.lines.map((l) => ({
      sku: l.sku,
      category: l.complianceCategory || null,
      quantity: l.quantity,
      flavored: l.flavored,
      riskLevel: l.riskLevel,
      ageRequired: l.ageRequired,
      weightGrams: l.weightGrams,
    })),
  };
}

// ---------------------------------------------------------------------------
// Reading records back (admin pages).

export interface AuditRecord {
  seq: number;
  id: string;
  decisionId: string;
  createdAt: number;
  orderId: string;
  kind: string;
  drill: boolean;
  outcome: string;
  reasons: Array<{ code: string; message: string; sku?: string; ruleId?: string; source?: string; effect: string }>;
  requirements: Array<{ code: string; message: string; packages?: number }>;
  rulesetVersion: string;
  providerRefs: Record<string, unknown>;
  inputSummary: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

function toRecord(r: Row): AuditRecord {
  const parse = <T>(text: string, fallback: T): T => {
    try {
      return JSON.parse(text) as T;
    } catch {
      return fallback;
    }
  };
  return {
    seq: Number(r.seq),
    id: r.id,
    decisionId: r.decision_id,
    createdAt: Number(r.created_at),
    orderId: r.order_id,
    kind: r.kind,
    drill: Number(r.drill) === 1,
    outcome: r.outcome,
    reasons: parse(r.reasons, []),
    requirements: parse(r.requirements, []),
    rulesetVersion: r.ruleset_version,
    providerRefs: parse(r.provider_refs, {}),
    inputSummary: parse(r.input_summary, {}),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export interface ListAuditQuery {
  orderId?: string;
  outcome?: string;
  kind?: string;
  drill?: boolean;
  limit?: number;
  offset?: number;
}

/** Newest first. */
export async function listAudit(db: Kysely<Database>, query: ListAuditQuery = {}): Promise<{ items: AuditRecord[]; total: number }> {
  let base = db.selectFrom('compliance_audit');
  if (query.orderId) base = base.where('order_id', '=', query.orderId);
  if (query.outcome) base = base.where('outcome', '=', query.outcome);
  if (query.kind) base = base.where('kind', '=', query.kind);
  if (query.drill !== undefined) base = base.where('drill', '=', query.drill ? 1 : 0);
  const limit = Math.min(Math.max(1, query.limit ?? 50), 500);
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy('seq', 'desc').limit(limit).offset(Math.max(0, query.offset ?? 0)).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(toRecord), total: Number(count.n) };
}

export async function getAuditRecord(db: Kysely<Database>, id: string): Promise<AuditRecord | null> {
  const row = await db.selectFrom('compliance_audit').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toRecord(row) : null;
}
