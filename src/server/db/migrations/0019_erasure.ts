import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

/**
 * Personal-data erasure (issue 14, crypto-shredding). Each customer gets a data key the first time an audit entry
 * seals one of their personal values; erasure sets the key to NULL and stamps `erased_at`, which makes every value
 * sealed with it unreadable while the hash chain over the ciphertext stays intact. The row stays as the record
 * that the customer was erased (a restore re-applies erasures from it). `customers.erased_at` marks the
 * customer itself; admins get `customers.erase` (written out, not read from the catalogue, like 0009).
 */
export async function up(db: Kysely<unknown>, { bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('customer_keys')
    .addColumn('customer_id', bigint, (c) => c.primaryKey())
    .addColumn('data_key', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('erased_at', 'text')
    .addColumn('erased_by', bigint)
    .execute();
  await db.schema.alterTable('customers').addColumn('erased_at', 'text').execute();
  const kysely = db as Kysely<{ roles: { id: number; name: string; builtin: number; grants: string } }>;
  const admin = await kysely.selectFrom('roles').select(['id', 'grants']).where('builtin', '=', 1).where('name', '=', 'admin').executeTakeFirst();
  if (!admin) return;
  const grants = JSON.parse(admin.grants) as string[];
  if (grants.includes('customers.erase')) return;
  await kysely.updateTable('roles').set({ grants: JSON.stringify([...grants, 'customers.erase']) }).where('id', '=', admin.id).execute();
}
