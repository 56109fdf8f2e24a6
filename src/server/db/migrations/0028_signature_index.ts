import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

/**
 * SQLite: `orders_signature_created` covers every order, no longer only the live ones (issue 16). A soft delete
 * and a restore moved each order out of and back into this index at a page of its own (its key is a hash): ~1,000
 * of the ~6,600 pages a 1,000-order delete writes, ~1,100 of a restore's ~6,100. Whole-table, an update of
 * `deleted_at` leaves it alone. Measured on a seeded million-order file (`deletion-profile`, 5 rounds, the same
 * copy before and after): delete 121.7 → 106.4 ms, restore 98.7 → 89.8 ms, log frames 6,599 → 5,584 and 6,106 →
 * 5,026.
 *
 * Its readers: the duplicate warning of a new order reads the few entries of one signature and then their rows
 * (for `deleted_at`) — the same plan; the data-quality duplicate check's candidate signatures (shared by two or more
 * orders) are read from the index alone, no longer filtered on `deleted_at` there (data-quality.queries.ts; the
 * candidates are then checked live by the pairing), 0.20 s as before on the million-order file, where keeping the
 * filter on a whole-table index read every row (0.7–1.8 s).
 *
 * PostgreSQL keeps it partial: there a soft delete is never a HOT update (`deleted_at` is in index predicates) and
 * enters the new row version into every index whose predicate it meets, so a whole-table index would take an entry
 * on each delete as well as on each restore.
 */
export async function up(db: Kysely<unknown>, { dialect }: MigrationContext): Promise<void> {
  if (dialect !== 'sqlite') return;
  await db.schema.dropIndex('orders_signature_created').ifExists().execute();
  await db.schema.createIndex('orders_signature_created').on('orders').columns(['signature', 'created_at', 'id']).execute();
}
