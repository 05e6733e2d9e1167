/**
 * `npm run bench`: runs every bench/*.ts that exports `run()`, one after the
 * other in this process. Each benchmark prints its own ratios against a
 * baseline measured in the same run (the machine is shared and noisy, so
 * absolute numbers mean little). `npm run bench -- catalog` runs only the
 * files whose name contains "catalog".
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)))
  .sort();

let failed = 0;
for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { run?: () => Promise<void> };
  if (typeof mod.run !== 'function') continue;
  console.log(`\n=== ${file}`);
  try {
    await mod.run();
  } catch (err) {
    failed += 1;
    console.error(`benchmark ${file} failed:`, err);
  }
}
process.exit(failed ? 1 : 0);
