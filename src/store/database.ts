import type { ZohoTables } from '../zoho/tables.js';
import type { CatalogTables } from '../catalog/tables.js';
import type { ComplianceTables } from '../compliance/tables.js';
import type { OrderTables } from '../orders/tables.js';
import type { OpsTables } from '../observability/tables.js';
import type { LeaseTables } from './leases.js';

/**
 * The whole database, as the union of what each module declares. A module
 * queries only its own tables; other modules' data comes through their
 * service interfaces.
 */
export interface Database extends LeaseTables, ZohoTables, CatalogTables, ComplianceTables, OrderTables, OpsTables {}
