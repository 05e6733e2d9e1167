// Demo storefront: age gate, product grid, cart, checkout, result.
// Plain browser JavaScript, no build step. Data goes into the page through
// textContent only (never innerHTML), so product names cannot inject markup.
'use strict';
(function () {
  var state = { products: [], restrictions: null, cart: loadCart(), orderId: null, polling: null, submitting: false };
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k === 'className') node.className = attrs[k];
      else if (k.slice(0, 2) === 'on') node.addEventListener(k.slice(2), attrs[k]);
      else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return node;
  }
  function money(cents) {
    var n = Math.round(Number(cents) || 0);
    return (n < 0 ? '-' : '') + '$' + Math.floor(Math.abs(n) / 100).toLocaleString('en-US') + '.' + String(Math.abs(n) % 100).padStart(2, '0');
  }
  function priceOf(p) { return p.msrpCents != null ? p.msrpCents : p.priceCents != null ? p.priceCents : 0; }
  function stockOf(p) { return p.availableQuantity != null ? p.availableQuantity : p.available != null ? p.available : 0; }
  function loadCart() { try { return JSON.parse(sessionStorage.getItem('cart') || '{}') || {}; } catch (e) { return {}; } }
  function saveCart() { try { sessionStorage.setItem('cart', JSON.stringify(state.cart)); } catch (e) { /* private mode */ } }

  // --- age gate --------------------------------------------------------------
  function ageGate() {
    var gate = $('age-gate');
    if (sessionStorage.getItem('age-ok') === '1') return;
    gate.hidden = false;
    document.body.classList.add('gated');
    $('gate-yes').focus();
    $('gate-yes').addEventListener('click', function () { sessionStorage.setItem('age-ok', '1'); gate.hidden = true; document.body.classList.remove('gated'); });
    $('gate-no').addEventListener('click', function () {
      $('gate-refused').hidden = false;
      $('gate-yes').disabled = true;
      document.querySelector('main').hidden = true;
    });
  }

  // --- products ----------------------------------------------------------------
  function loadProducts() {
    var all = [];
    function page(n) {
      return fetch('/api/products?pageSize=100&page=' + n, { headers: { accept: 'application/json' } }).then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.json();
      }).then(function (body) {
        var items = Array.isArray(body) ? body : body.items || body.products || [];
        all = all.concat(items);
        if (body.hasMore && n < 20) return page(n + 1);
        return all;
      });
    }
    return page(1).then(function (items) {
      state.products = items;
      renderProducts();
      renderCart();
    }).catch(function (err) {
      var box = $('products');
      box.textContent = '';
      box.appendChild(el('p', { className: 'form-error', text: 'The catalog could not be loaded (' + err.message + '). Reload the page in a moment.' }));
    });
  }

  // Where each compliance category is refused or held (GET /api/compliance/restrictions,
  // derived from the server's ruleset). Without it the page falls back to the
  // products' own restrictedStates.
  function loadRestrictions() {
    return fetch('/api/compliance/restrictions', { headers: { accept: 'application/json' } }).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (body) {
      state.restrictions = body && body.categories ? body : null;
    }).catch(function () { state.restrictions = null; }).then(function () {
      document.body.setAttribute('data-restrictions', state.restrictions ? 'loaded' : 'unavailable');
      if (state.products.length) { renderProducts(); renderCart(); }
    });
  }

  // --- ship-to state -----------------------------------------------------------
  // Marks what cannot ship to (or is held for review in) the state typed at
  // checkout, from the product's own restrictedStates and its category's
  // restrictions. A hint only: the server decides at checkout.
  function shipState() {
    var f = $('checkout');
    var v = f && f.elements.state ? (f.elements.state.value || '').trim().toUpperCase() : '';
    return /^[A-Z]{2}$/.test(v) ? v : null;
  }
  function has(list, st) { return Boolean(list && list.indexOf(st) >= 0); }
  /** 'banned', 'review' or null for a product shipped to state st. */
  function shipStatus(p, st) {
    if (!st || !p) return null;
    if (p.restrictedStates && p.restrictedStates.some(function (s) { return String(s).trim().toUpperCase() === st; })) return 'banned';
    var rs = state.restrictions;
    if (!rs) return null;
    var cat = p.category || p.complianceCategory;
    var c = cat ? rs.categories[cat] : null;
    if (!c) {
      // No or an unknown compliance category: checkout holds (or refuses) it in every state.
      return rs.unknownCategory === 'deny' ? 'banned' : rs.unknownCategory === 'review' ? 'review' : null;
    }
    if (has(c.banned, st) || (p.flavored && has(c.flavoredBanned, st))) return 'banned';
    if (has(c.review, st) || (p.flavored && has(c.flavoredReview, st))) return 'review';
    return null;
  }
  function cannotShip(p, st) { return shipStatus(p, st) === 'banned'; }
  function renderShipNote() {
    var note = $('ship-note');
    if (!note) return;
    var st = shipState();
    note.textContent = '';
    if (!st) {
      note.className = 'ship-note muted small';
      note.textContent = 'Some products cannot ship to every state: enter your ship-to state at checkout and those are marked.';
      return;
    }
    var blocked = state.products.filter(function (p) { return shipStatus(p, st) === 'banned'; }).length;
    var held = state.products.filter(function (p) { return shipStatus(p, st) === 'review'; }).length;
    var parts = [];
    if (blocked) parts.push(blocked + ' product' + (blocked === 1 ? '' : 's') + ' cannot ship there');
    if (held) parts.push(held + ' would be held for review');
    note.className = 'ship-note small' + (blocked || held ? ' ship-note-warn' : ' muted');
    note.textContent = parts.length
      ? 'Shipping to ' + st + ': ' + parts.join(', ') + ' (marked below). Your order is checked again at checkout.'
      : 'Shipping to ' + st + ': no product is marked as restricted there. Your order is still checked at checkout.';
  }
  function restrictionTags(p, st) {
    var tags = [];
    var states = p.restrictedStates || [];
    var status = shipStatus(p, st);
    if (status === 'banned') tags.push(el('span', { className: 'tag tag-bad ship-block', text: 'Cannot ship to ' + st }));
    if (status === 'review') tags.push(el('span', { className: 'tag tag-warn ship-review', title: 'Orders to ' + st + ' wait for a manual compliance check', text: 'Held for review in ' + st }));
    if (p.ageRequired) tags.push(el('span', { className: 'tag tag-info', title: 'Adult signature and ID check on delivery', text: '21+' }));
    if (p.flavored) tags.push(el('span', { className: 'tag tag-warn', title: 'Flavored: banned in some states', text: 'flavored' }));
    if (states.length) {
      var shown = states.slice(0, 4).join(', ') + (states.length > 4 ? ' +' + (states.length - 4) : '');
      tags.push(el('span', { className: 'tag tag-muted restricted', title: 'Cannot ship to ' + states.join(', '), text: 'no ship: ' + shown }));
    }
    return tags;
  }

  function renderProducts() {
    renderShipNote();
    var st = shipState();
    var box = $('products');
    var q = ($('search').value || '').trim().toLowerCase();
    var list = state.products.filter(function (p) {
      return !q || (p.name + ' ' + p.sku + ' ' + (p.brand || '') + ' ' + (p.category || '')).toLowerCase().indexOf(q) >= 0;
    });
    box.textContent = '';
    if (list.length === 0) {
      box.appendChild(el('p', { className: 'muted', text: state.products.length ? 'No product matches your search.' : 'No products yet: the first catalog sync has not finished. Reload in a moment.' }));
      return;
    }
    list.forEach(function (p) {
      var stock = stockOf(p);
      var img = p.imageUrl || (p.hasImage ? '/api/products/' + encodeURIComponent(p.sku) + '/image' : null);
      var inCart = state.cart[p.sku] || 0;
      var status = shipStatus(p, st);
      var blocked = status === 'banned';
      var card = el('article', {
        className: 'product' + (stock <= 0 ? ' sold-out' : '') + (blocked ? ' cannot-ship' : '') + (status === 'review' ? ' held-review' : ''),
        'data-sku': p.sku, 'data-restricted': (p.restrictedStates || []).join(','),
        'data-category': p.category || p.complianceCategory || '', 'data-flavored': p.flavored ? '1' : '0',
      }, [
        img ? el('img', { src: img, alt: p.name, loading: 'lazy', width: '220', height: '160' }) : el('div', { className: 'noimg', 'aria-hidden': 'true', text: (p.brand || p.name || '?').slice(0, 1) }),
        el('div', { className: 'product-body' }, [
          el('h3', { text: p.name }),
          el('p', { className: 'small muted', text: [p.brand, p.sku].filter(Boolean).join(' · ') }),
          el('p', { className: 'tags' }, restrictionTags(p, st)),
          el('div', { className: 'product-foot' }, [
            el('div', {}, [
              el('strong', { className: 'price', text: money(priceOf(p)) }),
              p.clubPriceCents != null && p.clubPriceCents < priceOf(p) ? el('div', { className: 'small muted', text: 'club ' + money(p.clubPriceCents) }) : null,
            ]),
            el('span', { className: 'stock ' + (stock <= 0 ? 'stock-out' : stock <= 3 ? 'stock-low' : 'stock-ok'), text: stock <= 0 ? 'Out of stock' : stock <= 3 ? 'Only ' + stock + ' left' : stock + ' in stock' }),
          ]),
          el('button', {
            type: 'button', className: 'btn btn-primary btn-wide add', disabled: stock <= 0 || inCart >= stock || blocked ? 'disabled' : null,
            onclick: function () { addToCart(p.sku, 1); },
          }, [stock <= 0 ? 'Sold out' : blocked ? 'Not available in ' + st : inCart ? 'Add another (' + inCart + ' in cart)' : 'Add to cart']),
        ]),
      ]);
      box.appendChild(card);
    });
  }

  // --- cart ------------------------------------------------------------------
  function product(sku) { return state.products.find(function (p) { return p.sku === sku; }); }
  function addToCart(sku, n) {
    var p = product(sku);
    var max = p ? stockOf(p) : 0;
    var q = Math.max(0, Math.min(max, (state.cart[sku] || 0) + n));
    if (q === 0) delete state.cart[sku]; else state.cart[sku] = q;
    saveCart();
    renderCart();
    renderProducts();
  }
  function cartLines() {
    return Object.keys(state.cart).map(function (sku) { return { sku: sku, quantity: state.cart[sku], product: product(sku) }; })
      .filter(function (l) { return l.product && l.quantity > 0; });
  }
  function renderCart() {
    var lines = cartLines();
    var box = $('cart-lines');
    box.textContent = '';
    var count = 0;
    var subtotal = 0;
    if (lines.length === 0) box.appendChild(el('p', { className: 'muted', text: 'Your cart is empty.' }));
    var st = shipState();
    lines.forEach(function (l) {
      count += l.quantity;
      subtotal += priceOf(l.product) * l.quantity;
      var status = shipStatus(l.product, st);
      var blocked = status === 'banned';
      box.appendChild(el('div', { className: 'cart-line' + (blocked ? ' cart-line-blocked' : '') + (status === 'review' ? ' cart-line-review' : ''), 'data-sku': l.sku }, [
        el('span', { className: 'cart-name' }, [l.product.name,
          blocked ? el('span', { className: 'cart-warn', text: 'Cannot ship to ' + st + ': remove it or change the address.' })
            : status === 'review' ? el('span', { className: 'cart-note', text: 'Held for review in ' + st + ': the order waits for a compliance check.' }) : null]),
        el('span', { className: 'qty' }, [
          el('button', { type: 'button', className: 'btn btn-small', 'aria-label': 'One less', onclick: function () { addToCart(l.sku, -1); } }, ['−']),
          el('span', { text: String(l.quantity) }),
          el('button', { type: 'button', className: 'btn btn-small', 'aria-label': 'One more', onclick: function () { addToCart(l.sku, 1); } }, ['+']),
        ]),
        el('span', { className: 'cart-price', text: money(priceOf(l.product) * l.quantity) }),
      ]));
    });
    $('cart-count').textContent = String(count);
    $('cart-subtotal').textContent = money(subtotal);
  }

  // --- personas --------------------------------------------------------------
  function usePersona(button) {
    var f = $('checkout');
    var defaults = { firstName: 'Ana', lastName: 'Ruiz', email: 'ana.ruiz@example.com', phone: '+17605550100', line1: '73-510 Fred Waring Dr', city: 'Palm Desert', state: 'CA', zip: '92260' };
    Object.keys(defaults).forEach(function (k) { if (!f.elements[k].value) f.elements[k].value = defaults[k]; });
    f.elements.dob.value = button.getAttribute('data-dob');
    f.elements.email.value = button.getAttribute('data-persona').replace(/_/g, '-') + '@example.com';
    document.querySelectorAll('.persona').forEach(function (b) { b.classList.toggle('persona-active', b === button); });
    renderProducts();
    renderCart();
  }

  // --- checkout --------------------------------------------------------------
  function newOrderId() {
    var rnd = Math.random().toString(36).slice(2, 7).toUpperCase();
    return 'DEMO-' + Date.now().toString(36).toUpperCase() + '-' + rnd;
  }
  function showFormError(message, details) {
    var box = $('form-error');
    box.textContent = message;
    if (details && details.length) {
      var ul = el('ul');
      details.forEach(function (d) { ul.appendChild(el('li', { text: (d.field ? d.field + ': ' : '') + (d.message || JSON.stringify(d)) })); });
      box.appendChild(ul);
    }
    box.hidden = false;
  }

  function submit(event) {
    event.preventDefault();
    if (state.submitting) return;
    $('form-error').hidden = true;
    var lines = cartLines();
    if (lines.length === 0) { showFormError('Your cart is empty: add a product first.'); return; }
    var f = event.target;
    var v = function (k) { return (f.elements[k].value || '').trim(); };
    var missing = ['firstName', 'lastName', 'email', 'dob', 'line1', 'city', 'state', 'zip'].filter(function (k) { return !v(k); });
    if (missing.length) { showFormError('Please fill in: ' + missing.join(', ') + '.'); return; }
    // The same submission keeps its id: a resend after a network error is the same order (Idempotency-Key).
    state.orderId = state.orderId || newOrderId();
    var body = {
      orderId: state.orderId,
      customer: { email: v('email'), firstName: v('firstName'), lastName: v('lastName'), dob: v('dob'), phone: v('phone') || null },
      shippingAddress: { line1: v('line1'), line2: v('line2') || null, city: v('city'), state: v('state').toUpperCase(), zip: v('zip') },
      billingAddress: null,
      items: lines.map(function (l) { return { sku: l.sku, quantity: l.quantity }; }),
      clubMember: f.elements.clubMember.checked,
    };
    state.submitting = true;
    $('place-order').disabled = true;
    $('place-order').textContent = 'Placing order…';
    fetch('/api/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'idempotency-key': state.orderId },
      body: JSON.stringify(body),
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (json) { return { status: r.status, json: json }; });
    }).then(function (res) {
      if (res.json && res.json.orderId && res.json.status) {
        // The server has this order now: the next submission is a new order.
        state.orderId = null;
        showResult(res.json);
        follow(res.json);
      } else if (res.json && res.json.error) {
        showFormError(res.json.error.message, res.json.error.details);
        if (res.status < 500) state.orderId = null;
      } else {
        showFormError('Unexpected answer (HTTP ' + res.status + ').');
      }
    }).catch(function (err) {
      showFormError('The order could not be sent (' + err.message + '). Press “Place order” again: it will not be placed twice.');
    }).then(function () {
      state.submitting = false;
      $('place-order').disabled = false;
      $('place-order').textContent = 'Place order';
    });
  }

  function isFinal(status) { return ['placed', 'refused', 'failed', 'cancelled'].indexOf(status) >= 0; }
  var HEADLINES = {
    placed: ['ok', 'Order placed'],
    accepted: ['ok', 'Order accepted: sending it to Zoho…'],
    pending_verification: ['warn', 'Order held: waiting for age verification'],
    review: ['warn', 'Order held for review'],
    refused: ['bad', 'Order refused'],
    failed: ['bad', 'The order could not be completed'],
    cancelling: ['muted', 'Order being cancelled'],
    cancelled: ['muted', 'Order cancelled'],
  };

  function showResult(order) {
    var box = $('result');
    var h = HEADLINES[order.status] || ['info', 'Order ' + order.status];
    box.className = 'result result-' + h[0];
    box.setAttribute('data-status', order.status);
    box.textContent = '';
    box.appendChild(el('h3', { text: h[1] }));
    box.appendChild(el('p', {}, ['Order ', el('code', { className: 'order-id', text: order.orderId }), ' · status ', el('strong', { className: 'order-status', text: order.status })]));
    if (order.zohoSalesOrderId) {
      box.appendChild(el('p', {}, ['Zoho sales order ', el('code', { className: 'zoho-so', text: (order.zohoSalesOrderNumber ? order.zohoSalesOrderNumber + ' · ' : '') + order.zohoSalesOrderId })]));
    }
    if (order.totals && order.totals.totalCents != null) box.appendChild(el('p', { text: 'Total ' + money(order.totals.totalCents) }));
    if (order.reasons && order.reasons.length) {
      var ul = el('ul', { className: 'reasons' });
      order.reasons.forEach(function (r) {
        ul.appendChild(el('li', { 'data-code': r.code }, [el('code', { text: r.code }), ' ', r.message + (r.sku ? ' (' + r.sku + ')' : '')]));
      });
      box.appendChild(ul);
    }
    box.hidden = false;
    box.scrollIntoView({ block: 'nearest' });
    if (order.status === 'placed' || order.status === 'accepted') {
      state.cart = {};
      saveCart();
      renderCart();
    }
  }

  /** Follows an order until Zoho has it (or it settles), so the sales-order id appears. */
  function follow(order) {
    if (state.polling) clearTimeout(state.polling);
    var tries = 0;
    var id = order.orderId;
    var last = order.status;
    function tick() {
      if (isFinal(last) && (last !== 'placed' || order.zohoSalesOrderId)) { loadProducts(); return; }
      if (++tries > 40) return;
      state.polling = setTimeout(function () {
        fetch('/api/orders/' + encodeURIComponent(id), { headers: { accept: 'application/json' } }).then(function (r) { return r.ok ? r.json() : null; }).then(function (o) {
          if (o && o.status) {
            if (o.status !== last || o.zohoSalesOrderId !== order.zohoSalesOrderId) showResult(o);
            last = o.status;
            order = o;
          }
          tick();
        }).catch(tick);
      }, 1500);
    }
    tick();
  }

  document.addEventListener('DOMContentLoaded', function () {
    ageGate();
    $('search').addEventListener('input', renderProducts);
    $('checkout').addEventListener('submit', submit);
    $('checkout').elements.state.addEventListener('input', function () { renderProducts(); renderCart(); });
    document.querySelectorAll('.persona').forEach(function (b) { b.addEventListener('click', function () { usePersona(b); }); });
    renderCart();
    loadProducts();
    loadRestrictions();
  });
})();
