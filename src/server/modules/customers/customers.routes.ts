import {
  CreateCustomerInput,
  CustomerList,
  CustomerOrdersQuery,
  CustomerQuery,
  CustomerStatement,
  CustomerView,
  EraseCustomerInput,
  ErasureSummary,
  MergeCustomerInput,
  MergeResult,
  UpdateCustomerInput,
} from '../../../contracts/customers.js';
import { OrderList } from '../../../contracts/orders.js';
import type { Ctx } from '../../db/context.js';
import type { Access } from '../../platform/access.js';
import { IdParams, parseIfMatch, type App } from '../../platform/http.js';
import { readerFor } from '../../platform/read-routing.js';
import { eraseCustomer } from '../erasure/erasure.service.js';
import { createCustomer, customerStatement, getCustomer, listCustomerOrders, mergeCustomer, searchCustomers, updateCustomer } from './customers.service.js';

/** A customer's money across all their orders: the finance team, or whoever reads every order. */
const FINANCE_READER = { anyOf: ['finance.manage', 'orders.read:all'] } satisfies Access;

export function customersRoutes(app: App, ctx: Ctx): void {
  app.get('/api/customers', { config: { access: 'authenticated' }, schema: { tags: ['customers'], querystring: CustomerQuery, response: { 200: CustomerList } } }, async (request) => ({
    items: await searchCustomers(readerFor(ctx, request), request.actor, request.query.q, request.query.limit, request.query.includeInactive),
  }));
  app.get('/api/customers/:id', { config: { access: 'authenticated' }, schema: { tags: ['customers'], params: IdParams, response: { 200: CustomerView } } }, async (request, reply) => {
    const customer = await getCustomer(ctx, request.actor, Number(request.params.id));
    reply.header('etag', `"${customer.version}"`);
    return customer;
  });
  // Whoever may create orders may add the customer they sell to.
  app.post('/api/customers', { config: { access: 'orders.create' }, schema: { tags: ['customers'], body: CreateCustomerInput, response: { 201: CustomerView } } }, async (request, reply) => {
    reply.code(201);
    return createCustomer(ctx, request.actor, request.body);
  });
  app.patch(
    '/api/customers/:id',
    { config: { access: 'orders.update' }, schema: { tags: ['customers'], summary: 'Edit or (de)activate a customer; If-Match: the version', params: IdParams, body: UpdateCustomerInput, response: { 200: CustomerView } } },
    async (request, reply) => {
      const customer = await updateCustomer(ctx, request.actor, Number(request.params.id), request.body, parseIfMatch(request.headers['if-match']));
      reply.header('etag', `"${customer.version}"`);
      return customer;
    },
  );
  app.post(
    '/api/customers/:id/merge',
    { config: { access: 'orders.update' }, schema: { tags: ['customers'], summary: 'Merge this duplicate into another customer, moving its orders', params: IdParams, body: MergeCustomerInput, response: { 200: MergeResult } } },
    async (request) => mergeCustomer(ctx, request.actor, Number(request.params.id), Number(request.body.intoId)),
  );
  app.post(
    '/api/customers/:id/erase',
    {
      config: { access: 'customers.erase' },
      schema: {
        tags: ['customers'],
        summary: 'Erase the customer’s personal data for good (right to erasure); orders stay. Needs a recent step-up; confirm: the id or name',
        params: IdParams,
        body: EraseCustomerInput,
        response: { 200: ErasureSummary },
      },
    },
    async (request) => eraseCustomer(ctx, request.actor, Number(request.params.id), request.body.confirm),
  );
  app.get('/api/customers/:id/orders', { config: { access: 'orders.read' }, schema: { tags: ['customers'], params: IdParams, querystring: CustomerOrdersQuery, response: { 200: OrderList } } }, async (request) =>
    listCustomerOrders(ctx, request.actor, Number(request.params.id), request.query),
  );
  app.get('/api/customers/:id/statement', { config: { access: FINANCE_READER }, schema: { tags: ['customers'], params: IdParams, response: { 200: CustomerStatement } } }, async (request) =>
    customerStatement(ctx, Number(request.params.id)),
  );
}
