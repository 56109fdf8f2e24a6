import { z } from 'zod';
import { CreateProductInput, ProductQuery } from '../../../contracts/products.js';
import type { Ctx } from '../../db/context.js';
import { IdParams, type App } from '../../platform/http.js';
import { adjustStock, listMovements } from '../inventory/inventory.service.js';
import { createProduct, getProduct, searchProducts } from './products.service.js';

const AdjustInput = z.object({
  kind: z.enum(['adjust', 'receive']).default('adjust'),
  quantity: z.number().int('must be a whole number'),
  reason: z.string().trim().min(1, 'required').max(500),
});
const MovementQuery = z.object({
  productId: z.string().regex(/^\d+$/).optional(),
  orderId: z.string().regex(/^\d+$/).optional(),
  before: z.string().regex(/^\d+$/).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export function productsRoutes(app: App, ctx: Ctx): void {
  app.get('/api/products', { config: { access: 'authenticated' }, schema: { tags: ['products'], querystring: ProductQuery } }, async (request) => ({
    items: await searchProducts(ctx, request.query.q, request.query.limit),
  }));
  app.get('/api/products/:id', { config: { access: 'authenticated' }, schema: { tags: ['products'], params: IdParams } }, async (request) => getProduct(ctx, Number(request.params.id)));
  app.post('/api/products', { config: { access: 'inventory.manage' }, schema: { tags: ['products'], body: CreateProductInput } }, async (request, reply) => {
    reply.code(201);
    return createProduct(ctx, request.actor, request.body);
  });
  app.post('/api/products/:id/stock', { config: { access: 'inventory.manage' }, schema: { tags: ['inventory'], params: IdParams, body: AdjustInput } }, async (request) => {
    await adjustStock(ctx, request.actor, Number(request.params.id), request.body);
    return getProduct(ctx, Number(request.params.id));
  });
  app.get('/api/inventory/movements', { config: { access: 'authenticated' }, schema: { tags: ['inventory'], querystring: MovementQuery } }, async (request) => {
    const q = request.query;
    const items = await listMovements(ctx, { productId: q.productId ? Number(q.productId) : undefined, orderId: q.orderId ? Number(q.orderId) : undefined, before: q.before ? Number(q.before) : undefined, limit: q.limit });
    return { items, nextCursor: items.length === q.limit ? items[items.length - 1].id : null };
  });
}
