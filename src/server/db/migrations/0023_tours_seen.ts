import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

/**
 * Which guided tours each user has seen (issue 15), kept on the server so the welcome tour starts on a user's
 * first sign-in on any browser and never again after, until the user resets it. A user's rows go with the user.
 */
export async function up(db: Kysely<unknown>, { bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('user_tours_seen')
    .addColumn('user_id', bigint, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('tour_id', 'text', (c) => c.notNull())
    .addColumn('seen_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_tours_seen_pk', ['user_id', 'tour_id'])
    .execute();
}
