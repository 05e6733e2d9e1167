/**
 * The catalog's tables. Every write that comes from Zoho is guarded in its
 * WHERE clause so an older read never overwrites a newer one, even when two
 * processes (webhook worker, poller) write the same item at once:
 * - mapped fields apply when Zoho's last_modified_time is newer, or equal and
 *   our read started later;
 * - stock applies when our read started later than the stored one (stock
 *   moves do not touch last_modified_time).
 */
import { CompiledQuery, sql, type Kysely } from 'kysely';
import type { Database } from '../store/database.js';
import type { ZohoItem } from '../zoho/types.js';
import { extractStock, listStockSig, mapItem, mapListFields, problemText, type FieldMap, type FieldProblem, type StockFigure } from './mapping.js';
import type { CatalogItemRow } from './tables.js';
import type { Rollout } from './rollout.js';

export interface MappingContext {
  fieldMap: FieldMap;
  locationId: string | undefined;
  stockFigure: StockFigure;
}

export interface ApplyResult {
  inserted: number;
  fieldsApplied: number;
  stockApplied: number;
  /** Applied changes a storefront can see (version bumped). */
  changed: string[];
  skippedOlder: number;
  /** Problems that were not recorded on that item before. */
  newProblems: FieldProblem[];
  /** Items whose image key changed (to fetch). */
  imagesToFetch: string[];
}

type Db = Kysely<Database>;

/** What a list page said about items also read in detail (full sync). */
export interface ListFacts {
  seenAt: number;
  sigs: Map<string, string>;
}

/** Rows per multi-row statement (well under SQLite's and PostgreSQL's bound-parameter limits). */
const BULK_ROWS = 200;

interface BulkRow {
  id: string;
  /** Absent for an item the catalog does not hold yet (the upsert inserts it). */
  cur: CatalogItemRow | undefined;
  imageKey: string | null;
  problems: FieldProblem[];
  oldProblems: string[];
  problemsText: string;
  values: Record<string, unknown>;
}

const VISIBLE_KEYS = [
  'sku', 'name', 'description', 'brand', 'category_name', 'category_slug', 'status', 'gone', 'msrp_cents',
  'club_discount_bps', 'age_required', 'restricted_states', 'compliance_category', 'flavored', 'risk_level',
  'dtc_enabled', 'weight_grams', 'tax_id', 'zoho_quantity', 'image_key', 'mapping_problems',
] as const;

function searchText(m: { name: string; sku: string | null; brand: string | null; categoryName: string | null; complianceCategory: string | null }): string {
  return [m.name, m.sku, m.brand, m.categoryName, m.complianceCategory].filter(Boolean).join(' ').toLowerCase();
}

export class CatalogRepository {
  /**
   * Bumped after every write this process makes to catalog rows a shopper can
   * see: in-process read caches (the product route) compare it to drop entries
   * at once instead of waiting for their TTL. Shared by transaction-scoped
   * copies through `parent`.
   */
  generation = 0;

  constructor(
    readonly db: Db,
    private readonly parent?: CatalogRepository,
  ) {}

  private bump(): void {
    this.generation++;
    if (this.parent) this.parent.generation++;
  }

  /**
   * Details (from /itemdetails or GET /items/:id) read starting at `readAt`.
   * `list`: the items were also listed (full sync) at `seenAt` with these
   * stock signatures; recorded in the same write, so a listed-and-detailed row
   * is written once.
   */
  async applyDetails(items: ZohoItem[], readAt: number, ctx: MappingContext, now: number, list?: ListFacts): Promise<ApplyResult> {
    if (items.length === 0 || this.db.isTransaction) {
      try {
        return await this.applyDetailsIn(items, readAt, ctx, now, list);
      } finally {
        if (items.length > 0) this.bump();
      }
    }
    // One transaction per batch: one commit instead of one per item (most of the CPU of a big sync).
    try {
      return await this.db.transaction().execute((trx) => new CatalogRepository(trx, this).applyDetailsIn(items, readAt, ctx, now, list));
    } finally {
      this.bump();
    }
  }

  private async applyDetailsIn(items: ZohoItem[], readAt: number, ctx: MappingContext, now: number, list?: ListFacts): Promise<ApplyResult> {
    const result: ApplyResult = { inserted: 0, fieldsApplied: 0, stockApplied: 0, changed: [], skippedOlder: 0, newProblems: [], imagesToFetch: [] };
    if (items.length === 0) return result;
    const ids = items.map((i) => String(i.item_id));
    const existing = new Map<string, CatalogItemRow>();
    for (const row of await this.db.selectFrom('catalog_items').selectAll().where('item_id', 'in', ids).execute()) existing.set(row.item_id, row);

    const seen = new Set<string>();
    const bulk: BulkRow[] = [];
    for (const item of items) {
      const id = String(item.item_id);
      if (seen.has(id)) continue;
      seen.add(id);
      const m = mapItem(item, ctx.fieldMap);
      const stock = extractStock(item, ctx.locationId, ctx.stockFigure);
      const stockProblems = stock.problem ? [stock.problem] : [];
      const fieldValues = {
        sku: m.sku,
        name: m.name,
        description: m.description,
        brand: m.brand,
        category_id: m.categoryId,
        category_name: m.categoryName,
        category_slug: m.categorySlug,
        status: m.status,
        gone: 0,
        rate_cents: m.rateCents,
        msrp_cents: m.msrpCents,
        club_discount_bps: m.clubDiscountBps,
        age_required: m.ageRequired ? 1 : 0,
        restricted_states: JSON.stringify(m.restrictedStates),
        compliance_category: m.complianceCategory,
        flavored: m.flavored ? 1 : 0,
        risk_level: m.riskLevel,
        dtc_enabled: m.dtcEnabled ? 1 : 0,
        weight_grams: m.weightGrams,
        tax_id: m.taxId,
        zoho_last_modified: m.lastModified,
        zoho_last_modified_ms: m.lastModifiedMs,
        image_key: m.imageKey,
        search_text: searchText(m),
        fields_seen_at: readAt,
      };
      const stockValues = { zoho_quantity: stock.quantity, zoho_quantity_raw: stock.raw, stock_seen_at: readAt };
      const cur = existing.get(id);
      if (!cur) {
        // New to the catalog: inserted by the multi-row upsert below (a concurrent insert meets its guard).
        const problems = [...m.problems, ...stockProblems];
        const problemsText = JSON.stringify(problems.map(problemText));
        const values: Record<string, unknown> = { item_id: id, ...fieldValues, ...stockValues, mapping_problems: problemsText };
        if (list) {
          values.list_seen_at = list.seenAt;
          values.list_stock_sig = list.sigs.get(id) ?? null;
        }
        bulk.push({ id, cur: undefined, imageKey: m.imageKey, problems, oldProblems: [], problemsText, values });
        continue;
      }
      const inLm = m.lastModifiedMs;
      const curLm = cur.zoho_last_modified_ms;
      const fieldsNewer =
        curLm === null || (inLm !== null && (inLm > curLm || (inLm === curLm && readAt >= cur.fields_seen_at)));
      const stockNewer = readAt >= cur.stock_seen_at;
      if (!fieldsNewer && !stockNewer) {
        result.skippedOlder++;
        continue;
      }
      const oldProblems: string[] = JSON.parse(cur.mapping_problems) as string[];
      const keptFieldProblems = fieldsNewer ? m.problems.map(problemText) : oldProblems.filter((p) => !p.startsWith('stock:'));
      const keptStockProblems = stockNewer ? stockProblems.map(problemText) : oldProblems.filter((p) => p.startsWith('stock:'));
      const problemsText = JSON.stringify([...keptFieldProblems, ...keptStockProblems]);
      const next: Partial<CatalogItemRow> = {};
      if (fieldsNewer) Object.assign(next, fieldValues);
      else result.skippedOlder++;
      if (stockNewer) Object.assign(next, stockValues);
      next.mapping_problems = problemsText;
      const visibleChange = VISIBLE_KEYS.some((k) => k in next && (next as Record<string, unknown>)[k] !== (cur as unknown as Record<string, unknown>)[k]);
      if (fieldsNewer && stockNewer && visibleChange) {
        // The common case of a sync (a full re-read): written below in multi-row statements.
        const values: Record<string, unknown> = { item_id: id, ...fieldValues, ...stockValues, mapping_problems: problemsText };
        if (list) {
          values.list_seen_at = list.seenAt;
          values.list_stock_sig = list.sigs.get(id) ?? null;
        }
        bulk.push({ id, cur, imageKey: m.imageKey, problems: [...m.problems, ...stockProblems], oldProblems, problemsText, values });
        continue;
      }
      let q = this.db.updateTable('catalog_items').where('item_id', '=', id);
      // The guards repeat the decision in SQL so a concurrent newer write wins.
      if (fieldsNewer) {
        q = q.where((eb) =>
          eb.or([
            eb('zoho_last_modified_ms', 'is', null),
            eb('zoho_last_modified_ms', '<', inLm ?? -1),
            eb.and([eb('zoho_last_modified_ms', '=', inLm ?? -1), eb('fields_seen_at', '<=', readAt)]),
          ]),
        );
      }
      if (stockNewer) q = q.where('stock_seen_at', '<=', readAt);
      if (!visibleChange) {
        // Nothing a shopper sees moved: only the "seen" times advance.
        const seenOnly: Partial<CatalogItemRow> = {};
        if (fieldsNewer) seenOnly.fields_seen_at = readAt;
        if (stockNewer) Object.assign(seenOnly, stockValues);
        if (fieldsNewer) {
          seenOnly.zoho_last_modified = m.lastModified;
          seenOnly.zoho_last_modified_ms = m.lastModifiedMs;
        }
        await q.set(seenOnly).execute();
        if (fieldsNewer) result.fieldsApplied++;
        if (stockNewer) result.stockApplied++;
        continue;
      }
      const res = await q.set({ ...next, updated_at: now, version: sql<number>`version + 1` }).executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) {
        result.skippedOlder++;
        continue;
      }
      if (fieldsNewer) result.fieldsApplied++;
      if (stockNewer) result.stockApplied++;
      result.changed.push(id);
      if (fieldsNewer && m.imageKey && m.imageKey !== cur.image_fetched_key) result.imagesToFetch.push(id);
      if (problemsText !== cur.mapping_problems) {
        await this.replaceProblems(id, [...(fieldsNewer ? m.problems : []), ...(stockNewer ? stockProblems : [])], { fields: fieldsNewer, stock: stockNewer, old: oldProblems }, now, result);
      }
    }
    const listed = new Set<string>();
    if (bulk.length > 0) await this.writeBulk(bulk, now, result, list ? listed : undefined);
    if (list) {
      // Rows written without their list facts (unchanged, older, or guarded away) still were listed.
      const rest = [...seen].filter((id) => !listed.has(id));
      if (rest.length > 0) await this.markListed(rest, list);
    }
    return result;
  }

  /** Records that items were listed at `seenAt` (never moving list_seen_at back) with these stock signatures. */
  private async markListed(ids: string[], list: ListFacts): Promise<void> {
    for (let i = 0; i < ids.length; i += 500) {
      await this.db.updateTable('catalog_items').set({ list_seen_at: list.seenAt }).where('item_id', 'in', ids.slice(i, i + 500)).where('list_seen_at', '<', list.seenAt).execute();
    }
    const sigs = new Map<string, string>();
    for (const id of ids) {
      const sig = list.sigs.get(id);
      if (sig !== undefined) sigs.set(id, sig);
    }
    if (sigs.size > 0) await this.setListSigs(sigs);
  }

  /**
   * One upsert per BULK_ROWS items: the per-item guard (newer last_modified_time or
   * same time read later; stock read later) is repeated in the conflict WHERE,
   * so a concurrent newer write still wins, and RETURNING says which rows took it.
   * ON CONFLICT … DO UPDATE … WHERE and RETURNING work on SQLite (≥ 3.35) and PostgreSQL.
   */
  private async writeBulk(bulk: BulkRow[], now: number, result: ApplyResult, listed?: Set<string>): Promise<void> {
    const cols = Object.keys(bulk[0]!.values);
    // Built as text (not through the query builder): compiling ~1,800 value nodes per batch was a third of a full sync's CPU.
    const setList = [...cols.filter((c) => c !== 'item_id'), 'updated_at']
      .map((c) =>
        c === 'list_seen_at'
          ? 'list_seen_at = case when catalog_items.list_seen_at > excluded.list_seen_at then catalog_items.list_seen_at else excluded.list_seen_at end'
          : `${c} = excluded.${c}`,
      )
      .join(', ');
    const tail =
      ` on conflict (item_id) do update set ${setList}, version = catalog_items.version + 1` +
      ' where (catalog_items.zoho_last_modified_ms is null or catalog_items.zoho_last_modified_ms < excluded.zoho_last_modified_ms' +
      ' or (catalog_items.zoho_last_modified_ms = excluded.zoho_last_modified_ms and catalog_items.fields_seen_at <= excluded.fields_seen_at))' +
      ' and catalog_items.stock_seen_at <= excluded.stock_seen_at returning item_id';
    for (let i = 0; i < bulk.length; i += BULK_ROWS) {
      const chunk = bulk.slice(i, i + BULK_ROWS);
      const returned = await this.rawInsert(
        chunk.map((b) => ({ list_seen_at: 0, image_fetched_key: null, image_file: null, image_content_type: null, version: 1, created_at: now, updated_at: now, ...b.values })),
        tail,
      );
      const applied = new Set(returned.map((r) => String(r.item_id)));
      for (const b of chunk) {
        if (!applied.has(b.id)) {
          result.skippedOlder++;
          continue;
        }
        listed?.add(b.id);
        if (!b.cur) result.inserted++;
        result.fieldsApplied++;
        result.stockApplied++;
        result.changed.push(b.id);
        if (b.imageKey && b.imageKey !== b.cur?.image_fetched_key) result.imagesToFetch.push(b.id);
        if (!b.cur) {
          if (b.problems.length > 0) await this.replaceProblems(b.id, b.problems, null, now, result);
        } else if (b.problemsText !== b.cur.mapping_problems) await this.replaceProblems(b.id, b.problems, { fields: true, stock: true, old: b.oldProblems }, now, result);
      }
    }
  }

  /** Multi-row insert built as text, BULK_ROWS rows per statement (same columns in every row). */
  private async rawInsert(rows: Array<Record<string, unknown>>, tail: string): Promise<Array<Record<string, unknown>>> {
    if (rows.length === 0) return [];
    const ph = await this.placeholderStyle();
    const cols = Object.keys(rows[0]!);
    const out: Array<Record<string, unknown>> = [];
    for (let i = 0; i < rows.length; i += BULK_ROWS) {
      const params: unknown[] = [];
      const tuples: string[] = [];
      for (const r of rows.slice(i, i + BULK_ROWS)) {
        const marks: string[] = [];
        for (const c of cols) {
          params.push(r[c] ?? null);
          marks.push(ph === '?' ? '?' : `$${params.length}`);
        }
        tuples.push(`(${marks.join(', ')})`);
      }
      const res = await this.db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(`insert into catalog_items (${cols.join(', ')}) values ${tuples.join(', ')}${tail}`, params));
      out.push(...res.rows);
    }
    return out;
  }

  private static placeholders = new WeakMap<object, '?' | '$'>();

  /** `?` (SQLite) or `$n` (PostgreSQL), read once from how the builder compiles a query. */
  private async placeholderStyle(): Promise<'?' | '$'> {
    const key = this.parent?.db ?? this.db;
    let ph = CatalogRepository.placeholders.get(key);
    if (!ph) {
      ph = this.db.selectFrom('catalog_items').select('item_id').where('item_id', '=', 'x').compile().sql.includes('$1') ? '$' : '?';
      CatalogRepository.placeholders.set(key, ph);
    }
    return ph;
  }

  private async replaceProblems(
    itemId: string,
    problems: FieldProblem[],
    scope: { fields: boolean; stock: boolean; old: string[] } | null,
    now: number,
    result: ApplyResult,
  ): Promise<void> {
    const old = new Set(scope?.old ?? []);
    if (scope) {
      let del = this.db.deleteFrom('catalog_mapping_problems').where('item_id', '=', itemId);
      if (scope.fields && !scope.stock) del = del.where('field', '!=', 'stock');
      if (scope.stock && !scope.fields) del = del.where('field', '=', 'stock');
      await del.execute();
    }
    const byField = new Map<string, FieldProblem>();
    for (const p of problems) if (!byField.has(p.field)) byField.set(p.field, p);
    if (byField.size === 0) return;
    await this.db
      .insertInto('catalog_mapping_problems')
      .values([...byField.values()].map((p) => ({ item_id: itemId, field: p.field, problem: p.problem, detail: p.detail ?? null, first_seen_at: now, last_seen_at: now })))
      .onConflict((oc) => oc.columns(['item_id', 'field']).doUpdateSet((eb) => ({ problem: eb.ref('excluded.problem'), detail: eb.ref('excluded.detail'), last_seen_at: now })))
      .execute();
    for (const p of problems) if (!old.has(problemText(p))) result.newProblems.push(p);
  }

  /**
   * List rows: records that each item still exists (list_seen_at), inserts
   * new items as not-yet-detailed (hidden until a detail read), and takes an
   * `inactive` status at once (leaving the storefront is the safe direction).
   * Returns the ids whose Zoho last_modified_time is newer than what we hold.
   */
  async applyListRows(
    rows: ZohoItem[],
    seenAt: number,
    now: number,
    opts: { sigs?: 'store' | 'compare' } = {},
  ): Promise<{ needDetail: string[]; inserted: number; stockMoved: string[]; sigs: Map<string, string> }> {
    const sigs = new Map<string, string>();
    if (rows.length === 0) return { needDetail: [], inserted: 0, stockMoved: [], sigs };
    const ids = rows.map((r) => String(r.item_id));
    const existing = new Map<string, { lm: number | null; fieldsSeen: number; status: string; gone: number; sig: string | null }>();
    for (const r of await this.db
      .selectFrom('catalog_items')
      .select(['item_id', 'zoho_last_modified_ms', 'fields_seen_at', 'status', 'gone', 'list_stock_sig'])
      .where('item_id', 'in', ids)
      .execute()) {
      existing.set(r.item_id, { lm: r.zoho_last_modified_ms === null ? null : Number(r.zoho_last_modified_ms), fieldsSeen: Number(r.fields_seen_at), status: r.status, gone: r.gone, sig: r.list_stock_sig });
    }
    for (const row of rows) sigs.set(String(row.item_id), listStockSig(row));
    const stockMoved: string[] = [];
    const sigUpdates = new Map<string, string>();
    for (const [id, sig] of sigs) {
      const cur = existing.get(id);
      if (!cur || cur.sig === sig) continue;
      if (opts.sigs === 'compare') stockMoved.push(id);
      else if (opts.sigs === 'store') sigUpdates.set(id, sig);
    }
    if (sigUpdates.size > 0) await this.setListSigs(sigUpdates);
    const needDetail: string[] = [];
    const fresh: ZohoItem[] = [];
    const deactivate: string[] = [];
    for (const row of rows) {
      const id = String(row.item_id);
      const cur = existing.get(id);
      const l = mapListFields(row);
      if (!cur) {
        fresh.push(row);
        needDetail.push(id);
        continue;
      }
      if (cur.fieldsSeen === 0 || cur.lm === null || (l.lastModifiedMs !== null && l.lastModifiedMs > cur.lm)) needDetail.push(id);
      if (l.status === 'inactive' && cur.status !== 'inactive' && l.lastModifiedMs !== null && (cur.lm === null || l.lastModifiedMs >= cur.lm)) deactivate.push(id);
    }
    if (fresh.length > 0) {
      await this.rawInsert(
          fresh.map((row) => {
            const l = mapListFields(row);
            return {
              item_id: l.itemId, sku: l.sku, name: l.name, description: l.zohoDescription, brand: l.brand, category_id: l.categoryId,
              category_name: l.categoryName, category_slug: l.categorySlug, status: l.status, gone: 0, rate_cents: l.rateCents,
              msrp_cents: l.rateCents ?? 0, club_discount_bps: 0, age_required: 1, restricted_states: '[]', compliance_category: null,
              flavored: 0, risk_level: 'high', dtc_enabled: 0, weight_grams: l.weightGrams, tax_id: l.taxId, zoho_quantity: 0,
              zoho_quantity_raw: null, stock_seen_at: 0, fields_seen_at: 0, list_seen_at: seenAt,
              // Not the list's time: a later detail with the same time must still apply.
              zoho_last_modified: null, zoho_last_modified_ms: null, image_key: l.imageKey, image_fetched_key: null, image_file: null,
              image_content_type: null, mapping_problems: '[]', search_text: searchText({ ...l, complianceCategory: null }), version: 1,
              // New items are read in detail anyway (fields_seen_at = 0); that read covers this signature.
              list_stock_sig: sigs.get(l.itemId) ?? null,
              created_at: now, updated_at: now,
            };
          }),
        ' on conflict (item_id) do nothing',
      );
    }
    const known = ids.filter((id) => existing.has(id));
    for (let i = 0; i < known.length; i += 500) {
      const chunk = known.slice(i, i + 500);
      await this.db.updateTable('catalog_items').set({ list_seen_at: seenAt }).where('item_id', 'in', chunk).where('list_seen_at', '<', seenAt).execute();
      const revived = chunk.filter((id) => existing.get(id)!.gone === 1);
      if (revived.length > 0) {
        await this.db.updateTable('catalog_items').set({ gone: 0, updated_at: now, version: sql<number>`version + 1` }).where('item_id', 'in', revived).execute();
      }
    }
    if (deactivate.length > 0) {
      await this.db.updateTable('catalog_items').set({ status: 'inactive', updated_at: now, version: sql<number>`version + 1` }).where('item_id', 'in', deactivate).execute();
    }
    this.bump();
    return { needDetail, inserted: fresh.length, stockMoved, sigs };
  }

  /** Records list signatures (after the detail reads they triggered succeeded), one statement per 200 items. */
  async setListSigs(sigs: Map<string, string>): Promise<void> {
    const entries = [...sigs];
    for (let i = 0; i < entries.length; i += 200) {
      const chunk = entries.slice(i, i + 200);
      const cases = sql.join(chunk.map(([id, sig]) => sql`when ${id} then ${sig}`), sql` `);
      await this.db
        .updateTable('catalog_items')
        .set({ list_stock_sig: sql<string>`case item_id ${cases} end` })
        .where('item_id', 'in', chunk.map(([id]) => id))
        .execute();
    }
  }

  /** Items not seen by a complete list walk that started at `cutoff` are gone from Zoho. */
  async markUnlistedGoneBefore(cutoff: number, now: number): Promise<string[]> {
    // Items created after the walk began (by a webhook) could not have been listed by it.
    const rows = await this.db
      .selectFrom('catalog_items')
      .select('item_id')
      .where('gone', '=', 0)
      .where('list_seen_at', '<', cutoff)
      .where('created_at', '<', cutoff)
      .execute();
    const ids = rows.map((r) => r.item_id);
    await this.markGone(ids, now);
    return ids;
  }

  async markGone(ids: string[], now: number): Promise<void> {
    for (let i = 0; i < ids.length; i += 500) {
      await this.db
        .updateTable('catalog_items')
        .set({ gone: 1, updated_at: now, version: sql<number>`version + 1` })
        .where('item_id', 'in', ids.slice(i, i + 500))
        .where('gone', '=', 0)
        .execute();
    }
    if (ids.length > 0) this.bump();
  }

  async knownItemIds(afterId: string | null, limit: number): Promise<string[]> {
    let q = this.db.selectFrom('catalog_items').select('item_id').where('gone', '=', 0);
    if (afterId !== null) q = q.where('item_id', '>', afterId);
    return (await q.orderBy('item_id').limit(limit).execute()).map((r) => r.item_id);
  }

  async countItems(): Promise<{ total: number; gone: number; inactive: number; detailed: number }> {
    const r = await this.db
      .selectFrom('catalog_items')
      .select((eb) => [
        eb.fn.countAll<number>().as('total'),
        eb.fn.sum<number>(sql`case when gone = 1 then 1 else 0 end`).as('gone'),
        eb.fn.sum<number>(sql`case when status = 'inactive' and gone = 0 then 1 else 0 end`).as('inactive'),
        eb.fn.sum<number>(sql`case when fields_seen_at > 0 and gone = 0 then 1 else 0 end`).as('detailed'),
      ])
      .executeTakeFirstOrThrow();
    return { total: Number(r.total ?? 0), gone: Number(r.gone ?? 0), inactive: Number(r.inactive ?? 0), detailed: Number(r.detailed ?? 0) };
  }

  // ---- storefront reads ----

  async findBySkus(skus: string[]): Promise<CatalogItemRow[]> {
    if (skus.length === 0) return [];
    return this.db.selectFrom('catalog_items').selectAll().where('sku', 'in', skus).orderBy('gone').orderBy('item_id').execute();
  }

  async findBySku(sku: string): Promise<CatalogItemRow | undefined> {
    // Zoho does not force SKUs to be unique: a live (not gone, active) row wins.
    return this.db
      .selectFrom('catalog_items')
      .selectAll()
      .where('sku', '=', sku)
      .orderBy('gone')
      .orderBy('status')
      .orderBy('item_id')
      .limit(1)
      .executeTakeFirst();
  }

  async listLive(opts: { rollout: Rollout; page: number; pageSize: number; category?: string; q?: string }): Promise<{ rows: CatalogItemRow[]; total: number }> {
    let base = this.db
      .selectFrom('catalog_items')
      .where('status', '=', 'active')
      .where('gone', '=', 0)
      .where('sku', 'is not', null)
      .where('fields_seen_at', '>', 0);
    const r = opts.rollout;
    if (r.kind === 'field') base = base.where('dtc_enabled', '=', 1);
    if (r.kind === 'skus') base = base.where('sku', 'in', r.skus);
    if (r.kind === 'categories') base = base.where('compliance_category', 'in', r.categories);
    if (opts.category) {
      const c = opts.category;
      base = base.where((eb) => eb.or([eb('compliance_category', '=', c), eb('category_slug', '=', c)]));
    }
    if (opts.q) {
      for (const word of opts.q.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 5)) {
        const escaped = word.replace(/[\\%_]/g, (ch) => `\\${ch}`);
        base = base.where(sql<boolean>`search_text like ${`%${escaped}%`} escape '\\'`);
      }
    }
    const [rows, count] = await Promise.all([
      base
        .selectAll()
        .orderBy('name')
        .orderBy('item_id')
        .limit(opts.pageSize)
        .offset((opts.page - 1) * opts.pageSize)
        .execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(count.n) };
  }

  // ---- images ----

  async itemsNeedingImages(limit: number): Promise<Array<{ item_id: string; image_key: string }>> {
    const rows = await this.db
      .selectFrom('catalog_items')
      .select(['item_id', 'image_key'])
      .where('gone', '=', 0)
      .where('status', '=', 'active')
      .where('image_key', 'is not', null)
      .where((eb) => eb.or([eb('image_fetched_key', 'is', null), eb('image_fetched_key', '!=', eb.ref('image_key'))]))
      .orderBy('item_id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ item_id: r.item_id, image_key: r.image_key! }));
  }

  async setImage(itemId: string, key: string, file: string | null, contentType: string | null, now: number): Promise<void> {
    await this.db
      .updateTable('catalog_items')
      .set({ image_fetched_key: key, image_file: file, image_content_type: contentType, updated_at: now, version: sql<number>`version + 1` })
      .where('item_id', '=', itemId)
      .execute();
    this.bump();
  }

  // ---- state, checkpoints, counters ----

  async getState<T>(key: string): Promise<{ value: T | null; num: number; updatedAt: number } | null> {
    const row = await this.db.selectFrom('catalog_state').selectAll().where('key', '=', key).executeTakeFirst();
    if (!row) return null;
    return { value: JSON.parse(row.value) as T | null, num: Number(row.num), updatedAt: Number(row.updated_at) };
  }

  async setState(key: string, value: unknown, now: number): Promise<void> {
    const text = JSON.stringify(value ?? null);
    await this.db
      .insertInto('catalog_state')
      .values({ key, value: text, num: 0, updated_at: now })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: text, updated_at: now }))
      .execute();
  }

  async deleteState(key: string): Promise<void> {
    await this.db.deleteFrom('catalog_state').where('key', '=', key).execute();
  }

  async increment(key: string, now: number, by = 1): Promise<void> {
    await this.db
      .insertInto('catalog_state')
      .values({ key, value: 'null', num: by, updated_at: now })
      .onConflict((oc) => oc.column('key').doUpdateSet({ num: sql<number>`catalog_state.num + ${by}`, updated_at: now }))
      .execute();
  }
}
