import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase, openTestStore } from '../support/databases.js';
import type { Store } from '../../src/store/db.js';
import { buildPactReport, cancelShipment, recordShipment } from '../../src/compliance/pact.js';
import type { PactShipmentRecord } from '../../src/compliance/types.js';
import { SHIPPED } from './helpers.js';

const ship = (orderId: string, state: string, city: string, zip: string, shippedAt: number, lines: PactShipmentRecord['lines']): PactShipmentRecord => ({
  orderId,
  zohoSalesOrderId: `SO-${orderId}`,
  shippedAt,
  recipientName: 'Ana Ruiz',
  address: { line1: '1 Main St', line2: null, city, state, zip },
  deliveryService: 'AdultSig Express',
  lines,
});
const vape = (qty: number, sku = 'VAPE-1') => ({ sku, name: 'Vape Pod', brand: 'Geek Bar', category: 'ends_vape', quantity: qty });
const liquid = (qty: number) => ({ sku: 'LIQ-1', name: 'E-liquid', brand: 'Naked', category: 'eliquid', quantity: qty });
const papers = (qty: number) => ({ sku: 'ACC-RAW', name: 'Papers', brand: 'RAW', category: 'accessories', quantity: qty });
const cigar = (qty: number) => ({ sku: 'CIG-1', name: 'Cigar', brand: 'Padron', category: 'tobacco_cigars', quantity: qty });

describeEachDatabase('PACT reports', (kind) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it('per state, PACT categories only, cancelled excluded, month in Pacific time, totals', async () => {
    store = await openTestStore(kind);
    const db = store.db;
    const march = (d: number, h = 12) => Date.UTC(2026, 2, d, h);
    await recordShipment(db, ship('A', 'CA', 'Palm Desert', '92260', march(3), [vape(2), papers(5)]));
    await recordShipment(db, ship('B', 'CA', 'Indio', '92201', march(9), [liquid(3), vape(1, 'VAPE-2')]));
    await recordShipment(db, ship('C', 'TX', 'Austin', '78701', march(15), [vape(4)]));
    await recordShipment(db, ship('D', 'CA', 'Palm Desert', '92260', march(20), [vape(7)]));
    await cancelShipment(db, 'D');
    await recordShipment(db, ship('E', 'CA', 'Palm Desert', '92260', march(21), [papers(1), cigar(2)]));
    // 2026-04-01 05:00 UTC is still March 31 in California.
    await recordShipment(db, ship('F', 'NV', 'Reno', '89501', Date.UTC(2026, 3, 1, 5), [vape(1)]));
    // 2026-03-01 05:00 UTC is still February in California.
    await recordShipment(db, ship('G', 'CA', 'Palm Desert', '92260', Date.UTC(2026, 2, 1, 5), [vape(9)]));

    const r = await buildPactReport(db, { month: '2026-03', ruleset: SHIPPED, deliverers: { 'AdultSig Express': { name: 'AdultSig Express LLC', address: '1 Carrier Way, Ontario CA', phone: '+19095550100' } } });
    expect(r.states.map((s) => s.state)).toEqual(['CA', 'NV', 'TX']);
    const ca = r.states[0]!;
    expect(ca.totals).toEqual({ shipments: 2, lines: 3, units: 6 });
    expect(ca.rows.map((x) => x.city)).toEqual(['Indio', 'Indio', 'Palm Desert']);
    expect(ca.rows[2]).toMatchObject({ orderId: 'A', recipientName: 'Ana Ruiz', line1: '1 Main St', zip: '92260', brand: 'Geek Bar', quantity: 2, deliveryService: 'AdultSig Express', delivererPhone: '+19095550100', shipDate: '2026-03-03' });
    expect(r.states[1]!.totals.units).toBe(1);
    expect(r.totals).toEqual({ states: 3, shipments: 4, lines: 5, units: 11 });
    const csv = r.csv.trim().split('\n');
    expect(csv[0]).toBe('state,city,zip,ship_date,order_id,zoho_sales_order_id,recipient_name,address_line1,address_line2,sku,product,brand,category,quantity,delivery_service,deliverer_name,deliverer_address,deliverer_phone');
    expect(csv).toHaveLength(1 + 5);
    expect(JSON.parse(r.json).totals.units).toBe(11);

    const tx = await buildPactReport(db, { month: '2026-03', state: 'tx', ruleset: SHIPPED });
    expect(tx.states.map((s) => s.state)).toEqual(['TX']);
    expect(tx.totals.units).toBe(4);
    await expect(buildPactReport(db, { month: '2026-13', ruleset: SHIPPED })).rejects.toThrow(/YYYY-MM/);
  });

  it('re-recording an order replaces it and un-cancels it', async () => {
    store = await openTestStore(kind);
    await recordShipment(store.db, ship('A', 'CA', 'Palm Desert', '92260', Date.UTC(2026, 4, 5), [vape(1)]));
    await cancelShipment(store.db, 'A');
    expect((await buildPactReport(store.db, { month: '2026-05', ruleset: SHIPPED })).totals.units).toBe(0);
    await recordShipment(store.db, ship('A', 'CA', 'Palm Desert', '92260', Date.UTC(2026, 4, 5), [vape(3)]));
    expect((await buildPactReport(store.db, { month: '2026-05', ruleset: SHIPPED })).totals.units).toBe(3);
  });
});
