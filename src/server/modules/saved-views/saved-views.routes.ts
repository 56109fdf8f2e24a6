import { NoContent } from '../../../contracts/common.js';
import { CreateSavedViewInput, SavedViewList, SavedViewQuery, SavedViewView, UpdateSavedViewInput } from '../../../contracts/saved-views.js';
import type { Ctx } from '../../db/context.js';
import { IdParams, type App } from '../../platform/http.js';
import { createSavedView, deleteSavedView, listSavedViews, updateSavedView } from './saved-views.service.js';

/** Saved views of the order list: whoever reads orders keeps filters; the service decides who changes and shares. */
export function savedViewsRoutes(app: App, ctx: Ctx): void {
  const tags = ['saved-views'];
  app.get('/api/saved-views', { config: { access: 'orders.read' }, schema: { tags, summary: 'Your views of a list and those shared with one of your roles', querystring: SavedViewQuery, response: { 200: SavedViewList } } }, async (request) =>
    listSavedViews(ctx, request.actor, request.query.page),
  );
  app.post('/api/saved-views', { config: { access: 'orders.read' }, schema: { tags, summary: 'Save filters as a named view', body: CreateSavedViewInput, response: { 201: SavedViewView } } }, async (request, reply) =>
    reply.code(201).send(await createSavedView(ctx, request.actor, request.body)),
  );
  app.patch('/api/saved-views/:id', { config: { access: 'orders.read' }, schema: { tags, summary: 'Rename, re-share or change the filters of a view (owner or admin)', params: IdParams, body: UpdateSavedViewInput, response: { 200: SavedViewView } } }, async (request) =>
    updateSavedView(ctx, request.actor, Number(request.params.id), request.body),
  );
  app.delete('/api/saved-views/:id', { config: { access: 'orders.read' }, schema: { tags, summary: 'Delete a view (owner or admin)', params: IdParams, response: { 204: NoContent } } }, async (request, reply) => {
    await deleteSavedView(ctx, request.actor, Number(request.params.id));
    return reply.code(204).send(null);
  });
}
