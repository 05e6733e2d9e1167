/**
 * `npm start` twice on the same ./data: the second run's emulator is fresh and
 * hands out the same contact ids again. Orders after the restart must still
 * go to the right Zoho contact.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config/load.js';
import { startBridge, type RunningBridge } from '../../src/app/serve.js';
import { createLogger } from '../../src/observability/logger.js';

const dataDir = mkdtempSync(join(tmpdir(), 'dtc-restart-'));

async function start(): Promise<RunningBridge> {
  const bridge = await startBridge(testConfig({ DATA_DIR: dataDir, PORT: '0', ADMIN_PASSWORD: 'restart-admin-pw' }), {
    logger: createLogger('silent'),
    banner: false,
  });
  await bridge.ready;
  return bridge;
}

async function place(bridge: RunningBridge, orderId: string, email: string, firstName: string) {
  const res = await fetch(`${bridge.url}/api/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      orderId,
      customer: { email, firstName, lastName: 'Ruiz', dob: '1990-04-12', phone: '+17605550100' },
      shippingAddress: { line1: '73-510 Fred Waring Dr', line2: null, city: 'Palm Desert', state: 'CA', zip: '92260' },
      billingAddress: null,
      items: [{ sku: 'ACC-RAW-KSS', quantity: 1 }],
      clubMember: false,
      ip: '203.0.113.7',
      ageVerification: null,
    }),
  });
  expect(res.status).toBe(201);
  await bridge.ctx.orders.worker.drain();
  const so = bridge.emulator!.control.salesOrders().find((s) => s.reference_number === orderId)!;
  const contact = bridge.emulator!.control.contacts().find((c) => c.contact_id === so.customer_id)!;
  return contact.email;
}

describe('the demo restarted on the same data folder', () => {
  it('sends each order to its own customer after the emulator was reset', async () => {
    const first = await start();
    try {
      expect(await place(first, 'VIP-R-1', 'ana@example.com', 'Ana')).toBe('ana@example.com');
    } finally {
      await first.close();
    }
    const second = await start();
    try {
      expect(await place(second, 'VIP-R-2', 'bob@example.com', 'Bob')).toBe('bob@example.com');
      expect(await place(second, 'VIP-R-3', 'ana@example.com', 'Ana')).toBe('ana@example.com');
    } finally {
      await second.close();
    }
  });
});
