/**
 * "100 concurrent calls on an expired token cause exactly one refresh", with
 * two real processes on one database (SQLite file, PostgreSQL schema). Each
 * child has its own in-process de-duplication, so only the database lease
 * (plus the re-read after it) can keep the second process from refreshing too.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase, openTestStore } from '../support/databases.js';
import type { Store } from '../../src/store/db.js';
import type { DatabaseConfig } from '../../src/config/load.js';
import { EMULATOR_DEFAULTS, startZohoEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { connectToEmulator } from '../../src/app/demo.js';
import { createTokenCipher } from '../../src/zoho/crypto.js';
import { makeModule, TEST_KEY_HEX, zohoTestConfig } from './support/module.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'support/refresh-child.ts');
const CALLS_PER_CHILD = 50;

interface ChildResult {
  ok: number;
  errors: string[];
  errorCount: number;
  refreshes: number;
  alerts: string[];
}

interface Child {
  ready: Promise<void>;
  go(): void;
  result: Promise<ChildResult>;
}

function startChild(db: DatabaseConfig, schema: string | undefined, emulatorUrl: string): Child {
  const p = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, DTC_TEST_DB: JSON.stringify(db), DTC_TEST_SCHEMA: schema ?? '', ZOHO_EMULATOR_URL: emulatorUrl, CALLS: String(CALLS_PER_CHILD) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  p.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    if (/^ready$/m.test(out)) onReady();
  });
  p.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const result = new Promise<ChildResult>((resolve, reject) => {
    p.on('error', reject);
    p.on('exit', (code) => {
      const line = /^RESULT (.*)$/m.exec(out)?.[1];
      if (code === 0 && line) resolve(JSON.parse(line) as ChildResult);
      else reject(new Error(`refresh child exited with ${code}\nstdout: ${out}\nstderr: ${err}`));
    });
  });
  // A child that dies before `ready` must fail the test, not hang it.
  const readyOrDead = Promise.race([ready, result.then(() => Promise.reject(new Error('child exited before ready')))]);
  return { ready: readyOrDead, go: () => p.stdin.end('go\n'), result };
}

describeEachDatabase('zoho token refresh across two processes', (kind) => {
  let store: (Store & { config: DatabaseConfig; schema?: string }) | undefined;
  let emu: RunningEmulator | undefined;
  afterEach(async () => {
    await emu?.close();
    await store?.close();
    emu = undefined;
    store = undefined;
  });

  it(`${CALLS_PER_CHILD * 2} concurrent calls from two processes on an expired token cause exactly one refresh`, async () => {
    store = await openTestStore(kind);
    emu = await startZohoEmulator({ perMinuteLimit: 10_000, dailyLimit: 100_000 });

    // Connect once, through the real consent/callback path.
    const parent = makeModule(store, zohoTestConfig(emu.url, { ZOHO_CLIENT_ID: EMULATOR_DEFAULTS.clientId, ZOHO_CLIENT_SECRET: EMULATOR_DEFAULTS.clientSecret }));
    expect((await connectToEmulator(parent.connection, emu.url)).state).toBe('connected');
    await parent.close();
    const before = await store.db.selectFrom('zoho_connection').selectAll().executeTakeFirstOrThrow();
    expect(before.refresh_token_enc).toBeTruthy();

    // Expired on both sides: Zoho no longer accepts the access token, and the
    // stored expiry (what the bridge refreshes ahead of) is in the past.
    emu.control.expireAccessTokens();
    await store.db.updateTable('zoho_connection').set({ access_expires_at: Date.now() - 1_000 }).execute();
    emu.control.resetCounters();
    // A slow token endpoint (and API) keeps the two refresh attempts overlapping
    // if nothing serialized them: without the lease both children would refresh.
    emu.control.setLatency(150);

    const children = [startChild(store.config, store.schema, emu.url), startChild(store.config, store.schema, emu.url)];
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.go();
    const results = await Promise.all(children.map((c) => c.result));

    for (const r of results) {
      expect(r.errors).toEqual([]);
      expect(r.ok).toBe(CALLS_PER_CHILD);
      expect(r.alerts).toEqual([]);
    }
    // One child refreshed; the other waited on the lease and read the new token.
    expect(results.map((r) => r.refreshes).sort()).toEqual([0, 1]);
    const counters = emu.control.counters();
    expect(counters.tokenRefreshes).toBe(1);
    expect(counters.tokenRefreshAttempts).toBe(1);
    expect(counters.codeExchanges).toBe(0);
    expect(counters.rateLimited).toBe(0);
    expect(counters.byEndpoint['GET /items']).toBe(CALLS_PER_CHILD * 2);

    // The stored refresh token is the one from the consent, still live at Zoho.
    const after = await store.db.selectFrom('zoho_connection').selectAll().executeTakeFirstOrThrow();
    expect(after.state).toBe('connected');
    expect(after.refresh_token_enc).toBe(before.refresh_token_enc);
    expect(Number(after.access_expires_at)).toBeGreaterThan(Date.now());
    const refreshToken = createTokenCipher(Buffer.from(TEST_KEY_HEX, 'hex')).decrypt(after.refresh_token_enc!, 'zoho_connection.refresh_token');
    expect(refreshToken.length).toBeGreaterThan(0);
    expect(emu.control.tokenScopes(refreshToken)).toContain('ZohoInventory.items.READ');
    // And the access token the children now share is a new one.
    expect(after.access_token_enc).not.toBe(before.access_token_enc);
  });
});
