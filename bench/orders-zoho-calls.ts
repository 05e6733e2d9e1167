/**
 * Zoho calls per order, counted by the emulator: the bridge's flow (new and
 * returning customer) beside the naive flow of the original spec (get item,
 * find contact, create contact, create order, stock adjustment), run against
 * the same emulator in the same process. Goals: returning <= 2, new <= 4.
 */
import { benchOrder, benchWorld, postOrder } from './orders-world.js';

export async function run(): Promise<void> {
  const w = await benchWorld({ env: { ZOHO_PER_MINUTE_LIMIT: '100000' }, emulator: { perMinuteLimit: 100_000 }, orders: { worker: { backoffBaseMs: 10 } } });
  try {
    const loc = w.emu.control.locationIds.dtc;
    const count = async (fn: () => Promise<void>) => {
      w.emu.control.resetCounters();
      await fn();
      return w.emu.control.counters().total;
    };
    const N = 10;
    let newCalls = 0;
    let returningCalls = 0;
    for (let i = 0; i < N; i++) {
      newCalls += await count(async () => {
        await postOrder(w.app, benchOrder(1000 + i));
        await w.orders.worker.drain();
      });
      returningCalls += await count(async () => {
        await postOrder(w.app, benchOrder(1000 + i));
        await w.orders.worker.drain();
      });
    }
    const item = w.emu.control.findItemBySku('ACC-RAW-KSS')!;
    const itemId = String(item.item_id);
    const opts = { priority: 'order' as const };
    let naiveNew = 0;
    let naiveReturning = 0;
    for (let i = 0; i < N; i++) {
      const email = `naive${i}@example.com`;
      const naive = async () => {
        await w.zoho.api.items.get(itemId, opts);
        let contact = await w.zoho.api.contacts.findByEmail(email, opts);
        if (!contact) {
          contact = await w.zoho.api.contacts.create(
            { contact_name: `Naive ${i} (${email})`, contact_type: 'customer', email, contact_persons: [{ first_name: 'Naive', last_name: String(i), email, is_primary_contact: true }] },
            opts,
          );
        }
        await w.zoho.api.salesOrders.create(
          { customer_id: contact.contact_id, reference_number: `NAIVE-${process.pid}-${i}-${Math.random()}`, line_items: [{ item_id: itemId, quantity: 1, location_id: loc }], location_id: loc },
          opts,
        );
        await w.zoho.api.inventoryAdjustments.create(
          { date: '2026-11-28', reason: 'web order', adjustment_type: 'quantity', line_items: [{ item_id: itemId, quantity_adjusted: -1, location_id: loc }], location_id: loc },
          opts,
        );
      };
      naiveNew += await count(naive);
      naiveReturning += await count(naive);
    }
    const f = (x: number) => (x / N).toFixed(2);
    console.log(`calls per order, new customer:       bridge ${f(newCalls)}  naive ${f(naiveNew)}  ratio ${(newCalls / naiveNew).toFixed(2)} (goal bridge <= 4)`);
    console.log(`calls per order, returning customer: bridge ${f(returningCalls)}  naive ${f(naiveReturning)}  ratio ${(returningCalls / naiveReturning).toFixed(2)} (goal bridge <= 2)`);
  } finally {
    await w.close();
  }
}
