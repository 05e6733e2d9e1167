/**
 * Zoho Inventory v1 endpoints (zoho-api.md §3 and §5) over EmulatorState:
 * items (list, detail, /itemdetails, image), custom-field definitions,
 * locations and legacy warehouses, organizations, contacts, sales orders
 * (create, list, get, confirm, void) and inventory adjustments. Every answer
 * uses the `{code, message, <key>}` envelope; errors use Zoho's codes.
 */
import type { Clock } from '../shared/clock.js';
import { isZohoDate, parseZohoTime, round2, zohoDate } from './format.js';
import { type EmulatorHttp, envelope, jsonBody, type Reply, type RequestContext, zohoError } from './http.js';
import { itemPng } from './png.js';
import {
  type CustomFieldDef,
  type EmuAddress,
  type EmuAdjustment,
  type EmuContact,
  type EmuContactPerson,
  type EmuItem,
  type EmulatorState,
  type EmuSalesOrder,
  type EmuSalesOrderLine,
  SORT_COLUMNS,
  type SortColumn,
} from './state.js';
import type { WebhookDispatcher } from './webhooks.js';

const MAX_PER_PAGE = 200;

export class Inventory {
  constructor(
    private readonly state: EmulatorState,
    private readonly clock: Clock,
    private readonly http: EmulatorHttp,
    private readonly webhooks: WebhookDispatcher,
  ) {}

  register(): void {
    const r = (method: string, template: string, scope: Array<[string, 'READ' | 'CREATE' | 'UPDATE' | 'DELETE']>, handler: (ctx: RequestContext) => Reply, noOrganization = false) =>
      this.http.inventory({ method, template, scope, handler, noOrganization });

    r('GET', '/items', [['items', 'READ']], (c) => this.listItems(c));
    r('GET', '/items/:id', [['items', 'READ']], (c) => this.getItem(c));
    r('GET', '/itemdetails', [['items', 'READ']], (c) => this.itemDetails(c));
    r('GET', '/items/:id/image', [['items', 'READ']], (c) => this.itemImage(c));
    // Not in the Inventory OAS; path from client code (zoho-api.md §5.5). settings.READ as the brief decides.
    r('GET', '/settings/customfields', [['settings', 'READ']], (c) => this.customFields(c));
    r('GET', '/locations', [['settings', 'READ']], () => this.listLocations());
    r('GET', '/settings/warehouses', [['settings', 'READ']], () => this.listWarehouses());
    r('GET', '/organizations', [['settings', 'READ']], () => this.listOrganizations(), true);
    r('GET', '/organizations/:id', [['settings', 'READ']], (c) => this.getOrganization(c), true);

    r('GET', '/contacts', [['contacts', 'READ']], (c) => this.listContacts(c));
    r('POST', '/contacts', [['contacts', 'CREATE']], (c) => this.createContact(c));
    r('GET', '/contacts/:id', [['contacts', 'READ']], (c) => this.getContact(c));
    r('PUT', '/contacts/:id', [['contacts', 'UPDATE']], (c) => this.updateContact(c));
    r('GET', '/contacts/:id/address', [['contacts', 'READ']], (c) => this.listAddresses(c));
    // Documented in Books only (zoho-api.md §5.6); either write scope is accepted.
    r('POST', '/contacts/:id/address', [['contacts', 'UPDATE'], ['contacts', 'CREATE']], (c) => this.addAddress(c));

    r('POST', '/salesorders', [['salesorders', 'CREATE']], (c) => this.createSalesOrder(c));
    r('GET', '/salesorders', [['salesorders', 'READ']], (c) => this.listSalesOrders(c));
    r('GET', '/salesorders/:id', [['salesorders', 'READ']], (c) => this.getSalesOrder(c));
    r('POST', '/salesorders/:id/status/confirmed', [['salesorders', 'CREATE']], (c) => this.confirmSalesOrder(c));
    r('POST', '/salesorders/:id/status/void', [['salesorders', 'CREATE']], (c) => this.voidSalesOrder(c));

    r('POST', '/inventoryadjustments', [['inventoryadjustments', 'CREATE']], (c) => this.createAdjustment(c));
    r('GET', '/inventoryadjustments', [['inventoryadjustments', 'READ']], (c) => this.listAdjustments(c));
    r('GET', '/inventoryadjustments/:id', [['inventoryadjustments', 'READ']], (c) => this.getAdjustment(c));
  }

  // =============== items ===============

  private listItems(ctx: RequestContext): Reply {
    const q = ctx.query;
    const paging = parsePaging(q);
    if ('status' in paging) return paging;
    const sortColumn = (q.get('sort_column') ?? 'name') as SortColumn;
    if (!SORT_COLUMNS.includes(sortColumn)) return zohoError(400, 2, 'Invalid value passed for sort_column');
    const sortOrder = q.get('sort_order') ?? 'A';
    if (sortOrder !== 'A' && sortOrder !== 'D') return zohoError(400, 2, 'Invalid value passed for sort_order');

    const preds: Array<(i: EmuItem) => boolean> = [];
    const filterBy = q.get('filter_by') ?? 'Status.All';
    switch (filterBy) {
      case 'Status.All':
      case 'ItemType.All':
      case 'ItemType.Inventory':
      case 'ItemType.SalesAndPurchases':
        break;
      case 'Status.Active':
        preds.push((i) => i.status === 'active');
        break;
      case 'Status.Inactive':
        preds.push((i) => i.status === 'inactive');
        break;
      case 'Status.Lowstock':
        preds.push((i) => this.state.totalOnHand(i) <= i.reorder_level);
        break;
      case 'Status.Unmapped':
        break;
      case 'Status.Grouped':
        preds.push((i) => i.group_id !== null);
        break;
      case 'Status.Uncategorized':
        preds.push((i) => !i.category_id);
        break;
      case 'ItemType.Sales':
      case 'ItemType.Purchases':
      case 'ItemType.NonInventory':
      case 'ItemType.Service':
        preds.push(() => false);
        break;
      default:
        return zohoError(400, 2, 'Invalid value passed for filter_by');
    }
    const status = q.get('status');
    if (status !== null) {
      if (status !== 'active' && status !== 'inactive') return zohoError(400, 2, 'Invalid value passed for status');
      preds.push((i) => i.status === status);
    }
    const search = q.get('search_text');
    if (search) {
      const s = search.toLowerCase();
      preds.push((i) => i.name.toLowerCase().includes(s) || i.sku.toLowerCase().includes(s) || i.description.toLowerCase().includes(s));
    }
    textFilter(q, 'name', (i: EmuItem) => i.name, preds);
    textFilter(q, 'sku', (i: EmuItem) => i.sku, preds);
    const categoryId = q.get('category_id');
    if (categoryId) preds.push((i) => i.category_id === categoryId);
    const brand = q.get('brand');
    if (brand) preds.push((i) => i.brand === brand);
    for (const key of ['location_id', 'warehouse_id']) {
      const loc = q.get(key);
      if (loc && !this.state.location(loc)) return zohoError(400, 2, `Invalid value passed for ${key}`);
    }
    let sinceSec: number | null = null;
    const lmt = q.get('last_modified_time');
    if (lmt !== null) {
      const ms = parseZohoTime(lmt);
      if (ms === null) return zohoError(400, 2, 'Invalid value passed for last_modified_time');
      sinceSec = Math.floor(ms / 1000);
      const since = sinceSec;
      preds.push((i) => Math.floor(i.modified / 1000) >= since);
    }

    // Candidates: one SKU lookup when `sku` is exact, else the cached sorted list.
    let candidates: EmuItem[];
    let start = 0;
    const exactSku = q.get('sku');
    if (exactSku !== null) {
      const hit = this.state.itemBySku(exactSku);
      candidates = hit ? [hit] : [];
    } else {
      candidates = this.state.sortedItems(sortColumn);
      if (sinceSec !== null && sortColumn === 'last_modified_time' && sortOrder === 'A') {
        start = lowerBound(candidates, (i) => Math.floor(i.modified / 1000) >= (sinceSec as number));
      }
    }

    const skip = (paging.page - 1) * paging.perPage;
    const rows: Array<Record<string, unknown>> = [];
    let matched = 0;
    let hasMore = false;
    const n = candidates.length;
    for (let k = start; k < n; k++) {
      const item = candidates[sortOrder === 'A' ? k : n - 1 - k + start]!;
      if (!preds.every((p) => p(item))) continue;
      matched += 1;
      if (matched <= skip) continue;
      if (rows.length === paging.perPage) {
        hasMore = true;
        break;
      }
      rows.push(this.state.itemListRow(item));
    }
    return ok({
      items: rows,
      page_context: {
        page: paging.page,
        per_page: paging.perPage,
        has_more_page: hasMore,
        report_name: 'Items',
        applied_filter: filterBy,
        custom_fields: [],
        sort_column: sortColumn,
        sort_order: sortOrder,
      },
    });
  }

  private getItem(ctx: RequestContext): Reply {
    const item = this.state.items.get(ctx.params.id ?? '');
    if (!item) return zohoError(404, 1002, 'Item does not exist.');
    return ok({ item: this.state.itemDetail(item) });
  }

  private itemDetails(ctx: RequestContext): Reply {
    const ids = (ctx.query.get('item_ids') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s);
    if (ids.length === 0) return zohoError(400, 2, 'Invalid value passed for item_ids');
    const items: Array<Record<string, unknown>> = [];
    for (const id of ids) {
      const item = this.state.items.get(id);
      if (item) items.push(this.state.itemDetail(item));
    }
    return ok({ items });
  }

  private itemImage(ctx: RequestContext): Reply {
    const item = this.state.items.get(ctx.params.id ?? '');
    if (!item) return zohoError(404, 1002, 'Item does not exist.');
    if (!item.image) return zohoError(404, 1002, 'Image does not exist.');
    return {
      status: 200,
      body: itemPng(item.image.color),
      contentType: 'image/png',
      headers: { 'Content-Disposition': `inline; filename="${item.image.name}"` },
    };
  }

  private customFields(ctx: RequestContext): Reply {
    const entity = ctx.query.get('entity');
    const entities = ['item', 'salesorder', 'contact'];
    if (entity !== null && !entities.includes(entity)) return zohoError(400, 2, 'Invalid value passed for entity');
    const defs = this.state.customFields.filter((d) => entity === null || d.entity === entity);
    return ok({ customfields: defs.map((d) => this.state.customFieldDefinition(d)) });
  }

  private listLocations(): Reply {
    if (this.state.stockShape === 'warehouses') {
      // An org that never migrated to Locations (zoho-api.md §5.4).
      return zohoError(404, 5, 'Invalid URL Passed');
    }
    return ok({ locations: this.state.locations.map((l) => this.state.locationRecord(l)) });
  }

  private listWarehouses(): Reply {
    // Whether this keeps answering after a migration is UNCONFIRMED; the emulator answers in both modes.
    return ok({ warehouses: this.state.locations.map((l) => this.state.warehouseRecord(l)) });
  }

  private listOrganizations(): Reply {
    return ok({ organizations: [this.state.organizationRecord(this.clock.now())] });
  }

  private getOrganization(ctx: RequestContext): Reply {
    if (ctx.params.id !== this.state.organizationId) return zohoError(404, 1002, 'Organization does not exist.');
    return ok({ organization: this.state.organizationRecord(this.clock.now()) });
  }

  // =============== contacts ===============

  private listContacts(ctx: RequestContext): Reply {
    const q = ctx.query;
    const paging = parsePaging(q);
    if ('status' in paging) return paging;
    const email = q.get('email');
    let list = email !== null ? this.state.contactsWithEmail(email) : [...this.state.contacts.values()];
    const preds: Array<(c: EmuContact) => boolean> = [];
    const emailStarts = q.get('email_startswith');
    if (emailStarts) preds.push((c) => this.state.contactEmails(c).some((e) => e.toLowerCase().startsWith(emailStarts.toLowerCase())));
    const emailContains = q.get('email_contains');
    if (emailContains) preds.push((c) => this.state.contactEmails(c).some((e) => e.toLowerCase().includes(emailContains.toLowerCase())));
    textFilter(q, 'contact_name', (c: EmuContact) => c.contact_name, preds);
    const search = q.get('search_text');
    if (search) preds.push((c) => c.contact_name.toLowerCase().includes(search.toLowerCase()));
    const filterBy = q.get('filter_by');
    if (filterBy === 'Status.Active') preds.push((c) => c.status === 'active');
    else if (filterBy === 'Status.Inactive') preds.push((c) => c.status === 'inactive');
    list = list.filter((c) => preds.every((p) => p(c)));
    list.sort((a, b) => a.contact_name.localeCompare(b.contact_name) || a.contact_id.localeCompare(b.contact_id));
    const { rows, hasMore } = pageOf(list, paging);
    return ok({
      contacts: rows.map((c) => this.state.contactListRow(c)),
      page_context: pageContext(paging, hasMore, 'Contacts', filterBy ?? 'Status.All', 'contact_name'),
    });
  }

  private getContact(ctx: RequestContext): Reply {
    const c = this.state.contacts.get(ctx.params.id ?? '');
    if (!c) return zohoError(404, 1002, 'Contact does not exist.');
    return ok({ contact: this.state.contactRecord(c) });
  }

  private createContact(ctx: RequestContext): Reply {
    const parsed = jsonBody(ctx);
    if (!parsed.ok) return parsed.reply;
    const b = parsed.value;
    const name = str(b.contact_name).trim();
    if (!name) return zohoError(400, 2, 'Invalid value passed for contact_name');
    if (this.contactNameTaken(name, null)) {
      // Zoho keeps display names unique per org by default (UNCONFIRMED code; Books uses 3062).
      return zohoError(400, 3062, `The customer "${name}" already exists. Please specify a different name.`);
    }
    const cf = this.resolveCustomFields('contact', b.custom_fields);
    if ('status' in cf) return cf;
    const now = this.clock.now();
    const persons = this.contactPersons(b.contact_persons, null);
    const primary = persons.find((p) => p.is_primary_contact) ?? persons[0];
    const contact: EmuContact = {
      contact_id: this.state.ids.next('contact'),
      contact_name: name,
      company_name: str(b.company_name),
      contact_type: str(b.contact_type) || 'customer',
      customer_sub_type: str(b.customer_sub_type) || 'individual',
      status: 'active',
      first_name: str(b.first_name) || primary?.first_name || '',
      last_name: str(b.last_name) || primary?.last_name || '',
      email: str(b.email) || primary?.email || '',
      phone: str(b.phone) || primary?.phone || '',
      mobile: str(b.mobile) || primary?.mobile || '',
      notes: str(b.notes),
      billing_address: this.address(b.billing_address, null),
      shipping_address: this.address(b.shipping_address, null),
      addresses: [],
      contact_persons: persons,
      cf: cf.values,
      created: now,
      modified: now,
    };
    this.state.addContact(contact);
    return { status: 201, body: envelope(0, 'The contact has been added.', { contact: this.state.contactRecord(contact) }) };
  }

  private updateContact(ctx: RequestContext): Reply {
    const c = this.state.contacts.get(ctx.params.id ?? '');
    if (!c) return zohoError(404, 1002, 'Contact does not exist.');
    const parsed = jsonBody(ctx);
    if (!parsed.ok) return parsed.reply;
    const b = parsed.value;
    if (b.contact_name !== undefined) {
      const name = str(b.contact_name).trim();
      if (!name) return zohoError(400, 2, 'Invalid value passed for contact_name');
      if (this.contactNameTaken(name, c.contact_id)) {
        return zohoError(400, 3062, `The customer "${name}" already exists. Please specify a different name.`);
      }
      c.contact_name = name;
    }
    let cfValues: Map<string, unknown> | null = null;
    if (b.custom_fields !== undefined) {
      const cf = this.resolveCustomFields('contact', b.custom_fields);
      if ('status' in cf) return cf;
      cfValues = cf.values;
    }
    const oldEmails = this.state.contactEmails(c);
    for (const key of ['company_name', 'contact_type', 'customer_sub_type', 'first_name', 'last_name', 'email', 'phone', 'mobile', 'notes'] as const) {
      if (b[key] !== undefined) c[key] = str(b[key]);
    }
    if (b.billing_address !== undefined) c.billing_address = this.address(b.billing_address, c.billing_address.address_id);
    if (b.shipping_address !== undefined) c.shipping_address = this.address(b.shipping_address, c.shipping_address.address_id);
    if (b.contact_persons !== undefined) c.contact_persons = this.contactPersons(b.contact_persons, c.contact_persons);
    if (cfValues) for (const [k, v] of cfValues) c.cf.set(k, v);
    c.modified = this.clock.now();
    this.state.reindexContact(c, oldEmails);
    return ok({ contact: this.state.contactRecord(c) }, 'Contact has been updated.');
  }

  private listAddresses(ctx: RequestContext): Reply {
    const c = this.state.contacts.get(ctx.params.id ?? '');
    if (!c) return zohoError(404, 1002, 'Contact does not exist.');
    return ok({ addresses: [c.billing_address, c.shipping_address, ...c.addresses].map((a) => ({ ...a })) });
  }

  private addAddress(ctx: RequestContext): Reply {
    const c = this.state.contacts.get(ctx.params.id ?? '');
    if (!c) return zohoError(404, 1002, 'Contact does not exist.');
    const parsed = jsonBody(ctx);
    if (!parsed.ok) return parsed.reply;
    const a = this.address(parsed.value, null);
    if (!a.address && !a.city && !a.zip) return zohoError(400, 2, 'Invalid value passed for address');
    c.addresses.push(a);
    c.modified = this.clock.now();
    return { status: 201, body: envelope(0, 'The address has been added.', { address_info: { ...a } }) };
  }

  private contactNameTaken(name: string, exceptId: string | null): boolean {
    const key = name.toLowerCase();
    for (const c of this.state.contacts.values()) {
      if (c.contact_id !== exceptId && c.contact_name.toLowerCase() === key) return true;
    }
    return false;
  }

  private address(input: unknown, keepId: string | null): EmuAddress {
    const a = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
    return {
      address_id: keepId ?? this.state.ids.next('address'),
      attention: str(a.attention),
      address: str(a.address),
      street2: str(a.street2),
      city: str(a.city),
      state: str(a.state),
      state_code: str(a.state_code),
      zip: str(a.zip),
      country: str(a.country),
      phone: str(a.phone),
      fax: str(a.fax),
    };
  }

  private contactPersons(input: unknown, existing: EmuContactPerson[] | null): EmuContactPerson[] {
    if (!Array.isArray(input)) return existing ?? [];
    return input.map((raw, i) => {
      const p = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
      const id = str(p.contact_person_id);
      return {
        contact_person_id: existing?.some((e) => e.contact_person_id === id) ? id : this.state.ids.next('contactperson'),
        salutation: str(p.salutation),
        first_name: str(p.first_name),
        last_name: str(p.last_name),
        email: str(p.email),
        phone: str(p.phone),
        mobile: str(p.mobile),
        is_primary_contact: p.is_primary_contact === undefined ? i === 0 : p.is_primary_contact === true,
      };
    });
  }

  // =============== sales orders ===============

  private createSalesOrder(ctx: RequestContext): Reply {
    const parsed = jsonBody(ctx);
    if (!parsed.ok) return parsed.reply;
    const b = parsed.value;
    const customer = this.state.contacts.get(str(b.customer_id));
    if (!customer) return zohoError(400, 2, 'Invalid value passed for customer_id');
    const orderLoc = str(b.location_id) || str(b.warehouse_id);
    if (orderLoc && !this.state.location(orderLoc)) return zohoError(400, 2, `Invalid value passed for ${b.location_id ? 'location_id' : 'warehouse_id'}`);
    if (!Array.isArray(b.line_items) || b.line_items.length === 0) return zohoError(400, 2, 'Invalid value passed for line_items');
    const defaultLoc = orderLoc || this.state.primaryLocation().location_id;

    const lines: EmuSalesOrderLine[] = [];
    for (const raw of b.line_items as unknown[]) {
      const l = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
      const item = this.state.items.get(str(l.item_id));
      if (!item) return zohoError(400, 2, 'Invalid value passed for item_id');
      if (item.status !== 'active') return zohoError(400, 2, `The item "${item.name}" is inactive and cannot be used in transactions.`);
      const quantity = num(l.quantity);
      if (quantity === null || quantity <= 0) return zohoError(400, 2, 'Invalid value passed for quantity');
      const rate = l.rate === undefined ? item.rate : num(l.rate);
      if (rate === null || rate < 0) return zohoError(400, 2, 'Invalid value passed for rate');
      const lineLoc = str(l.location_id) || str(l.warehouse_id) || defaultLoc;
      if (!this.state.location(lineLoc)) return zohoError(400, 2, `Invalid value passed for ${l.location_id ? 'location_id' : 'warehouse_id'}`);
      const discount = lineDiscount(l.discount, rate * quantity);
      if (discount === null) return zohoError(400, 2, 'Invalid value passed for discount');
      lines.push({
        line_item_id: this.state.ids.next('lineitem'),
        item_id: item.item_id,
        sku: item.sku,
        name: str(l.name) || item.name,
        description: str(l.description),
        rate,
        quantity,
        unit: item.unit,
        discount,
        tax_id: str(l.tax_id),
        location_id: lineLoc,
        quantity_invoiced: 0,
        quantity_packed: 0,
        quantity_shipped: 0,
        item_total: round2(rate * quantity - discount),
      });
    }

    let number: string;
    if (ctx.query.get('ignore_auto_number_generation') === 'true') {
      number = str(b.salesorder_number);
      if (!number) return zohoError(400, 2, 'Invalid value passed for salesorder_number');
      for (const so of this.state.salesOrders.values()) {
        if (so.salesorder_number === number) return zohoError(400, 36004, 'This sales order number already exists. Please enter a different number.');
      }
    } else {
      number = '';
    }
    const now = this.clock.now();
    const date = b.date === undefined ? zohoDate(now) : str(b.date);
    if (!isZohoDate(date)) return zohoError(400, 2, 'Invalid value passed for date');
    const shipmentDate = b.shipment_date === undefined || b.shipment_date === '' ? '' : str(b.shipment_date);
    if (shipmentDate && !isZohoDate(shipmentDate)) return zohoError(400, 2, 'Invalid value passed for shipment_date');
    const cf = this.resolveCustomFields('salesorder', b.custom_fields);
    if ('status' in cf) return cf;
    const shipping = this.contactAddress(customer, b.shipping_address_id, customer.shipping_address);
    if (shipping === undefined) return zohoError(400, 2, 'Invalid value passed for shipping_address_id');
    const billing = this.contactAddress(customer, b.billing_address_id, customer.billing_address);
    if (billing === undefined) return zohoError(400, 2, 'Invalid value passed for billing_address_id');
    for (const key of ['shipping_charge', 'discount', 'adjustment'] as const) {
      if (b[key] !== undefined && b[key] !== '' && num(b[key]) === null) return zohoError(400, 2, `Invalid value passed for ${key}`);
    }

    const so: EmuSalesOrder = {
      salesorder_id: this.state.ids.next('salesorder'),
      salesorder_number: number || this.state.nextSalesOrderNumber(),
      reference_number: str(b.reference_number),
      date,
      shipment_date: shipmentDate,
      status: 'draft',
      customer_id: customer.contact_id,
      location_id: defaultLoc,
      line_items: lines,
      shipping_charge: num(b.shipping_charge) ?? 0,
      discount: num(b.discount) ?? 0,
      adjustment: num(b.adjustment) ?? 0,
      adjustment_description: str(b.adjustment_description),
      is_inclusive_tax: b.is_inclusive_tax === true,
      delivery_method: str(b.delivery_method),
      notes: str(b.notes),
      terms: str(b.terms),
      billing_address: billing,
      shipping_address: shipping,
      cf: cf.values,
      committed: [],
      created: now,
      modified: now,
    };
    this.state.addSalesOrder(so);
    const record = this.state.salesOrderRecord(so);
    this.webhooks.emit('salesorder', 'created', record);
    return { status: 201, body: envelope(0, 'Sales Order has been created.', { salesorder: record }) };
  }

  private contactAddress(c: EmuContact, idRaw: unknown, fallback: EmuAddress): EmuAddress | null | undefined {
    const id = str(idRaw);
    if (!id) return fallback.address || fallback.city ? { ...fallback } : null;
    const all = [c.billing_address, c.shipping_address, ...c.addresses];
    const hit = all.find((a) => a.address_id === id);
    return hit ? { ...hit } : undefined;
  }

  private listSalesOrders(ctx: RequestContext): Reply {
    const q = ctx.query;
    const paging = parsePaging(q);
    if ('status' in paging) return paging;
    const ref = q.get('reference_number');
    let list = ref !== null ? this.state.salesOrdersByRef(ref) : [...this.state.salesOrders.values()];
    const preds: Array<(s: EmuSalesOrder) => boolean> = [];
    textFilter(q, 'salesorder_number', (s: EmuSalesOrder) => s.salesorder_number, preds);
    const refStarts = q.get('reference_number_startswith');
    if (refStarts) preds.push((s) => s.reference_number.startsWith(refStarts));
    const customerId = q.get('customer_id');
    if (customerId) preds.push((s) => s.customer_id === customerId);
    const search = q.get('search_text');
    if (search) {
      const t = search.toLowerCase();
      preds.push(
        (s) =>
          s.reference_number.toLowerCase().includes(t) ||
          s.salesorder_number.toLowerCase().includes(t) ||
          (this.state.contacts.get(s.customer_id)?.contact_name.toLowerCase().includes(t) ?? false),
      );
    }
    const filterBy = q.get('filter_by') ?? 'Status.All';
    const statusFilter: Record<string, EmuSalesOrder['status'] | null> = {
      'Status.All': null,
      'Status.Draft': 'draft',
      'Status.Confirmed': 'confirmed',
      'Status.Void': 'void',
      'Status.Fulfilled': 'fulfilled',
    };
    if (!(filterBy in statusFilter)) return zohoError(400, 2, 'Invalid value passed for filter_by');
    const wanted = statusFilter[filterBy];
    if (wanted) preds.push((s) => s.status === wanted);
    list = list.filter((s) => preds.every((p) => p(s)));
    // Newest first, as Zoho lists transactions.
    list.sort((a, b) => b.created - a.created || (a.salesorder_id < b.salesorder_id ? 1 : -1));
    const { rows, hasMore } = pageOf(list, paging);
    return ok({
      salesorders: rows.map((s) => this.state.salesOrderListRow(s)),
      page_context: pageContext(paging, hasMore, 'Sales Orders', filterBy, 'created_time', 'D'),
    });
  }

  private getSalesOrder(ctx: RequestContext): Reply {
    const so = this.state.salesOrders.get(ctx.params.id ?? '');
    if (!so) return zohoError(404, 1002, 'Sales order does not exist.');
    return ok({ salesorder: this.state.salesOrderRecord(so) });
  }

  private confirmSalesOrder(ctx: RequestContext): Reply {
    const so = this.state.salesOrders.get(ctx.params.id ?? '');
    if (!so) return zohoError(404, 1002, 'Sales order does not exist.');
    if (so.status === 'void') return zohoError(400, 2, 'A voided sales order cannot be confirmed.');
    // Confirming twice is a no-op (UNCONFIRMED what Zoho answers); the stock is committed once.
    if (so.status === 'draft') {
      this.commit(so);
      so.status = 'confirmed';
      so.modified = this.clock.now();
      this.webhooks.emit('salesorder', 'confirmed', this.state.salesOrderRecord(so));
    }
    return ok({}, "Sales order status has been changed to 'Confirmed'.");
  }

  private voidSalesOrder(ctx: RequestContext): Reply {
    const so = this.state.salesOrders.get(ctx.params.id ?? '');
    if (!so) return zohoError(404, 1002, 'Sales order does not exist.');
    if (so.status === 'fulfilled') return zohoError(400, 2, 'A fulfilled sales order cannot be voided.');
    if (so.status !== 'void') {
      this.release(so);
      so.status = 'void';
      so.modified = this.clock.now();
      this.webhooks.emit('salesorder', 'voided', this.state.salesOrderRecord(so));
    }
    return ok({}, "Sales order status has been changed to 'Void'.");
  }

  /** Confirmation commits stock at each line's location: available-for-sale drops, on hand does not (zoho-api.md §5.3.1). */
  private commit(so: EmuSalesOrder): void {
    for (const l of so.line_items) {
      const item = this.state.items.get(l.item_id);
      if (!item) continue;
      this.state.stockCell(item, l.location_id).committed += l.quantity;
      so.committed.push({ item_id: l.item_id, location_id: l.location_id, quantity: l.quantity });
    }
    this.state.itemsChanged();
  }

  release(so: EmuSalesOrder): void {
    for (const c of so.committed) {
      const item = this.state.items.get(c.item_id);
      if (item) this.state.stockCell(item, c.location_id).committed -= c.quantity;
    }
    so.committed = [];
    this.state.itemsChanged();
  }

  /** Staff shipping the order in Zoho: on hand drops, the commitment goes. */
  fulfill(so: EmuSalesOrder): void {
    if (so.status === 'void') throw new Error(`sales order ${so.salesorder_id} is void`);
    if (so.status === 'draft') this.commit(so);
    for (const c of so.committed) {
      const item = this.state.items.get(c.item_id);
      if (!item) continue;
      const cell = this.state.stockCell(item, c.location_id);
      cell.committed -= c.quantity;
      cell.onHand -= c.quantity;
    }
    so.committed = [];
    for (const l of so.line_items) {
      l.quantity_packed = l.quantity;
      l.quantity_shipped = l.quantity;
    }
    so.status = 'fulfilled';
    so.modified = this.clock.now();
    this.state.itemsChanged();
    this.webhooks.emit('salesorder', 'fulfilled', this.state.salesOrderRecord(so));
  }

  // =============== inventory adjustments ===============

  private createAdjustment(ctx: RequestContext): Reply {
    const parsed = jsonBody(ctx);
    if (!parsed.ok) return parsed.reply;
    const b = parsed.value;
    if (!isZohoDate(b.date)) return zohoError(400, 2, 'Invalid value passed for date');
    const reason = str(b.reason).trim();
    if (!reason) return zohoError(400, 2, 'Invalid value passed for reason');
    const type = str(b.adjustment_type);
    if (type !== 'quantity' && type !== 'value') return zohoError(400, 2, 'Invalid value passed for adjustment_type');
    const headerLoc = str(b.location_id) || str(b.warehouse_id);
    if (headerLoc && !this.state.location(headerLoc)) return zohoError(400, 2, `Invalid value passed for ${b.location_id ? 'location_id' : 'warehouse_id'}`);
    if (!Array.isArray(b.line_items) || b.line_items.length === 0) return zohoError(400, 2, 'Invalid value passed for line_items');
    const defaultLoc = headerLoc || this.state.primaryLocation().location_id;
    const moves: Array<{ item: EmuItem; locationId: string; qty: number; value: number; raw: Record<string, unknown> }> = [];
    for (const raw of b.line_items as unknown[]) {
      const l = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
      const item = this.state.items.get(str(l.item_id));
      if (!item) return zohoError(400, 2, 'Invalid value passed for item_id');
      const locationId = str(l.location_id) || str(l.warehouse_id) || defaultLoc;
      if (!this.state.location(locationId)) return zohoError(400, 2, `Invalid value passed for ${l.location_id ? 'location_id' : 'warehouse_id'}`);
      if (type === 'quantity') {
        const qty = num(l.quantity_adjusted);
        if (qty === null || qty === 0) return zohoError(400, 2, 'Invalid value passed for quantity_adjusted');
        moves.push({ item, locationId, qty, value: round2(qty * item.purchase_rate), raw: l });
      } else {
        const value = num(l.value_adjusted);
        if (value === null) return zohoError(400, 2, 'Invalid value passed for value_adjusted');
        moves.push({ item, locationId, qty: 0, value, raw: l });
      }
    }
    const adj = this.recordAdjustment({
      date: b.date,
      reason,
      description: str(b.description),
      reference_number: str(b.reference_number),
      type,
      locationId: defaultLoc,
      moves: moves.map((m) => ({ item: m.item, locationId: m.locationId, qty: m.qty, value: m.value, description: str(m.raw.description) })),
    });
    return {
      status: 201,
      body: envelope(0, 'Inventory Adjustment has been added', { inventory_adjustment: this.state.adjustmentRecord(adj) }),
    };
  }

  /** Applies and stores an adjustment, then fires its webhook (shared with control.setStock). */
  recordAdjustment(a: {
    date: string;
    reason: string;
    description: string;
    reference_number: string;
    type: 'quantity' | 'value';
    locationId: string;
    moves: Array<{ item: EmuItem; locationId: string; qty: number; value: number; description: string }>;
  }): EmuAdjustment {
    const now = this.clock.now();
    for (const m of a.moves) if (a.type === 'quantity') this.state.stockCell(m.item, m.locationId).onHand += m.qty;
    this.state.itemsChanged();
    const adj: EmuAdjustment = {
      inventory_adjustment_id: this.state.ids.next('adjustment'),
      date: a.date,
      reason: a.reason,
      reason_id: reasonId(a.reason),
      description: a.description,
      reference_number: a.reference_number,
      adjustment_type: a.type,
      location_id: a.locationId,
      line_items: a.moves.map((m) => ({
        line_item_id: this.state.ids.next('lineitem'),
        item_id: m.item.item_id,
        name: m.item.name,
        description: m.description,
        quantity_adjusted: m.qty,
        item_total: m.value,
        unit: m.item.unit,
        location_id: m.locationId,
      })),
      total: round2(a.moves.reduce((s, m) => s + m.value, 0)),
      status: 'adjusted',
      created: now,
      modified: now,
    };
    this.state.addAdjustment(adj);
    this.webhooks.emit('inventory_adjustment', 'created', this.state.adjustmentRecord(adj));
    return adj;
  }

  private listAdjustments(ctx: RequestContext): Reply {
    const q = ctx.query;
    const paging = parsePaging(q);
    if ('status' in paging) return paging;
    const ref = q.get('reference_number');
    const list = (ref !== null ? this.state.adjustmentsByRef(ref) : [...this.state.adjustments.values()]).sort(
      (a, b) => b.created - a.created || (a.inventory_adjustment_id < b.inventory_adjustment_id ? 1 : -1),
    );
    const { rows, hasMore } = pageOf(list, paging);
    return ok({
      inventory_adjustments: rows.map((a) => {
        const full = this.state.adjustmentRecord(a);
        delete full.line_items;
        return full;
      }),
      page_context: pageContext(paging, hasMore, 'Inventory Adjustments', 'Status.All', 'created_time', 'D'),
    });
  }

  private getAdjustment(ctx: RequestContext): Reply {
    const adj = this.state.adjustments.get(ctx.params.id ?? '');
    if (!adj) return zohoError(404, 1002, 'Inventory Adjustment does not exist.');
    return ok({ inventory_adjustment: this.state.adjustmentRecord(adj) });
  }

  // =============== custom fields on writes ===============

  /**
   * `custom_fields: [{customfield_id | api_name | label, value}]` against the
   * entity's definitions. Unknown or inactive fields, dropdown values outside
   * the options and non-boolean check boxes are refused (zoho-api.md §7.9).
   */
  resolveCustomFields(entity: CustomFieldDef['entity'], input: unknown): { values: Map<string, unknown> } | Reply {
    const values = new Map<string, unknown>();
    if (input === undefined || input === null) return { values };
    if (!Array.isArray(input)) return zohoError(400, 2, 'Invalid value passed for custom_fields');
    const defs = this.state.customFieldsFor(entity);
    for (const raw of input as unknown[]) {
      const f = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
      const id = str(f.customfield_id);
      const api = str(f.api_name) || str(f.placeholder);
      const label = str(f.label);
      const def = defs.find((d) => (id && d.customfield_id === id) || (api && d.api_name === api) || (!id && !api && label && d.label === label));
      if (!def || !def.is_active) return zohoError(400, 2, `Invalid value passed for custom field ${id || api || label || '(unnamed)'}`);
      let value = f.value;
      if (def.data_type === 'check_box') {
        if (value === 'true' || value === 'false') value = value === 'true';
        if (typeof value !== 'boolean') return zohoError(400, 2, `Invalid value passed for ${def.label}`);
      } else if (def.data_type === 'dropdown' && value !== '' && value !== null) {
        if (!def.values?.includes(str(value))) return zohoError(400, 2, `Invalid value passed for ${def.label}`);
      } else if (def.data_type === 'date' && value !== '' && value !== null && !isZohoDate(value)) {
        return zohoError(400, 2, `Invalid value passed for ${def.label}`);
      } else if (['decimal', 'amount', 'number', 'percent'].includes(def.data_type) && value !== '' && value !== null) {
        const n = num(value);
        if (n === null) return zohoError(400, 2, `Invalid value passed for ${def.label}`);
        value = n;
      } else if (typeof value !== 'string' && value !== null && !Array.isArray(value)) {
        value = String(value);
      }
      values.set(def.api_name, value);
    }
    return { values };
  }
}

// =============== helpers ===============

function ok(payload: Record<string, unknown>, message = 'success'): Reply {
  return { status: 200, body: { code: 0, message, ...payload } };
}

interface Paging {
  page: number;
  perPage: number;
}

function parsePaging(q: URLSearchParams): Paging | Reply {
  const pageText = q.get('page') ?? '1';
  const perText = q.get('per_page') ?? String(MAX_PER_PAGE);
  if (!/^\d+$/.test(pageText) || Number(pageText) < 1) return zohoError(400, 2, 'Invalid value passed for page');
  if (!/^\d+$/.test(perText) || Number(perText) < 1) return zohoError(400, 2, 'Invalid value passed for per_page');
  // 200 is the documented maximum; larger values are capped (has_more_page still tells the truth).
  return { page: Number(pageText), perPage: Math.min(MAX_PER_PAGE, Number(perText)) };
}

function pageOf<T>(list: T[], p: Paging): { rows: T[]; hasMore: boolean } {
  const start = (p.page - 1) * p.perPage;
  return { rows: list.slice(start, start + p.perPage), hasMore: list.length > start + p.perPage };
}

function pageContext(p: Paging, hasMore: boolean, report: string, filter: string, sortColumn: string, sortOrder = 'A'): Record<string, unknown> {
  return {
    page: p.page,
    per_page: p.perPage,
    has_more_page: hasMore,
    report_name: report,
    applied_filter: filter,
    custom_fields: [],
    sort_column: sortColumn,
    sort_order: sortOrder,
  };
}

/** `<field>` (exact, except for the fast-path callers), `<field>_startswith`, `<field>_contains`. */
function textFilter<T>(q: URLSearchParams, field: string, get: (x: T) => string, preds: Array<(x: T) => boolean>): void {
  const exact = q.get(field);
  if (exact !== null) preds.push((x) => get(x) === exact);
  const starts = q.get(`${field}_startswith`);
  if (starts) preds.push((x) => get(x).toLowerCase().startsWith(starts.toLowerCase()));
  const contains = q.get(`${field}_contains`);
  if (contains) preds.push((x) => get(x).toLowerCase().includes(contains.toLowerCase()));
}

/** First index whose item satisfies `pred`, for a list sorted so that pred is monotone. */
function lowerBound<T>(list: T[], pred: (x: T) => boolean): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(list[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return '';
}

function num(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

/** A line discount as an amount or a percentage string (`"10%"`). */
function lineDiscount(v: unknown, gross: number): number | null {
  if (v === undefined || v === null || v === '') return 0;
  if (typeof v === 'string' && v.trim().endsWith('%')) {
    const pct = num(v.trim().slice(0, -1));
    return pct === null ? null : round2((gross * pct) / 100);
  }
  return num(v);
}

const REASON_IDS = new Map<string, string>();
function reasonId(reason: string): string {
  let id = REASON_IDS.get(reason);
  if (!id) {
    id = `48151620000410${String(REASON_IDS.size + 1).padStart(5, '0')}`;
    REASON_IDS.set(reason, id);
  }
  return id;
}
