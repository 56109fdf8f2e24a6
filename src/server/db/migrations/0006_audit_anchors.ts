import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

/**
 * Audit chain, second version.
 * - `hash_version`: entries written before this migration keep verifying with the encoding they were hashed
 *   with (1); new entries use encoding 2, which tells NULL from '' and hashes canonicalised text.
 * - `audit_checkpoints`: the chain head, noted (and signed with ORDERLY_AUDIT_SIGNING_KEY when set) from time
 *   to time, so deleting the newest entries or re-chaining behind a checkpoint is detected.
 */
export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  await db.schema.alterTable('audit_log').addColumn('hash_version', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await db.schema
    .createTable('audit_checkpoints')
    .addColumn('id', ctx.bigint, ctx.id)
    .addColumn('entry_id', ctx.bigint, (c) => c.notNull())
    .addColumn('head_hash', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('signature', 'text')
    .addColumn('key_id', 'text')
    .execute();
  await db.schema.createIndex('audit_checkpoints_entry').on('audit_checkpoints').column('entry_id').execute();
}
