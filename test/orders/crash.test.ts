/**
 * Crash safety: a worker in a real child process (tsx) is SIGKILLed at each
 * step of the push and restarted; the order still ends up placed with exactly
 * one sales order (and one adjustment in adjustment mode).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase, POSTGRES_URL } from '../support/databases.js';
import { orderBody, post } from './harness.js';
import { realWorld, TEST_KEY_HEX, type RealWorld } from './e2e-harness.js';

// `node --import tsx` runs the worker in this very child process (the tsx CLI would add a relay process).
const require = createRequire(import.meta.url);
const TSX_LOADER = require.resolve('tsx');
const ENTRY = fileURLToPath(new URL('./crash-worker.ts', import.meta.url));

function runWorker(w: RealWorld, refreshToken: string, crashAt: string | null, stockMode: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  const db = w.config.database;
  const storeInfo = w.store as unknown as { config: { kind: string; filename?: string }; schema?: string };
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    DB_KIND: storeInfo.config.kind,
    ...(storeInfo.config.kind === 'sqlite' ? { DB_FILE: storeInfo.config.filename! } : { DB_URL: POSTGRES_URL, DB_SCHEMA: storeInfo.schema! }),
    EMU_URL: w.emu.url,
    EMU_API: w.emu.apiBaseUrl,
    LOCATION_ID: w.emu.control.locationIds.dtc,
    REFRESH_TOKEN: refreshToken,
    TOKEN_KEY: TEST_KEY_HEX,
    STOCK_MODE: stockMode,
    CRASH_AT: crashAt ?? '',
    LEASE_MS: '400',
  };
  void db;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX_LOADER, ENTRY], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker hung: ${out}`));
    }, 45_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });
}

// Each point is right after Zoho answered a step and before the answer is stored (the dangerous
// moment), plus the last step. A process start costs seconds here, so the list stays short.
const COMMIT_POINTS = ['contact.after', 'salesorder.after', 'stock.after', 'finalize.before'];

describeEachDatabase('orders crash safety (real child processes)', (kind) => {
  let w: RealWorld | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  for (const mode of ['commit', 'adjustment'] as const) {
    it(`${mode} mode: SIGKILL after each step, restart → placed, exactly one sales order${mode === 'adjustment' ? ' and one adjustment' : ''}`, async () => {
      const refreshToken = 'shared';
      w = await realWorld(kind, { env: { STOCK_MODE: mode } });
      const rt = (w.config.ZOHO_REFRESH_TOKEN ?? refreshToken) as string;
      const body = orderBody({ ageVerification: null, items: [{ sku: 'ACC-RAW-KSS', quantity: 2 }] });
      expect((await post(w.app, body)).status).toBe(201);
      const points = mode === 'commit' ? COMMIT_POINTS : ['salesorder.after', 'stock.after'];
      for (const point of points) {
        const run = await runWorker(w, rt, point, mode);
        expect(run.signal, run.out).toBe('SIGKILL');
        expect(run.out).toContain(`point ${point}`);
      }
      const last = await runWorker(w, rt, null, mode);
      expect(last.code, last.out).toBe(0);
      expect(last.out).toContain('drained');
      const order = await w.orders.getOrder(body.orderId);
      expect(order!.status, order!.lastError ?? '').toBe('placed');
      const sos = w.emu.control.salesOrders().filter((s) => s.reference_number === body.orderId);
      expect(sos).toHaveLength(1);
      const adjs = w.emu.control.adjustments().filter((a) => a.reference_number === body.orderId);
      if (mode === 'commit') {
        expect(sos[0]!.status).toBe('confirmed');
        expect(adjs).toHaveLength(0);
      } else {
        expect(sos[0]!.status).toBe('draft');
        expect(adjs).toHaveLength(1);
      }
      // Exactly one contact for the buyer, too.
      expect(w.emu.control.contacts().filter((c) => JSON.stringify(c).includes(body.customer.email))).toHaveLength(1);
    }, 120_000);
  }
});
