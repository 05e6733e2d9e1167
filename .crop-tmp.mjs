import { chromium } from 'playwright-core';
import { writeFileSync } from 'node:fs';
const [,, src, out, y, h] = process.argv;
writeFileSync('/tmp/crop.html', `<body style="margin:0"><img src="file://${src}" style="display:block"></body>`);
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--allow-file-access-from-files'] });
const p = await b.newPage({ viewport: { width: 1366, height: 900 } });
await p.goto('file:///tmp/crop.html');
await p.screenshot({ path: out, clip: { x: 0, y: Number(y), width: 1366, height: Number(h) }, fullPage: true });
await b.close();
