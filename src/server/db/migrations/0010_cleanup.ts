import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

/**
 * Periodic review and cleanup, and data-quality runs (SPEC §1.8, §5). A review freezes its candidates with the
 * version each had, so approval can leave out whatever changed since. The two order indexes serve the rules'
 * "untouched for N days" match and the duplicate check, both partial like every list index.
 */
export async function up(db: Kysely<unknown>, { id, bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('cleanup_rules')
    .addColumn('id', bigint, id)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('match', 'text', (c) => c.notNull())
    .addColumn('schedule', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('grace_days', 'integer', (c) => c.notNull())
    // Occurrences are counted from here: creating or rescheduling a rule never fires for the past.
    .addColumn('schedule_from', 'text', (c) => c.notNull())
    // The last schedule occurrence a review was opened for; the compare-and-set on it makes a tick fire once.
    .addColumn('last_occurrence', 'text')
    .addColumn('last_run_at', 'text')
    .addColumn('created_by', bigint)
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('cleanup_reviews')
    .addColumn('id', bigint, id)
    .addColumn('rule_id', bigint, (c) => c.references('cleanup_rules.id').onDelete('set null'))
    .addColumn('rule_name', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'text', (c) => c.notNull())
    .addColumn('opened_by', bigint)
    .addColumn('execute_after', 'text', (c) => c.notNull())
    .addColumn('candidate_count', 'integer', (c) => c.notNull())
    .addColumn('truncated', 'integer', (c) => c.notNull())
    .addColumn('decided_at', 'text')
    .addColumn('decided_by', bigint)
    .addColumn('note', 'text')
    .addColumn('batch_id', 'text')
    .execute();
  await db.schema.createIndex('cleanup_reviews_status').on('cleanup_reviews').columns(['status', 'id']).execute();

  await db.schema
    .createTable('cleanup_candidates')
    .addColumn('review_id', bigint, (c) => c.notNull().references('cleanup_reviews.id').onDelete('cascade'))
    // No foreign key: a purged order's candidate row stays as the record of what the review saw.
    .addColumn('order_id', bigint, (c) => c.notNull())
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('total', bigint, (c) => c.notNull())
    .addColumn('customer_id', bigint, (c) => c.notNull())
    .addColumn('customer_name', 'text', (c) => c.notNull())
    .addColumn('owner_id', bigint, (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('why', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text')
    .addPrimaryKeyConstraint('cleanup_candidates_pk', ['review_id', 'order_id'])
    .execute();

  await db.schema
    .createTable('data_quality_runs')
    .addColumn('id', bigint, id)
    .addColumn('checked_at', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('actor_id', bigint)
    .addColumn('results', 'text', (c) => c.notNull())
    .execute();

  const live = sql<boolean>`deleted_at is null`;
  await db.schema.createIndex('orders_status_updated').on('orders').columns(['status', 'updated_at', 'id']).where(live).execute();
  await db.schema.createIndex('orders_signature_created').on('orders').columns(['signature', 'created_at', 'id']).where(live).execute();
}
