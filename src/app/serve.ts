/**
 * `dtc-bridge serve` / `npm start`: the server with its background work
 * (catalog scheduler, order worker), and in demo mode the emulator beside it.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import { createLogger } from '../observability/logger.js';
import { resolveAdminPassword } from '../admin/auth.js';
import { createAppContext, type AppContext, type AppContextOptions } from './context.js';
import { buildHttpApp } from './http.js';
import { clearDemoRuntime, connectToEmulator, demoConfig, startDemoEmulator, writeDemoRuntime } from './demo.js';
import type { RunningEmulator } from '../emulator/index.js';

export interface RunningBridge {
  url: string;
  app: FastifyInstance;
  ctx: AppContext;
  emulator: RunningEmulator | null;
  adminPassword: string;
  adminPasswordGenerated: boolean;
  /** Resolves when the demo's first catalog sync is done (immediately in live mode). */
  ready: Promise<void>;
  close(): Promise<void>;
}

export interface ServeOptions extends AppContextOptions {
  /** Start the scheduler and the worker per SYNC_ENABLED / WORKER_ENABLED (default true). */
  background?: boolean;
  /** Print the banner (default true). */
  banner?: boolean;
}

export async function startBridge(initialConfig: Config, options: ServeOptions = {}): Promise<RunningBridge> {
  const logger: Logger = options.logger ?? createLogger(initialConfig.LOG_LEVEL);
  let config = initialConfig;
  let emulator: RunningEmulator | null = null;
  if (config.demo) {
    const demo = await startDemoEmulator(config);
    emulator = demo.emulator;
    config = demoConfig(config, emulator.url, emulator.control.locationIds.dtc, demo.webhookSecret);
    logger.warn('DEMO MODE: no Zoho credentials set; running against the embedded Zoho emulator at %s', emulator.url);
  }

  const ctx = await createAppContext(config, { ...options, logger });
  const { password: adminPassword, generated } = resolveAdminPassword(config.ADMIN_PASSWORD);
  const app = await buildHttpApp(ctx, { adminPassword, storefront: config.demo });

  await app.listen({ port: config.PORT, host: config.HOST });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  // With PORT=0 the OS picked the port; the OAuth redirect URI is built from it.
  config.PORT = port;
  const scheme = config.TLS_CERT_FILE ? 'https' : 'http';
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
  const url = `${scheme}://${host}:${port}`;

  let ready: Promise<void> = Promise.resolve();
  if (emulator) {
    emulator.control.setWebhook({ url: `${url}/webhooks/zoho`, headers: { 'X-Webhook-Secret': config.ZOHO_WEBHOOK_SECRET ?? '' } });
    await connectToEmulator(ctx.zoho.connection, emulator.url, { force: true });
    // A fresh emulator hands out the same contact ids again: cached ones would point at other people.
    await ctx.orders.forgetZohoContacts();
    writeDemoRuntime(config, {
      pid: process.pid,
      emulatorUrl: emulator.url,
      bridgeUrl: url,
      webhookSecret: config.ZOHO_WEBHOOK_SECRET ?? '',
      locationId: config.ZOHO_LOCATION_ID ?? '',
    });
    // The first sync fills the storefront; later ones are the scheduler's.
    ready = ctx.catalog.sync
      .fullSync()
      .then(() => undefined)
      .catch((err: unknown) => logger.error({ err }, 'demo catalog sync failed'));
  } else {
    await ctx.zoho.init();
  }

  if (options.background !== false) {
    if (config.SYNC_ENABLED) {
      ready.then(() => ctx.catalog.scheduler.start()).catch(() => undefined);
      ctx.catalog.startStalenessWatch();
    }
    if (config.WORKER_ENABLED) ctx.orders.worker.start();
  }

  if (options.banner !== false) printBanner({ url, demo: config.demo, emulator, adminPassword, generated });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await app.close();
      await ctx.close();
      if (emulator) {
        await emulator.close();
        clearDemoRuntime(config);
      }
    })());

  return { url, app, ctx, emulator, adminPassword, adminPasswordGenerated: generated, ready, close };
}

function printBanner(info: { url: string; demo: boolean; emulator: RunningEmulator | null; adminPassword: string; generated: boolean }): void {
  const lines = [
    '',
    `  zoho-dtc-bridge is running${info.demo ? ' (demo: embedded Zoho emulator, fake age/address providers)' : ''}`,
    '',
    ...(info.demo ? [`  Storefront   ${info.url}/`] : []),
    `  Dashboard    ${info.url}/admin${info.generated ? `   (password: ${info.adminPassword} — set ADMIN_PASSWORD to choose one)` : ''}`,
    `  API docs     ${info.url}/docs`,
    `  Metrics      ${info.url}/metrics`,
    `  Health       ${info.url}/healthz  ${info.url}/readyz`,
    ...(info.emulator ? [`  Zoho (emu)   ${info.emulator.url}`] : []),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Runs until SIGINT/SIGTERM, then shuts down in order. */
export async function serveForever(config: Config): Promise<void> {
  const bridge = await startBridge(config);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    bridge.ctx.logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => process.exit(1), 10_000);
    timer.unref();
    bridge
      .close()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        bridge.ctx.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
