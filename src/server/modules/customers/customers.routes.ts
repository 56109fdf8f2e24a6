import { CreateCustomerInput, CustomerList, CustomerQuery, CustomerView } from '../../../contracts/customers.js';
import type { Ctx } from '../../db/context.js';
import { IdParams, type App } from '../../platform/http.js';
import { readerFor } from '../../platform/read-routing.js';
import { createCustomer, getCustomer, searchCustomers } from './customers.service.js';

export function customersRoutes(app: App, ctx: Ctx): void {
  app.get('/api/customers', { config: { access: 'authenticated' }, schema: { tags: ['customers'], querystring: CustomerQuery, response: { 200: CustomerList } } }, async (request) => ({
    items: await searchCustomers(readerFor(ctx, request), request.actor, request.query.q, request.query.limit),
  }));
  app.get('/api/customers/:id', { config: { access: 'authenticated' }, schema: { tags: ['customers'], params: IdParams, response: { 200: CustomerView } } }, async (request) => getCustomer(ctx, request.actor, Number(request.params.id)));
  // Whoever may create orders may add the customer they sell to.
  app.post('/api/customers', { config: { access: 'orders.create' }, schema: { tags: ['customers'], body: CreateCustomerInput, response: { 201: CustomerView } } }, async (request, reply) => {
    reply.code(201);
    return createCustomer(ctx, request.actor, request.body);
  });
}
