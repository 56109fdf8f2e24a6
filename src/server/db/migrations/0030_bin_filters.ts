import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

/**
 * The recycle bin's list filtered by customer name or by reason (issue 16). Neither had an index of its own, so the
 * count of "N items" (and a page of a name or reason that few deleted orders have) read every deleted order's row:
 * with 10,000 orders in the bin of a million-order SQLite file, 5.7 ms for the count of a name search, 6.2 ms for a
 * page of a reason no order had, growing with the bin. Both are partial, like the bin's other indexes: they hold
 * deleted orders only, so a deletion adds its orders to small indexes (a few dozen pages for a thousand orders)
 * and leaves the live orders' alone. Keyed (…, deleted_at, id), they give the list's order and count covered.
 *
 * PostgreSQL: the planner sizes the bin's indexes from the table's statistics, and statistics taken while the bin
 * was (nearly) empty — a bulk seed's ANALYZE, or any taken before a wave of deletions — rate every one of them at a
 * row: it then read the bin's first page by sorting the whole bin and counted a name search through a nested loop
 * over every deleted order (10,000 in the bin: 54 ms p95 for the first page, 100 ms for a name search). Autovacuum
 * analyzes a table only once a tenth of it has changed, 100,000 orders of a million; for `orders` it now does after
 * half a percent (5,000 of a million), in the background, so the bin's statistics follow its size.
 */
export async function up(db: Kysely<unknown>, { dialect }: MigrationContext): Promise<void> {
  const deleted = sql<boolean>`deleted_at is not null`;
  await db.schema.createIndex('orders_deleted_customer').on('orders').columns(['customer_id', 'deleted_at', 'id']).where(deleted).execute();
  await db.schema.createIndex('orders_deleted_code').on('orders').columns(['delete_reason', 'deleted_at', 'id']).where(deleted).execute();
  if (dialect === 'postgres') await sql`alter table orders set (autovacuum_analyze_scale_factor = 0.005)`.execute(db);
}
