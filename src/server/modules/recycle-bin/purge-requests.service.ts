import type { Kysely, Selectable } from 'kysely';
import type { PurgeRequestQuery, PurgeRequestView } from '../../../contracts/governance.js';
import type { Config } from '../../config.js';
import type { Ctx } from '../../db/context.js';
import type { DB } from '../../db/schema.js';
import { requirePermission, type Actor } from '../../platform/actor.js';
import { recordAudit } from '../../platform/audit.js';
import { nowIso } from '../../platform/clock.js';
import { AppError, notFound } from '../../platform/errors.js';
import { publish } from '../../platform/outbox.js';
import { assertSteppedUp } from '../auth/step-up.service.js';
import { ensureVerifiedBackup } from '../backup/backup.service.js';
import { deletedRowsForPurge, purgeRows } from './recycle-bin.service.js';
import { requestPeople } from './request-people.js';

/**
 * Four-eyes purge (SPEC §5): with `purgeNeedsSecondAdmin`, POST /api/recycle-bin/purge files a request, and a
 * different admin approves it (which purges, in the same transaction as the decision) or rejects it. The requester
 * can do neither with their own request: the point is a second pair of eyes.
 */

type RequestRow = Selectable<DB['purge_requests']>;

async function viewsOf(db: Kysely<DB>, rows: RequestRow[]): Promise<PurgeRequestView[]> {
  if (rows.length === 0) return [];
  const orders = await db.selectFrom('purge_request_orders').selectAll().where('request_id', 'in', rows.map((r) => r.id)).orderBy('request_id').orderBy('order_id').execute();
  const userRef = await requestPeople(db, rows);
  return rows.map((r) => ({
    id: String(r.id),
    status: r.status as PurgeRequestView['status'],
    orders: orders.filter((o) => o.request_id === r.id).map((o) => ({ id: String(o.order_id), number: o.number })),
    requestedBy: userRef(r.requester_id)!,
    requestedAt: r.created_at,
    decidedBy: userRef(r.decided_by),
    decidedAt: r.decided_at,
    note: r.decision_note,
  }));
}

export async function listPurgeRequests(ctx: Ctx, actor: Actor, query: PurgeRequestQuery): Promise<{ items: PurgeRequestView[] }> {
  requirePermission(actor, 'orders.purge');
  let q = ctx.kysely.selectFrom('purge_requests').selectAll().orderBy('id', 'desc').limit(200);
  if (query.status) q = q.where('status', '=', query.status);
  return { items: await viewsOf(ctx.kysely, await q.execute()) };
}

export async function getPurgeRequest(ctx: Ctx, actor: Actor, id: number): Promise<PurgeRequestView> {
  requirePermission(actor, 'orders.purge');
  const row = await ctx.kysely.selectFrom('purge_requests').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Purge request');
  return (await viewsOf(ctx.kysely, [row]))[0];
}

/**
 * Approve (purge now) or reject. Like restore requests, the status moves from `pending` by compare-and-set, so of
 * two admins deciding at once one wins and the other gets a 409. Approving is a purge: it needs the approver's own
 * recent step-up and a verified backup, and fails as a whole (the request stays pending) if an order was held,
 * restored or purged since.
 */
export async function decidePurgeRequest(ctx: Ctx, config: Config, actor: Actor, id: number, decision: 'approve' | 'reject', note: string | undefined): Promise<PurgeRequestView> {
  requirePermission(actor, 'orders.purge');
  const request = await ctx.kysely.selectFrom('purge_requests').selectAll().where('id', '=', id).executeTakeFirst();
  if (!request) throw notFound('Purge request');
  if (request.requester_id === actor.userId) {
    throw new AppError('forbidden', `Purge request ${id} is your own: another administrator must ${decision} it`, { code: 'own_purge_request' });
  }
  if (decision === 'approve') {
    await assertSteppedUp(ctx.kysely, actor);
    await ensureVerifiedBackup(ctx, config, actor);
  }
  await ctx.kysely.transaction().execute(async (trx) => {
    const status = decision === 'approve' ? 'approved' : 'rejected';
    const decided = await trx
      .updateTable('purge_requests')
      .set({ status, decided_by: actor.userId, decided_at: nowIso(), decision_note: note ?? null })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(decided.numUpdatedRows) !== 1) {
      const current = await trx.selectFrom('purge_requests').select('status').where('id', '=', id).executeTakeFirstOrThrow();
      throw new AppError('conflict', `Purge request ${id} was already ${current.status}; a decision cannot be changed`, { code: 'already_decided', decision: current.status });
    }
    const items = await trx.selectFrom('purge_request_orders').select(['order_id', 'number']).where('request_id', '=', id).orderBy('order_id').execute();
    if (decision === 'approve') {
      const rows = await deletedRowsForPurge(trx, ctx.dialect, items);
      await purgeRows(trx, ctx.dialect, actor, rows, `purged from the recycle bin (purge request ${id}, approved by a second administrator)`);
    }
    await recordAudit(trx, ctx.dialect, actor, {
      action: `purge_request.${decision}`,
      entityType: 'purge_request',
      entityId: id,
      entityLabel: `Purge ${items.length} order${items.length > 1 ? 's' : ''}`,
      diff: { status: { from: 'pending', to: status }, orders: items.map((i) => i.number), requestedBy: String(request.requester_id) },
      reason: note ?? null,
    });
    await publish(trx, [
      {
        topic: `purge_request.${status}`,
        payload: { requestId: String(id), requestedBy: String(request.requester_id), decidedBy: actor.userId == null ? null : String(actor.userId), orderIds: items.map((i) => String(i.order_id)), numbers: items.map((i) => i.number) },
      },
    ]);
  });
  return getPurgeRequest(ctx, actor, id);
}
