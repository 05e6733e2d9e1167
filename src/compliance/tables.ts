import type { Migration } from 'kysely';

// Tables owned by this module. Conventions: src/store/columns.ts.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ComplianceTables {}

export const complianceMigrations: Record<string, Migration> = {};
