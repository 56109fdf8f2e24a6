import type { CreateRoleInput, RoleView, UpdateRoleInput } from '../../../contracts/roles.js';
import type { Ctx } from '../../db/context.js';
import { orConflict } from '../../db/unique-violation.js';
import type { Actor } from '../../platform/actor.js';
import { recordAudit } from '../../platform/audit.js';
import { assertSteppedUp } from '../auth/step-up.service.js';
import { nowIso } from '../../platform/clock.js';
import { AppError, notFound } from '../../platform/errors.js';

/** "orders.read" and "orders.read:own" together mean "orders.read": keep the widest, drop the rest. */
function normalizeGrants(grants: string[]): string[] {
  const set = new Set(grants);
  return [...set].filter((g) => !(g.endsWith(':own') && set.has(g.slice(0, -4)))).sort();
}

export async function listRoles(ctx: Ctx): Promise<RoleView[]> {
  const roles = await ctx.kysely.selectFrom('roles').selectAll().orderBy('builtin', 'desc').orderBy('name').execute();
  const counts = await ctx.kysely
    .selectFrom('user_roles')
    .select((eb) => ['role_id', eb.fn.countAll<number>().as('n')])
    .groupBy('role_id')
    .execute();
  return roles.map((r) => ({
    id: String(r.id),
    name: r.name,
    description: r.description,
    builtin: r.builtin === 1,
    grants: JSON.parse(r.grants) as string[],
    userCount: Number(counts.find((c) => c.role_id === r.id)?.n ?? 0),
  }));
}

async function getRole(ctx: Ctx, id: number): Promise<RoleView> {
  const role = (await listRoles(ctx)).find((r) => r.id === String(id));
  if (!role) throw notFound('Role');
  return role;
}

export async function createRole(ctx: Ctx, actor: Actor, input: CreateRoleInput): Promise<RoleView> {
  const nameTaken = () => new AppError('conflict', `A role named ${input.name} exists`, { errors: [{ field: 'name', message: 'is taken' }] });
  const id = await orConflict(ctx.kysely.transaction().execute(async (trx) => {
    const taken = await trx.selectFrom('roles').select('id').where('name', '=', input.name).executeTakeFirst();
    if (taken) throw nameTaken();
    const now = nowIso();
    const grants = normalizeGrants(input.grants);
    // Granting permissions is a role change like assigning one (SPEC §5 step-up); an empty role grants nothing.
    if (grants.length > 0) await assertSteppedUp(trx, actor);
    const { id } = await trx
      .insertInto('roles')
      .values({ name: input.name, description: input.description ?? null, builtin: 0, grants: JSON.stringify(grants), created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, ctx.dialect, actor, { action: 'role.create', entityType: 'role', entityId: id, entityLabel: input.name, diff: { grants } });
    return id;
  }), nameTaken);
  return getRole(ctx, id);
}

/** Built-in roles are the contract of SPEC §2: they can be read and assigned, not redefined. */
export async function updateRole(ctx: Ctx, actor: Actor, id: number, input: UpdateRoleInput): Promise<RoleView> {
  await ctx.kysely.transaction().execute(async (trx) => {
    const role = await trx.selectFrom('roles').selectAll().where('id', '=', id).executeTakeFirst();
    if (!role) throw notFound('Role');
    if (role.builtin) throw new AppError('conflict', `${role.name} is a built-in role and cannot be changed; create a custom role instead`);
    const before = JSON.parse(role.grants) as string[];
    const grants = input.grants ? normalizeGrants(input.grants) : before;
    // Every holder's permissions change with the grants: a step-up, as for changing a user's roles. A new
    // description alone changes nobody's access.
    if (JSON.stringify([...grants].sort()) !== JSON.stringify([...before].sort())) await assertSteppedUp(trx, actor);
    await trx
      .updateTable('roles')
      .set({ grants: JSON.stringify(grants), ...(input.description !== undefined ? { description: input.description || null } : {}), updated_at: nowIso() })
      .where('id', '=', id)
      .execute();
    await recordAudit(trx, ctx.dialect, actor, {
      action: 'role.update',
      entityType: 'role',
      entityId: id,
      entityLabel: role.name,
      diff: { grants: { from: before, to: grants }, ...(input.description !== undefined ? { description: { from: role.description, to: input.description || null } } : {}) },
    });
  });
  return getRole(ctx, id);
}

export async function deleteRole(ctx: Ctx, actor: Actor, id: number): Promise<void> {
  await ctx.kysely.transaction().execute(async (trx) => {
    const role = await trx.selectFrom('roles').selectAll().where('id', '=', id).executeTakeFirst();
    if (!role) throw notFound('Role');
    if (role.builtin) throw new AppError('conflict', `${role.name} is a built-in role and cannot be deleted`);
    const holders = await trx.selectFrom('user_roles').select('user_id').where('role_id', '=', id).execute();
    if (holders.length) throw new AppError('conflict', `${holders.length} user(s) hold ${role.name}; take it from them first`);
    if ((JSON.parse(role.grants) as string[]).length > 0) await assertSteppedUp(trx, actor);
    await trx.deleteFrom('roles').where('id', '=', id).execute();
    await recordAudit(trx, ctx.dialect, actor, { action: 'role.delete', entityType: 'role', entityId: id, entityLabel: role.name, diff: { grants: JSON.parse(role.grants) as unknown } });
  });
}
