/**
 * Client overhead: N item reads (`GET /items/:id`) through the Zoho client
 * (token cache, budget reservation in SQLite, retry classifier, envelope and
 * id-preserving JSON parse, call log) against the in-process emulator, versus
 * the same reads with bare fetch. Prints the ratio (goal <= 1.2).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Agent, fetch as undiciFetch } from 'undici';
import { startZohoEmulator } from '../src/emulator/index.js';
import { openStore } from '../src/store/db.js';
import { testConfig } from '../src/config/load.js';
import { createLogger } from '../src/observability/logger.js';
import { createMetricsRegistry } from '../src/observability/metrics.js';
import { RecordingAlertSink } from '../src/observability/alerts.js';
import { createZohoModule } from '../src/zoho/index.js';

export async function run(): Promise<void> {
  const N = Number(process.env.BENCH_ZOHO_N ?? 2000);
  const CONCURRENCY = 4;
  const emu = await startZohoEmulator({ perMinuteLimit: 1_000_000, dailyLimit: 1_000_000 });
  const dir = mkdtempSync(join(tmpdir(), 'bench-zoho-'));
  const store = await openStore({ kind: 'sqlite', filename: join(dir, 'bench.sqlite') });
  const config = testConfig({
    ZOHO_CLIENT_ID: 'emulator-client-id',
    ZOHO_CLIENT_SECRET: 'emulator-client-secret',
    ZOHO_ACCOUNTS_URL: emu.url,
    ZOHO_DAILY_CALL_BUDGET: String(10 * N + 100),
    ZOHO_PER_MINUTE_LIMIT: String(10 * N + 100),
    ZOHO_MAX_CONCURRENCY: String(CONCURRENCY),
    TOKEN_ENCRYPTION_KEY: 'c3'.repeat(32),
    DATA_DIR: dir,
  });
  const zoho = createZohoModule({ config, store, logger: createLogger('silent'), registry: createMetricsRegistry(false), alerts: new RecordingAlertSink() });
  await zoho.connection.bootstrapFromRefreshToken(emu.control.issueRefreshToken());
  const { token, apiBase } = await zoho.connection.getAccessToken();
  const ids = emu.control.items().map((i) => String(i.item_id));
  const agent = new Agent({ keepAliveTimeout: 4_000, connections: CONCURRENCY * 2 });

  const bare = async (i: number) => {
    const res = await undiciFetch(`${apiBase}/items/${ids[i % ids.length]}?organization_id=${config.ZOHO_ORGANIZATION_ID}`, {
      headers: { authorization: `Zoho-oauthtoken ${token}` },
      dispatcher: agent,
    });
    const body = (await res.json()) as { code: number };
    if (body.code !== 0) throw new Error(`bare read failed: ${JSON.stringify(body)}`);
  };
  const client = async (i: number) => {
    await zoho.api.items.get(ids[i % ids.length]!, { priority: 'poll' });
  };
  const time = async (fn: (i: number) => Promise<void>, n: number) => {
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < n) await fn(next++);
      }),
    );
    return performance.now() - started;
  };

  // Warm up both paths, then alternate rounds so drift on a shared machine hits both.
  await time(bare, 200);
  await time(client, 200);
  let bareMs = 0;
  let clientMs = 0;
  for (let round = 0; round < 4; round++) {
    bareMs += await time(bare, N / 4);
    clientMs += await time(client, N / 4);
  }
  const ratio = clientMs / bareMs;
  console.log(`zoho client: ${N} item reads, concurrency ${CONCURRENCY}, in-process emulator, SQLite budget ledger`);
  console.log(`  bare fetch   ${(bareMs / N).toFixed(3)} ms/read`);
  console.log(`  zoho client  ${(clientMs / N).toFixed(3)} ms/read`);
  console.log(`  ratio client/bare = ${ratio.toFixed(2)} (goal <= 1.2)`);

  await zoho.close();
  await agent.close();
  await store.close();
  await emu.close();
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
