import { z } from 'zod';
import { CreateOrderInput, OrderFilter, OrderList, OrderListQuery, OrderStatusCounts, OrderView, PaymentInput, TRANSITION_NAMES, UpdateOrderInput } from '../../../contracts/orders.js';
import type { Ctx } from '../../db/context.js';
import { IdParams, parseIfMatch, type App } from '../../platform/http.js';
import { replayOrRun } from '../../platform/idempotency.js';
import { readerFor } from '../../platform/read-routing.js';
import { createOrder, getOrder, listOrders, orderStatusCounts, recordOrderPayment, transitionOrder, updateOrder } from './orders.service.js';

const TransitionBody = z.object({ reason: z.string().trim().max(500).optional() }).optional();

export function ordersRoutes(app: App, ctx: Ctx): void {
  app.get('/api/orders', { config: { access: 'orders.read' }, schema: { tags: ['orders'], querystring: OrderListQuery, response: { 200: OrderList } } }, async (request) =>
    listOrders(readerFor(ctx, request), request.actor, request.query),
  );

  app.get(
    '/api/orders/status-counts',
    { config: { access: 'orders.read' }, schema: { tags: ['orders'], summary: 'Orders per status for the list filters (status set aside), and the total the whole filter lists', querystring: OrderFilter, response: { 200: OrderStatusCounts } } },
    async (request) => orderStatusCounts(readerFor(ctx, request), request.actor, request.query),
  );

  app.post('/api/orders', { config: { access: 'orders.create' }, schema: { tags: ['orders'], body: CreateOrderInput, response: { 201: OrderView } } }, async (request, reply) => {
    const order = await createOrder(ctx, request.actor, request.body);
    reply.code(201).header('etag', `"${order.version}"`).header('location', `/api/orders/${order.id}`);
    return order;
  });

  app.get('/api/orders/:id', { config: { access: 'orders.read' }, schema: { tags: ['orders'], params: IdParams, response: { 200: OrderView } } }, async (request, reply) => {
    const order = await getOrder(ctx, request.actor, Number(request.params.id));
    reply.header('etag', `"${order.version}"`);
    return order;
  });

  app.patch('/api/orders/:id', { config: { access: 'orders.update' }, schema: { tags: ['orders'], params: IdParams, body: UpdateOrderInput, response: { 200: OrderView } } }, async (request, reply) => {
    const order = await updateOrder(ctx, request.actor, Number(request.params.id), request.body, parseIfMatch(request.headers['if-match']));
    reply.header('etag', `"${order.version}"`);
    return order;
  });

  for (const transition of TRANSITION_NAMES) {
    // Ship and complete are the warehouse's; the service checks the exact permission and record scope.
    app.post(`/api/orders/:id/${transition}`, { config: { access: transition === 'ship' || transition === 'complete' ? 'inventory.manage' : 'orders.update' }, schema: { tags: ['orders'], params: IdParams, body: TransitionBody, response: { 200: OrderView } } }, async (request, reply) => {
      const order = await transitionOrder(ctx, request.actor, Number(request.params.id), transition, parseIfMatch(request.headers['if-match']), request.body?.reason);
      reply.header('etag', `"${order.version}"`);
      return order;
    });
  }

  for (const kind of ['payments', 'refunds'] as const) {
    app.post(
      `/api/orders/:id/${kind}`,
      { config: { access: 'finance.manage' }, schema: { tags: ['finance'], summary: `Record ${kind === 'payments' ? 'a payment' : 'a refund'}; honours Idempotency-Key`, params: IdParams, body: PaymentInput, response: { 201: OrderView } } },
      async (request, reply) => {
        reply.code(201);
        const input = { ...request.body, refund: kind === 'refunds' };
        return replayOrRun(ctx.kysely, request, reply, (claim) => recordOrderPayment(ctx, request.actor, Number(request.params.id), input, claim));
      },
    );
  }
}
