import {
  CreateRestoreRequestInput,
  DecideRestoreRequestInput,
  PurgeInput,
  PurgeResult,
  RecycleBinPage,
  RecycleBinQuery,
  RestoreInput,
  RestoreRequestList,
  RestoreRequestQuery,
  RestoreRequestView,
  RestoreResult,
  RetentionSetting,
} from '../../../contracts/deletion.js';
import type { Ctx } from '../../db/context.js';
import { IdParams, type App } from '../../platform/http.js';
import { replayOrRun } from '../../platform/idempotency.js';
import { listRecycleBin, purgeOrders, restoreOrders } from './recycle-bin.service.js';
import type { Config } from '../../config.js';
import { DecidePurgeRequestInput, PurgeRequested, PurgeRequestList, PurgeRequestQuery, PurgeRequestView } from '../../../contracts/governance.js';
import { decidePurgeRequest, getPurgeRequest, listPurgeRequests } from './purge-requests.service.js';
import { createRestoreRequest, decideRestoreRequest, getRestoreRequest, listRestoreRequests } from './restore-requests.service.js';
import { getRetentionDays, setRetentionDays } from './retention.js';

export function recycleBinRoutes(app: App, ctx: Ctx, config: Config): void {
  app.get('/api/recycle-bin', { config: { access: 'orders.read' }, schema: { tags: ['recycle-bin'], querystring: RecycleBinQuery, response: { 200: RecycleBinPage } } }, async (request) =>
    listRecycleBin(ctx, request.actor, request.query),
  );

  // Authenticated only: orders.restore, or the deleter's own undo within 60 seconds, is decided by the service.
  app.post(
    '/api/recycle-bin/restore',
    { config: { access: 'authenticated' }, schema: { tags: ['recycle-bin'], summary: 'Restore by ids or by batch; honours Idempotency-Key', body: RestoreInput, response: { 200: RestoreResult } } },
    async (request, reply) => replayOrRun(ctx.kysely, request, reply, (claim) => restoreOrders(ctx, request.actor, request.body, claim)),
  );

  app.post(
    '/api/recycle-bin/purge',
    {
      config: { access: 'orders.purge' },
      schema: {
        tags: ['recycle-bin'],
        summary: 'Delete permanently; needs confirm: "PURGE" and a recent step-up; 202 with a purge request when a second admin must approve; honours Idempotency-Key',
        body: PurgeInput,
        response: { 200: PurgeResult, 202: PurgeRequested },
      },
    },
    async (request, reply) =>
      replayOrRun(ctx.kysely, request, reply, async (claim) => {
        const result = await purgeOrders(ctx, config, request.actor, request.body, claim);
        if ('purgeRequestId' in result) reply.code(202);
        return result;
      }),
  );

  app.get('/api/purge-requests', { config: { access: 'orders.purge' }, schema: { tags: ['recycle-bin'], querystring: PurgeRequestQuery, response: { 200: PurgeRequestList } } }, async (request) =>
    listPurgeRequests(ctx, request.actor, request.query),
  );
  app.get('/api/purge-requests/:id', { config: { access: 'orders.purge' }, schema: { tags: ['recycle-bin'], params: IdParams, response: { 200: PurgeRequestView } } }, async (request) =>
    getPurgeRequest(ctx, request.actor, Number(request.params.id)),
  );
  for (const decision of ['approve', 'reject'] as const) {
    app.post(
      `/api/purge-requests/:id/${decision}`,
      {
        config: { access: 'orders.purge' },
        schema: { tags: ['recycle-bin'], summary: decision === 'approve' ? 'Another admin purges the requested orders (needs a recent step-up)' : 'Another admin turns the request down', params: IdParams, body: DecidePurgeRequestInput, response: { 200: PurgeRequestView } },
      },
      async (request) => decidePurgeRequest(ctx, config, request.actor, Number(request.params.id), decision, request.body?.note),
    );
  }

  app.post('/api/restore-requests', { config: { access: 'restore_requests.create' }, schema: { tags: ['recycle-bin'], body: CreateRestoreRequestInput, response: { 201: RestoreRequestView } } }, async (request, reply) => {
    reply.code(201);
    return createRestoreRequest(ctx, request.actor, request.body);
  });
  // Approvers see all requests, requesters their own: the service decides.
  app.get('/api/restore-requests', { config: { access: 'authenticated' }, schema: { tags: ['recycle-bin'], querystring: RestoreRequestQuery, response: { 200: RestoreRequestList } } }, async (request) =>
    listRestoreRequests(ctx, request.actor, request.query),
  );
  app.get('/api/restore-requests/:id', { config: { access: 'authenticated' }, schema: { tags: ['recycle-bin'], params: IdParams, response: { 200: RestoreRequestView } } }, async (request) =>
    getRestoreRequest(ctx, request.actor, Number(request.params.id)),
  );
  for (const decision of ['approve', 'reject'] as const) {
    app.post(
      `/api/restore-requests/:id/${decision}`,
      { config: { access: 'restore_requests.approve' }, schema: { tags: ['recycle-bin'], params: IdParams, body: DecideRestoreRequestInput, response: { 200: RestoreRequestView } } },
      async (request) => decideRestoreRequest(ctx, request.actor, Number(request.params.id), decision, request.body?.note),
    );
  }

  // Anyone may read the retention (the deletion dialog says how long orders stay restorable); admins change it.
  app.get('/api/settings/retention', { config: { access: 'authenticated' }, schema: { tags: ['settings'], response: { 200: RetentionSetting } } }, async () => ({
    days: await getRetentionDays(ctx.kysely),
  }));
  app.put('/api/settings/retention', { config: { access: 'settings.manage' }, schema: { tags: ['settings'], body: RetentionSetting, response: { 200: RetentionSetting } } }, async (request) =>
    setRetentionDays(ctx, request.actor, request.body),
  );
}

