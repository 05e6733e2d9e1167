/**
 * Stable reason and requirement codes of compliance decisions. The codes are
 * a public contract (API answers, audit log, storefront copy): never rename
 * one; add new ones at the end. Messages are written for the customer.
 */

export const REASON_CODES = {
  under_age: {
    effect: 'deny',
    message: 'You must be at least {minAge} to buy this product.',
  },
  age_unverified: {
    effect: 'review',
    message: 'We could not verify your age yet. Your order is on hold until it is verified.',
  },
  age_verification_pending: {
    effect: 'review',
    message: 'Your age verification is still in progress. We will place your order as soon as it completes.',
  },
  age_verification_failed: {
    effect: 'deny',
    message: 'Your age could not be verified, so we cannot ship age-restricted products to you.',
  },
  name_mismatch: {
    effect: 'deny',
    message: 'The name on your age verification does not match the name on the order.',
  },
  name_unverifiable: {
    effect: 'review',
    message: 'We could not confirm that the verified name matches the order; a person will check it.',
  },
  state_ship_ban: {
    effect: 'deny',
    message: 'This product cannot be shipped to {state}.',
  },
  flavored_ban: {
    effect: 'deny',
    message: 'Flavored products of this kind cannot be shipped to {state}.',
  },
  item_state_restricted: {
    effect: 'deny',
    message: 'This product is not available for delivery to {state}.',
  },
  po_box_not_allowed: {
    effect: 'deny',
    message: 'This product cannot be delivered to a P.O. box; please give a street address.',
  },
  military_address_not_allowed: {
    effect: 'deny',
    message: 'This product cannot be delivered to APO, FPO or DPO addresses.',
  },
  cmra_not_allowed: {
    effect: 'deny',
    message: 'This product cannot be delivered to a private mailbox (mail receiving agency); please give a residential or business street address.',
  },
  address_invalid: {
    effect: 'deny',
    message: 'We could not find this shipping address. Please check the street, city and ZIP code.',
  },
  address_state_mismatch: {
    effect: 'deny',
    message: 'The ZIP code does not belong to the state given in the shipping address.',
  },
  address_unverifiable: {
    effect: 'review',
    message: 'We could not fully confirm the shipping address (for example a missing apartment number); a person will check it.',
  },
  address_vacant: {
    effect: 'review',
    message: 'The postal service lists this address as vacant; a person will check it before shipping.',
  },
  license_required: {
    effect: 'review',
    message: 'We need to confirm our shipping registration for {state} before this product can ship there.',
  },
  quantity_limit: {
    effect: 'deny',
    message: 'This order exceeds the per-order limit of {limit} for this product.',
  },
  unknown_category: {
    effect: 'review',
    message: 'This product needs a compliance check before it can ship; a person will review your order.',
  },
  unconfirmed_rule_review: {
    effect: 'review',
    message: 'Shipping this product to {state} needs a manual compliance review.',
  },
  provider_error: {
    effect: 'review',
    message: 'A verification service did not answer; your order is on hold and will be checked shortly.',
  },
  package_weight_limit: {
    effect: 'review',
    message: 'A single item is heavier than the per-package legal limit; a person will arrange the shipment.',
  },
} as const satisfies Record<string, { effect: 'deny' | 'review'; message: string }>;

export type ReasonCode = keyof typeof REASON_CODES;

export const REQUIREMENT_CODES = {
  adult_signature_id_check: 'The carrier must collect the signature of an adult ({minAge}+) and check a government photo ID at delivery.',
  no_usps: 'Do not ship with USPS: this product is not mailable (PACT Act / 18 U.S.C. 1716E).',
  no_po_box: 'Deliver to a street address only: no P.O. box, private mailbox or APO/FPO/DPO.',
  pact_report: 'PACT Act delivery sale: include this shipment in the monthly report to the destination state.',
  package_split: 'Split into {packages} packages: the PACT Act allows at most {limitLb} lb per package.',
  pact_label: 'Put the PACT Act exterior label on each package (wording UNCONFIRMED; see README).',
  weigh_before_shipping: 'Some items have no weight in Zoho; weigh the shipment to respect the {limitLb} lb per-package limit.',
} as const;

export type RequirementCode = keyof typeof REQUIREMENT_CODES;

/** Fills `{name}` placeholders; unknown placeholders are left visible so a bad template shows. */
export function formatMessage(template: string, values: Record<string, string | number | undefined>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (values[k] === undefined ? m : String(values[k])));
}

export function reasonMessage(code: ReasonCode, values: Record<string, string | number | undefined> = {}): string {
  return formatMessage(REASON_CODES[code].message, values);
}
