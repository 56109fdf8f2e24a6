import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

// Written out rather than read from contracts/permissions.ts: a migration must do tomorrow what it does today.
const ADDED: Record<string, string[]> = {
  admin: ['cleanup.review', 'orders.hold', 'orders.approve', 'training.manage'],
  sales_manager: ['cleanup.review', 'orders.approve'],
  auditor: ['orders.hold'],
};

/**
 * The second wave's permissions (SPEC §5). Stored grants of built-in roles are never rewritten from code, so an
 * existing database gets each new permission where the built-in role now has it; custom roles are left as their
 * admins made them.
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  const kysely = db as Kysely<{ roles: { id: number; name: string; builtin: number; grants: string } }>;
  const roles = await kysely.selectFrom('roles').select(['id', 'name', 'builtin', 'grants']).where('builtin', '=', 1).execute();
  for (const role of roles) {
    const wanted = ADDED[role.name] ?? [];
    const grants = JSON.parse(role.grants) as string[];
    const missing = wanted.filter((grant) => !grants.includes(grant));
    if (missing.length === 0) continue;
    await kysely
      .updateTable('roles')
      .set({ grants: JSON.stringify([...grants, ...missing]) })
      .where('id', '=', role.id)
      .execute();
  }
}
