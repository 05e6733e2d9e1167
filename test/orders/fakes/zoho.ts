/** An in-memory ZohoInventoryApi with call counters and fault injection, for the orders tests. */
import { ZohoApiError, ZohoOutcomeUnknownError } from '../../../src/zoho/errors.js';
import type {
  ZohoContact,
  ZohoInventoryAdjustment,
  ZohoInventoryAdjustmentInput,
  ZohoInventoryApi,
  ZohoSalesOrder,
  ZohoSalesOrderInput,
} from '../../../src/zoho/types.js';

export type FakeFault = 'lost_response' | 'http500' | 'http400' | 'before_send_unknown';

export class FakeZoho {
  calls: string[] = [];
  contacts = new Map<string, ZohoContact & { addresses: Array<{ address_id: string }> }>();
  salesOrders = new Map<string, ZohoSalesOrder & { input: ZohoSalesOrderInput }>();
  adjustments: Array<ZohoInventoryAdjustment & { input: ZohoInventoryAdjustmentInput }> = [];
  private faults: Array<{ op: string; fault: FakeFault; times: number }> = [];
  private seq = 1000;

  inject(op: string, fault: FakeFault, times = 1): void {
    this.faults.push({ op, fault, times });
  }

  private fault(op: string): FakeFault | null {
    const f = this.faults.find((x) => x.op === op && x.times > 0);
    if (!f) return null;
    f.times--;
    return f.fault;
  }

  /** Runs a write: faults before (nothing happens) or after (it happened, the answer is lost). */
  private async write<T>(op: string, apply: () => T): Promise<T> {
    this.calls.push(op);
    const f = this.fault(op);
    if (f === 'http500') throw new ZohoApiError(500, undefined, 'boom', op, true);
    if (f === 'http400') throw new ZohoApiError(400, 4, 'bad', op, false);
    if (f === 'before_send_unknown') throw new ZohoOutcomeUnknownError(op, new Error('timeout'));
    const result = apply();
    if (f === 'lost_response') throw new ZohoOutcomeUnknownError(op, new Error('socket hang up'));
    return result;
  }

  private async read<T>(op: string, get: () => T): Promise<T> {
    this.calls.push(op);
    const f = this.fault(op);
    if (f === 'http500') throw new ZohoApiError(500, undefined, 'boom', op, true);
    return get();
  }

  id(): string {
    return String(++this.seq) + '000000000';
  }

  count(op?: string): number {
    return op ? this.calls.filter((c) => c === op).length : this.calls.length;
  }

  api(): ZohoInventoryApi {
    const self = this;
    const unused = async () => {
      throw new Error('not used by orders');
    };
    return {
      items: { list: unused, get: unused, getMany: unused, getImage: unused } as never,
      locations: { list: unused } as never,
      customFields: { listForItems: unused } as never,
      organizations: { list: unused } as never,
      contacts: {
        findByEmail: (email) => self.read('contacts.find', () => [...self.contacts.values()].find((c) => c.email === email) ?? null),
        get: (id) => self.read('contacts.get', () => self.contacts.get(id)!),
        create: (input) =>
          self.write('contacts.create', () => {
            const c = {
              contact_id: self.id(),
              contact_name: input.contact_name,
              email: input.email,
              shipping_address: { ...input.shipping_address, address_id: self.id() },
              billing_address: { ...input.billing_address, address_id: self.id() },
              addresses: [],
            };
            self.contacts.set(c.contact_id, c);
            return c;
          }),
        update: unused as never,
        addAddress: (id) =>
          self.write('contacts.addAddress', () => {
            const a = { address_id: self.id() };
            self.contacts.get(id)!.addresses.push(a);
            return a;
          }),
      },
      salesOrders: {
        create: (input) =>
          self.write('salesorders.create', () => {
            const so = { salesorder_id: self.id(), salesorder_number: `SO-${self.salesOrders.size + 1}`, reference_number: input.reference_number, status: 'draft', input };
            self.salesOrders.set(so.salesorder_id, so);
            return so;
          }),
        get: (id) => self.read('salesorders.get', () => self.salesOrders.get(id)!),
        findByReference: (ref) => self.read('salesorders.find', () => [...self.salesOrders.values()].find((s) => s.reference_number === ref) ?? null),
        confirm: (id) =>
          self.write('salesorders.confirm', () => {
            self.salesOrders.get(id)!.status = 'confirmed';
          }),
        void: (id) =>
          self.write('salesorders.void', () => {
            self.salesOrders.get(id)!.status = 'void';
          }),
      },
      inventoryAdjustments: {
        create: (input) =>
          self.write('adjustments.create', () => {
            const a = { inventory_adjustment_id: self.id(), reference_number: input.reference_number, input };
            self.adjustments.push(a);
            return a;
          }),
        findByReference: (ref) => self.read('adjustments.find', () => self.adjustments.find((a) => a.reference_number === ref) ?? null),
      },
    };
  }
}
