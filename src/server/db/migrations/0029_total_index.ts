import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

/**
 * SQLite: `orders_total` covers every order, no longer only the live ones (issue 16), as `orders_signature_created`
 * does since 0028. Keyed by the order's total, it took a page of its own for each order a deletion or restore moved
 * out of or back into it: ~860 of the ~5,600 pages a 1,000-order delete writes. Measured on a seeded million-order
 * file (`deletion-profile`, 5 rounds, the same copy before and after, twice): delete 106.4 / 110.7 → 94.0 / 100.2 ms,
 * restore 89.6 / 90.4 → 78.8 / 80.9 ms, log frames 5,582 → 4,719 and 5,026 → 4,164.
 *
 * Its readers walk it in order of total and stop after a page, so reading each visited row's `deleted_at` costs a
 * row per order listed (a list sorted by total: 0.27 ms before and after; a range of totals sorted by total 0.14 →
 * 0.18 ms). Counting a range of totals without a status reads every row of the range (1,599 orders: 0.08 → 0.9
 * ms); no route counts that way: the status tabs count by status and total from `orders_status_total`, which stays
 * partial — made whole-table it turned the tabs' count of orders above 5,000.00 from 15 ms into 520 ms and the
 * confirmed orders sorted by total from 0.2 into 36 ms.
 *
 * PostgreSQL keeps it partial: a soft delete there is never a HOT update (0028).
 */
export async function up(db: Kysely<unknown>, { dialect }: MigrationContext): Promise<void> {
  if (dialect !== 'sqlite') return;
  await db.schema.dropIndex('orders_total').ifExists().execute();
  await db.schema.createIndex('orders_total').on('orders').columns(['total', 'id']).execute();
}
