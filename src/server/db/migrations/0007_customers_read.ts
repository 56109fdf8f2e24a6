import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

const GRANTED_BUILTIN = ['admin', 'sales_manager', 'warehouse', 'finance', 'auditor'];

/**
 * `customers.read` (SPEC §5) now guards the contact details of every customer. A new database gets it with the
 * built-in roles; an existing one must not take the details away from those who had them: every built-in role
 * but sales_rep gets it, and so does any custom role that reads every order (it already sees every customer's
 * orders). Custom roles limited to their own orders stay limited, as the built-in sales rep is.
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  const kysely = db as Kysely<{ roles: { id: number; name: string; builtin: number; grants: string } }>;
  const roles = await kysely.selectFrom('roles').select(['id', 'name', 'builtin', 'grants']).execute();
  for (const role of roles) {
    const grants = JSON.parse(role.grants) as string[];
    const wanted = role.builtin ? GRANTED_BUILTIN.includes(role.name) : grants.includes('orders.read');
    if (!wanted || grants.includes('customers.read')) continue;
    await kysely
      .updateTable('roles')
      .set({ grants: JSON.stringify([...grants, 'customers.read']) })
      .where('id', '=', role.id)
      .execute();
  }
}
