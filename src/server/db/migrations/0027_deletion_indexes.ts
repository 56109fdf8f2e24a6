import type { Kysely } from 'kysely';

/**
 * Indexes a deletion and a restore had to write and no query reads any more (issue 16). Which query reads each
 * index was taken from the plans of every statement on `orders` that the module tests issue, on a seeded
 * million-order SQLite file (its statistics), and on PostgreSQL at 300,000 orders for the ones below:
 *
 * - `orders_confirmed_revenue` and `orders_deleted_reason` (0012_b) served the dashboard's aggregates, which read
 *   the summary of 0020 since. The recycle-bin counts, the purge job and the updates and deletes of deleted orders
 *   by id that SQLite's planner sent to `orders_deleted_reason` use `orders_deleted`, `orders_deleted_purge` and
 *   `orders_deleted_batch` (the batch and purge lookups now by their own key instead of walking the bin); the
 *   receivables aging list (PostgreSQL) walks `orders_status_total` instead.
 * - `stock_movements_order` and `ledger_entries_order` (0001): 0018's `stock_movements_order_totals` and
 *   `ledger_entries_order_totals` lead with the same column and serve an order's journal (its few entries then
 *   sorted by id) and the checks that read by order.
 *
 * Kept, though they cost a delete most of its order-index pages (each order at its own page of them):
 * `orders_signature_created`, `orders_customer_created`, `orders_total`, `orders_status_total` stay partial on
 * `deleted_at is null`. Made whole-table, a soft delete would leave them alone, but their readers would then
 * read every row's `deleted_at` from the table, where the partial index spares them that: on the million-order
 * file the data-quality duplicate check went from 0.2 s to 2.6 s, a count of orders in a range of totals from
 * 4 ms to 180 ms, and the 5 % customer-name search a third slower. `orders_owner_status` stays too: without it
 * PostgreSQL counts a rep's orders per status with a scan of the whole table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const name of ['orders_confirmed_revenue', 'orders_deleted_reason', 'stock_movements_order', 'ledger_entries_order']) {
    await db.schema.dropIndex(name).ifExists().execute();
  }
}
