/**
 * Browser-test plumbing: Debian's chromium driven by playwright-core.
 * Without /usr/bin/chromium the suites are skipped with a visible name,
 * unless CI is set: then they fail (CI must run them).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const SCREENSHOT_DIR = join(process.cwd(), 'test-artifacts', 'screenshots');

export const chromiumAvailable = existsSync(CHROMIUM_PATH);

if (!chromiumAvailable && process.env.CI) {
  throw new Error(`CI is set and ${CHROMIUM_PATH} is missing: install it (apt-get install -y chromium); the browser tests must run in CI`);
}

/** describe() when chromium is there; otherwise a skipped suite whose name says why. */
export function describeBrowser(name: string, body: () => void): void {
  const label = chromiumAvailable ? name : `${name} [skipped: ${CHROMIUM_PATH} not found; apt-get install -y chromium]`;
  describe.skipIf(!chromiumAvailable)(label, body);
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Console errors and uncaught exceptions of a page (CSP violations land here too). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    // HTTP error statuses are asserted by the tests themselves (a 401 for a wrong password is expected).
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}
