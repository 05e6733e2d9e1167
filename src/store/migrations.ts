import type { Migration } from 'kysely';
import { zohoMigrations } from '../zoho/tables.js';
import { catalogMigrations } from '../catalog/tables.js';
import { complianceMigrations } from '../compliance/tables.js';
import { orderMigrations } from '../orders/tables.js';
import { opsMigrations } from '../observability/tables.js';
import { leaseMigrations } from './leases.js';

/**
 * Each module owns its tables and its migrations. Names sort globally
 * (Kysely runs them alphabetically), so every module has its own prefix:
 * store 000_, zoho 100_, catalog 200_, compliance 300_, orders 400_, observability 500_.
 */
export function allMigrations(): Record<string, Migration> {
  const all: Record<string, Migration> = {};
  for (const group of [leaseMigrations, zohoMigrations, catalogMigrations, complianceMigrations, orderMigrations, opsMigrations]) {
    for (const [name, migration] of Object.entries(group)) {
      if (all[name]) throw new Error(`duplicate migration name ${name}`);
      all[name] = migration;
    }
  }
  return all;
}
