import { afterEach, expect, it } from 'vitest';
import { sql } from 'kysely';
import { describeEachDatabase, openTestStore } from '../support/databases.js';
import type { Store } from '../../src/store/db.js';
import { appendAudit, exportAudit, verifyAuditChain, type AuditEntry } from '../../src/compliance/audit.js';

const entry = (i: number, over: Partial<AuditEntry> = {}): AuditEntry => ({
  decisionId: `d-${i}`,
  orderId: `VIP-${i}`,
  kind: 'checkout',
  drill: false,
  outcome: i % 3 === 0 ? 'deny' : 'allow',
  reasons: i % 3 === 0 ? [{ code: 'under_age', message: 'x', effect: 'deny' }] : [],
  requirements: [],
  rulesetVersion: 'v1',
  providerRefs: { age: { provider: 'fake', reference: `ref-${i}`, status: 'accepted' }, address: { provider: 'fake', status: 'valid' } },
  inputSummary: { orderId: `VIP-${i}` },
  createdAt: Date.UTC(2026, 10, 1) + i * 3600_000,
  ...over,
});

describeEachDatabase('compliance audit chain', (kind) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  const fill = async (n: number) => {
    for (let i = 1; i <= n; i++) await appendAudit(store!.db, entry(i));
  };

  it('appends a valid chain and names an edited row', async () => {
    store = await openTestStore(kind);
    await fill(5);
    expect(await verifyAuditChain(store.db)).toMatchObject({ ok: true, rows: 5, lastSeq: 5 });
    const target = await store.db.selectFrom('compliance_audit').select('id').where('seq', '=', 3).executeTakeFirstOrThrow();
    await store.db.updateTable('compliance_audit').set({ outcome: 'allow', reasons: '[]' }).where('seq', '=', 3).execute();
    const report = await verifyAuditChain(store.db);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ seq: 3, id: target.id, orderId: 'VIP-3', problem: 'hash_mismatch' })]);
  });

  it('an edit that also recomputes the row hash is caught by the next row', async () => {
    store = await openTestStore(kind);
    await fill(4);
    await store.db.updateTable('compliance_audit').set({ hash: 'f'.repeat(64) }).where('seq', '=', 2).execute();
    const report = await verifyAuditChain(store.db);
    expect(report.problems.map((p) => [p.seq, p.problem])).toEqual([
      [2, 'hash_mismatch'],
      [3, 'prev_hash_mismatch'],
    ]);
  });

  it('names a deleted row (gap) and a deleted tail', async () => {
    store = await openTestStore(kind);
    await fill(5);
    await store.db.deleteFrom('compliance_audit').where('seq', '=', 2).execute();
    const gap = await verifyAuditChain(store.db);
    expect(gap.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ seq: 3, problem: 'sequence_gap' }),
        expect.objectContaining({ seq: 3, problem: 'prev_hash_mismatch' }),
      ]),
    );
    await store.db.deleteFrom('compliance_audit').where('seq', '=', 5).execute();
    const tail = await verifyAuditChain(store.db);
    expect(tail.problems).toContainEqual(expect.objectContaining({ problem: 'tail_mismatch' }));
  });

  it('names reordered rows', async () => {
    store = await openTestStore(kind);
    await fill(4);
    // Swap rows 2 and 3 (keep each row's content and hash, exchange their places).
    await store.db.updateTable('compliance_audit').set({ seq: 1000 }).where('seq', '=', 2).execute();
    await store.db.updateTable('compliance_audit').set({ seq: 2 }).where('seq', '=', 3).execute();
    await store.db.updateTable('compliance_audit').set({ seq: 3 }).where('seq', '=', 1000).execute();
    const report = await verifyAuditChain(store.db);
    expect(report.ok).toBe(false);
    const named = new Set(report.problems.map((p) => p.seq));
    expect(named.has(2) && named.has(3)).toBe(true);
  });

  it('concurrent appends build a single chain', async () => {
    store = await openTestStore(kind);
    await Promise.all(Array.from({ length: 25 }, (_, i) => appendAudit(store!.db, entry(i + 1))));
    const report = await verifyAuditChain(store.db);
    expect(report).toMatchObject({ ok: true, rows: 25, lastSeq: 25 });
  });

  it('appends inside the caller transaction, and rolls back with it', async () => {
    store = await openTestStore(kind);
    await fill(1);
    await expect(
      store.db.transaction().execute(async (trx) => {
        await appendAudit(trx, entry(2));
        throw new Error('checkout failed');
      }),
    ).rejects.toThrow('checkout failed');
    expect(await verifyAuditChain(store.db)).toMatchObject({ ok: true, rows: 1 });
    await store.db.transaction().execute(async (trx) => {
      await appendAudit(trx, entry(3));
    });
    expect(await verifyAuditChain(store.db)).toMatchObject({ ok: true, rows: 2 });
  });

  it('exports a date range as CSV and JSONL', async () => {
    store = await openTestStore(kind);
    await fill(6);
    await appendAudit(store.db, entry(7, { kind: 'drill', drill: true, orderId: '=cmd()' }));
    const csv = await exportAudit(store.db, { format: 'csv', from: Date.UTC(2026, 10, 1) + 2 * 3600_000, to: Date.UTC(2026, 10, 1) + 5 * 3600_000 });
    const lines = csv.trim().split('\n');
    expect(lines[0]).toMatch(/^seq,id,created_at,order_id,kind,drill,outcome,reason_codes/);
    expect(lines.slice(1).map((l) => l.split(',')[3])).toEqual(['VIP-2', 'VIP-3', 'VIP-4']);
    expect(lines[2]).toContain('under_age');
    const jsonl = await exportAudit(store.db, { format: 'jsonl', from: '2026-11-01', to: '2026-11-01' });
    const rows = jsonl.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(7);
    expect(rows[6]).toMatchObject({ kind: 'drill', drill: true, seq: 7 });
    expect(await exportAudit(store.db, { format: 'csv' })).toContain("'=cmd()");
    expect((await exportAudit(store.db, { format: 'jsonl', includeDrills: false })).trim().split('\n')).toHaveLength(6);
  });

  it('the head row exists exactly once after migration', async () => {
    store = await openTestStore(kind);
    const rows = await sql<{ n: number }>`select count(*) as n from compliance_audit_head`.execute(store.db);
    expect(Number(rows.rows[0]!.n)).toBe(1);
  });
});

import { getAuditRecord, listAudit } from '../../src/compliance/audit.js';
describeEachDatabase('compliance audit listing', (kind) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  it('lists newest first with filters and reads one record', async () => {
    store = await openTestStore(kind);
    for (let i = 1; i <= 6; i++) await appendAudit(store.db, entry(i, i === 6 ? { kind: 'drill', drill: true } : {}));
    const all = await listAudit(store.db, { limit: 4 });
    expect(all.total).toBe(6);
    expect(all.items.map((r) => r.seq)).toEqual([6, 5, 4, 3]);
    const denied = await listAudit(store.db, { outcome: 'deny', drill: false });
    expect(denied.items.map((r) => r.orderId)).toEqual(['VIP-3']);
    expect(denied.items[0]!.reasons[0]!.code).toBe('under_age');
    const one = await getAuditRecord(store.db, all.items[0]!.id);
    expect(one).toMatchObject({ seq: 6, drill: true, kind: 'drill' });
    expect(await getAuditRecord(store.db, 'nope')).toBeNull();
  });
});
