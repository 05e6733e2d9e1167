/**
 * Stock reservations: a per-SKU counter row updated by a conditional UPDATE
 * (`reserved + q <= zoho quantity`), so no interleaving of checkouts, on one
 * SQLite file or many processes on one PostgreSQL, can promise more than Zoho
 * has. The counter carries open reservations plus quantities pushed to Zoho
 * that the catalog has not read back yet; those are settled (subtracted) once
 * the catalog's stockSeenAt passes their pushed_at.
 *
 * Lock order everywhere: SKUs sorted, and for each SKU the reservation rows
 * before the counter row; this keeps PostgreSQL free of deadlocks.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../store/database.js';
import type { OutstandingQuantityQuery, ReservationsReader } from './types.js';

type Db = Kysely<Database>;

export interface ReserveLine {
  sku: string;
  quantity: number;
  /** Zoho's sellable figure as the catalog last read it. */
  zohoQuantity: number;
  stockSeenAt: number;
}

export class InsufficientStockError extends Error {
  constructor(readonly lines: Array<{ sku: string; requested: number; available: number }>) {
    super(`insufficient stock for ${lines.map((l) => l.sku).join(', ')}`);
  }
}

/** Runs a transaction, retrying PostgreSQL deadlock / serialization failures. */
export async function runTx<T>(db: Db, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(fn);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (attempt < 5 && (code === '40P01' || code === '40001' || code?.startsWith('SQLITE_BUSY'))) {
        await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 10));
        continue;
      }
      throw err;
    }
  }
}

async function settleSeen(trx: Db, sku: string, stockSeenAt: number, now: number): Promise<void> {
  const settled = await trx
    .updateTable('order_reservations')
    .set({ settled: 1, updated_at: now })
    .where('sku', '=', sku)
    .where('state', '=', 'consumed')
    .where('settled', '=', 0)
    .where('pushed_at', '<=', stockSeenAt)
    .returning('quantity')
    .execute();
  const total = settled.reduce((s, r) => s + Number(r.quantity), 0);
  if (total > 0) {
    await trx
      .updateTable('order_sku_counters')
      .set({ reserved: sql<number>`reserved - ${total}` })
      .where('sku', '=', sku)
      .execute();
  }
}

/** Reserves every line or none. Throws InsufficientStockError naming the short lines. */
export async function reserve(db: Db, orderId: string, lines: ReserveLine[], expiresAt: number | null, now: number): Promise<void> {
  await runTx(db, (trx) => reserveIn(trx, orderId, lines, expiresAt, now));
}

/**
 * reserve() inside the caller's transaction (an operator approval re-reserves
 * in the same transaction as the state change). Throwing InsufficientStockError
 * leaves the rollback to the caller.
 */
export async function reserveIn(trx: Db, orderId: string, lines: ReserveLine[], expiresAt: number | null, now: number): Promise<void> {
  const sorted = [...lines].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  {
    const short: Array<{ sku: string; requested: number; available: number }> = [];
    for (const line of sorted) {
      await trx
        .insertInto('order_sku_counters')
        .values({ sku: line.sku, reserved: 0 })
        .onConflict((oc) => oc.column('sku').doNothing())
        .execute();
      await settleSeen(trx, line.sku, line.stockSeenAt, now);
      const res = await trx
        .updateTable('order_sku_counters')
        .set({ reserved: sql<number>`reserved + ${line.quantity}` })
        .where('sku', '=', line.sku)
        .where(sql<boolean>`reserved + ${line.quantity} <= ${Math.max(0, Math.floor(line.zohoQuantity))}`)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) {
        const row = await trx.selectFrom('order_sku_counters').select('reserved').where('sku', '=', line.sku).executeTakeFirst();
        short.push({ sku: line.sku, requested: line.quantity, available: Math.max(0, line.zohoQuantity - Number(row?.reserved ?? 0)) });
        continue;
      }
      await trx
        .insertInto('order_reservations')
        .values({
          order_id: orderId,
          sku: line.sku,
          quantity: line.quantity,
          state: 'open',
          expires_at: expiresAt,
          pushed_at: null,
          settled: 0,
          created_at: now,
          updated_at: now,
        })
        .execute();
    }
    // Throwing rolls back every line reserved above.
    if (short.length > 0) throw new InsufficientStockError(short);
  }
}

/**
 * Releases an order's reservations; safe to run twice. The counter gives back
 * what it still carries: open rows always, consumed rows only while unsettled.
 */
export async function releaseReservations(trx: Db, orderId: string, now: number): Promise<number> {
  const rows = await trx
    .selectFrom('order_reservations')
    .select(['sku', 'state', 'settled', 'quantity'])
    .where('order_id', '=', orderId)
    .where('state', 'in', ['open', 'consumed'])
    .orderBy('sku')
    .execute();
  let released = 0;
  for (const row of rows) {
    const changed = await trx
      .updateTable('order_reservations')
      .set({ state: 'released', settled: 1, expires_at: null, updated_at: now })
      .where('order_id', '=', orderId)
      .where('sku', '=', row.sku)
      .where('state', '=', row.state)
      .where('settled', '=', row.settled)
      .executeTakeFirst();
    if (Number(changed.numUpdatedRows) !== 1) continue;
    released++;
    if (row.state === 'open' || Number(row.settled) === 0) {
      await trx
        .updateTable('order_sku_counters')
        .set({ reserved: sql<number>`reserved - ${Number(row.quantity)}` })
        .where('sku', '=', row.sku)
        .execute();
    }
  }
  return released;
}

/** Releases and deletes an order's reservations: for checkouts that never got a decision (the id may come again). */
export async function forgetReservations(trx: Db, orderId: string, now: number): Promise<void> {
  await releaseReservations(trx, orderId, now);
  await trx.deleteFrom('order_reservations').where('order_id', '=', orderId).execute();
}

/** The order's stock effect reached Zoho: the quantity stays counted until the catalog reads Zoho again. */
export async function consume(trx: Db, orderId: string, now: number): Promise<void> {
  await trx
    .updateTable('order_reservations')
    .set({ state: 'consumed', pushed_at: now, expires_at: null, updated_at: now })
    .where('order_id', '=', orderId)
    .where('state', '=', 'open')
    .execute();
}

export async function setExpiry(trx: Db, orderId: string, expiresAt: number | null, now: number): Promise<void> {
  await trx
    .updateTable('order_reservations')
    .set({ expires_at: expiresAt, updated_at: now })
    .where('order_id', '=', orderId)
    .where('state', '=', 'open')
    .execute();
}

export async function expiredReservationOrders(db: Db, now: number, limit = 100): Promise<string[]> {
  const rows = await db
    .selectFrom('order_reservations')
    .select('order_id')
    .distinct()
    .where('state', '=', 'open')
    .where('expires_at', 'is not', null)
    .where('expires_at', '<', now)
    .limit(limit)
    .execute();
  return rows.map((r) => r.order_id);
}

/** ReservationsReader for the catalog: open reservations plus pushes newer than the catalog's read. */
export function createReservationsReader(db: Db): ReservationsReader {
  return {
    async outstandingBySku(query: OutstandingQuantityQuery[]): Promise<Map<string, number>> {
      const out = new Map<string, number>();
      if (query.length === 0) return out;
      const seen = new Map<string, number>();
      for (const q of query) seen.set(q.sku, Math.min(seen.get(q.sku) ?? Infinity, q.stockSeenAt));
      const skus = [...seen.keys()];
      const minSeen = Math.min(...seen.values());
      for (let i = 0; i < skus.length; i += 500) {
        const chunk = skus.slice(i, i + 500);
        const rows = await db
          .selectFrom('order_reservations')
          .select(['sku', 'state', 'quantity', 'pushed_at'])
          .where('sku', 'in', chunk)
          .where((eb) => eb.or([eb('state', '=', 'open'), eb.and([eb('state', '=', 'consumed'), eb('pushed_at', '>', minSeen)])]))
          .execute();
        for (const r of rows) {
          if (r.state === 'consumed' && Number(r.pushed_at) <= (seen.get(r.sku) ?? 0)) continue;
          out.set(r.sku, (out.get(r.sku) ?? 0) + Number(r.quantity));
        }
      }
      return out;
    },
  };
}
