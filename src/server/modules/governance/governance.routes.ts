import { ApprovalRequestInput, ApprovalRequestResult, HoldInput, HoldResult } from '../../../contracts/governance.js';
import type { Ctx } from '../../db/context.js';
import { IdParams, type App } from '../../platform/http.js';
import { holdOrder, releaseHold } from './legal-hold.service.js';
import { requestApproval } from './standard-process.service.js';

export function governanceRoutes(app: App, ctx: Ctx): void {
  app.post('/api/orders/:id/hold', { config: { access: 'orders.hold' }, schema: { tags: ['governance'], summary: 'Place a legal hold: no deletion or purge until released', params: IdParams, body: HoldInput, response: { 200: HoldResult } } }, async (request) =>
    holdOrder(ctx, request.actor, Number(request.params.id), request.body.reason),
  );
  app.delete('/api/orders/:id/hold', { config: { access: 'orders.hold' }, schema: { tags: ['governance'], summary: 'Release a legal hold', params: IdParams, response: { 200: HoldResult } } }, async (request) =>
    releaseHold(ctx, request.actor, Number(request.params.id)),
  );
  // Declared for whoever may edit the order: the service checks the caller's scope on it.
  app.post(
    '/api/orders/:id/approval-request',
    { config: { access: 'orders.update' }, schema: { tags: ['governance'], summary: 'Ask the managers to approve (confirm) an order at or above the approval threshold', params: IdParams, body: ApprovalRequestInput, response: { 200: ApprovalRequestResult } } },
    async (request) => requestApproval(ctx, request.actor, Number(request.params.id), request.body?.note),
  );
}
