import { CreateProductInput, ProductList, ProductQuery, ProductView } from '../../../contracts/products.js';
import type { Ctx } from '../../db/context.js';
import { IdParams, type App } from '../../platform/http.js';
import { createProduct, getProduct, searchProducts } from './products.service.js';

export function productsRoutes(app: App, ctx: Ctx): void {
  app.get('/api/products', { config: { access: 'authenticated' }, schema: { tags: ['products'], querystring: ProductQuery, response: { 200: ProductList } } }, async (request) => ({
    items: await searchProducts(ctx, request.query.q, request.query.limit),
  }));
  app.get('/api/products/:id', { config: { access: 'authenticated' }, schema: { tags: ['products'], params: IdParams, response: { 200: ProductView } } }, async (request) => getProduct(ctx, Number(request.params.id)));
  app.post('/api/products', { config: { access: 'inventory.manage' }, schema: { tags: ['products'], body: CreateProductInput, response: { 201: ProductView } } }, async (request, reply) => {
    reply.code(201);
    return createProduct(ctx, request.actor, request.body);
  });
}
