import { ZohoApiError } from './errors.js';
import type { ZohoHttpClient } from './client.js';
import type {
  CallOptions,
  ItemListParams,
  PageContext,
  ZohoAddressInput,
  ZohoContact,
  ZohoContactInput,
  ZohoCustomFieldDefinition,
  ZohoInventoryAdjustment,
  ZohoInventoryAdjustmentInput,
  ZohoInventoryApi,
  ZohoItem,
  ZohoLocation,
  ZohoOrganization,
  ZohoSalesOrder,
  ZohoSalesOrderInput,
} from './types.js';

/**
 * `/itemdetails?item_ids=` batch size. Zoho documents no maximum; 50 ids of
 * ~19 digits keep the URL near 1 KB (well under common 8 KB limits) and turn
 * a 400-item catalog refresh into 8 calls instead of 400.
 */
export const ITEM_DETAILS_CHUNK = 50;

type Envelope = Record<string, unknown>;

/** Typed resources over the HTTP client (reference/zoho-api.md §5). */
export function createInventoryApi(client: ZohoHttpClient): ZohoInventoryApi {
  const get = <T = Envelope>(endpoint: string, path: string, opts: CallOptions, query?: Record<string, string | number | boolean | undefined>) =>
    client.call<T>({ method: 'GET', endpoint, path, priority: opts.priority, ...(query ? { query } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
  const send = <T = Envelope>(method: 'POST' | 'PUT', endpoint: string, path: string, body: unknown, opts: CallOptions) =>
    client.call<T>({ method, endpoint, path, body, priority: opts.priority, ...(opts.signal ? { signal: opts.signal } : {}) });
  const id = (value: string) => encodeURIComponent(value);

  return {
    items: {
      async list(params: ItemListParams, opts) {
        const body = await get('/items', '/items', opts, { ...params });
        return { items: arrayOf<ZohoItem>(body.items), page_context: pageContext(body.page_context, params) };
      },
      async get(itemId, opts) {
        const body = await get('/items/:id', `/items/${id(itemId)}`, opts);
        return required<ZohoItem>(body.item, 'item', '/items/:id');
      },
      async getMany(itemIds, opts) {
        const unique = [...new Set(itemIds)];
        const out: ZohoItem[] = [];
        for (let i = 0; i < unique.length; i += ITEM_DETAILS_CHUNK) {
          const chunk = unique.slice(i, i + ITEM_DETAILS_CHUNK);
          const body = await get('/itemdetails', '/itemdetails', opts, { item_ids: chunk.join(',') });
          out.push(...arrayOf<ZohoItem>(body.items ?? body.item_details));
        }
        return out;
      },
      async getImage(itemId, opts) {
        const res = await client.binary({ method: 'GET', endpoint: '/items/:id/image', path: `/items/${id(itemId)}/image`, priority: opts.priority, ...(opts.signal ? { signal: opts.signal } : {}) });
        if (!res || res.body.length === 0) return null;
        return { contentType: res.contentType || 'application/octet-stream', body: res.body };
      },
    },

    locations: {
      async list(opts) {
        try {
          const body = await get('/locations', '/locations', opts);
          const locations = arrayOf<Envelope>(body.locations).map(normalizeLocation);
          if (locations.length > 0) return locations;
        } catch (err) {
          // Orgs that never enabled Locations: 404 or code 5 ("Invalid URL Passed"). A 401 (scope) is not a fallback case.
          if (!(err instanceof ZohoApiError && (err.httpStatus === 404 || err.zohoCode === 5))) throw err;
        }
        const body = await get('/settings/warehouses', '/settings/warehouses', opts);
        return arrayOf<Envelope>(body.warehouses).map(normalizeWarehouse);
      },
    },

    customFields: {
      async listForItems(opts) {
        // Not in the Inventory OAS: shape UNCONFIRMED (reference §5.5), so parse tolerantly.
        let raw: unknown[];
        try {
          const body = await get('/settings/customfields', '/settings/customfields', opts, { entity: 'item' });
          raw = arrayOf(body.customfields ?? body.custom_fields ?? (body.customfield as unknown));
        } catch (err) {
          if (!(err instanceof ZohoApiError && (err.httpStatus === 404 || err.zohoCode === 5))) throw err;
          const body = await get('/settings/preferences/items', '/settings/preferences/items', opts);
          const prefs = (body.preferences_items ?? body.item_preferences ?? {}) as Envelope;
          raw = arrayOf(prefs.custom_fields ?? prefs.customfields);
        }
        return raw.map(normalizeCustomField).filter((f): f is ZohoCustomFieldDefinition => f !== null && (f.module === 'item' || f.module === 'items'));
      },
    },

    contacts: {
      async findByEmail(email, opts) {
        const body = await get('/contacts', '/contacts', opts, { email });
        // The filter may be a contains/case-insensitive match on any contact person (UNCONFIRMED): re-check.
        const wanted = email.trim().toLowerCase();
        const matches = arrayOf<ZohoContact>(body.contacts).filter((c) => contactEmails(c).includes(wanted));
        if (matches.length === 0) return null;
        const active = matches.filter((c) => c.status === undefined || c.status === 'active');
        const pool = active.length > 0 ? active : matches;
        // Several contacts may share an email: the oldest wins, so every order lands on the same one.
        return [...pool].sort((a, b) => String(a.created_time ?? '').localeCompare(String(b.created_time ?? '')) || compareIds(a.contact_id, b.contact_id))[0]!;
      },
      async get(contactId, opts) {
        const body = await get('/contacts/:id', `/contacts/${id(contactId)}`, opts);
        return required<ZohoContact>(body.contact, 'contact', '/contacts/:id');
      },
      async create(input, opts) {
        const body = await send('POST', '/contacts', '/contacts', contactBody(input, true), opts);
        return required<ZohoContact>(body.contact, 'contact', '/contacts');
      },
      async update(contactId, input, opts) {
        const body = await send('PUT', '/contacts/:id', `/contacts/${id(contactId)}`, contactBody(input, false), opts);
        return required<ZohoContact>(body.contact, 'contact', '/contacts/:id');
      },
      async addAddress(contactId, address: ZohoAddressInput, opts) {
        // Documented in Books (`address_info` in the answer), not in the Inventory OAS: UNCONFIRMED.
        const body = await send('POST', '/contacts/:id/address', `/contacts/${id(contactId)}/address`, address, opts);
        const info = (body.address_info ?? body.address ?? body) as Envelope;
        const addressId = info.address_id;
        if (typeof addressId !== 'string' || addressId === '') throw new ZohoApiError(200, 0, 'the answer carries no address_id', '/contacts/:id/address', false);
        return { address_id: addressId };
      },
    },

    salesOrders: {
      async create(input: ZohoSalesOrderInput, opts) {
        const body = await send('POST', '/salesorders', '/salesorders', input, opts);
        return salesOrderOf(body, '/salesorders');
      },
      async get(salesOrderId, opts) {
        const body = await get('/salesorders/:id', `/salesorders/${id(salesOrderId)}`, opts);
        return salesOrderOf(body, '/salesorders/:id');
      },
      async findByReference(referenceNumber, opts) {
        // The filter is UNCONFIRMED (§5.2): the exact match is checked here.
        const body = await get('/salesorders', '/salesorders', opts, { reference_number: referenceNumber });
        const matches = arrayOf<ZohoSalesOrder>(body.salesorders ?? body.sales_orders).filter((so) => so.reference_number === referenceNumber);
        if (matches.length === 0) return null;
        return matches.find((so) => so.status !== 'void') ?? matches[0]!;
      },
      async confirm(salesOrderId, opts) {
        await send('POST', '/salesorders/:id/status/confirmed', `/salesorders/${id(salesOrderId)}/status/confirmed`, undefined, opts);
      },
      async void(salesOrderId, opts) {
        await send('POST', '/salesorders/:id/status/void', `/salesorders/${id(salesOrderId)}/status/void`, undefined, opts);
      },
    },

    inventoryAdjustments: {
      async create(input: ZohoInventoryAdjustmentInput, opts) {
        const body = await send('POST', '/inventoryadjustments', '/inventoryadjustments', input, opts);
        return required<ZohoInventoryAdjustment>(body.inventory_adjustment ?? body.inventoryadjustment, 'inventory_adjustment', '/inventoryadjustments');
      },
      async findByReference(referenceNumber, opts) {
        const body = await get('/inventoryadjustments', '/inventoryadjustments', opts, { reference_number: referenceNumber });
        const matches = arrayOf<ZohoInventoryAdjustment>(body.inventory_adjustments ?? body.inventoryadjustments).filter((a) => a.reference_number === referenceNumber);
        return matches[0] ?? null;
      },
    },

    organizations: {
      async list(opts) {
        const body = await get('/organizations', '/organizations', opts);
        return arrayOf<Envelope>(body.organizations).map((o) => ({ ...o, organization_id: String(o.organization_id ?? ''), name: String(o.name ?? '') }) as ZohoOrganization);
      },
    },
  };
}

function arrayOf<T = unknown>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

function required<T>(value: unknown, key: string, endpoint: string): T {
  if (!value || typeof value !== 'object') throw new ZohoApiError(200, 0, `the answer has no "${key}"`, endpoint, false);
  return value as T;
}

/** The OAS names it `sales_order`; real clients read `salesorder` (§5.2): accept both. */
function salesOrderOf(body: Envelope, endpoint: string): ZohoSalesOrder {
  return required<ZohoSalesOrder>(body.salesorder ?? body.sales_order, 'salesorder', endpoint);
}

function pageContext(value: unknown, params: ItemListParams): PageContext {
  const pc = (value && typeof value === 'object' ? value : {}) as Envelope;
  return {
    ...pc,
    page: Number(pc.page ?? params.page ?? 1),
    per_page: Number(pc.per_page ?? params.per_page ?? 200),
    has_more_page: pc.has_more_page === true || pc.has_more_page === 'true',
  };
}

function flag(value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null || value === '') return fallback;
  return value === true || value === 'true' || value === 1 || value === '1';
}

function normalizeLocation(l: Envelope): ZohoLocation {
  return {
    id: String(l.location_id ?? ''),
    name: String(l.location_name ?? ''),
    status: String(l.status ?? 'active'),
    isPrimary: flag(l.is_primary, false),
    kind: 'location',
  };
}

function normalizeWarehouse(w: Envelope): ZohoLocation {
  return {
    id: String(w.warehouse_id ?? ''),
    name: String(w.warehouse_name ?? ''),
    status: String(w.status ?? 'active'),
    isPrimary: flag(w.is_primary, false),
    kind: 'warehouse',
  };
}

function normalizeCustomField(raw: unknown): ZohoCustomFieldDefinition | null {
  if (!raw || typeof raw !== 'object') return null;
  const f = raw as Envelope;
  const id = f.customfield_id ?? f.field_id ?? f.id;
  const apiName = f.api_name ?? f.placeholder;
  if (id === undefined || id === null) return null;
  return {
    ...f,
    customfield_id: String(id),
    api_name: typeof apiName === 'string' ? apiName : '',
    label: String(f.label ?? f.field_name ?? ''),
    data_type: String(f.data_type ?? f.type ?? ''),
    module: String(f.entity ?? f.module ?? 'item').toLowerCase(),
    is_active: flag(f.is_active, true),
  };
}

function contactEmails(c: ZohoContact): string[] {
  const out: string[] = [];
  if (typeof c.email === 'string') out.push(c.email.trim().toLowerCase());
  const persons = (c as { contact_persons?: unknown }).contact_persons;
  for (const p of arrayOf<Envelope>(persons)) if (typeof p.email === 'string') out.push(p.email.trim().toLowerCase());
  return out;
}

function compareIds(a: string, b: string): number {
  return a.length - b.length || a.localeCompare(b);
}

/**
 * Zoho contacts carry person details in `contact_persons[]` (§5.6): the
 * flat first_name/last_name/email/phone of the input become the primary
 * contact person unless the caller gave the persons itself.
 */
function contactBody(input: Partial<ZohoContactInput>, create: boolean): Record<string, unknown> {
  const { first_name, last_name, email, phone, ...rest } = input;
  const body: Record<string, unknown> = { ...rest };
  // On update, a synthesized list would replace the contact's persons: only on create.
  if (create && !input.contact_persons && (first_name || last_name || email || phone)) {
    body.contact_persons = [{ first_name, last_name, email, phone, is_primary_contact: true }];
  }
  return body;
}
