import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHIPPED_RULESET_PATH, listUnconfirmed, loadRuleset, parseRuleset, rulesetJsonSchema, RulesetError } from '../../src/compliance/ruleset.js';

const dir = mkdtempSync(join(tmpdir(), 'rules-'));
const shippedJson = () => JSON.parse(readFileSync(SHIPPED_RULESET_PATH, 'utf8'));
const write = (name: string, value: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, typeof value === 'string' ? value : JSON.stringify(value));
  return p;
};

describe('ruleset', () => {
  it('the shipped ruleset loads, is versioned, and keeps a source and a confidence on every rule', () => {
    const r = loadRuleset(undefined, { env: {} });
    expect(r.version).toMatch(/^\d{4}\.\d+\.\d+/);
    expect(r.legal_review.reviewed).toBe(false);
    expect(r.status).toBe('DRAFT_REQUIRES_LEGAL_REVIEW');
    for (const rule of r.rules) {
      expect(rule.source.length).toBeGreaterThan(3);
      expect(rule.confidence).toBeTruthy();
    }
    for (const id of ['tobacco_cigarettes', 'tobacco_cigars', 'tobacco_smokeless', 'ends_vape', 'eliquid', 'hemp_cbd', 'hemp_thc_intoxicating', 'kratom', 'accessories', 'tobacco_pipe_shisha']) {
      expect(r.categories[id], id).toBeDefined();
    }
    expect(r.defaults.min_age).toBe(21);
    expect(r.loadedFrom).toBe(SHIPPED_RULESET_PATH);
  });

  it('rules/compliance-rules.schema.json is the JSON Schema generated from the zod schema', () => {
    const file = JSON.parse(readFileSync(SHIPPED_RULESET_PATH.replace('compliance-rules.json', 'compliance-rules.schema.json'), 'utf8'));
    expect(file).toEqual(JSON.parse(JSON.stringify(rulesetJsonSchema())));
  });

  it('COMPLIANCE_RULES overrides the shipped file; an explicit path overrides both', () => {
    const custom = shippedJson();
    custom.version = 'operator-1';
    const p = write('custom.json', custom);
    expect(loadRuleset(undefined, { env: { COMPLIANCE_RULES: p } }).version).toBe('operator-1');
    custom.version = 'explicit';
    const q = write('explicit.json', custom);
    expect(loadRuleset(q, { env: { COMPLIANCE_RULES: p } }).version).toBe('explicit');
  });

  it('refuses a broken ruleset with one line naming the problem', () => {
    const noSource = shippedJson();
    delete noSource.rules[0].source;
    expect(() => loadRuleset(write('a.json', noSource), { env: {} })).toThrow(/rules\.0\.source/);
    const badCategory = shippedJson();
    badCategory.rules[0].categories.push('vape_flavored');
    expect(() => loadRuleset(write('b.json', badCategory), { env: {} })).toThrow(/unknown category vape_flavored/);
    const lowAge = shippedJson();
    lowAge.defaults.min_age = 18;
    expect(() => loadRuleset(write('c.json', lowAge), { env: {} })).toThrow(/defaults\.min_age/);
    const dup = shippedJson();
    dup.rules.push(dup.rules[0]);
    expect(() => loadRuleset(write('d.json', dup), { env: {} })).toThrow(/duplicate rule id/);
    const typo = shippedJson();
    typo.rules[0].ship_baned = true;
    expect(() => loadRuleset(write('e.json', typo), { env: {} })).toThrow(RulesetError);
    expect(() => loadRuleset(write('f.json', '{oops'), { env: {} })).toThrow(/not valid JSON/);
    expect(() => loadRuleset(join(dir, 'missing.json'), { env: {} })).toThrow(/cannot be read/);
  });

  it('production refuses an unreviewed ruleset', () => {
    expect(() => loadRuleset(undefined, { env: {}, requireLegalReview: true })).toThrow(/legal_review/);
    const reviewed = shippedJson();
    reviewed.legal_review = { reviewed: true, reviewer: 'Counsel LLP', reviewed_on: '2026-12-01' };
    expect(loadRuleset(write('r.json', reviewed), { env: {}, requireLegalReview: true }).legal_review.reviewed).toBe(true);
  });

  it('lists what the ruleset marks unconfirmed', () => {
    const items = listUnconfirmed(parseRuleset(shippedJson()));
    const ids = items.map((i) => i.id);
    expect(ids).toEqual(expect.arrayContaining(['WL-VAPE-RETAILER-EXCLUSION', 'WL-UT-FLAVORED-ENDS', 'STATES-DELTA8-BAN', 'MA-HIGH-NICOTINE', 'tobacco_pipe_shisha']));
  });
});
