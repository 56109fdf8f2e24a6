import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

export async function up(db: Kysely<unknown>, { id, bigint, text }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', bigint, id)
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('display_name', 'text')
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('roles')
    .addColumn('id', bigint, id)
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text')
    .addColumn('builtin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('grants', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('user_roles')
    .addColumn('user_id', bigint, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role_id', bigint, (c) => c.notNull().references('roles.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('user_roles_pk', ['user_id', 'role_id'])
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', bigint, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', bigint, id)
    .addColumn('user_id', bigint, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();

  await db.schema
    .createTable('customers')
    .addColumn('id', bigint, id)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull())
    .addColumn('phone', 'text')
    .addColumn('email', 'text')
    .addColumn('note', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('customers_name_key').on('customers').column('name_key').execute();

  await db.schema
    .createTable('products')
    .addColumn('id', bigint, id)
    .addColumn('sku', text, (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull())
    .addColumn('price', bigint, (c) => c.notNull())
    .addColumn('on_hand', bigint, (c) => c.notNull().defaultTo(0))
    .addColumn('reserved', bigint, (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addCheckConstraint('products_reserved_le_on_hand', sql`reserved >= 0 and reserved <= on_hand`)
    .execute();

  await db.schema
    .createTable('orders')
    .addColumn('id', bigint, id)
    .addColumn('number', text, (c) => c.notNull().unique())
    .addColumn('customer_id', bigint, (c) => c.notNull().references('customers.id'))
    .addColumn('owner_id', bigint, (c) => c.notNull().references('users.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('total', bigint, (c) => c.notNull())
    .addColumn('paid', bigint, (c) => c.notNull().defaultTo(0))
    .addColumn('note', 'text')
    .addColumn('signature', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'text')
    .addColumn('shipped_at', 'text')
    .addColumn('completed_at', 'text')
    .addColumn('cancelled_at', 'text')
    .addColumn('deleted_at', 'text')
    .addColumn('deleted_by', bigint)
    .addColumn('delete_reason', 'text')
    .addColumn('delete_note', 'text')
    .addColumn('delete_batch_id', 'text')
    .addColumn('purge_after', 'text')
    .execute();
  // Lists only ever show live orders, so every list index is partial: deleted rows cost them nothing.
  // Each ends in id, the keyset tie-breaker.
  const live = sql<boolean>`deleted_at is null`;
  const listIndexes: Array<[string, string[]]> = [
    ['orders_created', ['created_at', 'id']],
    ['orders_status_created', ['status', 'created_at', 'id']],
    ['orders_owner_created', ['owner_id', 'created_at', 'id']],
    ['orders_customer_created', ['customer_id', 'created_at', 'id']],
    ['orders_total', ['total', 'id']],
    ['orders_status_total', ['status', 'total', 'id']],
  ];
  for (const [name, columns] of listIndexes) {
    await db.schema.createIndex(name).on('orders').columns(columns).where(live).execute();
  }
  await db.schema.createIndex('orders_deleted').on('orders').columns(['deleted_at', 'id']).where(sql<boolean>`deleted_at is not null`).execute();

  await db.schema
    .createTable('order_items')
    .addColumn('id', bigint, id)
    .addColumn('order_id', bigint, (c) => c.notNull().references('orders.id').onDelete('cascade'))
    .addColumn('line_no', 'integer', (c) => c.notNull())
    .addColumn('product_id', bigint, (c) => c.notNull().references('products.id'))
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('quantity', bigint, (c) => c.notNull())
    .addColumn('unit_price', bigint, (c) => c.notNull())
    .addColumn('line_total', bigint, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('order_items_order').on('order_items').columns(['order_id', 'line_no']).execute();
  await db.schema.createIndex('order_items_product').on('order_items').column('product_id').execute();

  await db.schema
    .createTable('sequences')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', bigint, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('stock_movements')
    .addColumn('id', bigint, id)
    .addColumn('product_id', bigint, (c) => c.notNull().references('products.id'))
    .addColumn('order_id', bigint)
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('on_hand_delta', bigint, (c) => c.notNull())
    .addColumn('reserved_delta', bigint, (c) => c.notNull())
    .addColumn('reverses_id', bigint, (c) => c.references('stock_movements.id'))
    .addColumn('reason', 'text')
    .addColumn('actor_id', bigint)
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('stock_movements_product').on('stock_movements').columns(['product_id', 'id']).execute();
  await db.schema.createIndex('stock_movements_order').on('stock_movements').columns(['order_id', 'id']).execute();

  await db.schema
    .createTable('ledger_entries')
    .addColumn('id', bigint, id)
    .addColumn('order_id', bigint, (c) => c.notNull())
    .addColumn('customer_id', bigint, (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('amount', bigint, (c) => c.notNull())
    .addColumn('reverses_id', bigint, (c) => c.references('ledger_entries.id'))
    .addColumn('note', 'text')
    .addColumn('actor_id', bigint)
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ledger_entries_order').on('ledger_entries').columns(['order_id', 'id']).execute();
  await db.schema.createIndex('ledger_entries_customer').on('ledger_entries').columns(['customer_id', 'id']).execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', bigint, id)
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', bigint)
    .addColumn('actor_name', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text')
    .addColumn('entity_label', 'text')
    .addColumn('diff', 'text')
    .addColumn('reason', 'text')
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('request_id', 'text')
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .execute();
  await db.schema.createIndex('audit_entity').on('audit_log').columns(['entity_type', 'entity_id', 'id']).execute();
  await db.schema.createIndex('audit_actor').on('audit_log').columns(['actor_id', 'id']).execute();
  await db.schema.createIndex('audit_at').on('audit_log').columns(['at', 'id']).execute();

  await db.schema
    .createTable('outbox')
    .addColumn('id', bigint, id)
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('available_at', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('delivered_at', 'text')
    .addColumn('last_error', 'text')
    .execute();
  await db.schema.createIndex('outbox_pending').on('outbox').columns(['available_at', 'id']).where(sql<boolean>`delivered_at is null`).execute();

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}
