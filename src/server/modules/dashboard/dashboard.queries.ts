import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';

/**
 * The dashboard's aggregates. Each reads one partial index without touching the table (the indexes of
 * migration 0012 cover status, month and total), which keeps every query well under 200 ms at a million
 * orders; `owner` narrows to a sales rep's own orders.
 */
const month = (column: string) => sql<string>`substr(${sql.ref(column)}, 1, 7)`;

export async function countByStatus(db: Kysely<DB>, owner: number | undefined) {
  let query = db.selectFrom('orders').select((eb) => ['status', eb.fn.countAll<number>().as('n')]).where('deleted_at', 'is', null).groupBy('status');
  if (owner !== undefined) query = query.where('owner_id', '=', owner);
  return query.execute();
}

/**
 * Per month and status; the caller drops the cancelled. The status is grouped rather than filtered on purpose:
 * a filter on it let SQLite's planner prefer the status index and visit a million rows.
 */
export async function revenueSince(db: Kysely<DB>, from: string, owner: number | undefined) {
  let query = db
    .selectFrom('orders')
    .select((eb) => [month('confirmed_at').as('month'), 'status', eb.fn.sum<number>('total').as('total'), eb.fn.countAll<number>().as('n')])
    .where('deleted_at', 'is', null)
    .where('confirmed_at', '>=', from)
    .groupBy([month('confirmed_at'), 'status']);
  if (owner !== undefined) query = query.where('owner_id', '=', owner);
  return query.execute();
}

export async function deletionsSince(db: Kysely<DB>, from: string, owner: number | undefined) {
  let query = db
    .selectFrom('orders')
    .select((eb) => [month('deleted_at').as('month'), 'delete_reason', eb.fn.countAll<number>().as('n')])
    .where('deleted_at', '>=', from)
    .groupBy([month('deleted_at'), 'delete_reason']);
  if (owner !== undefined) query = query.where('owner_id', '=', owner);
  return query.execute();
}

export async function recycleBinFigures(db: Kysely<DB>, weekEnd: string, owner: number | undefined) {
  let count = db.selectFrom('orders').select((eb) => eb.fn.countAll<number>().as('n')).where('deleted_at', 'is not', null);
  let purging = db.selectFrom('orders').select((eb) => eb.fn.countAll<number>().as('n')).where('deleted_at', 'is not', null).where('purge_after', '<=', weekEnd);
  let next = db.selectFrom('orders').select(['id', 'number', 'purge_after']).where('deleted_at', 'is not', null).where('purge_after', 'is not', null).orderBy('purge_after').orderBy('id').limit(5);
  if (owner !== undefined) {
    count = count.where('owner_id', '=', owner);
    purging = purging.where('owner_id', '=', owner);
    next = next.where('owner_id', '=', owner);
  }
  const [total, soon, first] = await Promise.all([count.executeTakeFirstOrThrow(), purging.executeTakeFirstOrThrow(), next.execute()]);
  return { count: Number(total.n), purgingThisWeek: Number(soon.n), nextPurges: first };
}

export async function pendingRestoreRequests(db: Kysely<DB>, requester: number | undefined) {
  let query = db.selectFrom('restore_requests').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'pending');
  if (requester !== undefined) query = query.where('requester_id', '=', requester);
  return Number((await query.executeTakeFirstOrThrow()).n);
}
