/**
 * A local USPS Addresses API v3 (reference/compliance.md §6.1): the OAuth
 * client-credentials token endpoint and `GET /addresses/v3/address` with the
 * documented response (`address`, `additionalInfo` — or the older
 * `addressAdditionalInfo` key, switchable — `corrections`, `matches`,
 * `warnings`) and the v3 error shape. It knows a small address book (below);
 * any other address answers 400 "Address Not Found.".
 */
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';

export interface UspsFakeOptions {
  clientId: string;
  clientSecret: string;
  tokenTtlSeconds?: number;
  /** Which key carries DPV/CMRA/business/vacant (default additionalInfo). */
  infoKey?: 'additionalInfo' | 'addressAdditionalInfo';
}

interface BookEntry {
  input: { street: string; secondary?: string; zip: string };
  address: { streetAddress: string; secondaryAddress: string; city: string; state: string; ZIPCode: string; ZIPPlus4: string };
  info: { DPVConfirmation: 'Y' | 'D' | 'S' | 'N'; DPVCMRA: 'Y' | 'N'; business: 'Y' | 'N'; vacant: 'Y' | 'N'; centralDeliveryPoint: 'Y' | 'N' };
}

/** The fake's address book: each a documented case of the adapter tests. */
export const USPS_FAKE_ADDRESSES: BookEntry[] = [
  {
    input: { street: '73-510 Fred Waring Drive', zip: '92260' },
    address: { streetAddress: '73510 FRED WARING DR', secondaryAddress: '', city: 'PALM DESERT', state: 'CA', ZIPCode: '92260', ZIPPlus4: '2578' },
    info: { DPVConfirmation: 'Y', DPVCMRA: 'N', business: 'Y', vacant: 'N', centralDeliveryPoint: 'N' },
  },
  {
    input: { street: '123 Main St', secondary: 'Apt 4', zip: '62701' },
    address: { streetAddress: '123 MAIN ST', secondaryAddress: 'APT 4', city: 'SPRINGFIELD', state: 'IL', ZIPCode: '62701', ZIPPlus4: '1001' },
    info: { DPVConfirmation: 'Y', DPVCMRA: 'N', business: 'N', vacant: 'N', centralDeliveryPoint: 'N' },
  },
  {
    input: { street: '500 Grand Ave', zip: '90071' },
    address: { streetAddress: '500 GRAND AVE', secondaryAddress: '', city: 'LOS ANGELES', state: 'CA', ZIPCode: '90071', ZIPPlus4: '2600' },
    info: { DPVConfirmation: 'D', DPVCMRA: 'N', business: 'N', vacant: 'N', centralDeliveryPoint: 'N' },
  },
  {
    input: { street: '2 Mailbox Plaza', zip: '92101' },
    address: { streetAddress: '2 MAILBOX PLZ', secondaryAddress: 'STE 100', city: 'SAN DIEGO', state: 'CA', ZIPCode: '92101', ZIPPlus4: '3000' },
    info: { DPVConfirmation: 'Y', DPVCMRA: 'Y', business: 'Y', vacant: 'N', centralDeliveryPoint: 'N' },
  },
  {
    input: { street: '9 Empty Ct', zip: '93701' },
    address: { streetAddress: '9 EMPTY CT', secondaryAddress: '', city: 'FRESNO', state: 'CA', ZIPCode: '93701', ZIPPlus4: '1234' },
    info: { DPVConfirmation: 'Y', DPVCMRA: 'N', business: 'N', vacant: 'Y', centralDeliveryPoint: 'N' },
  },
  {
    input: { street: '77 Nope St', zip: '78701' },
    address: { streetAddress: '77 NOPE ST', secondaryAddress: '', city: 'AUSTIN', state: 'TX', ZIPCode: '78701', ZIPPlus4: '' },
    info: { DPVConfirmation: 'N', DPVCMRA: 'N', business: 'N', vacant: 'N', centralDeliveryPoint: 'N' },
  },
  {
    input: { street: 'PO Box 123', zip: '92261' },
    address: { streetAddress: 'PO BOX 123', secondaryAddress: '', city: 'PALM DESERT', state: 'CA', ZIPCode: '92261', ZIPPlus4: '0123' },
    info: { DPVConfirmation: 'Y', DPVCMRA: 'N', business: 'N', vacant: 'N', centralDeliveryPoint: 'N' },
  },
];

const SUFFIXES: Record<string, string> = { DRIVE: 'DR', STREET: 'ST', AVENUE: 'AVE', COURT: 'CT', PLAZA: 'PLZ', APARTMENT: 'APT', SUITE: 'STE' };
function norm(s: string | undefined): string {
  return (s ?? '')
    .toUpperCase()
    .replace(/[.,#-]/g, '')
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => SUFFIXES[w] ?? w)
    .join(' ');
}

export type UspsFault = 'none' | '500' | '429' | 'hang' | 'token_500';

export interface UspsFake {
  app: FastifyInstance;
  url: string;
  requests: { token: number; address: number };
  /** Invalidates every issued token (the next address call gets 401). */
  revokeTokens(): void;
  setFault(fault: UspsFault): void;
  setInfoKey(key: 'additionalInfo' | 'addressAdditionalInfo'): void;
  close(): Promise<void>;
}

export function buildUspsFake(options: UspsFakeOptions) {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const tokens = new Map<string, number>();
  const requests = { token: 0, address: 0 };
  let fault: UspsFault = 'none';
  let infoKey = options.infoKey ?? 'additionalInfo';
  const v3Error = (status: number, message: string, detail: string, parameter?: string) => ({
    apiVersion: '3.0.0',
    error: {
      code: String(status),
      message,
      errors: [{ status: String(status), code: String(status), title: message, detail, ...(parameter ? { source: { parameter, example: '' } } : {}) }],
    },
  });

  app.post('/oauth2/v3/token', async (req, reply) => {
    requests.token += 1;
    if (fault === 'token_500') return reply.status(500).send({ error: 'server_error', error_description: 'token service down' });
    const body = (req.body ?? {}) as Record<string, string>;
    if (body.grant_type !== 'client_credentials') {
      return reply.status(400).send({ error: 'unsupported_grant_type', error_description: 'grant_type must be client_credentials' });
    }
    if (body.client_id !== options.clientId || body.client_secret !== options.clientSecret) {
      return reply.status(401).send({ error: 'invalid_client', error_description: 'Client authentication failed' });
    }
    const token = randomBytes(24).toString('base64url');
    const ttl = options.tokenTtlSeconds ?? 28_800;
    tokens.set(token, Date.now() + ttl * 1000);
    return {
      access_token: token,
      token_type: 'Bearer',
      issued_at: Date.now(),
      expires_in: ttl,
      status: 'approved',
      scope: 'addresses',
      issuer: 'api.usps.com',
      client_id: options.clientId,
      application_name: 'zoho-dtc-bridge fake',
      api_products: '[Addresses]',
      public_key: '',
    };
  });

  app.get('/addresses/v3/address', async (req, reply) => {
    requests.address += 1;
    if (fault === '500') return reply.status(500).send(v3Error(500, 'Internal Server Error', 'upstream failure'));
    if (fault === '429') return reply.status(429).header('retry-after', '60').send(v3Error(429, 'Too Many Requests', 'quota exceeded'));
    if (fault === 'hang') {
      await new Promise((r) => setTimeout(r, 30_000).unref());
      return reply.status(504).send(v3Error(504, 'Gateway Timeout', 'hung'));
    }
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    const expires = tokens.get(token);
    if (!expires || expires < Date.now()) return reply.status(401).send(v3Error(401, 'Unauthorized', 'Invalid or expired access token'));
    const q = req.query as Record<string, string | undefined>;
    if (!q.streetAddress) return reply.status(400).send(v3Error(400, 'OASValidation failed', 'streetAddress is required', 'streetAddress'));
    if (!q.state || !/^[A-Za-z]{2}$/.test(q.state)) return reply.status(400).send(v3Error(400, 'OASValidation failed', 'state must be 2 letters', 'state'));
    const entry = USPS_FAKE_ADDRESSES.find(
      (e) => norm(e.input.street) === norm(q.streetAddress) && e.input.zip === (q.ZIPCode ?? '') && (!e.input.secondary || norm(e.input.secondary) === norm(q.secondaryAddress)),
    );
    if (!entry) return reply.status(400).send(v3Error(400, 'Address Not Found.', 'The address could not be found'));
    const corrections = norm(q.streetAddress) !== norm(entry.address.streetAddress) ? [{ code: '', text: 'Street standardized' }] : [];
    return {
      firm: '',
      address: {
        ...entry.address,
        streetAddressAbbreviation: '',
        cityAbbreviation: '',
        urbanization: '',
      },
      [infoKey]: { deliveryPoint: '10', carrierRoute: 'C001', ...entry.info },
      corrections,
      matches: [{ code: '31', text: 'Single Response - exact match' }],
      warnings: [],
    };
  });

  return {
    app,
    requests,
    revokeTokens: () => tokens.clear(),
    setFault: (f: UspsFault) => {
      fault = f;
    },
    setInfoKey: (k: 'additionalInfo' | 'addressAdditionalInfo') => {
      infoKey = k;
    },
  };
}

export async function startUspsFake(options: UspsFakeOptions, port = 0): Promise<UspsFake> {
  const fake = buildUspsFake(options);
  const url = await fake.app.listen({ host: '127.0.0.1', port });
  return { ...fake, url, close: () => fake.app.close() };
}
