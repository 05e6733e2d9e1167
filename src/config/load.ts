import { readFileSync, existsSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { envSchema, SECRET_VARIABLES, type RawEnv, type ZohoDataCentre } from './schema.js';
import { validateModuleVariables } from './validate-modules.js';

/** Zoho data centres: API host and accounts host (reference/zoho-api.md §1.1). */
export const ZOHO_DC_HOSTS: Record<ZohoDataCentre, { api: string; accounts: string }> = {
  us: { api: 'https://www.zohoapis.com', accounts: 'https://accounts.zoho.com' },
  eu: { api: 'https://www.zohoapis.eu', accounts: 'https://accounts.zoho.eu' },
  in: { api: 'https://www.zohoapis.in', accounts: 'https://accounts.zoho.in' },
  au: { api: 'https://www.zohoapis.com.au', accounts: 'https://accounts.zoho.com.au' },
  jp: { api: 'https://www.zohoapis.jp', accounts: 'https://accounts.zoho.jp' },
  ca: { api: 'https://www.zohoapis.ca', accounts: 'https://accounts.zohocloud.ca' },
  sa: { api: 'https://www.zohoapis.sa', accounts: 'https://accounts.zoho.sa' },
  cn: { api: 'https://www.zohoapis.com.cn', accounts: 'https://accounts.zoho.com.cn' },
};

export type DatabaseConfig =
  | { kind: 'sqlite'; filename: string }
  | { kind: 'postgres'; connectionString: string };

export interface Config extends RawEnv {
  /** True when no Zoho credentials are set (or DEMO=true): run against the embedded emulator. */
  demo: boolean;
  database: DatabaseConfig;
  dataDir: string;
  /** Accounts server to start consent at (a multi-DC callback may move a connection elsewhere). */
  zohoAccountsUrl: string;
  /** API root without `/inventory/v1` when the token response does not say otherwise. */
  zohoApiDomain: string;
  /** Full `/inventory/v1` base when ZOHO_API_URL overrides everything. */
  zohoApiBaseOverride: string | undefined;
  ageProvider: 'agechecker' | 'fake';
  addressProvider: 'usps' | 'fake';
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|::1)$/;

export function isLoopbackUrl(url: string): boolean {
  try {
    return LOOPBACK.test(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** Reads `.env` (if present) under the real environment, and resolves every `NAME_FILE`. */
export function collectEnvironment(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Record<string, string | undefined> {
  const merged: Record<string, string | undefined> = {};
  const dotenvPath = join(cwd, '.env');
  if (env.DTC_IGNORE_DOTENV !== '1' && existsSync(dotenvPath)) {
    Object.assign(merged, parseDotenv(readFileSync(dotenvPath)));
  }
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v;
  for (const name of SECRET_VARIABLES) {
    const filePath = merged[`${name}_FILE`];
    if (filePath && !merged[name]) {
      try {
        merged[name] = readFileSync(filePath, 'utf8').trim();
      } catch (err) {
        throw new ConfigError(`${name}_FILE`, `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
  }
  return merged;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const source = collectEnvironment(env, cwd);
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    const value = source[variable];
    const shown = value === undefined || (SECRET_VARIABLES as readonly string[]).includes(variable) ? '' : ` (got "${value}")`;
    throw new ConfigError(variable, `${issue.message}${shown}`);
  }
  const raw = parsed.data;
  validateModuleVariables(raw);

  const hasCredentials = Boolean(raw.ZOHO_CLIENT_ID && raw.ZOHO_CLIENT_SECRET);
  const demo = raw.DEMO ?? !hasCredentials;
  if (!demo && !hasCredentials) throw new ConfigError('ZOHO_CLIENT_ID', 'and ZOHO_CLIENT_SECRET are required when DEMO=false');

  const dataDir = resolve(cwd, raw.DATA_DIR);
  const database = parseDatabaseUrl(raw.DATABASE_URL, dataDir, cwd);
  const hosts = ZOHO_DC_HOSTS[raw.ZOHO_DC];

  if (!demo) {
    for (const name of ['ZOHO_ACCOUNTS_URL', 'ZOHO_API_URL', 'ZOHO_REDIRECT_URI', 'AGECHECKER_API_URL', 'USPS_API_URL', 'ALERT_WEBHOOK_URL'] as const) {
      const url = raw[name];
      if (url && new URL(url).protocol !== 'https:' && !isLoopbackUrl(url)) {
        throw new ConfigError(name, 'must use https (plain http is allowed only to loopback addresses)');
      }
    }
    if (raw.NODE_ENV === 'production' && !raw.TOKEN_ENCRYPTION_KEY) {
      throw new ConfigError('TOKEN_ENCRYPTION_KEY', 'is required in production (32 bytes, base64 or hex)');
    }
  }
  if (raw.TOKEN_ENCRYPTION_KEY && decodeKey(raw.TOKEN_ENCRYPTION_KEY) === undefined) {
    throw new ConfigError('TOKEN_ENCRYPTION_KEY', 'must be 32 bytes, given as 64 hex characters or base64');
  }
  if ((raw.TLS_CERT_FILE === undefined) !== (raw.TLS_KEY_FILE === undefined)) {
    throw new ConfigError(raw.TLS_CERT_FILE ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE', 'must be set together with its pair');
  }

  const ageProvider = raw.AGE_PROVIDER ?? (raw.AGECHECKER_API_KEY ? 'agechecker' : 'fake');
  const addressProvider = raw.ADDRESS_PROVIDER ?? (raw.USPS_CLIENT_ID ? 'usps' : 'fake');
  if (!demo && ageProvider === 'fake' && raw.NODE_ENV === 'production') {
    throw new ConfigError('AGE_PROVIDER', 'cannot be "fake" in production: set AGECHECKER_API_KEY');
  }
  if (ageProvider === 'agechecker' && (!raw.AGECHECKER_API_KEY || !raw.AGECHECKER_SECRET)) {
    throw new ConfigError('AGECHECKER_API_KEY', 'and AGECHECKER_SECRET are required when AGE_PROVIDER=agechecker');
  }
  if (addressProvider === 'usps' && (!raw.USPS_CLIENT_ID || !raw.USPS_CLIENT_SECRET)) {
    throw new ConfigError('USPS_CLIENT_ID', 'and USPS_CLIENT_SECRET are required when ADDRESS_PROVIDER=usps');
  }

  return {
    ...raw,
    demo,
    database,
    dataDir,
    zohoAccountsUrl: stripSlash(raw.ZOHO_ACCOUNTS_URL ?? hosts.accounts),
    zohoApiDomain: hosts.api,
    zohoApiBaseOverride: raw.ZOHO_API_URL ? stripSlash(raw.ZOHO_API_URL) : undefined,
    ageProvider,
    addressProvider,
  };
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

export function parseDatabaseUrl(url: string | undefined, dataDir: string, cwd: string): DatabaseConfig {
  if (!url) return { kind: 'sqlite', filename: join(dataDir, 'bridge.sqlite') };
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', connectionString: url };
  const path = url.replace(/^sqlite:(\/\/)?/, '').replace(/^file:(\/\/)?/, '');
  return { kind: 'sqlite', filename: path === ':memory:' ? ':memory:' : resolve(cwd, path) };
}

/** A 32-byte key from 64 hex chars or base64; undefined when it is neither. */
export function decodeKey(value: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  const b = Buffer.from(value, 'base64');
  return b.length === 32 ? b : undefined;
}

/** A config for tests: demo defaults plus overrides, never reading `.env` or the real environment. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ DTC_IGNORE_DOTENV: '1', LOG_LEVEL: 'silent', NODE_ENV: 'test', ...overrides });
}
