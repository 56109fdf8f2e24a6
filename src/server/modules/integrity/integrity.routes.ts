import { IntegrityReport } from '../../../contracts/integrity.js';
import type { Ctx } from '../../db/context.js';
import type { App } from '../../platform/http.js';
import { integrityReport } from './integrity.service.js';

export function integrityRoutes(app: App, ctx: Ctx): void {
  app.get('/api/integrity', { config: { access: { anyOf: ['settings.manage', 'audit.read'] } }, schema: { tags: ['integrity'], response: { 200: IntegrityReport } } }, async (request) =>
    integrityReport(ctx, request.actor),
  );
}
