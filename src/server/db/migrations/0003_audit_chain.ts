import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

/**
 * No two entries may name the same predecessor: the audit chain cannot fork, whatever a writer does wrong
 * (a missing lock, a stale snapshot). A forked write fails and rolls back with the change it records.
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema.createIndex('audit_log_prev_hash').on('audit_log').column('prev_hash').unique().execute();
}
