import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

/**
 * Saved views (issue 18): named list filters, the owner's own or shared with everyone holding one role. A view
 * goes with its owner or its role; a name is unique per owner and list, so "My drafts" means one thing.
 */
export async function up(db: Kysely<unknown>, { id, bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('saved_views')
    .addColumn('id', bigint, id)
    .addColumn('owner_id', bigint, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('page', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    // JSON of the filters as the list's query string spells them.
    .addColumn('filters', 'text', (c) => c.notNull())
    .addColumn('role_id', bigint, (c) => c.references('roles.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('saved_views_owner_page_name').on('saved_views').columns(['owner_id', 'page', 'name']).unique().execute();
  await db.schema.createIndex('saved_views_role_page').on('saved_views').columns(['role_id', 'page']).execute();
}
