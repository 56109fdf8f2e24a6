import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

/**
 * Each user's layout of each list (issue 18): columns as JSON (order, visibility, width) and the row density,
 * kept on the server so the layout follows the user to another browser. A user's rows go with the user.
 */
export async function up(db: Kysely<unknown>, { bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('user_table_settings')
    .addColumn('user_id', bigint, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('table_id', 'text', (c) => c.notNull())
    .addColumn('columns', 'text', (c) => c.notNull())
    .addColumn('density', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_table_settings_pk', ['user_id', 'table_id'])
    .execute();
}
