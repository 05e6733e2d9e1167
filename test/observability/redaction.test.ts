/**
 * Secrets and personal data never reach the log. Builds the HTTP shell with
 * a logger writing to a captured stream, sends requests and makes log calls
 * shaped like the modules' (token responses, webhook headers, order bodies,
 * config), then greps the captured text for every raw value.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import pino, { type Logger } from 'pino';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger, REDACT_PATHS } from '../../src/observability/logger.js';
import { redactingReqSerializer, redactLogObject } from '../../src/observability/redact.js';

const RAW = {
  accessToken: '1000.a1b2c3d4e5f6accesstokenRAW.9f8e7d',
  refreshToken: '1000.0f1e2d3c4b5arefreshtokenRAW.1a2b3c',
  bearer: 'Zoho-oauthtoken 1000.AUTHHEADERRAWtoken77',
  webhookHeaderSecret: 'whsec-HEADER-RAW-0123456789abcdef',
  webhookQuerySecret: 'whsec-QUERY-RAW-fedcba9876543210',
  clientSecret: 'cs-CLIENTSECRETRAW-5566778899',
  dob: '1987-03-19',
  street: '4417 Saguaro Canyon Rd',
  street2: 'Unit 9Q-RAW',
  agecheckerSignature: 'sig-AGECHECKER-RAW-4242',
  password: 'admin-PASSWORD-RAW-31337',
};

function captureStream() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

async function exercise(logger: Logger, text: () => string): Promise<string> {
  const app = await createHttpServer({ logger });
  app.post('/webhooks/zoho', async (req, reply) => {
    // What a module might log when it refuses a webhook.
    req.log.warn({ headers: req.headers, query: req.query }, 'webhook refused');
    return reply.status(401).send({ ok: false });
  });
  app.post('/api/orders', async (req) => {
    req.log.info({ body: req.body }, 'order received');
    req.log.info({ order: req.body, orderId: 'VIP-LOG-1' }, 'order accepted');
    return { ok: true };
  });
  await app.ready();
  await app.inject({
    method: 'POST',
    url: `/webhooks/zoho?secret=${RAW.webhookQuerySecret}&organization_id=850205569`,
    headers: { 'x-webhook-secret': RAW.webhookHeaderSecret, authorization: RAW.bearer, 'x-agechecker-signature': RAW.agecheckerSignature, 'content-type': 'application/json' },
    payload: { item_id: '4600000011' },
  });
  await app.inject({
    method: 'POST',
    url: '/api/orders',
    headers: { authorization: RAW.bearer },
    payload: {
      orderId: 'VIP-LOG-1',
      customer: { email: 'a@example.com', firstName: 'Ana', lastName: 'Ruiz', dob: RAW.dob },
      shippingAddress: { line1: RAW.street, line2: RAW.street2, city: 'Palm Desert', state: 'CA', zip: '92260' },
      items: [{ sku: 'ACC-RAW-KSS', quantity: 1 }],
    },
  });
  // Shapes other modules log outside a request.
  logger.info({ tokenResponse: { access_token: RAW.accessToken, refresh_token: RAW.refreshToken, expires_in: 3600, api_domain: 'https://www.zohoapis.com' } }, 'token refreshed');
  logger.info({ access_token: RAW.accessToken }, 'token stored');
  logger.info({ zoho: { accounts: { client_secret: RAW.clientSecret, client_id: '1000.PUBLIC' } } }, 'accounts client configured');
  logger.info({ clientSecret: RAW.clientSecret }, 'config');
  logger.error({ request: { url: `/webhooks/zoho?secret=${RAW.webhookQuerySecret}`, headers: { Authorization: RAW.bearer, 'X-Webhook-Secret': RAW.webhookHeaderSecret } } }, 'outbound call failed');
  logger.info({ contact: { billing_address: { address: RAW.street, city: 'Palm Desert' }, shipping_address: { address: RAW.street, street2: RAW.street2 } } }, 'zoho contact created');
  logger.info({ input: { customer: { dob: RAW.dob }, shippingAddress: { line1: RAW.street } } }, 'compliance input');
  logger.info({ admin: { password: RAW.password } }, 'login attempt');
  await app.close();
  return text();
}

function expectClean(log: string): void {
  const leaks = Object.entries(RAW)
    .filter(([, value]) => log.includes(value))
    .map(([name, value]) => `${name} leaked in: ${log.split('\n').filter((l) => l.includes(value)).map((l) => l.slice(0, 300)).join(' | ')}`);
  expect(leaks).toEqual([]);
  // Redaction must not blind the log: ids, messages and request ids stay.
  expect(log).toContain('VIP-LOG-1');
  expect(log).toContain('token refreshed');
  expect(log).toContain('"reqId"');
  expect(log).toContain('ACC-RAW-KSS');
  expect(log).toContain('850205569');
}

describe('log redaction', () => {
  it('the app logger (createLogger) never writes tokens, secrets, authorization headers, dates of birth or street addresses', async () => {
    const cap = captureStream();
    const log = await exercise(createLogger('info', cap.stream), cap.text);
    expectClean(log);
  });

  it('the proposed logger options (key-based deep redaction + URL-redacting req serializer) pass the same test', async () => {
    const cap = captureStream();
    const logger = pino(
      {
        level: 'info',
        redact: { paths: REDACT_PATHS, censor: '[redacted]' },
        formatters: { log: redactLogObject },
        serializers: { req: redactingReqSerializer },
      },
      cap.stream,
    );
    const log = await exercise(logger, cap.text);
    expectClean(log);
  });
});
