import { z } from 'zod';
import { Id } from '../../../contracts/common.js';
import type { Ctx } from '../../db/context.js';
import type { App } from '../../platform/http.js';
import { getOrder } from '../orders/orders.service.js';
import { financeSummary, orderLedger } from './finance.service.js';

export function financeRoutes(app: App, ctx: Ctx): void {
  app.get('/api/finance/ledger', { config: { access: 'orders.read' }, schema: { tags: ['finance'], querystring: z.object({ orderId: Id }) } }, async (request) => {
    // Reading an order's ledger is reading the order: same scope, same 404.
    await getOrder(ctx, request.actor, Number(request.query.orderId));
    return { items: await orderLedger(ctx, Number(request.query.orderId)) };
  });
  app.get('/api/finance/summary', { config: { access: 'orders.read' }, schema: { tags: ['finance'] } }, async () => financeSummary(ctx));
}
