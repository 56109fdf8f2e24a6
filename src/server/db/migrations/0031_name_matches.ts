import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

/**
 * On PostgreSQL the list and the recycle bin read the customers a name matches before the page, and keep that
 * match per process (orders.queries.ts `matchedCustomers`), checked against the token of migration 0025 that the
 * page reads in its own snapshot. The token therefore also changes with which customers a name can match: a
 * customer added (it may match a name kept as matching none) or a search key changed. SQLite matches names inside
 * the page's own statement and keeps no match, so its triggers stay as they were: a new customer there would only
 * empty the names cache for nothing.
 */
export async function up(db: Kysely<unknown>, { dialect }: MigrationContext): Promise<void> {
  if (dialect === 'sqlite') return;
  await sql`create trigger customers_added after insert on customers for each statement execute function renew_name_directory()`.execute(db);
  await sql`create trigger customers_key_changed after update of name_key on customers for each row when (old.name_key is distinct from new.name_key) execute function renew_name_directory()`.execute(db);
}
