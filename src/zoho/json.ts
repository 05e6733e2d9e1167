/**
 * JSON parsing that keeps Zoho ids exact. Ids are 19-digit strings in real
 * responses, but documentation examples (and possibly some endpoints) show
 * them as bare numbers, which JSON.parse would round (> 2^53). Before parsing,
 * any bare integer that is the value of a key ending in `_id` is quoted, so
 * ids are strings whatever Zoho sends. Other numbers (quantities, rates) are
 * left alone. Fast path: no `_id": <digit>` in the text, no rewrite.
 */
const BARE_ID = /("[A-Za-z0-9_]*_id"\s*:\s*)(-?\d+)(?=\s*[,}\]])/g;
const HAS_BARE_ID = /_id"\s*:\s*-?\d/;

export function parseZohoJson(text: string): unknown {
  if (HAS_BARE_ID.test(text)) text = text.replace(BARE_ID, '$1"$2"');
  return JSON.parse(text);
}
