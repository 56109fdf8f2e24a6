import { AuditAnchors, AuditCsvFile, AuditFilter, AuditList, AuditQuery, AuditVerifyResult, OrderTimeline, TimelineQuery } from '../../../contracts/audit.js';
import type { Config } from '../../config.js';
import type { Ctx } from '../../db/context.js';
import { IdParams, type App } from '../../platform/http.js';
import { exportAnchors, exportAuditCsv, orderTimeline, searchAudit, verifyAudit } from './audit.service.js';

export function auditRoutes(app: App, ctx: Ctx, config: Config): void {
  app.get('/api/audit', { config: { access: 'audit.read' }, schema: { tags: ['audit'], querystring: AuditQuery, response: { 200: AuditList } } }, async (request) =>
    searchAudit(ctx, request.query),
  );

  app.get('/api/audit/verify', { config: { access: 'audit.read' }, schema: { tags: ['audit'], response: { 200: AuditVerifyResult } } }, async () => verifyAudit(ctx, config));

  app.get(
    '/api/audit/checkpoints',
    { config: { access: 'audit.read' }, schema: { tags: ['audit'], summary: 'The checkpoint signing public key and every checkpoint, to keep outside the server', response: { 200: AuditAnchors } } },
    async () => exportAnchors(ctx, config),
  );

  app.get('/api/audit/export', { config: { access: 'audit.read' }, schema: { tags: ['audit'], querystring: AuditFilter, produces: ['text/csv'], response: { 200: AuditCsvFile } } }, async (request, reply) => {
    const { filename, body } = await exportAuditCsv(ctx, request.actor, request.query);
    reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`).header('cache-control', 'no-store');
    // A stream is sent as it is (Fastify serialises no streams); the declared schema documents its bytes.
    return reply.send(body as unknown as string);
  });

  app.get('/api/orders/:id/timeline', { config: { access: 'orders.read' }, schema: { tags: ['orders', 'audit'], params: IdParams, querystring: TimelineQuery, response: { 200: OrderTimeline } } }, async (request) =>
    orderTimeline(ctx, request.actor, Number(request.params.id), request.query),
  );
}
