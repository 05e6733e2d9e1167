/**
 * The embedded demo: with no Zoho credentials the bridge starts the Zoho
 * emulator in-process and connects to it through the real OAuth code path
 * (consent URL → redirect with a code → exchange), so a new user sees the
 * whole system with nothing to set up.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/load.js';
import { EMULATOR_DEFAULTS, startZohoEmulator, type RunningEmulator } from '../emulator/index.js';
import type { ZohoConnection } from '../zoho/connection.js';
import type { ConnectionStatus } from '../zoho/types.js';

export interface DemoRuntime {
  emulator: RunningEmulator;
  /** True when this process started the emulator (and must close it). */
  owned: boolean;
}

export interface DemoRuntimeFile {
  pid: number;
  emulatorUrl: string;
  bridgeUrl: string;
  webhookSecret: string;
  locationId: string;
}

const RUNTIME_FILE = 'demo-runtime.json';

/** Config pointed at the emulator: its client credentials, its accounts server, VIP Smoke's location. */
export function demoConfig(config: Config, emulatorUrl: string, locationId: string, webhookSecret: string): Config {
  return {
    ...config,
    ZOHO_CLIENT_ID: EMULATOR_DEFAULTS.clientId,
    ZOHO_CLIENT_SECRET: EMULATOR_DEFAULTS.clientSecret,
    ZOHO_ACCOUNTS_URL: emulatorUrl,
    zohoAccountsUrl: emulatorUrl,
    zohoApiDomain: emulatorUrl,
    ZOHO_LOCATION_ID: config.ZOHO_LOCATION_ID ?? locationId,
    ZOHO_WEBHOOK_SECRET: config.ZOHO_WEBHOOK_SECRET ?? webhookSecret,
  };
}

/** Starts the in-process emulator for `serve` (and records where it is for CLI commands). */
export async function startDemoEmulator(config: Config): Promise<{ emulator: RunningEmulator; webhookSecret: string }> {
  const emulator = await startZohoEmulator({ port: config.EMULATOR_PORT, host: '127.0.0.1' });
  const webhookSecret = config.ZOHO_WEBHOOK_SECRET ?? randomBytes(24).toString('base64url');
  return { emulator, webhookSecret };
}

export function writeDemoRuntime(config: Config, info: DemoRuntimeFile): void {
  mkdirSync(config.dataDir, { recursive: true });
  writeFileSync(join(config.dataDir, RUNTIME_FILE), JSON.stringify(info, null, 2), { mode: 0o600 });
}

export function clearDemoRuntime(config: Config): void {
  rmSync(join(config.dataDir, RUNTIME_FILE), { force: true });
}

/** The running demo server's emulator, if a `serve` process is alive. */
export function readDemoRuntime(config: Config): DemoRuntimeFile | null {
  try {
    const info = JSON.parse(readFileSync(join(config.dataDir, RUNTIME_FILE), 'utf8')) as DemoRuntimeFile;
    process.kill(info.pid, 0);
    return info;
  } catch {
    return null;
  }
}

/**
 * Connects to the emulator through the same consent/callback code the real
 * Zoho flow uses, unless a connection to this emulator is already stored.
 * `emulator_auto_approve=true` is the emulator's documented shortcut for the
 * consent click.
 */
export async function connectToEmulator(connection: ZohoConnection, emulatorUrl: string, options: { force?: boolean } = {}): Promise<ConnectionStatus> {
  const status = await connection.status();
  // A fresh emulator knows no earlier tokens, so the server reconnects with force.
  if (!options.force && status.state === 'connected' && status.accountsServer === emulatorUrl) return status;
  const { url } = await connection.consentUrl();
  const response = await fetch(`${url}&emulator_auto_approve=true`, { redirect: 'manual' });
  const location = response.headers.get('location');
  if (response.status !== 302 || !location) {
    throw new Error(`the emulator did not redirect from its consent page (HTTP ${response.status})`);
  }
  const query = Object.fromEntries(new URL(location).searchParams.entries());
  return connection.handleCallback(query);
}
