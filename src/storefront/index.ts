/**
 * The demo storefront at `/` (demo mode only): one HTML page rendered here
 * with the documented test personas, and one script (web/storefront.js)
 * that talks to the public API like a real shop would:
 * GET /api/products (+ /api/products/:sku/image), POST /api/orders
 * (Idempotency-Key = the order id), GET /api/orders/:id to follow it.
 *
 * Usage: `await app.register(storefrontPlugin, { personas: compliance.personas, addressCases: FAKE_ADDRESS_CASES })`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../shared/errors.js';
import { html, raw } from '../admin/html.js';
import { DEFAULT_WEB_DIR } from '../admin/index.js';
import { FAVICON_LINK, registerFavicon } from '../admin/favicon.js';

/** A fake age-provider persona (src/compliance/age/fake.ts `Persona` fits). */
export interface StorefrontPersona {
  id: string;
  /** Date of birth to type at checkout. */
  dob: string;
  /** What the provider answers (accepted, denied, pending, photo_id, error, timeout…). */
  outcome: string;
  description: string;
}

/** A documented test address (src/compliance/address/fake.ts `FAKE_ADDRESS_CASES` fits). */
export interface StorefrontAddressCase {
  example: string;
  result: string;
}

export interface StorefrontOptions {
  personas: readonly StorefrontPersona[];
  addressCases?: readonly StorefrontAddressCase[];
  shopName?: string;
  /** Directory holding storefront.css / storefront.js. Default: the repository's web/. */
  webDir?: string;
}

const ASSETS: Record<string, string> = {
  'storefront.css': 'text/css; charset=utf-8',
  'storefront.js': 'text/javascript; charset=utf-8',
};

export async function storefrontPlugin(app: FastifyInstance, options: StorefrontOptions): Promise<void> {
  const webDir = options.webDir ?? DEFAULT_WEB_DIR;
  const cache = new Map<string, Buffer>();
  const page = renderStorefront(options);

  registerFavicon(app);
  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(page));

  app.get<{ Params: { file: string } }>('/assets/:file', { schema: { hide: true } }, async (req, reply) => {
    const type = ASSETS[req.params.file];
    if (!type) throw new AppError('not_found', 'No such asset', 404);
    let body = cache.get(req.params.file);
    if (!body) {
      body = await readFile(join(webDir, req.params.file));
      cache.set(req.params.file, body);
    }
    return reply.type(type).header('cache-control', 'public, max-age=300').send(body);
  });
}

const OUTCOME_TONE: Record<string, string> = { accepted: 'ok', denied: 'bad', pending: 'warn', photo_id: 'warn', error: 'warn', timeout: 'warn' };

export function renderStorefront(options: StorefrontOptions): string {
  const name = options.shopName ?? 'VIP Smoke';
  return `<!doctype html>\n${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${name} · demo shop</title>
${raw(FAVICON_LINK)}
<link rel="stylesheet" href="/assets/storefront.css">
<script src="/assets/storefront.js" defer></script>
</head><body>
<div id="age-gate" class="gate" role="dialog" aria-modal="true" aria-labelledby="gate-title" hidden>
  <div class="gate-box">
    <h1 id="gate-title">${name}</h1>
    <p>This shop sells tobacco, vapor and hemp products. You must be <strong>21 or older</strong> to enter.</p>
    <div class="gate-actions"><button type="button" id="gate-yes" class="btn btn-primary">I am 21 or older</button><button type="button" id="gate-no" class="btn">I am under 21</button></div>
    <p id="gate-refused" class="gate-refused" hidden>Sorry, you cannot visit this shop.</p>
    <p class="small muted">Your age is verified again at checkout.</p>
  </div>
</div>
<header class="shop-header"><div class="shop-brand">${name} <span>Palm Desert, California · demo shop</span></div>
<a href="#cart" class="cart-link">Cart <span id="cart-count" class="count">0</span></a></header>
<div class="demo-banner">Demo mode: orders go to the embedded Zoho emulator. Follow them on the <a href="/admin/orders">operator dashboard</a>.</div>
<main class="shop">
<section class="catalog" aria-labelledby="products-title">
  <div class="catalog-head"><h2 id="products-title">Products</h2><input type="search" id="search" placeholder="Search products" aria-label="Search products"></div>
  <p id="ship-note" class="ship-note muted small"></p>
  <div id="products" class="products" aria-live="polite"><p class="muted">Loading products…</p></div>
</section>
<aside class="side">
<section id="cart" class="panel" aria-labelledby="cart-title">
  <h2 id="cart-title">Cart</h2>
  <div id="cart-lines"><p class="muted">Your cart is empty.</p></div>
  <p class="cart-total">Subtotal <strong id="cart-subtotal">$0.00</strong></p>
</section>
<section class="panel" aria-labelledby="checkout-title">
  <h2 id="checkout-title">Checkout</h2>
  <form id="checkout" novalidate>
    <div class="row"><label>First name<input name="firstName" autocomplete="given-name" required></label><label>Last name<input name="lastName" autocomplete="family-name" required></label></div>
    <label>E-mail<input name="email" type="email" autocomplete="email" required></label>
    <div class="row"><label>Date of birth<input name="dob" type="date" required></label><label>Phone<input name="phone" type="tel" autocomplete="tel" placeholder="+1 760 555 0100"></label></div>
    <label>Street address<input name="line1" autocomplete="address-line1" required></label>
    <label>Apartment, suite (optional)<input name="line2" autocomplete="address-line2"></label>
    <div class="row row3"><label>City<input name="city" autocomplete="address-level2" required></label><label>State<input name="state" maxlength="2" autocomplete="address-level1" required placeholder="CA"></label><label>ZIP<input name="zip" inputmode="numeric" autocomplete="postal-code" required></label></div>
    <label class="check"><input type="checkbox" name="clubMember"> Club member (club prices)</label>
    <p id="form-error" class="form-error" role="alert" hidden></p>
    <button type="submit" id="place-order" class="btn btn-primary btn-wide">Place order</button>
  </form>
  <div id="result" class="result" aria-live="polite" hidden></div>
</section>
<section class="panel personas" aria-labelledby="personas-title">
  <h2 id="personas-title">Test personas</h2>
  <p class="small muted">The demo age check answers by date of birth. Pick one to fill the form.</p>
  <ul>${options.personas.map(
    (p) => html`<li><button type="button" class="persona" data-dob="${p.dob}" data-persona="${p.id}">Use</button> <code>${p.dob}</code> <span class="tag tag-${OUTCOME_TONE[p.outcome] ?? 'info'}">${p.outcome}</span><div class="small">${p.description}</div></li>`,
  )}</ul>
  ${options.addressCases && options.addressCases.length
    ? html`<h3>Test addresses</h3><ul class="addresses">${options.addressCases.map((a) => html`<li><code>${a.example}</code><div class="small muted">${a.result}</div></li>`)}</ul>`
    : raw('')}
</section>
</aside>
</main>
<footer class="shop-footer">Sales to persons under 21 are prohibited. Shipments of tobacco and vapor products require an adult signature.</footer>
</body></html>`.value}`;
}
