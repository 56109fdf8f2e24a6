import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';

/**
 * The dashboard's aggregates. The order figures read the summary of migration 0020 — orders counted and totalled
 * per owner, status, month of confirmation, month of deletion and reason — as the folded rows plus the deltas
 * appended since the last compaction, in one statement (one snapshot), so they take about the same time at a
 * million orders as at a hundred; `owner` narrows to a sales rep's own orders. A key's sum may be 0.
 */
function summary(db: Kysely<DB>, owner: number | undefined) {
  const part = (table: 'dashboard_summary' | 'dashboard_summary_deltas') => {
    const query = db.selectFrom(table).select(['owner_id', 'status', 'confirmed_month', 'deleted_month', 'delete_reason', 'orders', 'total']);
    return owner === undefined ? query : query.where('owner_id', '=', owner);
  };
  return db.selectFrom(part('dashboard_summary').unionAll(part('dashboard_summary_deltas')).as('s'));
}

/** Live orders per status. */
export async function countByStatus(db: Kysely<DB>, owner: number | undefined) {
  return summary(db, owner)
    .select((eb) => ['status', eb.fn.sum<number>('orders').as('n')])
    .where('deleted_month', '=', '')
    .groupBy('status')
    .execute();
}

/** Live orders confirmed in or after the month `from` (YYYY-MM), per month and status; the caller drops the cancelled. */
export async function revenueSince(db: Kysely<DB>, from: string, owner: number | undefined) {
  return summary(db, owner)
    .select((eb) => [eb.ref('confirmed_month').as('month'), 'status', eb.fn.sum<number>('total').as('total'), eb.fn.sum<number>('orders').as('n')])
    .where('deleted_month', '=', '')
    .where('confirmed_month', '>=', from)
    .groupBy(['confirmed_month', 'status'])
    .execute();
}

/** Orders in the recycle bin deleted in or after the month `from` (YYYY-MM), per month and reason. */
export async function deletionsSince(db: Kysely<DB>, from: string, owner: number | undefined) {
  return summary(db, owner)
    .select((eb) => [eb.ref('deleted_month').as('month'), 'delete_reason', eb.fn.sum<number>('orders').as('n')])
    .where('deleted_month', '>=', from)
    .groupBy(['deleted_month', 'delete_reason'])
    .execute();
}

/**
 * The recycle bin's size (from the summary), what purges by `weekEnd` and the next five purges. Company-wide, the
 * purge count reads the (purge_after) index of deleted orders alone: ordering the subquery by purge_after steers
 * SQLite to it, where it otherwise took the (deleted_at, …) index and fetched every binned order's row for its
 * purge date (140 ms at a million orders with 20,000 in the bin). A rep's count goes through their own deleted orders.
 */
export async function recycleBinFigures(db: Kysely<DB>, weekEnd: string, owner: number | undefined) {
  const count = summary(db, owner)
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('orders'), eb.lit(0)).as('n'))
    .where('deleted_month', '>', '');
  const purging = db.selectFrom('orders').select('id').where('deleted_at', 'is not', null).where('purge_after', '<=', weekEnd);
  const soon =
    owner === undefined
      ? db.selectFrom(purging.orderBy('purge_after').as('p')).select((eb) => eb.fn.countAll<number>().as('n'))
      : db.selectFrom(purging.where('owner_id', '=', owner).as('p')).select((eb) => eb.fn.countAll<number>().as('n'));
  let next = db.selectFrom('orders').select(['id', 'number', 'purge_after']).where('deleted_at', 'is not', null).where('purge_after', 'is not', null).orderBy('purge_after').orderBy('id').limit(5);
  if (owner !== undefined) next = next.where('owner_id', '=', owner);
  const [total, purges, first] = await Promise.all([count.executeTakeFirstOrThrow(), soon.executeTakeFirstOrThrow(), next.execute()]);
  return { count: Number(total.n), purgingThisWeek: Number(purges.n), nextPurges: first };
}

export async function pendingRestoreRequests(db: Kysely<DB>, requester: number | undefined) {
  let query = db.selectFrom('restore_requests').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'pending');
  if (requester !== undefined) query = query.where('requester_id', '=', requester);
  return Number((await query.executeTakeFirstOrThrow()).n);
}
