import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { AppError, errorBody } from '../shared/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact bytes received, for signature checks (JSON bodies only). */
    rawBody?: Buffer;
  }
}

export interface HttpServerOptions {
  logger: Logger;
  trustProxy?: string | boolean;
  https?: { cert: Buffer; key: Buffer } | null;
  bodyLimit?: number;
}

/**
 * The Fastify shell every route plugin is registered on: request ids, one
 * error handler with the documented error shape, security headers, raw-body
 * capture for webhook signatures, and the OpenAPI document.
 */
export async function createHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const serverOptions: FastifyServerOptions & { https?: { cert: Buffer; key: Buffer } | null } = {
    loggerInstance: options.logger,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    trustProxy: parseTrustProxy(options.trustProxy),
    bodyLimit: options.bodyLimit ?? 256 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
  };
  if (options.https) serverOptions.https = options.https;
  const app = Fastify(serverOptions) as unknown as FastifyInstance;

  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    const buffer = body as Buffer;
    req.rawBody = buffer;
    if (buffer.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(buffer.toString('utf8')));
    } catch {
      done(new AppError('invalid_json', 'The request body is not valid JSON', 400), undefined);
    }
  });

  await app.register(formbody);
  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      info: { title: 'zoho-dtc-bridge', version: '0.1.0', description: 'Storefront, webhook and admin API of the VIP Smoke ⇄ Zoho Inventory bridge' },
      components: {
        securitySchemes: {
          adminSession: { type: 'apiKey', in: 'cookie', name: 'dtc_admin' },
          webhookSecret: { type: 'apiKey', in: 'header', name: 'X-Webhook-Secret' },
        },
      },
    },
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'same-origin');
    reply.header('cross-origin-opener-policy', 'same-origin');
    if (!reply.hasHeader('content-security-policy')) {
      reply.header(
        'content-security-policy',
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
      );
    }
    if (options.https || options.trustProxy) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    return payload;
  });

  app.setErrorHandler((error, req, reply) => {
    if (error instanceof AppError) {
      return reply.status(error.httpStatus).send(errorBody(error.code, error.message, error.details));
    }
    if (error instanceof ZodError) {
      const details = error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
      return reply.status(400).send(errorBody('invalid_request', 'The request is not valid', details));
    }
    const err = error as { validation?: Array<{ instancePath?: string; message?: string; params?: Record<string, unknown> }>; statusCode?: number; code?: string; message?: string };
    if (err.validation) {
      const details = err.validation.map((v) => ({
        field: fieldName(v.instancePath, v.params),
        message: v.message ?? 'is invalid',
      }));
      return reply.status(400).send(errorBody('invalid_request', 'The request is not valid', details));
    }
    if (err.statusCode === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(413).send(errorBody('payload_too_large', 'The request body is too large'));
    }
    if (err.statusCode === 415 || err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.status(415).send(errorBody('unsupported_media_type', 'Send application/json'));
    }
    if (err.statusCode === 429) {
      return reply.status(429).send(errorBody('rate_limited', 'Too many requests; try again later'));
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.status(err.statusCode).send(errorBody('bad_request', err.message ?? 'Bad request'));
    }
    req.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send(errorBody('internal_error', 'Something went wrong; the request id is in the x-request-id header'));
  });

  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send(errorBody('not_found', `No route for ${req.method} ${req.url.split('?')[0]}`));
  });

  return app;
}

function fieldName(instancePath: string | undefined, params: Record<string, unknown> | undefined): string {
  const base = (instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const missing = params?.missingProperty;
  if (typeof missing === 'string') return base ? `${base}.${missing}` : missing;
  const extra = params?.additionalProperty;
  if (typeof extra === 'string') return base ? `${base}.${extra}` : extra;
  return base || 'body';
}

function parseTrustProxy(value: string | boolean | undefined): boolean | string {
  if (value === undefined || value === false || value === '') return false;
  if (value === true || value === 'true') return true;
  return String(value);
}
