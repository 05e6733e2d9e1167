/**
 * Storefront order routes (`POST /api/orders`, `GET /api/orders/:id`,
 * `POST /api/orders/:id/cancel`) and the operator's order routes
 * (`/api/admin/orders…`; register those inside the admin-auth scope).
 */
import type { FastifyInstance } from 'fastify';
import { AppError, notFound } from '../../shared/errors.js';
import type { OrdersService } from '../../orders/service.js';
import type { OrderStatus, PlaceOrderRequest } from '../../orders/model.js';

const address = {
  type: 'object',
  additionalProperties: false,
  required: ['line1', 'city', 'state', 'zip'],
  properties: {
    line1: { type: 'string', minLength: 1, maxLength: 200 },
    line2: { type: ['string', 'null'], maxLength: 200 },
    city: { type: 'string', minLength: 1, maxLength: 100 },
    state: { type: 'string', pattern: '^[A-Za-z]{2}$' },
    zip: { type: 'string', pattern: '^[0-9]{5}(-[0-9]{4})?$' },
  },
} as const;

export const placeOrderBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['orderId', 'customer', 'shippingAddress', 'items'],
  properties: {
    orderId: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' },
    customer: {
      type: 'object',
      additionalProperties: false,
      required: ['email', 'firstName', 'lastName', 'dob'],
      properties: {
        email: { type: 'string', format: 'email', maxLength: 254 },
        firstName: { type: 'string', minLength: 1, maxLength: 100 },
        lastName: { type: 'string', minLength: 1, maxLength: 100 },
        dob: { type: 'string', format: 'date' },
        phone: { type: ['string', 'null'], pattern: '^\\+?[0-9 ()-]{7,20}$' },
      },
    },
    shippingAddress: address,
    billingAddress: { anyOf: [address, { type: 'null' }] },
    items: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['sku', 'quantity'],
        properties: {
          sku: { type: 'string', minLength: 1, maxLength: 64 },
          quantity: { type: 'integer', minimum: 1, maximum: 100 },
        },
      },
    },
    clubMember: { type: 'boolean' },
    ip: { type: ['string', 'null'], maxLength: 45 },
    ageVerification: {
      anyOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['provider', 'reference'],
          properties: { provider: { type: 'string', minLength: 1, maxLength: 40 }, reference: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        { type: 'null' },
      ],
    },
  },
} as const;

const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'array', items: {} } },
    },
  },
  additionalProperties: true,
} as const;

const orderIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' } },
} as const;

const idempotencyHeaders = {
  type: 'object',
  properties: { 'idempotency-key': { type: 'string', minLength: 1, maxLength: 255 } },
} as const;

export function ordersRoutes(service: OrdersService) {
  return async function (app: FastifyInstance): Promise<void> {
    app.post(
      '/api/orders',
      {
        schema: {
          tags: ['orders'],
          summary: 'Place an order (idempotent with Idempotency-Key; the orderId is unique too)',
          headers: idempotencyHeaders,
          body: placeOrderBodySchema,
          response: { 201: { type: 'object', additionalProperties: true }, 202: { type: 'object', additionalProperties: true }, 409: errorSchema, 422: errorSchema, 404: errorSchema, 400: errorSchema, 503: errorSchema },
        },
      },
      async (req, reply) => {
        const key = req.headers['idempotency-key'];
        const answer = await service.place(req.body as PlaceOrderRequest, typeof key === 'string' ? key : undefined);
        if (answer.replayed) reply.header('idempotent-replayed', 'true');
        return reply.status(answer.httpStatus as 201).send(answer.body);
      },
    );

    app.get('/api/orders/:id', { schema: { tags: ['orders'], summary: 'Order state and its history of steps', params: orderIdParams } }, async (req) => {
      const { id } = req.params as { id: string };
      const order = await service.get(id);
      if (!order) throw notFound(`Order ${id}`);
      // The shop sees the steps, not Zoho's error texts or internal ids (the admin API has them).
      return { ...order, lastError: null, history: order.history.map((h) => ({ at: h.at, step: h.step, status: h.status })) };
    });

    app.post('/api/orders/:id/cancel', { schema: { tags: ['orders'], summary: 'Cancel an order (voids or reverses it in Zoho)', params: orderIdParams } }, async (req, reply) => {
      const { id } = req.params as { id: string };
      const view = await service.cancel(id);
      return reply.status(view.status === 'cancelled' ? 200 : 202).send(view);
    });
  };
}

const STATUSES: OrderStatus[] = ['pending_verification', 'review', 'accepted', 'placed', 'refused', 'failed', 'cancelling', 'cancelled'];

/** Operator routes; no authentication of their own: register them inside the admin scope. */
export function ordersAdminRoutes(service: OrdersService) {
  return async function (app: FastifyInstance): Promise<void> {
    app.get(
      '/api/admin/orders',
      {
        schema: {
          tags: ['admin'],
          querystring: {
            type: 'object',
            properties: { status: { type: 'string', enum: STATUSES }, limit: { type: 'integer', minimum: 1, maximum: 500 } },
          },
        },
      },
      async (req) => {
        const q = req.query as { status?: OrderStatus; limit?: number };
        return { orders: await service.list(q) };
      },
    );
    app.get('/api/admin/orders/:id', { schema: { tags: ['admin'], params: orderIdParams } }, async (req) => {
      const { id } = req.params as { id: string };
      const order = await service.get(id);
      if (!order) throw notFound(`Order ${id}`);
      return order;
    });
    app.post('/api/admin/orders/:id/retry', { schema: { tags: ['admin'], params: orderIdParams } }, async (req) => {
      const { id } = req.params as { id: string };
      return service.retry(id);
    });
    app.post('/api/admin/orders/:id/cancel', { schema: { tags: ['admin'], params: orderIdParams } }, async (req, reply) => {
      const { id } = req.params as { id: string };
      const view = await service.cancel(id);
      return reply.status(view.status === 'cancelled' ? 200 : 202).send(view);
    });
    // The dashboard (src/admin/api.ts) has its own twins that take the operator from the session;
    // these take it from the body, for a mount behind another authentication.
    app.post(
      '/api/admin/orders/:id/approve',
      { schema: { tags: ['admin'], summary: 'Approve an order held for review (operator override, audited)', params: orderIdParams, body: decisionBody(true) } },
      async (req) => {
        const { id } = req.params as { id: string };
        const body = req.body as { note: string; operator?: string };
        const answer = await service.approveHeld(id, { operator: body.operator ?? 'operator', note: body.note });
        return { ...answer.order, changed: answer.changed };
      },
    );
    app.post(
      '/api/admin/orders/:id/refuse',
      { schema: { tags: ['admin'], summary: 'Refuse a held order (stock released, audited)', params: orderIdParams, body: decisionBody(false) } },
      async (req) => {
        const { id } = req.params as { id: string };
        const body = (req.body ?? {}) as { note?: string; operator?: string };
        const answer = await service.refuseHeld(id, { operator: body.operator ?? 'operator', note: body.note ?? null });
        return { ...answer.order, changed: answer.changed };
      },
    );
  };
}

function decisionBody(noteRequired: boolean) {
  return {
    type: 'object',
    additionalProperties: false,
    ...(noteRequired ? { required: ['note'] } : {}),
    properties: {
      note: { type: 'string', ...(noteRequired ? { minLength: 5 } : {}), maxLength: 1000 },
      operator: { type: 'string', minLength: 1, maxLength: 100 },
    },
  } as const;
}

export { AppError };
