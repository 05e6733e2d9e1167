import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  extractStock,
  formatZohoTime,
  mapItem,
  parseCheckbox,
  parseFieldMap,
  parseMoneyCents,
  parsePercentBps,
  parseStateList,
  parseWeightGrams,
  parseZohoTime,
  readCustomField,
} from '../../src/catalog/mapping.js';
import { inRollout, parseRollout } from '../../src/catalog/rollout.js';
import type { ZohoItem } from '../../src/zoho/types.js';
import { readFileSync } from 'node:fs';
import { LOC, makeItem } from './fake-zoho.js';

const fixture = (name: string) => (JSON.parse(readFileSync(join(import.meta.dirname, '../zoho/fixtures', name), 'utf8')) as { item: ZohoItem }).item;

describe('field parsers', () => {
  it('parses checkboxes in every spelling, and refuses the rest', () => {
    for (const v of [true, 'true', 'TRUE', 'Yes', 'yes', '1', 1, 'on', 'checked']) expect(parseCheckbox(v)).toBe(true);
    for (const v of [false, 'false', 'No', '0', 0, 'off']) expect(parseCheckbox(v)).toBe(false);
    for (const v of ['maybe', 2, null, {}, [true]]) expect(parseCheckbox(v)).toBeUndefined();
  });

  it('parses money to integer cents', () => {
    expect(parseMoneyCents('19.99')).toBe(1999);
    expect(parseMoneyCents(19.99)).toBe(1999);
    expect(parseMoneyCents('$1,234.5')).toBe(123450);
    expect(parseMoneyCents('USD 7')).toBe(700);
    expect(parseMoneyCents(0.1 + 0.2)).toBe(30);
    expect(parseMoneyCents('-3')).toBeUndefined();
    expect(parseMoneyCents('abc')).toBeUndefined();
    expect(parseMoneyCents('')).toBeUndefined();
  });

  it('parses percent to basis points', () => {
    expect(parsePercentBps('12.5')).toBe(1250);
    expect(parsePercentBps(12.5)).toBe(1250);
    expect(parsePercentBps('15 %')).toBe(1500);
    expect(parsePercentBps('0.125')).toBe(13);
    expect(parsePercentBps('101')).toBeUndefined();
    expect(parsePercentBps('-5')).toBeUndefined();
    expect(parsePercentBps('ten')).toBeUndefined();
  });

  it('normalizes state lists given as codes, names, strings or arrays', () => {
    expect(parseStateList('CA, ut,New York')).toEqual({ states: ['CA', 'NY', 'UT'], unknown: [] });
    expect(parseStateList(['California', 'Massachusetts', 'CA'])).toEqual({ states: ['CA', 'MA'], unknown: [] });
    expect(parseStateList('District of Columbia; Narnia')).toEqual({ states: ['DC'], unknown: ['Narnia'] });
    expect(parseStateList(42)).toBeUndefined();
  });

  it('converts weights to grams', () => {
    expect(parseWeightGrams(1, 'lb')).toBe(454);
    expect(parseWeightGrams('2', 'oz')).toBe(57);
    expect(parseWeightGrams(0.32, 'kg')).toBe(320);
    expect(parseWeightGrams('15', 'g')).toBe(15);
    expect(parseWeightGrams('', 'g')).toBeNull();
    expect(parseWeightGrams(3, 'stone')).toBeNull();
  });

  it('reads and writes Zoho timestamps with colon-less offsets', () => {
    const ms = parseZohoTime('2024-05-21T16:40:03+0200');
    expect(ms).toBe(Date.UTC(2024, 4, 21, 14, 40, 3));
    expect(formatZohoTime(ms!, 120)).toBe('2024-05-21T16:40:03+0200');
    expect(formatZohoTime(ms!, -480)).toBe('2024-05-21T06:40:03-0800');
    expect(parseZohoTime('garbage')).toBeNull();
  });
});

describe('custom fields by api_name', () => {
  it('reads custom_fields[] by api_name and never by label', () => {
    const item = { item_id: '1', custom_fields: [{ customfield_id: '9', api_name: 'cf_other', label: 'cf_msrp', value: '1.00' }] } as ZohoItem;
    expect(readCustomField(item, 'cf_msrp').found).toBe(false);
    expect(readCustomField(item, 'cf_other').value).toBe('1.00');
  });

  it('falls back to custom_field_hash, preferring the unformatted value', () => {
    const item = { item_id: '1', custom_field_hash: { cf_msrp: '$12.50', cf_msrp_unformatted: 12.5 } } as ZohoItem;
    expect(readCustomField(item, 'cf_msrp')).toEqual({ found: true, value: 12.5 });
  });

  it('accepts a configured mapping and rejects a bad one', () => {
    const map = parseFieldMap('{"msrp":"cf_retail"}');
    expect(map.msrp).toBe('cf_retail');
    expect(map.riskLevel).toBe('cf_risk_level');
    expect(() => parseFieldMap('{"price":"cf_x"}')).toThrow(/unknown field "price"/);
    expect(() => parseFieldMap('not json')).toThrow(/JSON object/);
    const item = makeItem({ id: '1', sku: 'A', custom: { cf_retail: '30.00' } });
    expect(mapItem(item, map).msrpCents).toBe(3000);
  });
});

describe('mapItem', () => {
  it('maps every field type from a complete item', () => {
    const m = mapItem(makeItem({ id: '1', sku: 'A', weight: 2, weightUnit: 'oz', custom: { cf_club_discount: '12.5', cf_flavored: 'Yes', cf_risk_level: 'Medium' } }));
    expect(m).toMatchObject({
      itemId: '1',
      sku: 'A',
      description: 'Nice thing',
      msrpCents: 1999,
      rateCents: 1550,
      clubDiscountBps: 1250,
      ageRequired: true,
      restrictedStates: ['MA', 'UT'],
      complianceCategory: 'accessories',
      flavored: true,
      riskLevel: 'medium',
      dtcEnabled: true,
      weightGrams: 57,
      categorySlug: 'rolling_papers',
    });
    expect(m.problems).toEqual([]);
  });

  it('gives safe defaults and records problems for missing compliance fields', () => {
    const m = mapItem(makeItem({ id: '1', sku: 'A', custom: { cf_age_required: undefined, cf_risk_level: undefined, cf_compliance_category: undefined, cf_msrp: undefined, cf_dtc_description: undefined } }));
    expect(m.ageRequired).toBe(true);
    expect(m.riskLevel).toBe('high');
    expect(m.complianceCategory).toBeNull();
    expect(m.msrpCents).toBe(1550); // falls back to the Zoho rate
    expect(m.description).toBe('zoho description');
    expect(m.problems.map((p) => `${p.field}:${p.problem}`).sort()).toEqual(['ageRequired:missing', 'complianceCategory:missing', 'riskLevel:missing']);
  });

  it('gives safe defaults and records problems for mistyped values', () => {
    const m = mapItem(
      makeItem({
        id: '1',
        sku: 'A',
        custom: { cf_age_required: 'perhaps', cf_risk_level: 'extreme', cf_msrp: 'free', cf_club_discount: '150', cf_flavored: 'sort of', cf_restricted_states: 7, cf_compliance_category: 12 },
      }),
    );
    expect(m).toMatchObject({ ageRequired: true, riskLevel: 'high', msrpCents: 1550, clubDiscountBps: 0, flavored: true, restrictedStates: [], complianceCategory: null });
    const fields = m.problems.filter((p) => p.problem === 'invalid').map((p) => p.field).sort();
    expect(fields).toEqual(['ageRequired', 'clubDiscount', 'complianceCategory', 'flavored', 'msrp', 'restrictedStates', 'riskLevel']);
  });

  it('maps the reference fixture (locations shape) without throwing', () => {
    const m = mapItem(fixture('item-detail-locations.json'));
    expect(m.itemId).toBe('5551230000000100011');
    expect(m.sku).toBe('TOTE-LIN-NAT');
    expect(m.lastModifiedMs).toBe(Date.UTC(2024, 4, 21, 14, 40, 3));
  });
});

describe('stock at the configured location', () => {
  it('reads locations[] and never the organization total', () => {
    const item = fixture('item-detail-locations.json');
    expect(extractStock(item, '5551230000000038095')).toMatchObject({ quantity: 12, raw: 12, shape: 'locations' });
    expect(extractStock(item, '5551230000000038080')).toMatchObject({ quantity: 23, raw: 23 });
    expect(extractStock(item, '5551230000000038080', 'stock_on_hand').quantity).toBe(30);
    expect(extractStock(item, '5551230000000038080', 'available_for_sale').quantity).toBe(25);
  });

  it('reads legacy warehouses[] and clamps negative figures to 0', () => {
    const item = fixture('item-detail-warehouses-legacy.json');
    expect(extractStock(item, '5551230000000038080')).toMatchObject({ quantity: 35, shape: 'warehouses' });
    expect(extractStock(item, '5551230000000038095')).toMatchObject({ quantity: 0, raw: -2 });
    expect(extractStock(item, '5551230000000038080', 'actual_available').quantity).toBe(40);
  });

  it('gives 0 and a problem when the location is missing or not configured', () => {
    const item = makeItem({ id: '1', sku: 'A', shape: 'none' });
    expect(extractStock(item, LOC)).toMatchObject({ quantity: 0, raw: null, problem: { field: 'stock', problem: 'location_missing' } });
    expect(extractStock(makeItem({ id: '1', sku: 'A' }), '999')).toMatchObject({ quantity: 0, problem: { problem: 'location_missing' } });
    expect(extractStock(makeItem({ id: '1', sku: 'A' }), undefined)).toMatchObject({ quantity: 0, problem: { problem: 'location_not_configured' } });
    expect(extractStock(makeItem({ id: '1', sku: 'A', stock: 7 }), LOC).quantity).toBe(7);
  });
});

describe('rollout', () => {
  const item = (sku: string, dtcEnabled: boolean, complianceCategory: string | null) => ({ sku, dtcEnabled, complianceCategory });
  it('parses every form and filters items', () => {
    expect(inRollout(parseRollout('all'), item('A', false, null))).toBe(true);
    expect(inRollout(parseRollout('field'), item('A', false, null))).toBe(false);
    expect(inRollout(parseRollout('field'), item('A', true, null))).toBe(true);
    const skus = parseRollout('skus:A, B');
    expect(inRollout(skus, item('B', false, null))).toBe(true);
    expect(inRollout(skus, item('C', true, null))).toBe(false);
    const cats = parseRollout('categories:Accessories,tobacco_cigars');
    expect(inRollout(cats, item('X', false, 'accessories'))).toBe(true);
    expect(inRollout(cats, item('X', false, 'ends_vape'))).toBe(false);
    expect(inRollout(cats, item('X', false, null))).toBe(false);
    expect(() => parseRollout('some')).toThrow(/ROLLOUT/);
    expect(() => parseRollout('skus:')).toThrow(/lists nothing/);
  });
});
