import { sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

/**
 * The dashboard's order figures (issue 15): at a million orders even the covering indexes of 0012_b took 250–850 ms
 * to aggregate. They now read orders counted and totalled per key — owner, status, month of confirmation, month of
 * deletion, delete reason ('' where an order has none) — from two tables:
 *
 * - `dashboard_summary_deltas`: insert-only. Triggers on `orders` append the change of every write (−1 and −total
 *   under the old key, +1 and +total under the new), in the writer's transaction, so they commit and roll back with
 *   it and see every writer (commands, deletion, restore, purge, merges, erasure, a backup restore, scripts).
 *   Writers never update a shared row: a summary kept by upserts from triggers deadlocked and waited on hot rows
 *   under the 64-client cluster test (two transactions touching the same keys in different orders).
 * - `dashboard_summary`: the deltas folded per key by `compactDashboardSummary` (db/dashboard-summary.ts), one
 *   compaction at a time, which is the only writer of its rows.
 *
 * Reads add both. The definition, recounted by dashboard-summary.test.ts:
 *
 *   select owner_id, status, coalesce(substr(confirmed_at, 1, 7), ''), coalesce(substr(deleted_at, 1, 7), ''),
 *          coalesce(delete_reason, ''), count(*), sum(total) from orders group by 1, 2, 3, 4, 5
 *
 * While `dashboard_summary_paused` has a row (the bulk seed's load) the triggers append nothing; ending the pause
 * recounts everything. SQLite: row triggers (the update trigger only when a key column or the total changes).
 * PostgreSQL: statement triggers over the transition tables, one delta row per key a statement changes.
 */
export async function up(db: Kysely<unknown>, { dialect, bigint }: MigrationContext): Promise<void> {
  const keyed = (table: string, id?: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder) => {
    const created = db.schema.createTable(table);
    return (id ? created.addColumn('id', bigint, id) : created)
      .addColumn('owner_id', bigint, (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('confirmed_month', 'text', (c) => c.notNull())
      .addColumn('deleted_month', 'text', (c) => c.notNull())
      .addColumn('delete_reason', 'text', (c) => c.notNull())
      .addColumn('orders', bigint, (c) => c.notNull())
      .addColumn('total', bigint, (c) => c.notNull());
  };
  await keyed('dashboard_summary').addPrimaryKeyConstraint('dashboard_summary_pk', ['owner_id', 'status', 'confirmed_month', 'deleted_month', 'delete_reason']).execute();
  // SQLite: the rowid, without AUTOINCREMENT's bookkeeping on every insert.
  await keyed('dashboard_summary_deltas', (c) => (dialect === 'sqlite' ? c.primaryKey() : c.primaryKey().generatedAlwaysAsIdentity())).execute();
  await db.schema.createTable('dashboard_summary_paused').addColumn('since', 'text', (c) => c.primaryKey()).execute();

  const columns = sql.raw('dashboard_summary_deltas (owner_id, status, confirmed_month, deleted_month, delete_reason, orders, total)');
  if (dialect === 'sqlite') {
    const key = (row: 'new' | 'old') =>
      sql.raw(`${row}.owner_id, ${row}.status, coalesce(substr(${row}.confirmed_at, 1, 7), ''), coalesce(substr(${row}.deleted_at, 1, 7), ''), coalesce(${row}.delete_reason, '')`);
    const active = sql.raw('not exists (select 1 from dashboard_summary_paused)');
    await sql`create trigger dashboard_summary_insert after insert on orders when ${active} begin
      insert into ${columns} values (${key('new')}, 1, new.total);
    end`.execute(db);
    await sql`create trigger dashboard_summary_delete after delete on orders when ${active} begin
      insert into ${columns} values (${key('old')}, -1, -old.total);
    end`.execute(db);
    await sql`create trigger dashboard_summary_update after update of owner_id, status, total, confirmed_at, deleted_at, delete_reason on orders
      when (old.owner_id is not new.owner_id or old.status is not new.status or old.total is not new.total
        or substr(old.confirmed_at, 1, 7) is not substr(new.confirmed_at, 1, 7) or substr(old.deleted_at, 1, 7) is not substr(new.deleted_at, 1, 7)
        or old.delete_reason is not new.delete_reason) and ${active}
    begin
      insert into ${columns} values (${key('old')}, -1, -old.total), (${key('new')}, 1, new.total);
    end`.execute(db);
  } else {
    const change = (rows: string, sign: 1 | -1) =>
      `select owner_id, status, coalesce(substr(confirmed_at, 1, 7), '') as cm, coalesce(substr(deleted_at, 1, 7), '') as dm, coalesce(delete_reason, '') as dr, ${sign} as n, ${sign} * total as amount from ${rows}`;
    // A statement that moves no order between keys (a note, a payment) nets to nothing and appends nothing.
    const append = (changes: string) => `
      insert into dashboard_summary_deltas (owner_id, status, confirmed_month, deleted_month, delete_reason, orders, total)
      select owner_id, status, cm, dm, dr, sum(n), sum(amount) from (${changes}) as d
      group by owner_id, status, cm, dm, dr having sum(n) <> 0 or sum(amount) <> 0;`;
    await sql
      .raw(
        `create function dashboard_summary_append() returns trigger language plpgsql as $$
        begin
          if exists (select 1 from dashboard_summary_paused) then return null; end if;
          if tg_op = 'INSERT' then ${append(change('new_rows', 1))}
          elsif tg_op = 'DELETE' then ${append(change('old_rows', -1))}
          else ${append(`${change('old_rows', -1)} union all ${change('new_rows', 1)}`)}
          end if;
          return null;
        end $$`,
      )
      .execute(db);
    await sql`create trigger dashboard_summary_insert after insert on orders referencing new table as new_rows for each statement execute function dashboard_summary_append()`.execute(db);
    await sql`create trigger dashboard_summary_delete after delete on orders referencing old table as old_rows for each statement execute function dashboard_summary_append()`.execute(db);
    await sql`create trigger dashboard_summary_update after update on orders referencing old table as old_rows new table as new_rows for each statement execute function dashboard_summary_append()`.execute(db);
  }

  // The backfill runs after the triggers exist, in the same transaction: on PostgreSQL creating them waits for
  // writers in flight and holds new ones until this migration commits, so no order is counted twice or missed.
  await sql`insert into dashboard_summary (owner_id, status, confirmed_month, deleted_month, delete_reason, orders, total)
    select owner_id, status, coalesce(substr(confirmed_at, 1, 7), ''), coalesce(substr(deleted_at, 1, 7), ''), coalesce(delete_reason, ''), count(*), coalesce(sum(total), 0)
    from orders group by owner_id, status, coalesce(substr(confirmed_at, 1, 7), ''), coalesce(substr(deleted_at, 1, 7), ''), coalesce(delete_reason, '')`.execute(db);
}
