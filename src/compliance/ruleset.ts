/**
 * The compliance ruleset: a versioned JSON file (rules/compliance-rules.json),
 * validated at load by the zod schema below. rules/compliance-rules.schema.json
 * is generated from this schema (`rulesetJsonSchema()`); a test keeps them equal.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const CONFIDENCE_VALUES = ['primary', 'secondary', 'vendor', 'derived', 'unconfirmed'] as const;
export type Confidence = (typeof CONFIDENCE_VALUES)[number];
export type UnconfirmedAction = 'review' | 'deny' | 'ignore';

const confidence = z.enum(CONFIDENCE_VALUES);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');
/** `US`, a two-letter state (or territory / military AA AE AP) code, or `STATE:CITY`. */
const jurisdiction = z.string().regex(/^(US|[A-Z]{2})(:[A-Z][A-Z .'-]*)?$/, 'must be US, a state code or STATE:CITY');
const source = z.string().min(1, 'every entry needs a source');
const riskLevel = z.enum(['low', 'medium', 'high']);

export const categorySchema = z
  .object({
    description: z.string(),
    /** null = UNCONFIRMED; the engine treats it as covered (most restrictive). */
    pact_covered: z.boolean().nullable(),
    /** null = UNCONFIRMED; the engine treats it as non-mailable. */
    usps_mailable: z.boolean().nullable(),
    age_restricted: z.boolean(),
    risk_level: riskLevel,
    max_quantity_per_order: z.number().int().positive().optional(),
    confidence,
    source,
    notes: z.string().optional(),
  })
  .strict();

export const appliesIfSchema = z
  .object({
    attribute: z.string().min(1),
    op: z.enum(['eq', 'ne', 'gt', 'gte', 'lt', 'lte']),
    value: z.union([z.number(), z.boolean(), z.string()]),
  })
  .strict();

export const ruleSchema = z
  .object({
    id: z.string().regex(/^[A-Z0-9][A-Z0-9_-]*$/, 'upper-case id'),
    jurisdictions: z.array(jurisdiction).min(1),
    categories: z.array(z.string().min(1)).min(1),
    ship_banned: z.boolean().optional(),
    flavored_banned: z.boolean().optional(),
    /** Line attributes that, when true, exempt a flavoured line from this rule's flavour ban. */
    flavored_exempt_attributes: z.array(z.string()).optional(),
    min_age: z.number().int().min(18).max(99).optional(),
    requires_adult_signature: z.boolean().optional(),
    requires_database_age_verification: z.boolean().optional(),
    po_box_allowed: z.boolean().optional(),
    military_allowed: z.boolean().optional(),
    usps_allowed: z.boolean().optional(),
    max_package_weight_lb: z.number().positive().optional(),
    max_quantity_per_order: z.number().int().positive().optional(),
    license_required: z.array(z.string().min(1)).optional(),
    applies_if: appliesIfSchema.optional(),
    /** Informational: the engine does not evaluate conditions. */
    conditions: z.record(z.string(), z.unknown()).optional(),
    effective_date: isoDate.nullable().optional(),
    expires_date: isoDate.nullable().optional(),
    confidence,
    source,
    notes: z.string().optional(),
  })
  .strict();

export const watchlistSchema = z
  .object({
    id: z.string().regex(/^[A-Z0-9][A-Z0-9_-]*$/),
    jurisdictions: z.array(jurisdiction).min(1),
    categories: z.array(z.string().min(1)).min(1),
    action: z.enum(['review', 'deny']),
    confidence,
    source,
    effective_date: isoDate.nullable().optional(),
    notes: z.string().optional(),
  })
  .strict();

export const rulesetSchema = z
  .object({
    $schema: z.string().optional(),
    $comment: z.string().optional(),
    version: z.string().min(1),
    schema_version: z.string().regex(/^1\.\d+\.\d+$/, 'this bridge reads schema_version 1.x'),
    status: z.string(),
    legal_review: z
      .object({ reviewed: z.boolean(), reviewer: z.string().nullable(), reviewed_on: isoDate.nullable() })
      .strict(),
    compiled_note: z.string().optional(),
    changelog: z
      .array(z.object({ version: z.string(), date: isoDate, changes: z.array(z.string()) }).strict())
      .optional(),
    semantics: z.record(z.string(), z.unknown()).optional(),
    defaults: z
      .object({
        min_age: z.number().int().min(21, 'federal Tobacco 21: never below 21').max(99),
        age_verification_all_orders: z.boolean(),
        unconfirmed_action: z.enum(['review', 'deny', 'ignore']),
        missing_license_action: z.enum(['review', 'deny', 'ignore']),
        high_risk_max_quantity_per_order: z.number().int().positive(),
        unknown_category_risk: z.literal('high'),
      })
      .strict(),
    seller: z
      .object({
        name: z.string(),
        home_state: z.string().regex(/^[A-Z]{2}$/),
        licenses_held: z.array(
          z
            .object({
              license: z.string().min(1),
              /** States where it is held, or `*`. */
              jurisdictions: z.array(z.union([z.literal('*'), jurisdiction])).min(1),
              notes: z.string().optional(),
            })
            .strict(),
        ),
      })
      .strict(),
    categories: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), categorySchema),
    product_flags: z.record(z.string(), z.string()).optional(),
    rules: z.array(ruleSchema),
    watchlist_unconfirmed: z.array(watchlistSchema),
    carriers: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .superRefine((rs, ctx) => {
    const ids = new Set<string>();
    for (const [i, rule] of rs.rules.entries()) {
      if (ids.has(rule.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id ${rule.id}` });
      ids.add(rule.id);
      for (const c of rule.categories) {
        if (c !== '*' && !rs.categories[c]) ctx.addIssue({ code: 'custom', path: ['rules', i, 'categories'], message: `unknown category ${c}` });
      }
    }
    for (const [i, w] of rs.watchlist_unconfirmed.entries()) {
      if (ids.has(w.id)) ctx.addIssue({ code: 'custom', path: ['watchlist_unconfirmed', i, 'id'], message: `duplicate id ${w.id}` });
      ids.add(w.id);
      for (const c of w.categories) {
        if (c !== '*' && !rs.categories[c]) ctx.addIssue({ code: 'custom', path: ['watchlist_unconfirmed', i, 'categories'], message: `unknown category ${c}` });
      }
    }
  });

export type Ruleset = z.infer<typeof rulesetSchema>;
export type Rule = z.infer<typeof ruleSchema>;
export type WatchlistEntry = z.infer<typeof watchlistSchema>;
export type CategoryDef = z.infer<typeof categorySchema>;

export class RulesetError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`Compliance ruleset ${path}: ${message}`);
    this.name = 'RulesetError';
  }
}

/** The ruleset shipped with the bridge (rules/compliance-rules.json at the repo root). */
export const SHIPPED_RULESET_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../../rules/compliance-rules.json');

export interface LoadRulesetOptions {
  /** Environment to read COMPLIANCE_RULES from (default process.env). */
  env?: Record<string, string | undefined>;
  /** Refuse a ruleset whose legal_review.reviewed is false (set for production). */
  requireLegalReview?: boolean;
}

export interface LoadedRuleset extends Ruleset {
  /** Where it was read from. */
  loadedFrom: string;
}

/**
 * Reads and validates a ruleset. Precedence: the explicit path, then
 * COMPLIANCE_RULES, then the shipped file. Any schema problem throws one
 * RulesetError naming the file and the first bad field.
 */
export function loadRuleset(path?: string, options: LoadRulesetOptions = {}): LoadedRuleset {
  const env = options.env ?? process.env;
  const file = resolve(path ?? env.COMPLIANCE_RULES ?? SHIPPED_RULESET_PATH);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RulesetError(file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RulesetError(file, `is not valid JSON (${(err as Error).message})`);
  }
  const ruleset = parseRuleset(json, file);
  if (options.requireLegalReview && !ruleset.legal_review.reviewed) {
    throw new RulesetError(
      file,
      'has legal_review.reviewed=false; production needs a ruleset reviewed by counsel (copy it, fill legal_review, point COMPLIANCE_RULES at the copy)',
    );
  }
  return { ...ruleset, loadedFrom: file };
}

export function parseRuleset(json: unknown, label = 'ruleset'): Ruleset {
  const parsed = rulesetSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RulesetError(label, `${issue.path.join('.') || '(root)'} ${issue.message}`);
  }
  return parsed.data;
}

/** The JSON Schema of the ruleset file (draft 2020-12), generated from the zod schema. */
export function rulesetJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(rulesetSchema, { target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://github.com/vip-smoke/zoho-dtc-bridge/rules/compliance-rules.schema.json', title: 'zoho-dtc-bridge compliance ruleset' };
}

export interface UnconfirmedItem {
  kind: 'rule' | 'watchlist' | 'category' | 'note';
  id: string;
  jurisdictions: string[];
  categories: string[];
  confidence: Confidence;
  /** Why it is listed. */
  note: string;
}

/**
 * Everything the ruleset itself marks as not confirmed: watchlist entries,
 * rules or categories with confidence unconfirmed/vendor/derived, and any
 * entry whose notes say UNCONFIRMED. The README and the admin page show it.
 */
export function listUnconfirmed(ruleset: Ruleset): UnconfirmedItem[] {
  const items: UnconfirmedItem[] = [];
  for (const w of ruleset.watchlist_unconfirmed) {
    items.push({ kind: 'watchlist', id: w.id, jurisdictions: w.jurisdictions, categories: w.categories, confidence: w.confidence, note: w.notes ?? '' });
  }
  for (const r of ruleset.rules) {
    const weak = r.confidence === 'unconfirmed' || r.confidence === 'vendor' || r.confidence === 'derived';
    const flagged = /UNCONFIRMED/.test(r.notes ?? '') || JSON.stringify(r.conditions ?? {}).includes('UNCONFIRMED');
    if (weak || flagged) {
      items.push({
        kind: weak ? 'rule' : 'note',
        id: r.id,
        jurisdictions: r.jurisdictions,
        categories: r.categories,
        confidence: r.confidence,
        note: r.notes ?? `confidence ${r.confidence}`,
      });
    }
  }
  for (const [id, c] of Object.entries(ruleset.categories)) {
    if (c.confidence === 'unconfirmed' || c.pact_covered === null || c.usps_mailable === null || /UNCONFIRMED/.test(c.notes ?? '')) {
      items.push({ kind: 'category', id, jurisdictions: ['US'], categories: [id], confidence: c.confidence, note: c.notes ?? '' });
    }
  }
  return items;
}
