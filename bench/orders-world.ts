/**
 * Shared setup of the orders benchmarks (no `run()`: bench/run.ts skips it):
 * the emulator, the real zoho / catalog / compliance modules (fake age and
 * address providers) and the orders module, on a fresh SQLite file.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { PROJECT_SCOPES, startZohoEmulator, type EmulatorOptions, type RunningEmulator } from '../src/emulator/index.js';
import { createHttpServer } from '../src/http/server.js';
import { testConfig, type Config } from '../src/config/load.js';
import { createAppContext } from '../src/app/context.js';
import type { ZohoModule } from '../src/zoho/index.js';
import type { CatalogModule } from '../src/catalog/index.js';
import type { ComplianceModule } from '../src/compliance/index.js';
import type { OrdersModule } from '../src/orders/index.js';
import type { Store } from '../src/store/db.js';
import type { OrdersOptionsInput } from '../src/orders/options.js';
import type { PlaceOrderRequest } from '../src/orders/model.js';
import { systemClock, type Clock } from '../src/shared/clock.js';

export interface BenchWorld {
  emu: RunningEmulator;
  store: Store;
  config: Config;
  zoho: ZohoModule;
  catalog: CatalogModule;
  compliance: ComplianceModule;
  orders: OrdersModule;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function benchWorld(
  opts: { clock?: Clock; env?: Record<string, string>; emulator?: EmulatorOptions; orders?: OrdersOptionsInput; beforeSync?: (emu: RunningEmulator) => void } = {},
): Promise<BenchWorld> {
  const clock = opts.clock ?? systemClock;
  const emu = await startZohoEmulator({ clock, ...opts.emulator });
  opts.beforeSync?.(emu);
  const dir = mkdtempSync(join(tmpdir(), 'orders-bench-'));
  const config = testConfig({
    ZOHO_CLIENT_ID: 'emulator-client-id',
    ZOHO_CLIENT_SECRET: 'emulator-client-secret',
    ZOHO_ACCOUNTS_URL: emu.url,
    ZOHO_API_URL: emu.apiBaseUrl,
    ZOHO_REFRESH_TOKEN: emu.control.issueRefreshToken({ scopes: [...PROJECT_SCOPES, 'ZohoInventory.inventoryadjustments.READ'] }),
    ZOHO_LOCATION_ID: emu.control.locationIds.dtc,
    ZOHO_REDIRECT_URI: 'http://127.0.0.1:3000/oauth/zoho/callback',
    TOKEN_ENCRYPTION_KEY: 'a1'.repeat(32),
    DATA_DIR: dir,
    ZOHO_DAILY_CALL_BUDGET: '100000',
    ...opts.env,
  });
  // The same wiring the server runs (src/app/context.ts), on this bench's emulator and clock.
  const ctx = await createAppContext(
    { ...config, database: { kind: 'sqlite', filename: join(dir, 'bridge.sqlite') } },
    {
      logger: pino({ level: 'silent' }),
      clock,
      zoho: { retry: { maxAttempts: 6, baseDelayMs: 50, maxDelayMs: 5_000 }, budget: { flushIntervalMs: 50 } },
      ...(opts.orders ? { orders: opts.orders } : {}),
    },
  );
  await ctx.zoho.init();
  await ctx.catalog.sync.fullSync();
  const app = await createHttpServer({ logger: ctx.logger });
  await app.register(ctx.orders.routes);
  await app.ready();
  emu.control.resetCounters();
  return {
    emu,
    store: ctx.store,
    config,
    zoho: ctx.zoho,
    catalog: ctx.catalog,
    compliance: ctx.compliance,
    orders: ctx.orders,
    app,
    async close() {
      await app.close();
      await ctx.close();
      await emu.close();
    },
  };
}

let n = 0;
export function benchOrder(customer: number, sku = 'ACC-RAW-KSS'): PlaceOrderRequest {
  n++;
  return {
    orderId: `BENCH-${process.pid}-${n}`,
    customer: { email: `buyer${customer}@example.com`, firstName: 'Buyer', lastName: `No${customer}`, dob: '1988-03-04', phone: '+17605550100' },
    shippingAddress: { line1: `${100 + customer} Main St`, line2: null, city: 'Palm Desert', state: 'CA', zip: '92260' },
    billingAddress: null,
    items: [{ sku, quantity: 1 }],
    clubMember: customer % 2 === 0,
    ip: '203.0.113.7',
    ageVerification: null,
  };
}

export async function postOrder(app: FastifyInstance, body: PlaceOrderRequest): Promise<number> {
  const res = await app.inject({ method: 'POST', url: '/api/orders', payload: body });
  if (res.statusCode >= 300) throw new Error(`POST /api/orders ${res.statusCode}: ${res.body}`);
  return res.statusCode;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
