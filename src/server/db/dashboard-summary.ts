import { sql, type Compilable, type Kysely } from 'kysely';
import type { DB } from './schema.js';
import { dialectOf, type Db, type Dialect } from './connect.js';

/**
 * Upkeep of the dashboard's summary (migration 0020): triggers on `orders` append deltas; this folds them into
 * `dashboard_summary`, recounts it from scratch when needed, and pauses the triggers for a bulk load.
 */

const KEY = 'owner_id, status, confirmed_month, deleted_month, delete_reason';
const COLUMNS = `${KEY}, orders, total`;
/** Compaction and rebuild take turns on PostgreSQL (SQLite has one writer anyway): each is the summary's only writer. */
const SUMMARY_LOCK_KEY = 0x6f72_6432; // "ord2"
/**
 * A pause older than this was left by a load that died after committing it (loads before the pause moved into
 * their own transaction did so): the compaction job ends it, recounting everything.
 */
export const STALE_PAUSE_MS = 6 * 3_600_000;

const FOLD = `on conflict (${KEY}) do update set orders = dashboard_summary.orders + excluded.orders, total = dashboard_summary.total + excluded.total`;

/**
 * Folds the deltas into the summary in one short transaction and returns how many it folded. Concurrent writers
 * keep appending meanwhile and are never lost: on PostgreSQL the deltas folded are exactly those one
 * `DELETE … RETURNING` removed (rows committed after its snapshot stay for the next run); on SQLite the transaction
 * holds the only write lock. A second compaction at the same time on PostgreSQL skips rather than waits.
 */
export async function compactDashboardSummary(ctx: Db, now: Date = new Date()): Promise<{ folded: number; rebuilt: boolean }> {
  const db = ctx.kysely;
  const paused = await sql<{ since: string }>`select since from dashboard_summary_paused`.execute(db);
  if (paused.rows.some((p) => now.getTime() - Date.parse(p.since) > STALE_PAUSE_MS)) {
    await resumeDashboardSummary(ctx);
    return { folded: 0, rebuilt: true };
  }
  // Nothing to fold: no write transaction at all (on SQLite it would take the write lock).
  const pending = await sql`select 1 from dashboard_summary_deltas limit 1`.execute(db);
  if (pending.rows.length === 0) return { folded: 0, rebuilt: false };
  const folded = await ctx.kysely.transaction().execute(async (t) => {
    let n: number;
    if (ctx.dialect === 'postgres') {
      const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${SUMMARY_LOCK_KEY}) as locked`.execute(t);
      if (!rows[0].locked) return 0;
      const moved = await sql<{ n: string }>`
        with moved as (delete from dashboard_summary_deltas returning ${sql.raw(COLUMNS)}),
        folded as (
          insert into dashboard_summary (${sql.raw(COLUMNS)})
          select ${sql.raw(KEY)}, sum(orders), sum(total) from moved group by ${sql.raw(KEY)}
          ${sql.raw(FOLD)}
        )
        select count(*) as n from moved`.execute(t);
      n = Number(moved.rows[0].n);
    } else {
      const counted = await sql<{ n: number }>`select count(*) as n from dashboard_summary_deltas`.execute(t);
      n = Number(counted.rows[0].n);
      // `where true`: without it SQLite would read ON CONFLICT as part of the SELECT.
      await sql`insert into dashboard_summary (${sql.raw(COLUMNS)})
        select ${sql.raw(KEY)}, sum(orders), sum(total) from dashboard_summary_deltas where true group by ${sql.raw(KEY)}
        ${sql.raw(FOLD)}`.execute(t);
      await sql`delete from dashboard_summary_deltas`.execute(t);
    }
    // Keys every order has left (a month's drafts all confirmed) would otherwise pile up.
    await sql`delete from dashboard_summary where orders = 0 and total = 0`.execute(t);
    return n;
  });
  return { folded, rebuilt: false };
}

/**
 * The recount as statements of text, for `rebuildDashboardSummary` and for the bulk seed's own connection (its
 * writer runs them inside the load's transaction). On PostgreSQL it first waits for the writers of `orders` in
 * flight and holds new ones until the transaction ends, so the recount and the deltas it discards describe the
 * same orders. Ends any pause.
 */
export function recountStatements(dialect: Dialect): string[] {
  return [
    ...(dialect === 'postgres' ? ['lock table orders in share mode', `select pg_advisory_xact_lock(${SUMMARY_LOCK_KEY})`] : []),
    'delete from dashboard_summary_deltas',
    'delete from dashboard_summary',
    'delete from dashboard_summary_paused',
    `insert into dashboard_summary (${COLUMNS})
    select owner_id, status, coalesce(substr(confirmed_at, 1, 7), ''), coalesce(substr(deleted_at, 1, 7), ''), coalesce(delete_reason, ''), count(*), coalesce(sum(total), 0)
    from orders group by owner_id, status, coalesce(substr(confirmed_at, 1, 7), ''), coalesce(substr(deleted_at, 1, 7), ''), coalesce(delete_reason, '')`,
  ];
}

/** Recounts the summary from `orders` inside the caller's transaction (a backup restore; the end of a stale pause). */
export async function rebuildDashboardSummary(trx: Kysely<DB>): Promise<void> {
  for (const statement of recountStatements(dialectOf(trx))) await sql.raw(statement).execute(trx);
}

/**
 * The statement that stops the triggers appending deltas, for a bulk load: a million rows then cost one recount
 * at the end instead of a million trigger runs. Run inside the load's own transaction (a backup restore, the bulk
 * seed), so a load that dies — killed outright too — leaves no pause behind, and other writers on PostgreSQL,
 * who cannot see the uncommitted pause, keep counting as usual.
 */
export const pauseStatement = (now: Date = new Date()): string =>
  `insert into dashboard_summary_paused (since) values ('${now.toISOString()}') on conflict (since) do nothing`;

/** Pauses the summary's triggers inside the caller's transaction (see `pauseStatement`); its recount ends the pause. */
export async function pauseDashboardSummary(trx: Kysely<DB>, now: Date = new Date()): Promise<void> {
  await sql.raw(pauseStatement(now)).execute(trx);
}

/** Ends a pause: recounts the summary in one `INSERT … SELECT`. */
async function resumeDashboardSummary(ctx: Db): Promise<void> {
  await ctx.kysely.transaction().execute((trx) => rebuildDashboardSummary(trx));
}

/**
 * The number of orders in the recycle bin (of one owner, or of all), from the summary and the deltas not yet folded
 * into it: both are written in the same transactions as the orders, so within one statement's snapshot their sum
 * is the count of deleted orders, without reading the bin's index entry by entry (a bin that a cleanup filled with
 * 25,000 stale drafts was 25,000 entries to count on every page). While a committed pause stands (a load that died
 * before its recount) the triggers append nothing, so the caller's `live` count is used instead.
 */
export function binCountFromSummary<V>(ownerId: V | undefined, live: Compilable<unknown>) {
  // The owner's condition once, outside the union (the planner pushes it into both halves): one value, bound once.
  const owner = ownerId === undefined ? sql`` : sql` where counted.owner_id = ${ownerId}`;
  return sql<number | string>`case when exists (select 1 from dashboard_summary_paused) then (${live}) else (select coalesce(sum(counted.orders), 0) from (
    select owner_id, orders from dashboard_summary where deleted_month <> ''
    union all select owner_id, orders from dashboard_summary_deltas where deleted_month <> '') as counted${owner}) end`;
}
