/**
 * The CLI as an operator runs it: real processes through bin/dtc-bridge.js,
 * in demo mode (each command brings its own emulator when no server runs).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const dataDir = mkdtempSync(join(tmpdir(), 'dtc-cli-'));

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [join(root, 'bin/dtc-bridge.js'), ...args], {
    cwd: root,
    env: { ...process.env, DTC_IGNORE_DOTENV: '1', DATA_DIR: dataDir, LOG_LEVEL: 'error', NODE_ENV: 'test' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

describe('npx dtc-bridge', () => {
  it('doctor passes against the demo and prints the location ids', () => {
    const r = cli('doctor');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/ok\s+organization\s+BMB Wholesale \(850205569\)/);
    expect(r.out).toMatch(/VIP Smoke DTC \(\d+/);
    expect(r.out).toContain('all checks passed');
  });

  it('drill passes on the shipped ruleset and the audit chain then verifies', () => {
    const drill = cli('drill');
    expect(drill.code, drill.err).toBe(0);
    expect(drill.out).toMatch(/\d+ passed, 0 failed/);
    const verify = cli('audit', 'verify');
    expect(verify.code, verify.err).toBe(0);
    expect(verify.out).toMatch(/audit chain intact: [1-9]\d* records/);
    const out = join(dataDir, 'audit.csv');
    const exported = cli('audit', 'export', '--format', 'csv', '--include-drills', '--out', out);
    expect(exported.code, exported.err).toBe(0);
    expect(readFileSync(out, 'utf8').split('\n').length).toBeGreaterThan(10);
  });

  it('refuses bad arguments and bad configuration with exit code 2 and one line', () => {
    const month = cli('pact-report', '--month', '2026-13');
    expect(month.code).toBe(2);
    expect(month.err.trim()).toBe('--month must be YYYY-MM');
    const result = spawnSync(process.execPath, [join(root, 'bin/dtc-bridge.js'), 'auth', 'status'], {
      cwd: root,
      env: { ...process.env, DTC_IGNORE_DOTENV: '1', DATA_DIR: dataDir, STOCK_MODE: 'both' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('STOCK_MODE');
  });
});
