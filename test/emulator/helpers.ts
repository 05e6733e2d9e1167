import { startZohoEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.js';

export const ORG = '850205569';
export const CLIENT = { id: 'emulator-client-id', secret: 'emulator-client-secret' };

export interface Harness {
  emu: RunningEmulator;
  token: string;
  refreshToken: string;
  /** GET/POST an Inventory path (relative to /inventory/v1); adds organization_id and the auth header. */
  api(path: string, init?: { method?: string; body?: unknown; token?: string | null; org?: string | null; query?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
}

export async function tokenFor(emu: RunningEmulator, refreshToken: string): Promise<string> {
  const res = await fetch(`${emu.url}/oauth/v2/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: CLIENT.id, client_secret: CLIENT.secret, refresh_token: refreshToken }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no access token: ${JSON.stringify(body)}`);
  return body.access_token;
}

export async function harness(options: EmulatorOptions = {}, scopes?: string[]): Promise<Harness> {
  const emu = await startZohoEmulator(options);
  const refreshToken = emu.control.issueRefreshToken(scopes ? { scopes } : { scopes: ['ZohoInventory.FullAccess.all'] });
  const token = await tokenFor(emu, refreshToken);
  emu.control.resetCounters();
  const api: Harness['api'] = async (path, init = {}) => {
    const url = new URL(`${emu.apiBaseUrl}${path}`);
    if (init.org !== null) url.searchParams.set('organization_id', init.org ?? ORG);
    for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = {};
    const t = init.token === undefined ? token : init.token;
    if (t !== null) headers.Authorization = `Zoho-oauthtoken ${t}`;
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(url, {
      method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
      headers,
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body, headers: res.headers };
  };
  return { emu, token, refreshToken, api };
}

/** Creates a customer and returns its id. */
export async function createCustomer(h: Harness, name = 'Ana Ruiz', email = 'ana@example.com'): Promise<string> {
  const res = await h.api('/contacts', {
    body: {
      contact_name: name,
      contact_type: 'customer',
      contact_persons: [{ first_name: name.split(' ')[0], last_name: name.split(' ')[1] ?? '', email, is_primary_contact: true }],
      shipping_address: { address: '73-510 Fred Waring Dr', city: 'Palm Desert', state: 'CA', zip: '92260', country: 'U.S.A' },
    },
  });
  if (res.status !== 201) throw new Error(`contact create failed: ${JSON.stringify(res.body)}`);
  return res.body.contact.contact_id as string;
}

export function locationStock(item: any, locationId: string): any {
  return (item.locations as any[]).find((l) => l.location_id === locationId);
}
