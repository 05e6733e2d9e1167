/**
 * The Zoho emulator: Zoho Accounts (OAuth) and Zoho Inventory v1 on one local
 * port, answering the wire format of ../shared/reference/zoho-api.md. It is a
 * product feature: `npm start` runs the bridge against it with no Zoho
 * account, every test and benchmark talks "Zoho" through it.
 *
 * Dependencies: none but the options (a Clock for limits, timestamps and token
 * expiry; defaults to the system clock).
 *
 *   const emu = await startZohoEmulator({ clock });
 *   // accounts server and API domain: emu.url; API base: emu.apiBaseUrl
 *   emu.control.injectFault({ method: 'POST', path: '/salesorders', kind: 'lost_response' });
 *   await emu.close();
 *
 * Emulator-only extension: `GET /oauth/v2/auth?...&emulator_auto_approve=true`
 * skips the consent page and answers the 302 to the redirect URI directly
 * (used by the demo's start-up to run the real code path unattended).
 *
 * Choices where zoho-api.md is UNCONFIRMED (each kept in one place):
 * - org time zone: fixed -0800 offset (format.ts);
 * - custom-field definitions: `GET /settings/customfields?entity=item|salesorder|contact`, scope settings.READ;
 * - `/locations` in warehouses mode: 404 code 5; `/settings/warehouses` answers in both modes;
 * - per-minute 429: code 44; daily 429: code 45; both with Retry-After;
 * - missing token: 401 code 14; unknown/expired/revoked token and missing scope: 401 code 57;
 * - missing organization_id: 400 code 2; another org id: 400 code 6041;
 * - duplicate contact_name: 400 code 3062; confirming a confirmed order is a no-op;
 * - `last_modified_time` filter is inclusive (>=) at second resolution.
 */
import { type Clock, systemClock } from '../shared/clock.js';
import { Accounts } from './accounts.js';
import { orgDayStart, zohoDate } from './format.js';
import { EmulatorHttp, INVENTORY_PREFIX, RateLimits } from './http.js';
import { Inventory } from './inventory.js';
import { seedOrganization } from './seed.js';
import { type EmuItem, EmulatorState } from './state.js';
import type { EmulatorControl, EmulatorOptions, ItemPatch, RunningEmulator, ZohoRecord } from './types.js';
import { WebhookDispatcher } from './webhooks.js';

export type {
  EmulatorControl,
  EmulatorCounters,
  EmulatorOptions,
  FaultKind,
  FaultSpec,
  ItemPatch,
  RunningEmulator,
  WebhookDelivery,
  WebhookOptions,
  ZohoRecord,
} from './types.js';
export { PROJECT_SCOPES } from './accounts.js';

export const EMULATOR_DEFAULTS = {
  host: '127.0.0.1',
  organizationId: '850205569',
  clientId: 'emulator-client-id',
  clientSecret: 'emulator-client-secret',
  perMinuteLimit: 100,
  dailyLimit: 10_000,
  accessTokenTtlSeconds: 3600,
} as const;

export async function startZohoEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const clock: Clock = options.clock ?? systemClock;
  const organizationId = options.organizationId ?? EMULATOR_DEFAULTS.organizationId;
  const state = new EmulatorState(organizationId, options.stockShape ?? 'locations');
  const seeded = seedOrganization(state, {
    demo: options.seed?.demo ?? true,
    extraItems: options.seed?.extraItems ?? 0,
  });

  let accounts: Accounts | null = null;
  const limits = new RateLimits(
    clock,
    options.perMinuteLimit ?? EMULATOR_DEFAULTS.perMinuteLimit,
    options.dailyLimit ?? EMULATOR_DEFAULTS.dailyLimit,
    orgDayStart,
  );
  const http = new EmulatorHttp(
    {
      organizationId,
      authenticate: (header) => accounts!.authenticate(header),
      hasScope: (scopes, req) => accounts!.hasScope(scopes, req),
    },
    limits,
    options.latencyMs ?? 0,
  );
  accounts = new Accounts(
    {
      clientId: options.clientId ?? EMULATOR_DEFAULTS.clientId,
      clientSecret: options.clientSecret ?? EMULATOR_DEFAULTS.clientSecret,
      redirectUris: options.redirectUris ?? null,
      accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? EMULATOR_DEFAULTS.accessTokenTtlSeconds,
      clock,
    },
    http,
  );
  const webhooks = new WebhookDispatcher(options.webhook ?? null, () => http.counters);
  const inventory = new Inventory(state, clock, http, webhooks);
  accounts.register();
  inventory.register();

  const port = await http.listen(options.host ?? EMULATOR_DEFAULTS.host, options.port ?? 0);
  const hostForUrl = (options.host ?? EMULATOR_DEFAULTS.host).includes(':') ? `[${options.host}]` : (options.host ?? EMULATOR_DEFAULTS.host);
  const url = `http://${hostForUrl}:${port}`;
  accounts.url = url;

  const acc = accounts;
  const requireItem = (idOrSku: string): EmuItem => {
    const item = state.resolveItem(idOrSku);
    if (!item) throw new Error(`emulator: no item ${idOrSku}`);
    return item;
  };
  const itemEdited = (item: EmuItem): ZohoRecord => {
    item.modified = Math.max(clock.now(), item.modified + 1000);
    state.itemsChanged();
    const record = state.itemDetail(item);
    webhooks.emit('item', 'updated', record);
    return record;
  };

  const control: EmulatorControl = {
    counters: () => structuredClone(http.counters),
    count: (endpoint) => http.counters.byEndpoint[endpoint] ?? 0,
    resetCounters: () => http.resetCounters(),
    injectFault: (fault) => http.injectFault(fault),
    clearFaults: () => http.clearFaults(),

    items: () => [...state.items.values()].map((i) => state.itemDetail(i)),
    findItemBySku: (sku) => {
      const item = state.itemBySku(sku);
      return item ? state.itemDetail(item) : undefined;
    },
    getItem: (id) => {
      const item = state.items.get(id);
      return item ? state.itemDetail(item) : undefined;
    },
    salesOrders: () => [...state.salesOrders.values()].map((s) => state.salesOrderRecord(s)),
    adjustments: () => [...state.adjustments.values()].map((a) => state.adjustmentRecord(a)),
    contacts: () => [...state.contacts.values()].map((c) => state.contactRecord(c)),
    locations: () => state.locations.map((l) => state.locationRecord(l)),
    locationIds: { warehouse: seeded.warehouseId, dtc: seeded.dtcId },
    organizationId,

    setStock: (idOrSku, locationId, quantity) => {
      const item = requireItem(idOrSku);
      if (!state.location(locationId)) throw new Error(`emulator: no location ${locationId}`);
      const delta = quantity - state.stockCell(item, locationId).onHand;
      if (delta === 0) return null;
      const adj = inventory.recordAdjustment({
        date: zohoDate(clock.now()),
        reason: 'Stock count correction',
        description: 'Stock count corrected in the Zoho UI (emulator setStock)',
        reference_number: '',
        type: 'quantity',
        locationId,
        moves: [{ item, locationId, qty: delta, value: Math.round(delta * item.purchase_rate * 100) / 100, description: '' }],
      });
      return state.adjustmentRecord(adj);
    },
    updateItem: (idOrSku, patch: ItemPatch) => {
      const item = requireItem(idOrSku);
      const { custom_fields: cfPatch, sku, weight, ...plain } = patch;
      if (sku !== undefined && sku !== item.sku) {
        if (state.itemBySku(sku)) throw new Error(`emulator: SKU ${sku} already exists`);
        state.changeSku(item, sku);
      }
      if (weight !== undefined) item.weight = typeof weight === 'number' ? weight.toFixed(2) : weight;
      Object.assign(item, plain);
      if (cfPatch) {
        for (const [k, v] of Object.entries(cfPatch)) {
          if (!state.customFieldsFor('item').some((d) => d.api_name === k)) throw new Error(`emulator: no item custom field ${k}`);
          if (v === null) item.cf.delete(k);
          else item.cf.set(k, v);
        }
      }
      return itemEdited(item);
    },
    setItemStatus: (idOrSku, status) => {
      const item = requireItem(idOrSku);
      item.status = status;
      return itemEdited(item);
    },
    deleteItem: (idOrSku) => {
      state.deleteItem(requireItem(idOrSku));
    },
    fulfillSalesOrder: (id) => {
      const so = state.salesOrders.get(id);
      if (!so) throw new Error(`emulator: no sales order ${id}`);
      inventory.fulfill(so);
      return state.salesOrderRecord(so);
    },

    revokeRefreshToken: (token) => acc.revokeRefreshToken(token),
    expireAccessTokens: () => acc.expireAccessTokens(),
    issueRefreshToken: (opts) => acc.issueRefreshToken(opts?.scopes),
    issueGrantCode: (opts) => acc.issueGrantCode(opts?.scopes, opts?.accessType),
    tokenScopes: (token) => acc.tokenScopes(token),

    setWebhook: (opts) => webhooks.set(opts),
    flushWebhooks: () => webhooks.flush(),
    webhookDeliveries: () => webhooks.deliveries(),

    setLimits: ({ perMinute, daily }) => {
      if (perMinute !== undefined) limits.perMinute = perMinute;
      if (daily !== undefined) limits.daily = daily;
    },
    setLatency: (ms) => {
      http.latencyMs = ms;
    },
  };

  return {
    url,
    apiBaseUrl: `${url}${INVENTORY_PREFIX}`,
    control,
    close: () => http.close(),
  };
}

export interface EmulatorCliOptions extends EmulatorOptions {
  /** Where to print (default console.log). */
  print?: (line: string) => void;
  /** Keep running until SIGINT/SIGTERM (default true). With false, returns right after printing. */
  wait?: boolean;
}

/**
 * `npx dtc-bridge emulator`: starts the emulator, prints what a bridge needs to
 * connect (URLs, client id/secret, organization, location ids and a Self
 * Client refresh token), then runs until interrupted.
 */
export async function runEmulatorCli(opts: EmulatorCliOptions = {}): Promise<RunningEmulator> {
  const print = opts.print ?? ((line: string) => console.log(line));
  const { print: _p, wait = true, ...emuOptions } = opts;
  const emu = await startZohoEmulator({ ...emuOptions, port: emuOptions.port ?? 4000 });
  const refresh = emu.control.issueRefreshToken();
  const ids = emu.control.locationIds;
  print(`Zoho emulator (Accounts + Inventory) listening on ${emu.url}`);
  print(`  ZOHO_ACCOUNTS_URL=${emu.url}`);
  print(`  ZOHO_API_URL=${emu.apiBaseUrl}`);
  print(`  ZOHO_CLIENT_ID=${opts.clientId ?? EMULATOR_DEFAULTS.clientId}`);
  print(`  ZOHO_CLIENT_SECRET=${opts.clientSecret ?? EMULATOR_DEFAULTS.clientSecret}`);
  print(`  ZOHO_ORGANIZATION_ID=${emu.control.organizationId}`);
  print(`  ZOHO_LOCATION_ID=${ids.dtc}   (VIP Smoke DTC; main warehouse: ${ids.warehouse})`);
  print(`  ZOHO_REFRESH_TOKEN=${refresh}   (Self Client token, least-privilege scopes)`);
  print(`  consent: ${emu.url}/oauth/v2/auth?client_id=...&redirect_uri=...&response_type=code&scope=...&access_type=offline`);
  if (opts.webhook) print(`  webhooks -> ${opts.webhook.url}`);
  if (wait) {
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await emu.close();
  }
  return emu;
}
