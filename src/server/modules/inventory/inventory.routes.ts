import { MovementList, MovementQuery, StockChangeInput, StockList, StockQuery } from '../../../contracts/inventory.js';
import { ProductView } from '../../../contracts/products.js';
import type { Ctx } from '../../db/context.js';
import { IdParams, type App } from '../../platform/http.js';
import { getProduct } from '../products/products.service.js';
import { adjustStock, listMovements, listStock } from './inventory.service.js';

export function inventoryRoutes(app: App, ctx: Ctx): void {
  app.post(
    '/api/products/:id/stock',
    { config: { access: 'inventory.manage' }, schema: { tags: ['inventory'], params: IdParams, body: StockChangeInput, response: { 200: ProductView } } },
    async (request) => {
      await adjustStock(ctx, request.actor, Number(request.params.id), request.body);
      return getProduct(ctx, Number(request.params.id));
    },
  );
  // Readable with orders.read (any scope) or inventory.manage: the service checks which.
  app.get('/api/inventory/stock', { config: { access: { anyOf: ['orders.read', 'inventory.manage'] } }, schema: { tags: ['inventory'], querystring: StockQuery, response: { 200: StockList } } }, async (request) =>
    listStock(ctx, request.actor, request.query),
  );
  app.get('/api/inventory/movements', { config: { access: 'authenticated' }, schema: { tags: ['inventory'], querystring: MovementQuery, response: { 200: MovementList } } }, async (request) =>
    listMovements(ctx, request.actor, request.query),
  );
}
