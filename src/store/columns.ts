/**
 * Portable column conventions (SQLite and PostgreSQL):
 * - timestamps: epoch milliseconds in `bigint` columns (number in TypeScript);
 * - booleans: `integer` 0/1 (SQLite has no boolean);
 * - JSON: `text` holding JSON.stringify output;
 * - Zoho ids and money-as-decimal strings: `text`; money: integer cents in `bigint`.
 */
export const toFlag = (b: boolean): number => (b ? 1 : 0);
export const fromFlag = (n: number | null | undefined): boolean => n === 1;

export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

export function fromJson<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
