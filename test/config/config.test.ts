import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';

const base = { DTC_IGNORE_DOTENV: '1' };

describe('configuration', () => {
  it('runs the demo with no credentials, with the documented defaults', () => {
    const config = loadConfig(base, '/tmp');
    expect(config.demo).toBe(true);
    expect(config.PORT).toBe(3000);
    expect(config.ZOHO_ORGANIZATION_ID).toBe('850205569');
    expect(config.ZOHO_DC).toBe('us');
    expect(config.ZOHO_DAILY_CALL_BUDGET).toBe(1000);
    expect(config.STOCK_MODE).toBe('commit');
    expect(config.database).toEqual({ kind: 'sqlite', filename: '/tmp/data/bridge.sqlite' });
    expect(config.zohoAccountsUrl).toBe('https://accounts.zoho.com');
    expect(config.ageProvider).toBe('fake');
  });

  it('uses the data centre hosts, e.g. Canada on zohocloud.ca', () => {
    const config = loadConfig({ ...base, ZOHO_DC: 'ca' });
    expect(config.zohoAccountsUrl).toBe('https://accounts.zohocloud.ca');
    expect(config.zohoApiDomain).toBe('https://www.zohoapis.ca');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ ZOHO_DC: 'mars' }, 'ZOHO_DC'],
    [{ STOCK_MODE: 'both' }, 'STOCK_MODE'],
    [{ ZOHO_ORGANIZATION_ID: 'bmb' }, 'ZOHO_ORGANIZATION_ID'],
    [{ ZOHO_DAILY_CALL_BUDGET: '-5' }, 'ZOHO_DAILY_CALL_BUDGET'],
    [{ ZOHO_API_URL: 'not a url' }, 'ZOHO_API_URL'],
    [{ TOKEN_ENCRYPTION_KEY: 'short' }, 'TOKEN_ENCRYPTION_KEY'],
    [{ ZOHO_WEBHOOK_SECRET: 'tooshort' }, 'ZOHO_WEBHOOK_SECRET'],
    [{ AGE_PROVIDER: 'agechecker' }, 'AGECHECKER_API_KEY'],
    [{ ROLLOUT: 'some:thing' }, 'ROLLOUT'],
    [{ CUSTOM_FIELD_MAP: '{"nope":"cf_x"}' }, 'CUSTOM_FIELD_MAP'],
    [{ TAX_MAP: '{not json' }, 'TAX_MAP'],
    [{ SALES_ORDER_FIELD_MAP: '[]' }, 'SALES_ORDER_FIELD_MAP'],
    [{ STOREFRONT_API_KEY: 'short' }, 'STOREFRONT_API_KEY'],
  ])('refuses %o naming the variable', (env, variable) => {
    let error: unknown;
    try {
      loadConfig({ ...base, ...env } as NodeJS.ProcessEnv);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as Error).message.split('\n')).toHaveLength(1);
  });

  it('never echoes a secret value in the error', () => {
    expect(() => loadConfig({ ...base, ZOHO_WEBHOOK_SECRET: 'hunter2' })).toThrow(/ZOHO_WEBHOOK_SECRET/);
    try {
      loadConfig({ ...base, ZOHO_WEBHOOK_SECRET: 'hunter2' });
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
  });

  it('requires https to Zoho in live mode, except to loopback', () => {
    const live = { ...base, ZOHO_CLIENT_ID: 'id', ZOHO_CLIENT_SECRET: 'secret' };
    expect(() => loadConfig({ ...live, ZOHO_API_URL: 'http://zoho.example.com/inventory/v1' })).toThrow(/ZOHO_API_URL must use https/);
    expect(loadConfig({ ...live, ZOHO_API_URL: 'http://127.0.0.1:9999/inventory/v1' }).demo).toBe(false);
  });

  it('reads secrets from NAME_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'secret');
    writeFileSync(file, 'from-a-file-0123456789\n');
    const config = loadConfig({ ...base, ZOHO_WEBHOOK_SECRET_FILE: file });
    expect(config.ZOHO_WEBHOOK_SECRET).toBe('from-a-file-0123456789');
    expect(() => loadConfig({ ...base, ADMIN_PASSWORD_FILE: join(dir, 'missing') })).toThrow(/ADMIN_PASSWORD_FILE/);
  });

  it('accepts a PostgreSQL url and a SQLite path', () => {
    expect(loadConfig({ ...base, DATABASE_URL: 'postgres://u@127.0.0.1/db' }).database.kind).toBe('postgres');
    expect(loadConfig({ ...base, DATABASE_URL: 'sqlite:/tmp/x.db' }).database).toEqual({ kind: 'sqlite', filename: '/tmp/x.db' });
  });
});
