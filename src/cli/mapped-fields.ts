import { parseFieldMap, type FieldMap, type LogicalField } from '../catalog/mapping.js';

/** Zoho custom-field data types each logical field can be read from (doctor checks them). */
const USABLE_TYPES: Record<LogicalField, string[]> = {
  description: ['string', 'multiline', 'text', 'textarea', 'rich_text'],
  msrp: ['amount', 'currency', 'decimal', 'number'],
  clubDiscount: ['percent', 'decimal', 'number'],
  ageRequired: ['check_box', 'checkbox', 'boolean'],
  restrictedStates: ['multiselect', 'multi_select', 'string', 'multiline'],
  complianceCategory: ['dropdown', 'picklist', 'string'],
  flavored: ['check_box', 'checkbox', 'boolean'],
  riskLevel: ['dropdown', 'picklist', 'string'],
  dtcEnabled: ['check_box', 'checkbox', 'boolean'],
};

export function mappedFieldTypes(override: string | null, defaults: FieldMap): Array<{ apiName: string; expectedTypes: string[] }> {
  const map = override ? parseFieldMap(override) : defaults;
  return (Object.keys(USABLE_TYPES) as LogicalField[]).map((field) => ({ apiName: map[field], expectedTypes: USABLE_TYPES[field] }));
}
