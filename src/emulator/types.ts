/**
 * Public types of the Zoho emulator (Accounts + Inventory). The emulator answers
 * the wire format of ../shared/reference/zoho-api.md; these types only describe
 * how a test, a benchmark or `npm start` drives it from the outside.
 */
import type { Clock } from '../shared/clock.js';

export type FaultKind = 'http500' | 'http503' | 'http429' | 'timeout' | 'lost_response';

export interface FaultSpec {
  /** HTTP method to match (case-insensitive); any method when absent. */
  method?: string;
  /**
   * A string matches the route template (`/items/:id`, `/oauth/v2/token`), the
   * request path relative to `/inventory/v1` (`/items/123`) or the full path
   * (`/inventory/v1/items/123`). A RegExp is tested against the relative and
   * the full path.
   */
  path: string | RegExp;
  /**
   * http500/http503: answer with that status and a Zoho envelope, nothing done.
   * http429: 429 code 44 with `Retry-After` (retryAfterSeconds, default 1), nothing done.
   * timeout: never answer (the socket stays open until the client gives up or the emulator closes), nothing done.
   * lost_response: perform the request fully (state change, webhooks), then destroy the socket without answering.
   */
  kind: FaultKind;
  /** How many matching requests fail; default 1. `Infinity` until clearFaults(). */
  times?: number;
  /** Only for http429. */
  retryAfterSeconds?: number;
}

export interface WebhookOptions {
  url: string;
  headers?: Record<string, string>;
  /** Default true. */
  enabled?: boolean;
}

export interface EmulatorOptions {
  host?: string;
  port?: number;
  organizationId?: string;
  clientId?: string;
  clientSecret?: string;
  /**
   * Redirect URIs registered for the client. When absent any absolute http(s)
   * URI is accepted at /oauth/v2/auth (and must then match at /token).
   */
  redirectUris?: string[];
  stockShape?: 'locations' | 'warehouses';
  seed?: { demo?: boolean; extraItems?: number };
  perMinuteLimit?: number;
  dailyLimit?: number;
  accessTokenTtlSeconds?: number;
  latencyMs?: number;
  clock?: Clock;
  webhook?: WebhookOptions;
}

export interface EmulatorCounters {
  /** Every request the emulator took (accounts and inventory, faulted and refused ones included). */
  total: number;
  /** Per endpoint: `METHOD /template`; inventory templates are relative to /inventory/v1 (`GET /items/:id`), accounts ones are absolute (`POST /oauth/v2/token`). Unknown paths count under `METHOD (unmatched)`. */
  byEndpoint: Record<string, number>;
  /** Successful refresh_token grants (a throttled or refused refresh is not counted here). */
  tokenRefreshes: number;
  /** Refresh attempts including refused and throttled ones. */
  tokenRefreshAttempts: number;
  /** Successful authorization_code grants. */
  codeExchanges: number;
  /** Answers with status 429 (limits and injected faults). */
  rateLimited: number;
  /** Webhook deliveries attempted. */
  webhooksSent: number;
}

export interface WebhookDelivery {
  event: 'salesorder' | 'inventory_adjustment' | 'item';
  action: string;
  url: string;
  status: number | null;
  error: string | null;
}

export type ItemPatch = Partial<{
  name: string;
  sku: string;
  description: string;
  rate: number;
  purchase_rate: number;
  brand: string;
  manufacturer: string;
  weight: string | number;
  reorder_level: number;
  status: 'active' | 'inactive';
  /** Custom field values by api_name; `null` removes a value. */
  custom_fields: Record<string, unknown>;
}>;

/** Plain JSON records, as the Zoho API would return them (detail shape). */
export type ZohoRecord = Record<string, unknown>;

export interface EmulatorControl {
  /** A snapshot of the request counters. */
  counters(): EmulatorCounters;
  /** Requests counted for one endpoint key, e.g. `count('GET /items/:id')`. */
  count(endpoint: string): number;
  /** Zero every counter (not the rate-limit windows). */
  resetCounters(): void;

  /** Make the next matching request(s) fail; see FaultSpec. Faults are checked in the order added. */
  injectFault(fault: FaultSpec): void;
  /** Remove every pending fault (requests already held by `timeout` stay held until close). */
  clearFaults(): void;

  /** Every item in detail shape (custom fields and per-location stock), deleted ones excluded. */
  items(): ZohoRecord[];
  findItemBySku(sku: string): ZohoRecord | undefined;
  getItem(itemId: string): ZohoRecord | undefined;
  salesOrders(): ZohoRecord[];
  adjustments(): ZohoRecord[];
  contacts(): ZohoRecord[];
  /** Locations in the `/locations` shape (also in warehouses mode). */
  locations(): ZohoRecord[];
  /** The two seeded locations: BMB Wholesale Main Warehouse and VIP Smoke DTC. */
  readonly locationIds: { warehouse: string; dtc: string };
  /** The organization id the emulator answers for. */
  readonly organizationId: string;

  /**
   * Set stock on hand at one location to `quantity`, as a Zoho user would with a
   * quantity adjustment in the UI: an inventory adjustment record for the delta
   * is created and the `inventory_adjustment` webhook fires. The item's
   * last_modified_time does not move (a stock change is not an item edit).
   * Returns the adjustment, or null when the quantity was already that.
   */
  setStock(itemIdOrSku: string, locationId: string, quantity: number): ZohoRecord | null;
  /** Edit an item like a UI user: bumps last_modified_time and fires the `item` webhook. Returns the item. */
  updateItem(itemIdOrSku: string, patch: ItemPatch): ZohoRecord;
  /** Mark active/inactive (an item edit: bumps last_modified_time, fires the `item` webhook). */
  setItemStatus(itemIdOrSku: string, status: 'active' | 'inactive'): ZohoRecord;
  /** Delete an item: it 404s (code 1002) from then on. Zoho documents no delete trigger, so no webhook. */
  deleteItem(itemIdOrSku: string): void;
  /**
   * Mark a confirmed sales order shipped/fulfilled as staff would in Zoho:
   * stock on hand drops at the line locations and the commitment is released.
   */
  fulfillSalesOrder(salesOrderId: string): ZohoRecord;

  /** Revoke a refresh token and the access tokens minted from it. Returns false when unknown. */
  revokeRefreshToken(token: string): boolean;
  /** Every access token issued so far stops working (401 code 57) as if its hour had passed. */
  expireAccessTokens(): void;
  /**
   * A refresh token as a Self Client would produce it (after exchanging its code).
   * Default scopes: the project's least-privilege set (items.READ, contacts.READ/CREATE/UPDATE,
   * salesorders.READ/CREATE/UPDATE, settings.READ, inventoryadjustments.CREATE).
   */
  issueRefreshToken(opts?: { scopes?: string[] }): string;
  /** A Self Client grant code (3-minute, single use, exchanged without redirect_uri). */
  issueGrantCode(opts?: { scopes?: string[]; accessType?: 'offline' | 'online' }): string;
  /** Scopes a live access or refresh token carries (empty when unknown). */
  tokenScopes(token: string): string[];

  /** Replace the webhook target (null disables). */
  setWebhook(opts: WebhookOptions | null): void;
  /** Resolves when every webhook queued so far has been attempted. */
  flushWebhooks(): Promise<void>;
  /** Deliveries attempted so far, oldest first. */
  webhookDeliveries(): WebhookDelivery[];

  /** Change the limits; windows already counted stay counted. */
  setLimits(limits: { perMinute?: number; daily?: number }): void;
  /** Change the artificial latency per answer. */
  setLatency(ms: number): void;
}

export interface RunningEmulator {
  url: string;
  apiBaseUrl: string;
  control: EmulatorControl;
  close(): Promise<void>;
}
