import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

/**
 * Notifications (SPEC §5): departments and membership, the per-recipient inbox, preferences, webhooks and
 * e-mails with their deliveries. Exactly-once delivery rests on the unique keys here: one receipt per
 * (event, recipient), one webhook delivery per (webhook, event), one inbox row and one e-mail per
 * (recipient, group) — a bulk operation's events share a group.
 */
export async function up(db: Kysely<unknown>, { id, bigint }: MigrationContext): Promise<void> {
  await db.schema.alterTable('users').addColumn('email', 'text').execute();
  await db.schema.alterTable('users').addColumn('language', 'text').execute();

  await db.schema
    .createTable('departments')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('name_zh', 'text', (c) => c.notNull())
    .addColumn('name_en', 'text', (c) => c.notNull())
    .addColumn('builtin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  const now = new Date().toISOString();
  await db
    .insertInto('departments' as never)
    .values([
      { code: 'sales', name_zh: '销售部', name_en: 'Sales', builtin: 1, created_at: now },
      { code: 'warehouse', name_zh: '仓库', name_en: 'Warehouse', builtin: 1, created_at: now },
      { code: 'finance', name_zh: '财务部', name_en: 'Finance', builtin: 1, created_at: now },
    ] as never)
    .execute();

  await db.schema
    .createTable('user_departments')
    .addColumn('user_id', bigint, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('department', 'text', (c) => c.notNull().references('departments.code').onDelete('cascade'))
    .addPrimaryKeyConstraint('user_departments_pk', ['user_id', 'department'])
    .execute();
  await db.schema.createIndex('user_departments_department').on('user_departments').columns(['department', 'user_id']).execute();

  await db.schema
    .createTable('notifications')
    .addColumn('id', bigint, id)
    .addColumn('user_id', bigint, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('group_key', 'text', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('read_at', 'text')
    .addUniqueConstraint('notifications_user_group', ['user_id', 'group_key'])
    .execute();
  await db.schema.createIndex('notifications_user').on('notifications').columns(['user_id', 'id']).execute();
  await db.schema.createIndex('notifications_unread').on('notifications').columns(['user_id', 'id']).where(sql<boolean>`read_at is null`).execute();

  // The proof that an event reached a recipient: the dispatcher counts only the receipts it inserted.
  await db.schema
    .createTable('notification_receipts')
    .addColumn('event_id', bigint, (c) => c.notNull())
    .addColumn('user_id', bigint, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_receipts_pk', ['event_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('notification_preferences')
    .addColumn('user_id', bigint, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('in_app', 'integer', (c) => c.notNull())
    .addColumn('email', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_preferences_pk', ['user_id', 'topic'])
    .execute();

  await db.schema
    .createTable('webhooks')
    .addColumn('id', bigint, id)
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('topics', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('created_by', bigint)
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', bigint, id)
    .addColumn('webhook_id', bigint, (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
    .addColumn('event_id', bigint, (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('next_attempt_at', 'text')
    .addColumn('locked_until', 'text')
    .addColumn('delivered_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('webhook_deliveries_event', ['webhook_id', 'event_id'])
    .execute();
  await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['next_attempt_at', 'id']).where(sql<boolean>`status in ('pending', 'failed')`).execute();
  await db.schema.createIndex('webhook_deliveries_webhook').on('webhook_deliveries').columns(['webhook_id', 'id']).execute();

  await db.schema
    .createTable('email_deliveries')
    .addColumn('id', bigint, id)
    .addColumn('user_id', bigint, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('group_key', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('next_attempt_at', 'text')
    .addColumn('locked_until', 'text')
    .addColumn('sent_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('email_deliveries_user_group', ['user_id', 'group_key'])
    .execute();
  await db.schema.createIndex('email_deliveries_due').on('email_deliveries').columns(['next_attempt_at', 'id']).where(sql<boolean>`status in ('pending', 'failed')`).execute();

  // The built-in admin holds every permission: existing databases gain the new one too.
  const admin = await sql<{ id: number; grants: string }>`select id, grants from roles where name = 'admin' and builtin = 1`.execute(db);
  for (const row of admin.rows) {
    const grants = JSON.parse(row.grants) as string[];
    if (!grants.includes('notifications.manage')) await sql`update roles set grants = ${JSON.stringify([...grants, 'notifications.manage'])} where id = ${row.id}`.execute(db);
  }
}
