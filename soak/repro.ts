/**
 * Reproductions of what the soak found (`npx tsx soak/repro.ts`):
 * 1. a product the storefront lists (ROLLOUT=all) whose cf_dtc_enabled is off is refused at checkout as unknown_sku;
 * 2. POST /api/orders/:id/cancel holds its answer for as long as the Zoho void call takes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testConfig } from '../src/config/load.js';
import { startBridge } from '../src/app/serve.js';
import { createLogger } from '../src/observability/logger.js';
import { sleep } from './stats.js';

const dir = mkdtempSync(join(tmpdir(), 'dtc-soak-repro-'));
const bridge = await startBridge(testConfig({ DATA_DIR: dir, PORT: '0', ADMIN_PASSWORD: 'soak-admin-pw' }), {
  logger: createLogger('silent'),
  banner: false,
  orders: { worker: { maxAttempts: 3, backoffBaseMs: 100, backoffMaxMs: 1000, pollIntervalMs: 100 } },
  zoho: { retry: { baseDelayMs: 20, maxDelayMs: 200 } },
});
try {
  await bridge.ready;
  const control = bridge.emulator!.control;
  const list = (await (await fetch(`${bridge.url}/api/products?pageSize=100`)).json()) as { items: Array<{ sku: string; availableQuantity: number; restrictedStates: string[] }> };
  const products = await bridge.ctx.catalog.reader.getManyBySku(list.items.map((p) => p.sku));
  const customer = { email: 'repro@example.com', firstName: 'Ana', lastName: 'Ruiz', dob: '1990-04-12', phone: '+17605550100' };
  const shippingAddress = { line1: '1200 MAIN ST', line2: null, city: 'AUSTIN', state: 'TX', zip: '78701' };
  const post = (orderId: string, sku: string) =>
    fetch(`${bridge.url}/api/orders`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': orderId }, body: JSON.stringify({ orderId, customer, shippingAddress, billingAddress: null, items: [{ sku, quantity: 1 }], clubMember: false, ip: null, ageVerification: null }) });

  // 1.
  const hidden = list.items.find((p) => products.get(p.sku)?.dtcEnabled === false);
  if (hidden && hidden.availableQuantity <= 0) {
    // Stock it in Zoho (webhook) so the refusal cannot be about stock.
    control.setStock(hidden.sku, control.locationIds.dtc, 25);
    await control.flushWebhooks();
    for (let i = 0; i < 50 && hidden.availableQuantity <= 0; i++) {
      await sleep(100);
      hidden.availableQuantity = ((await (await fetch(`${bridge.url}/api/products/${encodeURIComponent(hidden.sku)}`)).json()) as { availableQuantity: number }).availableQuantity;
    }
  }
  console.log(`ROLLOUT=${bridge.ctx.config.ROLLOUT}; ${list.items.length} listed, ${list.items.filter((p) => products.get(p.sku)?.dtcEnabled === false).length} of them with cf_dtc_enabled off`);
  if (hidden) {
    const r = await post('REPRO-HIDDEN-1', hidden.sku);
    console.log(`1. listed product ${hidden.sku} (available ${hidden.availableQuantity}, dtcEnabled=false): POST /api/orders → ${r.status} ${await r.text()}`);
  }

  // 2.
  const orderable = list.items.find((p) => p.availableQuantity > 5 && products.get(p.sku)?.dtcEnabled && !p.restrictedStates.includes('TX'));
  for (const p of list.items.filter((x) => x.availableQuantity > 5 && products.get(x.sku)?.dtcEnabled && !x.restrictedStates.includes('TX'))) {
    const id = `REPRO-CANCEL-${p.sku.replace(/[^A-Za-z0-9]/g, '')}`;
    const a = (await (await post(id, p.sku)).json()) as { status: string };
    if (a.status !== 'accepted') continue;
    let status = a.status;
    for (let i = 0; i < 100 && status !== 'placed'; i++) {
      await sleep(100);
      status = ((await (await fetch(`${bridge.url}/api/orders/${id}`)).json()) as { status: string }).status;
    }
    if (status !== 'placed') continue;
    control.injectFault({ method: 'POST', path: '/salesorders/:id/status/void', kind: 'timeout', times: 1 });
    const t0 = performance.now();
    const c = await fetch(`${bridge.url}/api/orders/${id}/cancel`, { method: 'POST' });
    const body = (await c.json()) as { status: string };
    console.log(`2. placed order ${id}; Zoho void hangs (timeout fault): POST /api/orders/${id}/cancel answered ${c.status} ${body.status} after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    break;
  }
  void orderable;
} finally {
  await bridge.close();
  rmSync(dir, { recursive: true, force: true });
}
