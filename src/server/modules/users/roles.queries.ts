import type { Kysely } from 'kysely';
import { BUILTIN_ROLES, BUILTIN_ROLE_GRANTS, mergeGrants, type PermissionMap } from '../../../contracts/permissions.js';
import type { DB } from '../../db/schema.js';
import { nowIso } from '../../platform/clock.js';

export async function ensureBuiltinRoles(db: Kysely<DB>): Promise<void> {
  const existing = new Set((await db.selectFrom('roles').select('name').execute()).map((r) => r.name));
  const now = nowIso();
  const missing = BUILTIN_ROLES.filter((name) => !existing.has(name));
  if (missing.length === 0) return;
  await db
    .insertInto('roles')
    .values(missing.map((name) => ({ name, builtin: 1, grants: JSON.stringify(BUILTIN_ROLE_GRANTS[name]), description: null, created_at: now, updated_at: now })))
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
}

export async function rolesOfUsers(db: Kysely<DB>, userIds: number[]): Promise<Map<number, Array<{ name: string; grants: string }>>> {
  const map = new Map<number, Array<{ name: string; grants: string }>>();
  if (userIds.length === 0) return map;
  const rows = await db
    .selectFrom('user_roles')
    .innerJoin('roles', 'roles.id', 'user_roles.role_id')
    .select(['user_roles.user_id', 'roles.name', 'roles.grants'])
    .where('user_roles.user_id', 'in', userIds)
    .orderBy('roles.name')
    .execute();
  for (const r of rows) {
    const list = map.get(r.user_id) ?? [];
    list.push({ name: r.name, grants: r.grants });
    map.set(r.user_id, list);
  }
  return map;
}

export async function accessOf(db: Kysely<DB>, userId: number): Promise<{ roles: string[]; permissions: PermissionMap }> {
  const roles = (await rolesOfUsers(db, [userId])).get(userId) ?? [];
  return {
    roles: roles.map((r) => r.name),
    permissions: mergeGrants(roles.flatMap((r) => JSON.parse(r.grants) as string[])),
  };
}
