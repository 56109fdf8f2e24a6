import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

/** Safe deletion: idempotency keys, restore requests, the job lease table, and indexes for the recycle bin. */
export async function up(db: Kysely<unknown>, { id, bigint }: MigrationContext): Promise<void> {
  // One stored response per (caller, key): the primary key is what makes a repeat run at most once.
  await db.schema
    .createTable('idempotency_keys')
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status', 'integer')
    .addColumn('response', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['owner', 'key'])
    .execute();
  await db.schema.createIndex('idempotency_keys_expires').on('idempotency_keys').column('expires_at').execute();

  await db.schema
    .createTable('restore_requests')
    .addColumn('id', bigint, id)
    .addColumn('requester_id', bigint, (c) => c.notNull().references('users.id'))
    .addColumn('note', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('decided_by', bigint, (c) => c.references('users.id'))
    .addColumn('decided_at', 'text')
    .addColumn('decision_note', 'text')
    .execute();
  await db.schema.createIndex('restore_requests_status').on('restore_requests').columns(['status', 'id']).execute();
  await db.schema.createIndex('restore_requests_requester').on('restore_requests').columns(['requester_id', 'id']).execute();

  // No foreign key to orders: a request outlives the purge of the orders it asked for.
  await db.schema
    .createTable('restore_request_orders')
    .addColumn('request_id', bigint, (c) => c.notNull().references('restore_requests.id').onDelete('cascade'))
    .addColumn('order_id', bigint, (c) => c.notNull())
    .addColumn('number', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('restore_request_orders_pk', ['request_id', 'order_id'])
    .execute();

  await db.schema
    .createTable('jobs')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('last_started_at', 'text')
    .addColumn('last_finished_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('runs', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  // The recycle bin and the purge job only ever look at deleted rows, so these indexes skip live ones.
  const deleted = sql<boolean>`deleted_at is not null`;
  await db.schema.createIndex('orders_deleted_batch').on('orders').columns(['delete_batch_id', 'id']).where(deleted).execute();
  await db.schema.createIndex('orders_deleted_purge').on('orders').columns(['purge_after', 'id']).where(deleted).execute();
  await db.schema.createIndex('orders_deleted_owner').on('orders').columns(['owner_id', 'deleted_at', 'id']).where(deleted).execute();
}
