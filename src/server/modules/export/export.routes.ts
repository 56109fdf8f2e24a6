import { EXPORT_CONTENT_TYPES, EXPORT_ROWS_HEADER, OrderExportFile, OrderExportQuery } from '../../../contracts/export.js';
import type { Ctx } from '../../db/context.js';
import type { App } from '../../platform/http.js';
import { readerFor } from '../../platform/read-routing.js';
import { openOrderExport } from './export.service.js';

export function exportRoutes(app: App, ctx: Ctx): void {
  app.get(
    '/api/orders/export',
    {
      config: { access: 'orders.export' },
      schema: {
        tags: ['orders'],
        summary: 'Export the filtered or selected orders as CSV, XLSX or JSON (streamed; X-Export-Rows carries the row count)',
        querystring: OrderExportQuery,
        produces: Object.values(EXPORT_CONTENT_TYPES),
        response: { 200: OrderExportFile },
      },
    },
    async (request, reply) => {
      // A client that hangs up (or cancels in the UI) closes the response: stop paging the database.
      const hangUp = new AbortController();
      reply.raw.once('close', () => hangUp.abort());
      const run = await openOrderExport(ctx, request.actor, request.query, {
        signal: hangUp.signal,
        reader: readerFor(ctx, request),
        acceptLanguage: request.headers['accept-language'],
        onEnd: ({ rows, completed }) =>
          request.log.info({ export: { format: request.query.format, rows, expected: run.rows, completed } }, completed ? 'order export finished' : 'order export cancelled'),
      });
      reply
        .type(run.contentType)
        .header('content-disposition', `attachment; filename="${run.filename}"`)
        .header(EXPORT_ROWS_HEADER, String(run.rows))
        .header('cache-control', 'no-store');
      // A stream is sent as it is (Fastify serialises no streams); the declared schema documents its bytes.
      return reply.send(run.body as unknown as string);
    },
  );
}
