/**
 * Run a test suite on both databases: a fresh SQLite file and a fresh
 * PostgreSQL schema (127.0.0.1:5432, database `test`, or TEST_DATABASE_URL).
 * In CI (CI set) an unreachable PostgreSQL fails the suite instead of skipping.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe } from 'vitest';
import { openStore, type Store } from '../../src/store/db.js';
import type { DatabaseConfig } from '../../src/config/load.js';

export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let postgresReachable: boolean | undefined;

export async function isPostgresReachable(): Promise<boolean> {
  if (postgresReachable !== undefined) return postgresReachable;
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    postgresReachable = true;
  } catch {
    postgresReachable = false;
  } finally {
    await client.end().catch(() => undefined);
  }
  return postgresReachable;
}

export type DatabaseKind = 'sqlite' | 'postgres';

/** A database config for one test: a new SQLite file, or a new PostgreSQL schema. */
export function testDatabase(kind: DatabaseKind): { config: DatabaseConfig; schema?: string } {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'dtc-test-'));
    return { config: { kind: 'sqlite', filename: join(dir, 'bridge.sqlite') } };
  }
  const schema = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  return { config: { kind: 'postgres', connectionString: POSTGRES_URL }, schema };
}

/** Opens a fresh, migrated store of the given kind. Throws in CI when PostgreSQL is down. */
export async function openTestStore(kind: DatabaseKind): Promise<Store & { config: DatabaseConfig; schema?: string }> {
  if (kind === 'postgres' && !(await isPostgresReachable())) {
    throw new Error(`PostgreSQL is not reachable at ${POSTGRES_URL}`);
  }
  const { config, schema } = testDatabase(kind);
  const store = await openStore(config, schema ? { schema } : {});
  if (schema) {
    // Thousands of leftover schemas make PostgreSQL's catalog (and Kysely's
    // information_schema look-ups) slow: each test drops its own.
    const close = store.close.bind(store);
    store.close = async () => {
      await close();
      await dropSchema(schema);
    };
  }
  return Object.assign(store, { config, ...(schema ? { schema } : {}) });
}

export async function dropSchema(schema: string): Promise<void> {
  if (!/^t_[a-z0-9_]+$/.test(schema)) throw new Error(`refusing to drop ${schema}`);
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  try {
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } catch {
    // Best effort: the global setup sweeps what is left.
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Drops test schemas older than maxAgeMs (names carry their creation time). */
export async function sweepStaleSchemas(maxAgeMs: number): Promise<number> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  let dropped = 0;
  try {
    await client.connect();
    const { rows } = await client.query<{ nspname: string }>("select nspname from pg_namespace where nspname like 't\\_%'");
    for (const { nspname } of rows) {
      const created = parseInt(nspname.split('_')[1] ?? '', 36);
      if (Number.isFinite(created) && Date.now() - created < maxAgeMs) continue;
      await client.query(`DROP SCHEMA IF EXISTS ${nspname} CASCADE`);
      dropped += 1;
    }
  } catch {
    // PostgreSQL down: the suites report it themselves.
  } finally {
    await client.end().catch(() => undefined);
  }
  return dropped;
}

const reachable = await isPostgresReachable();
if (!reachable && process.env.CI) {
  throw new Error(`CI is set and PostgreSQL is not reachable at ${POSTGRES_URL}: the PostgreSQL tests must run in CI`);
}

/**
 * describe() once per database. Outside CI, PostgreSQL suites are skipped
 * (with a visible name) when no server answers; in CI they fail instead.
 */
export function describeEachDatabase(name: string, body: (kind: DatabaseKind) => void): void {
  describe(`${name} [sqlite]`, () => body('sqlite'));
  // In CI `reachable` false has already thrown at import: the PostgreSQL suites never skip there.
  const runs = reachable || Boolean(process.env.CI);
  describe.skipIf(!runs)(`${name} [postgres${runs ? '' : ': server unreachable'}]`, () => body('postgres'));
}
