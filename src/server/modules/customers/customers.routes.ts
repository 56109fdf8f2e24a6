import { CreateCustomerInput, CustomerQuery } from '../../../contracts/customers.js';
import type { Ctx } from '../../db/context.js';
import { IdParams, type App } from '../../platform/http.js';
import { createCustomer, getCustomer, searchCustomers } from './customers.service.js';

export function customersRoutes(app: App, ctx: Ctx): void {
  app.get('/api/customers', { config: { access: 'authenticated' }, schema: { tags: ['customers'], querystring: CustomerQuery } }, async (request) => ({
    items: await searchCustomers(ctx, request.actor, request.query.q, request.query.limit),
  }));
  app.get('/api/customers/:id', { config: { access: 'authenticated' }, schema: { tags: ['customers'], params: IdParams } }, async (request) => getCustomer(ctx, request.actor, Number(request.params.id)));
  // Whoever may create orders may add the customer they sell to.
  app.post('/api/customers', { config: { access: 'orders.create' }, schema: { tags: ['customers'], body: CreateCustomerInput } }, async (request, reply) => {
    reply.code(201);
    return createCustomer(ctx, request.actor, request.body);
  });
}
