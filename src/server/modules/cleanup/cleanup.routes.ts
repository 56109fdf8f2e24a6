import {
  ApproveReviewInput,
  ApproveReviewResult,
  CleanupPreview,
  CleanupRuleList,
  CleanupRuleView,
  CreateCleanupRule,
  OpenReviewInput,
  PreviewCleanupInput,
  RejectReviewInput,
  ReviewList,
  ReviewListQuery,
  ReviewView,
  UpdateCleanupRule,
} from '../../../contracts/cleanup.js';
import { NoContent } from '../../../contracts/common.js';
import type { Ctx } from '../../db/context.js';
import { IdParams, type App } from '../../platform/http.js';
import { approveReview, createRule, deleteRule, getReview, getRule, listReviews, listRules, openReviewOfOrders, previewMatch, rejectReview, runRule, updateRule } from './cleanup.service.js';

export function cleanupRoutes(app: App, ctx: Ctx): void {
  const tags = ['cleanup'];
  app.get('/api/cleanup/rules', { config: { access: 'cleanup.manage' }, schema: { tags, summary: 'Cleanup rules', response: { 200: CleanupRuleList } } }, async (request) => listRules(ctx, request.actor));
  app.post('/api/cleanup/rules', { config: { access: 'cleanup.manage' }, schema: { tags, summary: 'Create a cleanup rule', body: CreateCleanupRule, response: { 201: CleanupRuleView } } }, async (request, reply) =>
    reply.code(201).send(await createRule(ctx, request.actor, request.body)),
  );
  app.post('/api/cleanup/preview', { config: { access: 'cleanup.manage' }, schema: { tags, summary: 'What a rule match selects now: count and first orders', body: PreviewCleanupInput, response: { 200: CleanupPreview } } }, async (request) =>
    previewMatch(ctx, request.actor, request.body.match),
  );
  app.get('/api/cleanup/rules/:id', { config: { access: 'cleanup.manage' }, schema: { tags, params: IdParams, response: { 200: CleanupRuleView } } }, async (request) => getRule(ctx, request.actor, Number(request.params.id)));
  app.patch('/api/cleanup/rules/:id', { config: { access: 'cleanup.manage' }, schema: { tags, params: IdParams, body: UpdateCleanupRule, response: { 200: CleanupRuleView } } }, async (request) =>
    updateRule(ctx, request.actor, Number(request.params.id), request.body),
  );
  app.delete('/api/cleanup/rules/:id', { config: { access: 'cleanup.manage' }, schema: { tags, params: IdParams, response: { 204: NoContent } } }, async (request, reply) => {
    await deleteRule(ctx, request.actor, Number(request.params.id));
    reply.code(204);
  });
  app.post('/api/cleanup/rules/:id/run', { config: { access: 'cleanup.manage' }, schema: { tags, summary: 'Run now: open a review of what the rule matches', params: IdParams, response: { 201: ReviewView } } }, async (request, reply) =>
    reply.code(201).send(await runRule(ctx, request.actor, Number(request.params.id))),
  );

  app.get('/api/cleanup/reviews', { config: { access: 'cleanup.review' }, schema: { tags, summary: 'Reviews, open ones first', querystring: ReviewListQuery, response: { 200: ReviewList } } }, async (request) =>
    listReviews(ctx, request.actor, request.query),
  );
  app.post('/api/cleanup/reviews', { config: { access: 'cleanup.review' }, schema: { tags, summary: 'Open a review of the orders named', body: OpenReviewInput, response: { 201: ReviewView } } }, async (request, reply) =>
    reply.code(201).send(await openReviewOfOrders(ctx, request.actor, request.body)),
  );
  app.get('/api/cleanup/reviews/:id', { config: { access: 'cleanup.review' }, schema: { tags, params: IdParams, response: { 200: ReviewView } } }, async (request) => getReview(ctx, request.actor, Number(request.params.id)));
  app.post(
    '/api/cleanup/reviews/:id/approve',
    { config: { access: 'cleanup.review' }, schema: { tags, summary: 'Delete the candidates not excluded, as one batch with reason cleanup', params: IdParams, body: ApproveReviewInput, response: { 200: ApproveReviewResult } } },
    async (request) => approveReview(ctx, request.actor, Number(request.params.id), request.body),
  );
  app.post('/api/cleanup/reviews/:id/reject', { config: { access: 'cleanup.review' }, schema: { tags, params: IdParams, body: RejectReviewInput, response: { 200: ReviewView } } }, async (request) =>
    rejectReview(ctx, request.actor, Number(request.params.id), request.body),
  );
}
