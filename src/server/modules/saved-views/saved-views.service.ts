import type { Kysely, Transaction } from 'kysely';
import {
  ORDER_FILTER_KEYS,
  type CreateSavedViewInput,
  type OrderViewFilters,
  type SavedViewFilterParams,
  type SavedViewList,
  type SavedViewPage,
  type SavedViewView,
  type UpdateSavedViewInput,
} from '../../../contracts/saved-views.js';
import type { Ctx } from '../../db/context.js';
import type { DB } from '../../db/schema.js';
import { orConflict } from '../../db/unique-violation.js';
import type { Actor } from '../../platform/actor.js';
import { diffFields, recordAudit } from '../../platform/audit.js';
import { nowIso } from '../../platform/clock.js';
import { AppError, notFound } from '../../platform/errors.js';

/**
 * Saved views are only filters: applying one runs the list with the caller's own record scope, so a view shared
 * with sales reps never shows a rep more than their own orders. Who may change a view: its owner, or an admin
 * (whoever holds `users.manage`). Sharing with a role needs holding that role, or being an admin, so nobody
 * puts views in front of a team they are not part of.
 */

const isAdmin = (actor: Actor) => actor.permissions['users.manage'] !== undefined;

function userIdOf(actor: Actor): number {
  if (actor.userId == null) throw new AppError('forbidden', 'Only a user has saved views');
  return actor.userId;
}

const nameTaken = (name: string) => new AppError('conflict', `You already have a view named ${name} on this list`, { errors: [{ field: 'name', message: 'is taken' }] });

/** The parsed filters back in the list's query-string spelling; empty values are left out. */
export function toFilterParams(filters: OrderViewFilters): SavedViewFilterParams {
  const params: SavedViewFilterParams = {};
  for (const key of ORDER_FILTER_KEYS) {
    const value = filters[key];
    if (Array.isArray(value)) {
      if (value.length) params[key] = value.join(',');
    } else if (value !== undefined && value !== '') params[key] = value;
  }
  return params;
}

async function roleIdsOf(db: Kysely<DB>, userId: number): Promise<number[]> {
  return (await db.selectFrom('user_roles').select('role_id').where('user_id', '=', userId).execute()).map((r) => r.role_id);
}

/** Checks the caller may share with `roleId`; null (private) always passes. */
async function checkSharing(trx: Transaction<DB>, actor: Actor, userId: number, roleId: string | null | undefined): Promise<number | null> {
  if (roleId == null) return null;
  const id = Number(roleId);
  const role = await trx.selectFrom('roles').select('id').where('id', '=', id).executeTakeFirst();
  if (!role) throw new AppError('validation', 'roleId: no such role', { errors: [{ field: 'roleId', message: 'no such role' }] });
  if (!isAdmin(actor) && !(await roleIdsOf(trx, userId)).includes(id)) {
    throw new AppError('forbidden', 'A view can be shared only with a role you hold', { errors: [{ field: 'roleId', message: 'is not one of your roles' }] });
  }
  return id;
}

function baseQuery(db: Kysely<DB>) {
  return db
    .selectFrom('saved_views')
    .innerJoin('users', 'users.id', 'saved_views.owner_id')
    .leftJoin('roles', 'roles.id', 'saved_views.role_id')
    .select([
      'saved_views.id',
      'saved_views.owner_id',
      'saved_views.page',
      'saved_views.name',
      'saved_views.filters',
      'saved_views.role_id',
      'saved_views.created_at',
      'saved_views.updated_at',
      'users.username',
      'users.display_name',
      'roles.name as role_name',
    ]);
}
type ViewRow = Awaited<ReturnType<ReturnType<typeof baseQuery>['executeTakeFirstOrThrow']>>;

function toView(row: ViewRow, actor: Actor): SavedViewView {
  const stored = JSON.parse(row.filters) as Record<string, unknown>;
  const filters: SavedViewFilterParams = {};
  for (const key of ORDER_FILTER_KEYS) if (typeof stored[key] === 'string') filters[key] = stored[key];
  const mine = row.owner_id === actor.userId;
  return {
    id: String(row.id),
    name: row.name,
    page: row.page as SavedViewPage,
    filters,
    shared: { roleId: row.role_id == null || row.role_name == null ? null : String(row.role_id), roleName: row.role_name ?? null },
    ownerId: String(row.owner_id),
    owner: { id: String(row.owner_id), displayName: row.display_name ?? row.username },
    mine,
    editable: mine || isAdmin(actor),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The caller's own views of `page`, then those shared with one of their roles, each group by name. */
export async function listSavedViews(ctx: Ctx, actor: Actor, page: SavedViewPage): Promise<SavedViewList> {
  const userId = userIdOf(actor);
  const roleIds = await roleIdsOf(ctx.kysely, userId);
  const rows = await baseQuery(ctx.kysely)
    .where('saved_views.page', '=', page)
    .where((eb) => eb.or([eb('saved_views.owner_id', '=', userId), ...(roleIds.length ? [eb('saved_views.role_id', 'in', roleIds)] : [])]))
    .orderBy('saved_views.name')
    .orderBy('saved_views.id')
    .execute();
  const views = rows.map((r) => toView(r, actor));
  const roles = await ctx.kysely
    .selectFrom('roles')
    .select(['id', 'name'])
    .$if(!isAdmin(actor), (q) => q.where('id', 'in', roleIds.length ? roleIds : [-1]))
    .orderBy('name')
    .execute();
  return {
    items: [...views.filter((v) => v.mine), ...views.filter((v) => !v.mine)],
    shareableRoles: roles.map((r) => ({ id: String(r.id), name: r.name })),
  };
}

export async function createSavedView(ctx: Ctx, actor: Actor, input: CreateSavedViewInput): Promise<SavedViewView> {
  const userId = userIdOf(actor);
  const id = await orConflict(
    ctx.kysely.transaction().execute(async (trx) => {
      const roleId = await checkSharing(trx, actor, userId, input.roleId);
      const taken = await trx.selectFrom('saved_views').select('id').where('owner_id', '=', userId).where('page', '=', input.page).where('name', '=', input.name).executeTakeFirst();
      if (taken) throw nameTaken(input.name);
      const now = nowIso();
      const filters = toFilterParams(input.filters);
      const row = await trx
        .insertInto('saved_views')
        .values({ owner_id: userId, page: input.page, name: input.name, filters: JSON.stringify(filters), role_id: roleId, created_at: now, updated_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      await recordAudit(trx, ctx.dialect, actor, { action: 'saved_view.create', entityType: 'saved_view', entityId: row.id, entityLabel: input.name, diff: { page: input.page, filters, roleId } });
      return row.id;
    }),
    () => nameTaken(input.name),
  );
  return readView(ctx, actor, id);
}

async function readView(ctx: Ctx, actor: Actor, id: number): Promise<SavedViewView> {
  return toView(await baseQuery(ctx.kysely).where('saved_views.id', '=', id).executeTakeFirstOrThrow(), actor);
}

/**
 * The view, locked for change by the caller: a view the caller cannot even see is a 404, one they see (shared
 * with their role) but do not own is a 403, unless they are an admin.
 */
async function viewToChange(trx: Transaction<DB>, actor: Actor, userId: number, id: number) {
  const row = await trx.selectFrom('saved_views').selectAll().where('id', '=', id).executeTakeFirst();
  if (row && (row.owner_id === userId || isAdmin(actor))) return row;
  if (row && row.role_id != null && (await roleIdsOf(trx, userId)).includes(row.role_id)) {
    throw new AppError('forbidden', 'Only the owner of a view or an admin may change it');
  }
  throw notFound('Saved view');
}

export async function updateSavedView(ctx: Ctx, actor: Actor, id: number, input: UpdateSavedViewInput): Promise<SavedViewView> {
  const userId = userIdOf(actor);
  const name = input.name;
  await orConflict(
    ctx.kysely.transaction().execute(async (trx) => {
      const before = await viewToChange(trx, actor, userId, id);
      const set: Partial<{ name: string; filters: string; role_id: number | null }> = {};
      if (name !== undefined && name !== before.name) {
        const taken = await trx.selectFrom('saved_views').select('id').where('owner_id', '=', before.owner_id).where('page', '=', before.page).where('name', '=', name).executeTakeFirst();
        if (taken) throw nameTaken(name);
        set.name = name;
      }
      if (input.filters !== undefined) set.filters = JSON.stringify(toFilterParams(input.filters));
      if (input.roleId !== undefined) set.role_id = await checkSharing(trx, actor, userId, input.roleId);
      await trx.updateTable('saved_views').set({ ...set, updated_at: nowIso() }).where('id', '=', id).execute();
      const shown = (v: { name: string; filters: string; role_id: number | null }) => ({ name: v.name, filters: JSON.parse(v.filters) as unknown, roleId: v.role_id });
      await recordAudit(trx, ctx.dialect, actor, { action: 'saved_view.update', entityType: 'saved_view', entityId: id, entityLabel: set.name ?? before.name, diff: diffFields(shown(before), shown({ ...before, ...set })) });
    }),
    () => nameTaken(name ?? ''),
  );
  return readView(ctx, actor, id);
}

export async function deleteSavedView(ctx: Ctx, actor: Actor, id: number): Promise<void> {
  const userId = userIdOf(actor);
  await ctx.kysely.transaction().execute(async (trx) => {
    const view = await viewToChange(trx, actor, userId, id);
    await trx.deleteFrom('saved_views').where('id', '=', id).execute();
    await recordAudit(trx, ctx.dialect, actor, { action: 'saved_view.delete', entityType: 'saved_view', entityId: id, entityLabel: view.name, diff: { page: view.page, filters: JSON.parse(view.filters) as unknown, roleId: view.role_id } });
  });
}
