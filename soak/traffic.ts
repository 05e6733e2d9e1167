/**
 * The shop side of the soak: browsing (product list and product pages),
 * checkouts at a fixed rate with a mix of personas and of duplicate or
 * concurrent posts, and a few cancellations. Everything goes through the
 * bridge's public HTTP API on 127.0.0.1, as the storefront would.
 */
import { PERSONAS } from '../src/compliance/age/fake.js';
import { Counter, Latencies, sleep } from './stats.js';

export interface ListedProduct {
  sku: string;
  availableQuantity: number;
  restrictedStates: string[];
}

export type Scenario = 'single' | 'duplicate_key' | 'concurrent_order_id' | 'key_reuse';

export interface OrderRecord {
  orderId: string;
  scenario: Scenario;
  persona: string;
  state: string;
  items: Array<{ sku: string; quantity: number }>;
  /** HTTP statuses of every POST made for this order id. */
  answers: number[];
  /** Status in the first answer that named the order (201/202/422). */
  answeredStatus: string | null;
  /** The API accepted the order id (an order exists, whatever its decision). */
  accepted: boolean;
  /** Rejection code when the API took no order (insufficient_stock, unknown_sku…). */
  rejectedCode: string | null;
  postedAt: number;
  cancelRequested: boolean;
}

export interface TrafficState {
  baseUrl: string;
  random: () => number;
  latencies: Latencies;
  /** `METHOD route → status` counts. */
  answers: Counter;
  /** Order ids by the time they were posted. */
  orders: Map<string, OrderRecord>;
  /** Things the API did that it must not (a 5xx, a replay that is no replay…). */
  anomalies: string[];
  products: ListedProduct[];
  deadline: number;
  runId: string;
  orderSeq: number;
  inFlight: number;
  cancels: Counter;
}

const REQUEST_TIMEOUT_MS = 30_000;

/** Buyers: a pool small enough that Zoho contacts and addresses get reused. */
const STREETS = ['1200 MAIN ST', '455 OAK AVE', '78 PINE RD', '3301 LAKE BLVD', '9 ELM CT'];
const PLACES = [
  { city: 'PALM DESERT', state: 'CA', zip: '92260' },
  { city: 'AUSTIN', state: 'TX', zip: '78701' },
  { city: 'MIAMI', state: 'FL', zip: '33101' },
  { city: 'NEW YORK', state: 'NY', zip: '10001' },
  { city: 'SEATTLE', state: 'WA', zip: '98101' },
  { city: 'CHICAGO', state: 'IL', zip: '60601' },
  { city: 'DENVER', state: 'CO', zip: '80202' },
  { city: 'ATLANTA', state: 'GA', zip: '30303' },
];
const FIRST = ['Ana', 'Ben', 'Cleo', 'Dev', 'Eli', 'Fay', 'Gus', 'Hana', 'Ivo', 'June'];
const LAST = ['Ruiz', 'Okafor', 'Larsen', 'Patel', 'Nguyen', 'Moreau', 'Kowalski', 'Haddad'];

interface Buyer {
  email: string;
  firstName: string;
  lastName: string;
  phone: string;
  address: { line1: string; line2: null; city: string; state: string; zip: string };
}

export const BUYERS: Buyer[] = Array.from({ length: 40 }, (_, i) => {
  const place = PLACES[i % PLACES.length]!;
  return {
    email: `soak.buyer${i}@example.com`,
    firstName: FIRST[i % FIRST.length]!,
    lastName: LAST[(i * 3) % LAST.length]!,
    phone: `+1760555${String(1000 + i).padStart(4, '0')}`,
    address: { line1: STREETS[i % STREETS.length]!, line2: null, ...place },
  };
});

const dob = (id: string) => PERSONAS.find((p) => p.id === id)!.dob;
/** Adult dates of birth not listed among the personas behave as `adult`. */
const ADULT_DOBS = [dob('adult'), '1980-01-15', '1975-09-30', '1988-11-02'];

function pickPersona(r: number): { persona: string; dob: string } {
  if (r < 0.74) return { persona: 'adult', dob: ADULT_DOBS[Math.floor(r * 1000) % ADULT_DOBS.length]! };
  if (r < 0.86) return { persona: 'under_21', dob: dob('under_21') };
  if (r < 0.97) return { persona: 'pending', dob: dob('pending') };
  return { persona: 'photo_id', dob: dob('photo_id') };
}

export function newTrafficState(baseUrl: string, random: () => number, deadline: number, runId: string): TrafficState {
  return {
    baseUrl,
    random,
    latencies: new Latencies(),
    answers: new Counter(),
    orders: new Map(),
    anomalies: [],
    products: [],
    deadline,
    runId,
    orderSeq: 0,
    inFlight: 0,
    cancels: new Counter(),
  };
}

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> | null;
  ms: number;
}

async function call(t: TrafficState, route: string, method: 'GET' | 'POST', path: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const started = performance.now();
  let status = 0;
  try {
    const response = await fetch(`${t.baseUrl}${path}`, {
      method,
      headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    status = response.status;
    const text = await response.text();
    const ms = performance.now() - started;
    t.latencies.add(`${method} ${route}`, ms);
    let body: Record<string, unknown> | null = null;
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : null;
    } catch {
      body = null;
    }
    if (status >= 500) t.anomalies.push(`${method} ${path} answered ${status}: ${text.slice(0, 300)}`);
    return { status, headers: response.headers, body, ms };
  } catch (err) {
    t.anomalies.push(`${method} ${path} failed without an answer after ${((performance.now() - started) / 1000).toFixed(1)} s: ${(err as Error).message}`);
    return { status: 0, headers: new Headers(), body: null, ms: performance.now() - started };
  } finally {
    t.answers.inc(`${method} ${route} → ${status || 'no answer'}`);
  }
}

/** The storefront's product list, every page (the storefront pages through it the same way). */
export async function refreshProducts(t: TrafficState): Promise<void> {
  const all: ListedProduct[] = [];
  for (let page = 1; page <= 20; page++) {
    const a = await call(t, '/api/products', 'GET', `/api/products?pageSize=100&page=${page}`);
    if (a.status !== 200 || !a.body) return;
    const items = a.body.items as ListedProduct[];
    all.push(...items.map((p) => ({ sku: p.sku, availableQuantity: p.availableQuantity, restrictedStates: p.restrictedStates })));
    if (!a.body.hasMore) break;
  }
  t.products = all;
}

/** A shopper: a list page, then a few product pages, with think time. */
export async function browse(t: TrafficState): Promise<void> {
  while (Date.now() < t.deadline) {
    const page = 1 + Math.floor(t.random() * 2);
    await call(t, '/api/products', 'GET', `/api/products?pageSize=24&page=${page}`);
    for (let i = 0; i < 3 && Date.now() < t.deadline; i++) {
      const p = t.products[Math.floor(t.random() * t.products.length)];
      if (p) await call(t, '/api/products/:sku', 'GET', `/api/products/${encodeURIComponent(p.sku)}`);
      await sleep(60 + t.random() * 140);
    }
  }
}

function pickItems(t: TrafficState, state: string): Array<{ sku: string; quantity: number }> | null {
  const eligible = t.products.filter((p) => p.availableQuantity >= 3 && !p.restrictedStates.map((s) => s.toUpperCase()).includes(state));
  if (eligible.length === 0) return null;
  const lines = 1 + Math.floor(t.random() * (t.random() < 0.7 ? 1 : 3));
  const chosen = new Map<string, number>();
  for (let i = 0; i < lines; i++) {
    const p = eligible[Math.floor(t.random() * eligible.length)]!;
    chosen.set(p.sku, 1 + Math.floor(t.random() * 2));
  }
  return [...chosen].map(([sku, quantity]) => ({ sku, quantity }));
}

function pickScenario(r: number): Scenario {
  if (r < 0.8) return 'single';
  if (r < 0.9) return 'duplicate_key';
  if (r < 0.98) return 'concurrent_order_id';
  return 'key_reuse';
}

/** Records what one POST said about the order. */
function note(t: TrafficState, rec: OrderRecord, a: Answer): void {
  rec.answers.push(a.status);
  const named = a.body && (a.body.orderId === rec.orderId || (a.body.order as { orderId?: string } | undefined)?.orderId === rec.orderId);
  if ((a.status === 201 || a.status === 202 || a.status === 422) && named) {
    rec.accepted = true;
    rec.answeredStatus ??= String(a.body!.status);
  } else if (a.status === 201 || a.status === 202) {
    t.anomalies.push(`POST /api/orders for ${rec.orderId} answered ${a.status} without naming the order`);
  } else if (a.status >= 400 && a.status < 500 && !rec.accepted) {
    const code = (a.body?.error as { code?: string } | undefined)?.code ?? `http_${a.status}`;
    const skus = ((a.body?.error as { details?: Array<{ sku?: string }> } | undefined)?.details ?? []).map((d) => d.sku).filter(Boolean);
    if (code !== 'order_in_progress') rec.rejectedCode ??= skus.length ? `${code} (${skus.join(',')})` : code;
  }
}

/** One checkout, in one of the scenarios. */
export async function checkout(t: TrafficState): Promise<void> {
  const buyer = BUYERS[Math.floor(t.random() * BUYERS.length)]!;
  const items = pickItems(t, buyer.address.state);
  if (!items) {
    t.answers.inc('checkout skipped: nothing orderable');
    return;
  }
  const { persona, dob: birth } = pickPersona(t.random());
  const scenario = pickScenario(t.random());
  t.orderSeq += 1;
  const orderId = `SOAK-${t.runId}-${t.orderSeq}`;
  const body = {
    orderId,
    customer: { email: buyer.email, firstName: buyer.firstName, lastName: buyer.lastName, dob: birth, phone: buyer.phone },
    shippingAddress: buyer.address,
    billingAddress: null,
    items,
    clubMember: t.random() < 0.25,
    ip: '203.0.113.50',
    ageVerification: null,
  };
  const rec: OrderRecord = {
    orderId,
    scenario,
    persona,
    state: buyer.address.state,
    items,
    answers: [],
    answeredStatus: null,
    accepted: false,
    rejectedCode: null,
    postedAt: Date.now(),
    cancelRequested: false,
  };
  t.orders.set(orderId, rec);
  const key = `soak-${orderId}`;
  const post = (headers: Record<string, string>, b: unknown = body) => call(t, '/api/orders', 'POST', '/api/orders', { body: b, headers });
  t.inFlight += 1;
  try {
    switch (scenario) {
      case 'single':
        note(t, rec, await post({ 'idempotency-key': key }));
        break;
      case 'duplicate_key': {
        // A double click: two posts with one key at once, then the shop's retry a little later.
        const [a, b] = await Promise.all([post({ 'idempotency-key': key }), post({ 'idempotency-key': key })]);
        note(t, rec, a);
        note(t, rec, b);
        await sleep(200 + t.random() * 800);
        const c = await post({ 'idempotency-key': key });
        note(t, rec, c);
        if (rec.accepted && c.status !== 0 && c.status < 500) {
          if (c.headers.get('idempotent-replayed') !== 'true') t.anomalies.push(`replay of ${orderId} (same Idempotency-Key) answered ${c.status} without idempotent-replayed`);
          if (c.status !== 409 && ![201, 202, 422].includes(c.status)) t.anomalies.push(`replay of ${orderId} answered ${c.status}`);
        }
        break;
      }
      case 'concurrent_order_id': {
        // Three tabs posting the same order id, each with its own key (or none).
        const answers = await Promise.all([post({ 'idempotency-key': `${key}-a` }), post({ 'idempotency-key': `${key}-b` }), post({})]);
        for (const a of answers) note(t, rec, a);
        const decided = answers.filter((a) => a.status === 201 || a.status === 202 || a.status === 422).length;
        const conflicts = answers.filter((a) => a.status === 409 && (a.body?.error as { code?: string } | undefined)?.code === 'order_in_progress').length;
        if (rec.accepted && decided + conflicts !== answers.length) {
          t.anomalies.push(`concurrent posts of ${orderId}: answers ${answers.map((a) => a.status).join(',')} (expected the decision or order_in_progress)`);
        }
        break;
      }
      case 'key_reuse': {
        note(t, rec, await post({ 'idempotency-key': key }));
        const other = { ...body, orderId: `${orderId}-X`, items: [...items].reverse().map((i) => ({ ...i, quantity: i.quantity + 1 })) };
        const a = await post({ 'idempotency-key': key }, other);
        if (rec.accepted && a.status !== 422) t.anomalies.push(`an Idempotency-Key reused with another body for ${orderId} answered ${a.status}, not 422`);
        break;
      }
    }
  } finally {
    t.inFlight -= 1;
  }
}

/** Posts checkouts at `perSecond` until the deadline; at most `maxInFlight` at a time. */
export async function checkoutLoop(t: TrafficState, perSecond: number, maxInFlight = 40): Promise<void> {
  const interval = 1000 / perSecond;
  const running = new Set<Promise<void>>();
  let next = Date.now();
  while (Date.now() < t.deadline) {
    if (t.inFlight < maxInFlight) {
      const p = checkout(t).catch((err: unknown) => void t.anomalies.push(`checkout driver error: ${(err as Error).stack ?? String(err)}`));
      running.add(p);
      void p.finally(() => running.delete(p));
    } else {
      t.answers.inc('checkout skipped: too many in flight');
    }
    next += interval;
    await sleep(Math.max(0, next - Date.now()));
  }
  await Promise.all(running);
}

/** Every 10–20 s: the status of a random accepted order; cancel it when placed (or, once in a while, still accepted). */
export async function cancelLoop(t: TrafficState, onCancel?: (orderId: string, status: number) => void): Promise<void> {
  await sleep(8000);
  while (Date.now() < t.deadline) {
    const candidates = [...t.orders.values()].filter((r) => r.accepted && !r.cancelRequested && Date.now() - r.postedAt > 2000 && r.answeredStatus === 'accepted');
    const rec = candidates[Math.floor(t.random() * candidates.length)];
    if (rec) {
      const a = await call(t, '/api/orders/:id', 'GET', `/api/orders/${rec.orderId}`);
      const status = String(a.body?.status ?? '');
      if (status === 'placed' || (status === 'accepted' && t.random() < 0.3)) {
        rec.cancelRequested = true;
        const c = await call(t, '/api/orders/:id/cancel', 'POST', `/api/orders/${rec.orderId}/cancel`);
        t.cancels.inc(`from ${status} → HTTP ${c.status} ${String(c.body?.status ?? '')}`);
        onCancel?.(rec.orderId, c.status);
      }
    }
    await sleep(10_000 + t.random() * 10_000);
  }
}
