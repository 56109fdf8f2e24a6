import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

/**
 * Governance (SPEC §5): the legal hold on orders, the moment a session or an API token last confirmed its
 * password (step-up), and purge requests awaiting a second administrator.
 */
export async function up(db: Kysely<unknown>, { id, bigint }: MigrationContext): Promise<void> {
  await db.schema.alterTable('orders').addColumn('hold_reason', 'text').execute();
  await db.schema.alterTable('orders').addColumn('held_at', 'text').execute();
  await db.schema.alterTable('orders').addColumn('held_by', bigint).execute();
  // Holds are few: deletion and the purge job look them up among the orders they are about to touch.
  await db.schema.createIndex('orders_held').on('orders').columns(['held_at', 'id']).where(sql<boolean>`held_at is not null`).execute();

  await db.schema.alterTable('sessions').addColumn('stepped_up_at', 'text').execute();
  await db.schema.alterTable('api_tokens').addColumn('stepped_up_at', 'text').execute();

  await db.schema
    .createTable('purge_requests')
    .addColumn('id', bigint, id)
    .addColumn('requester_id', bigint, (c) => c.notNull().references('users.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('decided_by', bigint, (c) => c.references('users.id'))
    .addColumn('decided_at', 'text')
    .addColumn('decision_note', 'text')
    .execute();
  await db.schema.createIndex('purge_requests_status').on('purge_requests').columns(['status', 'id']).execute();
  // No foreign key to orders: the request outlives the orders it purged.
  await db.schema
    .createTable('purge_request_orders')
    .addColumn('request_id', bigint, (c) => c.notNull().references('purge_requests.id').onDelete('cascade'))
    .addColumn('order_id', bigint, (c) => c.notNull())
    .addColumn('number', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('purge_request_orders_pk', ['request_id', 'order_id'])
    .execute();
}
