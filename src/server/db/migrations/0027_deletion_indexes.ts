import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

/**
 * Fewer index pages for a soft delete and a restore to move (issue 16). A soft delete takes each order out of
 * every live partial index (`deleted_at is null`) and puts it into every recycle-bin one (`deleted_at is not
 * null`); where a batch's orders sit at unrelated places of an index, that index costs a page per order, written
 * in the commit and again by the checkpoint. Counted on a seeded million-order SQLite file (`deletion-profile
 * --pages`), the WAL of one 1,000-order delete held ~1,000 pages each of `orders_signature_created`,
 * `orders_customer_created` and `orders_total` and ~260 of `orders_status_total`; indexes keyed by dates or ids
 * cost a few dozen. Which query uses each index was read from the plans of every statement on `orders` that the
 * module tests issue, on that file (its statistics).
 *
 * Dropped, on both databases, because nothing needs them any more:
 * - `orders_confirmed_revenue` and `orders_deleted_reason` (0012_b) served the dashboard's aggregates, which read
 *   the summary of 0020 since. The recycle-bin counts, the purge job and the updates and deletes of deleted orders
 *   by id that SQLite's planner sent to `orders_deleted_reason` use `orders_deleted`, `orders_deleted_purge` and
 *   `orders_deleted_batch` (the batch and purge lookups now by their own key instead of walking the bin); the
 *   receivables aging list (PostgreSQL) walks `orders_status_total` instead. `orders_owner_status` (0012_b) stays:
 *   without it PostgreSQL counts a rep's orders per status with a scan of the whole table, and its pages are few
 *   (a batch's orders belong to a handful of owners).
 * - `stock_movements_order` and `ledger_entries_order` (0001): 0018's `stock_movements_order_totals` and
 *   `ledger_entries_order_totals` lead with the same column and serve an order's journal (its few entries then
 *   sorted by id) and the checks that read by order.
 *
 * On SQLite only, the four random-keyed live indexes above become whole-table indexes: a soft delete and a
 * restore change none of their columns, so SQLite leaves them alone. Their readers lose nothing: SQLite never
 * read them as covering (every plan that uses them reads the order's row, where `deleted_at is null` is checked
 * as before), so a deleted order costs such a query one rejected row. PostgreSQL keeps them partial: its update
 * of a deleted_at writes a new entry into every whole-table index anyway (no HOT update), and its index-only
 * scans rely on the partial predicate.
 */
export async function up(db: Kysely<unknown>, { dialect }: MigrationContext): Promise<void> {
  for (const name of ['orders_confirmed_revenue', 'orders_deleted_reason', 'stock_movements_order', 'ledger_entries_order']) {
    await db.schema.dropIndex(name).ifExists().execute();
  }
  if (dialect !== 'sqlite') return;
  const wholeTable: Array<[string, string[]]> = [
    ['orders_signature_created', ['signature', 'created_at', 'id']],
    ['orders_customer_created', ['customer_id', 'created_at', 'id']],
    ['orders_total', ['total', 'id']],
    ['orders_status_total', ['status', 'total', 'id']],
  ];
  for (const [name, columns] of wholeTable) {
    await db.schema.dropIndex(name).ifExists().execute();
    await db.schema.createIndex(name).on('orders').columns(columns).execute();
  }
  // A database with planner statistics (a bulk seed gathers them) gets them for the new indexes too, so the
  // planner does not weigh measured indexes against guessed ones; one without keeps relying on the defaults.
  const { rows } = await sql<{ n: number }>`select count(*) as n from sqlite_master where name = 'sqlite_stat1'`.execute(db);
  if (Number(rows[0].n) === 0) return;
  await sql`pragma analysis_limit = 2000`.execute(db);
  for (const [name] of wholeTable) await sql`analyze ${sql.raw(name)}`.execute(db);
  await sql`pragma analysis_limit = 0`.execute(db);
}
