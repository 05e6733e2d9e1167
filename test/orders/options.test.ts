import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config/load.js';
import { loadTaxMap, resolveOrdersOptions } from '../../src/orders/options.js';
import { lookupTax, priceLine, totalsOf } from '../../src/orders/pricing.js';
import { orgDate } from '../../src/orders/worker.js';
import { requestHash } from '../../src/orders/model.js';
import { product } from './fakes/catalog.js';

describe('orders options and pricing', () => {
  it('reads TAX_MAP inline or from a file, and refuses a bad one', () => {
    const json = '{ "CA": { "vape_flavored": { "zohoTaxId": "t1", "rateBps": 1250 } } }';
    expect(loadTaxMap(json).CA!.vape_flavored!.rateBps).toBe(1250);
    const file = join(mkdtempSync(join(tmpdir(), 'tax-')), 'tax.json');
    writeFileSync(file, json);
    expect(resolveOrdersOptions(testConfig({ TAX_MAP: file })).taxMap).toEqual(JSON.parse(json));
    expect(() => loadTaxMap('{ "CA": { "x": { "rateBps": 5 } } }')).toThrow(/TAX_MAP is invalid/);
  });

  it('looks taxes up by state and category with * fallbacks', () => {
    const map = { CA: { vape_flavored: { zohoTaxId: 'ca-vape', rateBps: 1250 }, '*': { zohoTaxId: 'ca-any', rateBps: 725 } }, '*': { '*': { zohoTaxId: 'any', rateBps: 0 } } };
    expect(lookupTax(map, 'CA', 'vape_flavored')!.zohoTaxId).toBe('ca-vape');
    expect(lookupTax(map, 'CA', 'cigar')!.zohoTaxId).toBe('ca-any');
    expect(lookupTax(map, 'NV', 'cigar')!.zohoTaxId).toBe('any');
    expect(lookupTax({}, 'NV', null)).toBeNull();
  });

  it('prices in integer cents: club discount in basis points, tax per line', () => {
    const p = product('X', { msrpCents: 1999, clubDiscountBps: 1500, complianceCategory: 'vape_flavored' });
    const line = priceLine(1, p, 3, true, 'CA', { CA: { vape_flavored: { zohoTaxId: 't', rateBps: 1250 } } });
    // 1999 - 15 % (299.85 → 300) = 1699; 3 × 1699 = 5097; 12.5 % = 637.125 → 637
    expect(line).toMatchObject({ unitPriceCents: 1699, discountCents: 900, netCents: 5097, taxCents: 637, taxId: 't' });
    expect(totalsOf([line])).toMatchObject({ subtotalCents: 5997, discountCents: 900, taxCents: 637, totalCents: 5734, total: '57.34' });
    expect(priceLine(1, p, 1, false, 'CA', {}).unitPriceCents).toBe(1999);
  });

  it('dates orders in the organization time zone', () => {
    // 2026-11-28 07:30 UTC is still the 27th in California.
    expect(orgDate(Date.UTC(2026, 10, 28, 7, 30), 'America/Los_Angeles')).toBe('2026-11-27');
  });

  it('hashes a request independently of key order', () => {
    expect(requestHash({ a: 1, b: { c: 2, d: [1, 2] } })).toBe(requestHash({ b: { d: [1, 2], c: 2 }, a: 1 }));
    expect(requestHash({ a: 1 })).not.toBe(requestHash({ a: 2 }));
  });

  it('maps sales-order custom fields from SALES_ORDER_FIELD_MAP when the config carries it', () => {
    const config = Object.assign(testConfig(), { SALES_ORDER_FIELD_MAP: '{ "decisionId": "cf_dec", "complianceFlags": null }' });
    const o = resolveOrdersOptions(config);
    expect(o.salesOrderFields).toMatchObject({ decisionId: 'cf_dec', complianceFlags: null, shopOrderId: 'cf_shop_order_id' });
    expect(() => resolveOrdersOptions(Object.assign(testConfig(), { SALES_ORDER_FIELD_MAP: '{ "nope": "cf" }' }))).toThrow(/unknown field/);
  });
});
