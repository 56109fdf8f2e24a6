import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

/**
 * The dashboard's order figures come from `dashboard_summary`: orders counted and totalled per owner, status,
 * month of confirmation, month of deletion and delete reason ('' where the order has none of these). At a
 * million orders even the covering indexes of 0012_b took 250–850 ms to aggregate; the summary holds a few
 * thousand rows.
 *
 * It is kept by triggers on `orders` rather than by the services, because orders are written from many places
 * (commands, deletion, restore, purge, merges, the bulk seed, a backup restore, the practice template): a
 * trigger sees every one of them, in the writer's transaction, so the summary commits and rolls back with the
 * change. Its definition is one GROUP BY (`dashboard-summary.test.ts` recounts it after random commands):
 *
 *   select owner_id, status, coalesce(substr(confirmed_at, 1, 7), ''), coalesce(substr(deleted_at, 1, 7), ''),
 *          coalesce(delete_reason, ''), count(*), sum(total) from orders group by 1, 2, 3, 4, 5
 *
 * Rows whose count falls to zero stay (the key space is small: owners × statuses × months).
 *
 * - SQLite: row triggers, the update trigger only for the columns of the key and the total.
 * - PostgreSQL: statement triggers over the transition tables, so a statement that changes a thousand orders
 *   applies its net change per key once, in key order (two writers lock summary rows in the same order), and a
 *   statement that moves no order between keys (a note, a payment) writes nothing.
 *
 * Users also get `tours_seen` (JSON array of tour ids), so a tour seen in one browser is not shown in another.
 */
export async function up(db: Kysely<unknown>, { dialect, bigint }: MigrationContext): Promise<void> {
  await db.schema.alterTable('users').addColumn('tours_seen', 'text').execute();

  await db.schema
    .createTable('dashboard_summary')
    .addColumn('owner_id', bigint, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('confirmed_month', 'text', (c) => c.notNull())
    .addColumn('deleted_month', 'text', (c) => c.notNull())
    .addColumn('delete_reason', 'text', (c) => c.notNull())
    .addColumn('orders', bigint, (c) => c.notNull())
    .addColumn('total', bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('dashboard_summary_pk', ['owner_id', 'status', 'confirmed_month', 'deleted_month', 'delete_reason'])
    .execute();

  const key = (row: 'new' | 'old') =>
    sql.raw(`${row}.owner_id, ${row}.status, coalesce(substr(${row}.confirmed_at, 1, 7), ''), coalesce(substr(${row}.deleted_at, 1, 7), ''), coalesce(${row}.delete_reason, '')`);
  const upsert = sql.raw(
    'on conflict (owner_id, status, confirmed_month, deleted_month, delete_reason) do update set orders = dashboard_summary.orders + excluded.orders, total = dashboard_summary.total + excluded.total',
  );
  const columns = sql.raw('dashboard_summary (owner_id, status, confirmed_month, deleted_month, delete_reason, orders, total)');

  if (dialect === 'sqlite') {
    await sql`create trigger dashboard_summary_insert after insert on orders begin
      insert into ${columns} values (${key('new')}, 1, new.total) ${upsert};
    end`.execute(db);
    await sql`create trigger dashboard_summary_delete after delete on orders begin
      insert into ${columns} values (${key('old')}, -1, -old.total) ${upsert};
    end`.execute(db);
    await sql`create trigger dashboard_summary_update after update of owner_id, status, total, confirmed_at, deleted_at, delete_reason on orders
      when old.owner_id is not new.owner_id or old.status is not new.status or old.total is not new.total
        or substr(old.confirmed_at, 1, 7) is not substr(new.confirmed_at, 1, 7) or substr(old.deleted_at, 1, 7) is not substr(new.deleted_at, 1, 7)
        or old.delete_reason is not new.delete_reason
    begin
      insert into ${columns} values (${key('old')}, -1, -old.total) ${upsert};
      insert into ${columns} values (${key('new')}, 1, new.total) ${upsert};
    end`.execute(db);
  } else {
    // One function for the three triggers; each branch names only the transition tables its event has.
    const change = (rows: string, sign: 1 | -1) =>
      `select owner_id, status, coalesce(substr(confirmed_at, 1, 7), '') as cm, coalesce(substr(deleted_at, 1, 7), '') as dm, coalesce(delete_reason, '') as dr, ${sign}::bigint as n, ${sign} * total as amount from ${rows}`;
    const apply = (changes: string) => `
      insert into dashboard_summary (owner_id, status, confirmed_month, deleted_month, delete_reason, orders, total)
      select owner_id, status, cm, dm, dr, sum(n), sum(amount) from (${changes}) as d
      group by owner_id, status, cm, dm, dr having sum(n) <> 0 or sum(amount) <> 0
      order by owner_id, status, cm, dm, dr
      on conflict (owner_id, status, confirmed_month, deleted_month, delete_reason)
      do update set orders = dashboard_summary.orders + excluded.orders, total = dashboard_summary.total + excluded.total;`;
    await sql
      .raw(
        `create function dashboard_summary_apply() returns trigger language plpgsql as $$
        begin
          if tg_op = 'INSERT' then ${apply(change('new_rows', 1))}
          elsif tg_op = 'DELETE' then ${apply(change('old_rows', -1))}
          else ${apply(`${change('old_rows', -1)} union all ${change('new_rows', 1)}`)}
          end if;
          return null;
        end $$`,
      )
      .execute(db);
    await sql`create trigger dashboard_summary_insert after insert on orders referencing new table as new_rows for each statement execute function dashboard_summary_apply()`.execute(db);
    await sql`create trigger dashboard_summary_delete after delete on orders referencing old table as old_rows for each statement execute function dashboard_summary_apply()`.execute(db);
    await sql`create trigger dashboard_summary_update after update on orders referencing old table as old_rows new table as new_rows for each statement execute function dashboard_summary_apply()`.execute(db);
  }

  // The backfill runs after the triggers exist: on PostgreSQL creating them waits for writers in flight and holds
  // new ones until this migration commits, so no order is counted twice or missed.
  await sql`insert into ${columns}
    select owner_id, status, coalesce(substr(confirmed_at, 1, 7), ''), coalesce(substr(deleted_at, 1, 7), ''), coalesce(delete_reason, ''), count(*), sum(total)
    from orders group by owner_id, status, coalesce(substr(confirmed_at, 1, 7), ''), coalesce(substr(deleted_at, 1, 7), ''), coalesce(delete_reason, '')`.execute(db);
}
