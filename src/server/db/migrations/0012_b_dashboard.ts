import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

/**
 * The dashboard's aggregates read these partial indexes alone (every column they need is in the index), so
 * counting by status, summing revenue by month and counting deletions by reason stay fast at a million orders,
 * for a whole company and for one sales rep.
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema
    .createIndex('orders_confirmed_revenue')
    .on('orders')
    .columns(['confirmed_at', 'status', 'owner_id', 'total'])
    .where(sql<boolean>`deleted_at is null and confirmed_at is not null`)
    .execute();
  await db.schema.createIndex('orders_owner_status').on('orders').columns(['owner_id', 'status']).where(sql<boolean>`deleted_at is null`).execute();
  await db.schema.createIndex('orders_deleted_reason').on('orders').columns(['deleted_at', 'delete_reason', 'owner_id']).where(sql<boolean>`deleted_at is not null`).execute();
}
