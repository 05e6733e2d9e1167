import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../src/observability/logger.js';
import { createMetricsRegistry } from '../../../src/observability/metrics.js';
import { RecordingAlertSink } from '../../../src/observability/alerts.js';
import { testConfig, type Config } from '../../../src/config/load.js';
import type { Store } from '../../../src/store/db.js';
import type { Clock } from '../../../src/shared/clock.js';
import { createZohoModule, type ZohoModule, type ZohoModuleOptions, type FetchLike } from '../../../src/zoho/index.js';

export const TEST_KEY_HEX = 'a1'.repeat(32);

/** Real time plus an offset the test can move: tokens expire without waiting. */
export class OffsetClock implements Clock {
  offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

export function zohoTestConfig(fakeUrl: string, overrides: Record<string, string> = {}): Config {
  return testConfig({
    ZOHO_CLIENT_ID: 'test-client',
    ZOHO_CLIENT_SECRET: 'test-secret',
    ZOHO_ACCOUNTS_URL: fakeUrl,
    ZOHO_REDIRECT_URI: 'http://127.0.0.1:3000/oauth/zoho/callback',
    TOKEN_ENCRYPTION_KEY: TEST_KEY_HEX,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'zoho-data-')),
    ...overrides,
  });
}

export interface TestModule extends ZohoModule {
  alerts: RecordingAlertSink;
  registry: ReturnType<typeof createMetricsRegistry>;
  clock: Clock;
  config: Config;
}

export const FAST_RETRY: ZohoModuleOptions = {
  retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 50 },
  requestTimeoutMs: 2_000,
  connection: { failureCooldownMs: 60_000, leaseWaitMs: 10_000 },
  budget: { flushIntervalMs: 10 },
};

export function makeModule(
  store: Store,
  config: Config,
  extra: { clock?: Clock; fetch?: FetchLike; options?: ZohoModuleOptions } = {},
): TestModule {
  const alerts = new RecordingAlertSink();
  const registry = createMetricsRegistry(false);
  const clock = extra.clock ?? new OffsetClock();
  const options: ZohoModuleOptions = {
    ...FAST_RETRY,
    ...extra.options,
    retry: { ...FAST_RETRY.retry, ...extra.options?.retry },
    budget: { ...FAST_RETRY.budget, ...extra.options?.budget },
    connection: { ...FAST_RETRY.connection, ...extra.options?.connection },
  };
  const zoho = createZohoModule({
    config,
    store,
    logger: createLogger('silent'),
    registry,
    alerts,
    clock,
    ...(extra.fetch ? { fetch: extra.fetch } : {}),
    options,
  });
  return Object.assign(zoho, { alerts, registry, clock, config });
}
