import { Dashboard } from '../../../contracts/dashboard.js';
import type { Ctx } from '../../db/context.js';
import type { App } from '../../platform/http.js';
import { dashboard } from './dashboard.service.js';

export function dashboardRoutes(app: App, ctx: Ctx): void {
  app.get(
    '/api/dashboard',
    { config: { access: 'orders.read' }, schema: { tags: ['dashboard'], summary: "The home page's figures, within the caller's record scope", response: { 200: Dashboard } } },
    async (request) => dashboard(ctx, request.actor),
  );
}
