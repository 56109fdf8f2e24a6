import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

/**
 * Customers become records of their own (issue 18): a customer is deactivated rather than deleted while
 * orders reference it, and a merged duplicate keeps its row, pointing at the customer it went into, so old
 * links and audit entries still resolve. Users get a time zone of their own and a flag an admin sets to make
 * them choose a new password.
 */
export async function up(db: Kysely<unknown>, { bigint }: MigrationContext): Promise<void> {
  await db.schema.alterTable('customers').addColumn('active', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await db.schema.alterTable('customers').addColumn('merged_into_id', bigint).execute();
  await db.schema.alterTable('users').addColumn('time_zone', 'text').execute();
  await db.schema.alterTable('users').addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}
