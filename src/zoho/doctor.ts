import type { Config } from '../config/load.js';
import { ZohoApiError, ZohoAuthError, ZohoError } from './errors.js';
import type { BudgetSnapshot, ConnectionStatus, ZohoInventoryApi } from './types.js';
import { requestedScopes } from './connection.js';

/**
 * `dtc-bridge doctor`: each check one line, passed or failed with the fix.
 * Read-only: it spends a handful of calls (organizations, locations, custom
 * fields, and one small read per scope probe), all at `reconcile` priority.
 */
export interface DoctorCheck {
  check: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

export interface DoctorInput {
  api: ZohoInventoryApi;
  connection: { status(): Promise<ConnectionStatus>; getAccessToken(): Promise<{ token: string; apiBase: string }> };
  config: Config;
  mappedCustomFields: Array<{ apiName: string; expectedTypes: string[] }>;
  budget?: { snapshot(): Promise<BudgetSnapshot> };
}

const opts = { priority: 'reconcile' as const };

export async function runDoctor(input: DoctorInput): Promise<DoctorCheck[]> {
  const { api, connection, config } = input;
  const checks: DoctorCheck[] = [];

  // 1. connects
  try {
    await connection.getAccessToken();
    const status = await connection.status();
    checks.push({ check: 'connects', ok: true, detail: `token ok (accounts ${status.accountsServer ?? '?'}, API ${status.apiDomain ?? config.zohoApiDomain})` });
  } catch (err) {
    checks.push({ check: 'connects', ok: false, detail: message(err), fix: authFix(err) });
    return checks; // nothing else can work without a token
  }

  // 2. organization
  try {
    const orgs = await api.organizations.list(opts);
    const org = orgs.find((o) => o.organization_id === config.ZOHO_ORGANIZATION_ID);
    if (org) checks.push({ check: 'organization', ok: true, detail: `${org.name} (${org.organization_id})` });
    else
      checks.push({
        check: 'organization',
        ok: false,
        detail: `organization ${config.ZOHO_ORGANIZATION_ID} not found; this user sees: ${orgs.map((o) => `${o.name} (${o.organization_id})`).join(', ') || 'none'}`,
        fix: 'set ZOHO_ORGANIZATION_ID to one of the ids above (or connect with a user of that organization)',
      });
  } catch (err) {
    checks.push({ check: 'organization', ok: false, detail: message(err), fix: scopeFix(err, 'ZohoInventory.settings.READ') });
  }

  // 3. scopes: read scopes are probed; write scopes can only be compared with what was asked at consent.
  const probes: Array<[string, () => Promise<unknown>]> = [
    ['ZohoInventory.items.READ', () => api.items.list({ per_page: 1 }, opts)],
    ['ZohoInventory.contacts.READ', () => api.contacts.findByEmail('doctor-probe@invalid.example', opts)],
    ['ZohoInventory.salesorders.READ', () => api.salesOrders.findByReference('dtc-doctor-probe', opts)],
  ];
  const missing: string[] = [];
  for (const [scope, probe] of probes) {
    try {
      await probe();
    } catch (err) {
      if (err instanceof ZohoApiError && (err.httpStatus === 401 || err.zohoCode === 57)) missing.push(scope);
      else missing.push(`${scope} (probe failed: ${message(err)})`);
    }
  }
  const status = await connection.status();
  const wanted = requestedScopes(config);
  const granted = status.scopes.map((s) => s.toLowerCase());
  const fullAccess = granted.includes('zohoinventory.fullaccess.all');
  const notAsked = granted.length === 0 || fullAccess ? [] : wanted.filter((s) => !granted.includes(s.toLowerCase()));
  if (missing.length === 0 && notAsked.length === 0) {
    checks.push({
      check: 'scopes',
      ok: true,
      detail: granted.length === 0 ? 'read scopes answer (write scopes unknown: connected from a refresh token)' : `granted: ${status.scopes.join(', ')}`,
    });
  } else {
    checks.push({
      check: 'scopes',
      ok: false,
      detail: `missing: ${[...missing, ...notAsked].join(', ')}`,
      fix: `reconnect (dtc-bridge auth url) so the consent asks for: ${wanted.join(',')}`,
    });
  }

  // 4. location
  try {
    const locations = await api.locations.list(opts);
    const list = locations.map((l) => `${l.id} ${l.name}${l.isPrimary ? ' (primary)' : ''}${l.status !== 'active' ? ` [${l.status}]` : ''}`).join('; ');
    const wantedId = config.ZOHO_LOCATION_ID;
    const found = wantedId ? locations.find((l) => l.id === wantedId) : undefined;
    if (!wantedId) {
      checks.push({ check: 'location', ok: false, detail: `ZOHO_LOCATION_ID is not set; ${locations[0]?.kind ?? 'location'}s: ${list || 'none'}`, fix: 'set ZOHO_LOCATION_ID to the id of the shop location above' });
    } else if (!found) {
      checks.push({ check: 'location', ok: false, detail: `location ${wantedId} not found; available: ${list || 'none'}`, fix: 'set ZOHO_LOCATION_ID to one of the ids above' });
    } else if (found.status !== 'active') {
      checks.push({ check: 'location', ok: false, detail: `${found.name} (${found.id}) is ${found.status}; all: ${list}`, fix: 'mark the location active in Zoho, or pick another one' });
    } else {
      checks.push({ check: 'location', ok: true, detail: `${found.name} (${found.id}, ${found.kind}); all: ${list}` });
    }
  } catch (err) {
    checks.push({ check: 'location', ok: false, detail: message(err), fix: scopeFix(err, 'ZohoInventory.settings.READ') });
  }

  // 5. custom fields
  if (input.mappedCustomFields.length > 0) {
    try {
      const defined = await api.customFields.listForItems(opts);
      for (const mapped of input.mappedCustomFields) {
        const field = defined.find((f) => f.api_name === mapped.apiName);
        const check = `custom field ${mapped.apiName}`;
        if (!field) {
          checks.push({ check, ok: false, detail: 'not defined on items', fix: `create an item custom field whose API name is ${mapped.apiName} (Settings > Preferences > Items > Field Customization), or change the mapping` });
        } else if (!field.is_active) {
          checks.push({ check, ok: false, detail: `"${field.label}" is inactive`, fix: 'mark the field active in Zoho' });
        } else if (mapped.expectedTypes.length > 0 && !mapped.expectedTypes.includes(field.data_type)) {
          checks.push({ check, ok: false, detail: `"${field.label}" has type ${field.data_type || 'unknown'}; expected ${mapped.expectedTypes.join(' or ')}`, fix: 'change the field type in Zoho, or map another field' });
        } else {
          checks.push({ check, ok: true, detail: `"${field.label}" (${field.data_type}, id ${field.customfield_id})` });
        }
      }
    } catch (err) {
      checks.push({ check: 'custom fields', ok: false, detail: message(err), fix: scopeFix(err, 'ZohoInventory.settings.READ') });
    }
  }

  // 6. budget
  if (input.budget) {
    const b = await input.budget.snapshot();
    const share = b.dailyLimit > 0 ? b.usedToday / b.dailyLimit : 1;
    checks.push({
      check: 'budget',
      ok: share < 0.8,
      detail: `${b.usedToday} of ${b.dailyLimit} calls used today (UTC day ${b.day}); ${b.usedThisMinute}/${b.perMinuteLimit} this minute`,
      ...(share >= 0.8 ? { fix: 'polling backs off by itself; raise ZOHO_DAILY_CALL_BUDGET only if the Zoho plan allows more calls' } : {}),
    });
  }
  return checks;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function authFix(err: unknown): string {
  if (err instanceof ZohoAuthError) {
    switch (err.reason) {
      case 'not_connected':
        return 'run `dtc-bridge auth url`, open it, approve, or set ZOHO_REFRESH_TOKEN from a Self Client';
      case 'needs_reauth':
        return 'the refresh token was revoked: connect again (`dtc-bridge auth url`)';
      case 'invalid_client':
        return 'check ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and ZOHO_DC';
      case 'throttled':
        return 'wait a few minutes: Zoho allows 10 token refreshes per 10 minutes';
      default:
        return 'see the message; `dtc-bridge auth status` shows the connection';
    }
  }
  return err instanceof ZohoError ? 'check the network path to Zoho (ZOHO_API_URL / ZOHO_ACCOUNTS_URL)' : 'see the message';
}

function scopeFix(err: unknown, scope: string): string {
  if (err instanceof ZohoApiError && (err.httpStatus === 401 || err.zohoCode === 57)) return `reconnect with the scope ${scope}`;
  if (err instanceof ZohoApiError && (err.zohoCode === 2 || err.zohoCode === 6041)) return 'check ZOHO_ORGANIZATION_ID';
  return 'see the message';
}
