/**
 * Full sync of ~10,000 emulator items. The emulator runs in a child process,
 * so process.cpuUsage() here is the bridge alone (client, JSON parsing,
 * mapping, SQLite writes). Prints bridge CPU (goal <= 2 s) beside wall time,
 * and the CPU per item against a baseline of JSON-parsing the same details.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { testConfig } from '../src/config/load.js';
import { createLogger } from '../src/observability/logger.js';
import { createMetricsRegistry } from '../src/observability/metrics.js';
import { RecordingAlertSink } from '../src/observability/alerts.js';
import { noReservations } from '../src/orders/types.js';
import { systemClock } from '../src/shared/clock.js';
import { openStore } from '../src/store/db.js';
import { createZohoModule } from '../src/zoho/index.js';
import { createCatalogModule } from '../src/catalog/index.js';

export async function run(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, '_catalog-emulator-child.ts'), '9950'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
  const info = JSON.parse(line) as { url: string; dtc: string; token: string; items: number };
  const dir = mkdtempSync(join(tmpdir(), 'catalog-fullsync-'));
  const store = await openStore({ kind: 'sqlite', filename: join(dir, 'bridge.sqlite') });
  const logger = createLogger('silent');
  const registry = createMetricsRegistry(false);
  const alerts = new RecordingAlertSink();
  const config = testConfig({
    ZOHO_CLIENT_ID: 'emulator-client-id',
    ZOHO_CLIENT_SECRET: 'emulator-client-secret',
    ZOHO_ACCOUNTS_URL: info.url,
    ZOHO_REFRESH_TOKEN: info.token,
    TOKEN_ENCRYPTION_KEY: 'a1'.repeat(32),
    ZOHO_LOCATION_ID: info.dtc,
    ZOHO_DAILY_CALL_BUDGET: '100000',
    ZOHO_PER_MINUTE_LIMIT: '100000',
    DATA_DIR: dir,
  });
  const zoho = createZohoModule({ config, store, logger, registry, alerts, clock: systemClock });
  await zoho.init();
  const catalog = createCatalogModule({
    store, zoho: zoho.api, budget: zoho.budget, reservations: noReservations, logger, registry, alerts,
    clock: systemClock, imageDir: join(dir, 'images'), locationId: info.dtc, dailyLimit: 100_000,
  });
  try {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await catalog.sync.fullSync();
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    // Baseline: parsing the same number of detail records as JSON, in this process.
    const sample = JSON.stringify((await zoho.api.items.getMany([(await catalog.reader.listProducts({ page: 1, pageSize: 1 })).items[0]!.product.zohoItemId], { priority: 'reconcile' }))[0]);
    const b0 = process.cpuUsage();
    for (let i = 0; i < r.detailed; i++) JSON.parse(sample);
    const b = process.cpuUsage(b0);
    const parseMs = (b.user + b.system) / 1000;
    console.log(`full sync: ${r.listed} listed, ${r.detailed} detailed, ${r.calls} Zoho calls, completed=${r.completed}`);
    console.log(`bridge CPU ${cpuMs.toFixed(0)} ms (goal <= 2000 ms), wall ${wall.toFixed(0)} ms, CPU/wall ${(cpuMs / wall).toFixed(2)}`);
    console.log(`CPU per item ${(cpuMs / Math.max(1, r.detailed) * 1000).toFixed(0)} µs; ratio to bare JSON.parse of the details ${(cpuMs / Math.max(0.001, parseMs)).toFixed(1)}x`);
  } finally {
    await catalog.close();
    await zoho.close();
    await store.close();
    child.stdin!.end();
  }
}
