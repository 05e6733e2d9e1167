/**
 * Child process for the two-process refresh test (test/zoho/refresh-processes.test.ts).
 * Builds its own Zoho module on the database named by the environment, prints
 * `ready`, waits for `go` on stdin (so both children fire at the same moment),
 * fires CALLS concurrent item-list calls and prints one `RESULT {json}` line.
 *
 * Env: DTC_TEST_DB (DatabaseConfig JSON), DTC_TEST_SCHEMA (PostgreSQL only),
 * ZOHO_EMULATOR_URL, CALLS.
 */
import { createInterface } from 'node:readline';
import { openStore } from '../../../src/store/db.js';
import { EMULATOR_DEFAULTS } from '../../../src/emulator/index.js';
import { makeModule, zohoTestConfig } from './module.js';

const dbConfig = JSON.parse(process.env.DTC_TEST_DB ?? '{}');
const schema = process.env.DTC_TEST_SCHEMA;
const emulatorUrl = process.env.ZOHO_EMULATOR_URL ?? '';
const calls = Number(process.env.CALLS ?? '50');

const store = await openStore(dbConfig, schema ? { schema } : {});
const zoho = makeModule(
  store,
  zohoTestConfig(emulatorUrl, {
    ZOHO_CLIENT_ID: EMULATOR_DEFAULTS.clientId,
    ZOHO_CLIENT_SECRET: EMULATOR_DEFAULTS.clientSecret,
    // Room enough that the budget never holds a call back: this is about the refresh.
    ZOHO_MAX_CONCURRENCY: '10',
    ZOHO_PER_MINUTE_LIMIT: '1000',
    ZOHO_DAILY_CALL_BUDGET: '10000',
  }),
);

const lines = createInterface({ input: process.stdin });
const go = new Promise<void>((resolve) => {
  lines.on('line', (line) => {
    if (line.trim() === 'go') resolve();
  });
});
process.stdout.write('ready\n');
await go;
lines.close();

const settled = await Promise.allSettled(Array.from({ length: calls }, () => zoho.api.items.list({ per_page: 1 }, { priority: 'poll' })));
const ok = settled.filter((s) => s.status === 'fulfilled' && s.value.items.length === 1).length;
const errors = settled.flatMap((s) => (s.status === 'rejected' ? [String((s.reason as Error)?.message ?? s.reason)] : []));
const metrics = await zoho.registry.metrics();
const refreshes = Number(/zoho_token_refreshes_total\{outcome="success"\} (\d+)/.exec(metrics)?.[1] ?? 0);

await zoho.close();
await store.close();
process.stdout.write(`RESULT ${JSON.stringify({ ok, errors: errors.slice(0, 5), errorCount: errors.length, refreshes, alerts: zoho.alerts.events.map((e) => e.kind) })}\n`);
