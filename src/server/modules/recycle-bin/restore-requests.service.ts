import type { Kysely, Selectable, Transaction } from 'kysely';
import type {
  CreateRestoreRequestInput,
  RestoreRequestQuery,
  RestoreRequestView,
} from '../../../contracts/deletion.js';
import type { Ctx } from '../../db/context.js';
import type { DB } from '../../db/schema.js';
import { ownerFilter, requirePermission, scopeOf, type Actor } from '../../platform/actor.js';
import { recordAudit } from '../../platform/audit.js';
import { nowIso } from '../../platform/clock.js';
import { AppError, notFound } from '../../platform/errors.js';
import { publish } from '../../platform/outbox.js';
import { idChunks } from '../../db/chunks.js';
import { lockRows } from '../../db/claim.js';
import { isSetForIds } from '../../db/row-sets.js';
import { restoreRows } from './recycle-bin.service.js';
import { requestPeople } from './request-people.js';

/**
 * Restore requests: a user without `orders.restore` asks for deleted orders back; an approver approves (which
 * restores them in the same transaction) or rejects. The decision, who made it and why are kept; a decided
 * request stays decided.
 */

type RequestRow = Selectable<DB['restore_requests']>;

async function viewsOf(db: Kysely<DB>, rows: RequestRow[]): Promise<RestoreRequestView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const orders = await db.selectFrom('restore_request_orders').selectAll().where('request_id', 'in', ids).orderBy('request_id').orderBy('order_id').execute();
  const userRef = await requestPeople(db, rows);
  return rows.map((r) => ({
    id: String(r.id),
    status: r.status as RestoreRequestView['status'],
    orders: orders.filter((o) => o.request_id === r.id).map((o) => ({ id: String(o.order_id), number: o.number })),
    note: r.note,
    requestedBy: userRef(r.requester_id)!,
    createdAt: r.created_at,
    decidedBy: userRef(r.decided_by),
    decidedAt: r.decided_at,
    decisionNote: r.decision_note,
  }));
}

/** Deleted orders the caller may see (their `orders.read` scope), or a 404 naming those they may not. */
async function deletedOrdersInScope(trx: Transaction<DB>, actor: Actor, ids: number[]) {
  const ownerId = ownerFilter(actor, 'orders.read');
  const rows: Array<{ id: number; number: string; owner_id: number }> = [];
  for (const chunk of idChunks(ids)) {
    let q = trx.selectFrom('orders').select(['id', 'number', 'owner_id']).where('id', 'in', chunk).where(isSetForIds('deleted_at'));
    if (ownerId !== undefined) q = q.where('owner_id', '=', ownerId);
    rows.push(...(await q.execute()));
  }
  const found = new Set(rows.map((r) => r.id));
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length > 0) throw new AppError('not_found', `Not in the recycle bin: order${missing.length > 1 ? 's' : ''} ${missing.slice(0, 20).join(', ')}`, { missing: missing.map(String) });
  return rows.sort((a, b) => a.id - b.id);
}

export async function createRestoreRequest(ctx: Ctx, actor: Actor, input: CreateRestoreRequestInput): Promise<RestoreRequestView> {
  requirePermission(actor, 'restore_requests.create');
  if (actor.userId == null) throw new AppError('forbidden', 'Restore requests are made by users');
  const id = await ctx.kysely.transaction().execute(async (trx) => {
    const orders = await deletedOrdersInScope(trx, actor, input.ids.map(Number));
    const { id } = await trx
      .insertInto('restore_requests')
      .values({ requester_id: actor.userId!, note: input.note, status: 'pending', created_at: nowIso() })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const chunk of idChunks(orders, 500)) {
      await trx.insertInto('restore_request_orders').values(chunk.map((o) => ({ request_id: id, order_id: o.id, number: o.number }))).execute();
    }
    await recordAudit(trx, ctx.dialect, actor, {
      action: 'restore_request.create',
      entityType: 'restore_request',
      entityId: id,
      entityLabel: `Restore ${orders.length} order${orders.length > 1 ? 's' : ''}`,
      diff: { orders: orders.map((o) => o.number) },
      reason: input.note,
    });
    await publish(trx, [{ topic: 'restore_request.created', payload: { requestId: String(id), requestedBy: String(actor.userId), orderIds: orders.map((o) => String(o.id)), departments: ['sales'] } }]);
    return id;
  });
  return getRestoreRequest(ctx, actor, id);
}

/** Approvers see every request; everyone else sees the requests they made. */
function requesterFilter(actor: Actor): number | undefined {
  if (scopeOf(actor, 'restore_requests.approve')) return undefined;
  requirePermission(actor, 'restore_requests.create');
  return actor.userId ?? -1;
}

export async function listRestoreRequests(ctx: Ctx, actor: Actor, query: RestoreRequestQuery): Promise<{ items: RestoreRequestView[]; nextCursor: string | null }> {
  const requester = requesterFilter(actor);
  let q = ctx.kysely.selectFrom('restore_requests').selectAll().orderBy('id', 'desc').limit(query.limit + 1);
  if (requester !== undefined) q = q.where('requester_id', '=', requester);
  if (query.status) q = q.where('status', '=', query.status);
  if (query.cursor) q = q.where('id', '<', Number(query.cursor));
  const rows = await q.execute();
  const page = rows.slice(0, query.limit);
  return { items: await viewsOf(ctx.kysely, page), nextCursor: rows.length > query.limit ? String(page[page.length - 1].id) : null };
}

export async function getRestoreRequest(ctx: Ctx, actor: Actor, id: number): Promise<RestoreRequestView> {
  const requester = requesterFilter(actor);
  let q = ctx.kysely.selectFrom('restore_requests').selectAll().where('id', '=', id);
  if (requester !== undefined) q = q.where('requester_id', '=', requester);
  const row = await q.executeTakeFirst();
  if (!row) throw notFound('Restore request');
  return (await viewsOf(ctx.kysely, [row]))[0];
}

/**
 * Approve or reject. The status changes by compare-and-set from `pending`, so of two approvers deciding at
 * once exactly one wins and the other gets a 409. Approval restores the orders in the same transaction: if
 * they cannot come back (stock short, purged meanwhile), the request stays pending.
 */
export async function decideRestoreRequest(ctx: Ctx, actor: Actor, id: number, decision: 'approve' | 'reject', note: string | undefined): Promise<RestoreRequestView> {
  requirePermission(actor, 'restore_requests.approve');
  await ctx.kysely.transaction().execute(async (trx) => {
    const request = await trx.selectFrom('restore_requests').selectAll().where('id', '=', id).executeTakeFirst();
    if (!request) throw notFound('Restore request');
    const status = decision === 'approve' ? 'approved' : 'rejected';
    const now = nowIso();
    const decided = await trx
      .updateTable('restore_requests')
      .set({ status, decided_by: actor.userId, decided_at: now, decision_note: note ?? null })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(decided.numUpdatedRows) !== 1) {
      const current = await trx.selectFrom('restore_requests').select('status').where('id', '=', id).executeTakeFirstOrThrow();
      throw new AppError('conflict', `Restore request ${id} was already ${current.status}; a decision cannot be changed`, { code: 'already_decided', decision: current.status });
    }
    const items = await trx.selectFrom('restore_request_orders').select(['order_id', 'number']).where('request_id', '=', id).orderBy('order_id').execute();
    if (decision === 'approve') {
      const rows = [];
      for (const chunk of idChunks(items.map((i) => i.order_id))) {
        rows.push(...(await lockRows(trx.selectFrom('orders').selectAll().where('id', 'in', chunk).where(isSetForIds('deleted_at')), ctx.dialect).execute()));
      }
      if (rows.length !== items.length) {
        const present = new Set(rows.map((r) => r.id));
        const gone = items.filter((i) => !present.has(i.order_id)).map((i) => i.number);
        throw new AppError('conflict', `No longer in the recycle bin (restored or purged since the request): ${gone.join(', ')}; reject this request instead`, { code: 'not_in_recycle_bin', orders: gone });
      }
      await restoreRows(trx, ctx.dialect, actor, rows.sort((a, b) => a.id - b.id), { restoreRequestId: String(id) });
    }
    await recordAudit(trx, ctx.dialect, actor, {
      action: `restore_request.${decision}`,
      entityType: 'restore_request',
      entityId: id,
      entityLabel: `Restore ${items.length} order${items.length > 1 ? 's' : ''}`,
      diff: { status: { from: 'pending', to: status }, orders: items.map((i) => i.number), requestedBy: String(request.requester_id) },
      reason: note ?? null,
    });
    await publish(trx, [{ topic: `restore_request.${status}`, payload: { requestId: String(id), requestedBy: String(request.requester_id), decidedBy: actor.userId == null ? null : String(actor.userId), orderIds: items.map((i) => String(i.order_id)), departments: ['sales'] } }]);
  });
  return getRestoreRequest(ctx, actor, id);
}
