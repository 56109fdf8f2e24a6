import { DataQualityReport } from '../../../contracts/data-quality.js';
import type { Ctx } from '../../db/context.js';
import type { App } from '../../platform/http.js';
import { dataQualityReport, runDataQuality } from './data-quality.service.js';

export function dataQualityRoutes(app: App, ctx: Ctx): void {
  const tags = ['data-quality'];
  app.get(
    '/api/data-quality',
    { config: { access: { anyOf: ['cleanup.review', 'audit.read'] } }, schema: { tags, summary: 'The latest data-quality run: each check with its count, samples and trend', response: { 200: DataQualityReport } } },
    async (request) => dataQualityReport(ctx, request.actor),
  );
  app.post('/api/data-quality/runs', { config: { access: 'cleanup.review' }, schema: { tags, summary: 'Run every data-quality check now', response: { 201: DataQualityReport } } }, async (request, reply) =>
    reply.code(201).send(await runDataQuality(ctx, request.actor, 'manual')),
  );
}
