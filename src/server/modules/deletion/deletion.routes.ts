import { DeleteOneOrderInput, DeleteOrdersInput, DeletePreview, DeletePreviewInput, DeleteResult } from '../../../contracts/deletion.js';
import type { Ctx } from '../../db/context.js';
import { IdParams, parseIfMatch, type App } from '../../platform/http.js';
import { replayOrRun } from '../../platform/idempotency.js';
import { deleteOrder, deleteOrders, previewDeletion } from './deletion.service.js';

export function deletionRoutes(app: App, ctx: Ctx): void {
  app.post(
    '/api/orders/delete-preview',
    { config: { access: 'orders.delete' }, schema: { tags: ['deletion'], summary: 'What deleting these orders would do, and the token that binds the deletion to it', body: DeletePreviewInput, response: { 200: DeletePreview } } },
    async (request) => previewDeletion(ctx, request.actor, request.body),
  );

  app.post(
    '/api/orders/delete',
    { config: { access: 'orders.delete' }, schema: { tags: ['deletion'], summary: 'Delete the previewed orders (all or nothing); honours Idempotency-Key', body: DeleteOrdersInput, response: { 200: DeleteResult } } },
    async (request, reply) => replayOrRun(ctx.kysely, request, reply, (claim) => deleteOrders(ctx, request.actor, request.body, claim)),
  );

  app.delete(
    '/api/orders/:id',
    { config: { access: 'orders.delete' }, schema: { tags: ['deletion'], summary: 'Delete one order with a reason; optional If-Match; honours Idempotency-Key', params: IdParams, body: DeleteOneOrderInput, response: { 200: DeleteResult } } },
    async (request, reply) => {
      const ifMatch = parseIfMatch(request.headers['if-match']);
      return replayOrRun(ctx.kysely, request, reply, (claim) => deleteOrder(ctx, request.actor, Number(request.params.id), request.body.reason, ifMatch, claim));
    },
  );
}
