import { TableParams, TableSettings } from '../../../contracts/table-settings.js';
import type { Ctx } from '../../db/context.js';
import type { App } from '../../platform/http.js';
import { getTableSettings, putTableSettings } from './table-settings.service.js';

const tags = ['account'];

/** Each user's column layout and density of the lists; every signed-in user keeps their own. */
export function tableSettingsRoutes(app: App, ctx: Ctx): void {
  app.get(
    '/api/me/table-settings/:table',
    { config: { access: 'authenticated' }, schema: { tags, summary: 'Your columns and density of a list (orders, recycle-bin, audit, customers, stock)', params: TableParams, response: { 200: TableSettings } } },
    async (request) => getTableSettings(ctx, request.actor, request.params.table),
  );
  app.put(
    '/api/me/table-settings/:table',
    { config: { access: 'authenticated' }, schema: { tags, summary: 'Replace your columns and density of a list', params: TableParams, body: TableSettings, response: { 200: TableSettings } } },
    async (request) => putTableSettings(ctx, request.actor, request.params.table, request.body),
  );
}
