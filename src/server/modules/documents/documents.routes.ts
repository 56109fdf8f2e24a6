import type { FastifyReply } from 'fastify';
import { PdfFile } from '../../../contracts/documents.js';
import type { Ctx } from '../../db/context.js';
import type { Access } from '../../platform/access.js';
import { IdParams, type App } from '../../platform/http.js';
import { customerStatementPdf, orderConfirmationPdf, type PdfOutcome } from './documents.service.js';

/** The same readers as `GET /api/customers/:id/statement`: the finance team, or whoever reads every order. */
const FINANCE_READER = { anyOf: ['finance.manage', 'orders.read:all'] } satisfies Access;

function sendPdf(reply: FastifyReply, pdf: PdfOutcome): FastifyReply {
  return (
    reply
      .type('application/pdf')
      .header('content-disposition', `attachment; filename="${pdf.filename}"`)
      .header('cache-control', 'no-store')
      // A buffer is sent as it is (Fastify serialises no buffers); the declared schema documents its bytes.
      .send(pdf.body)
  );
}

export function documentsRoutes(app: App, ctx: Ctx): void {
  app.get(
    '/api/orders/:id/pdf',
    { config: { access: 'orders.read' }, schema: { tags: ['orders'], summary: 'The order confirmation as PDF, in your language', params: IdParams, produces: ['application/pdf'], response: { 200: PdfFile } } },
    async (request, reply) => sendPdf(reply, await orderConfirmationPdf(ctx, request.actor, Number(request.params.id), request.headers['accept-language'])),
  );
  app.get(
    '/api/customers/:id/statement.pdf',
    { config: { access: FINANCE_READER }, schema: { tags: ['customers'], summary: "The customer's statement as PDF, in your language", params: IdParams, produces: ['application/pdf'], response: { 200: PdfFile } } },
    async (request, reply) => sendPdf(reply, await customerStatementPdf(ctx, request.actor, Number(request.params.id), request.headers['accept-language'])),
  );
}
