import type { Kysely, Transaction } from 'kysely';
import type { CreateDepartmentInput, DepartmentView } from '../../../contracts/notifications.js';
import type { Ctx } from '../../db/context.js';
import type { DB } from '../../db/schema.js';
import type { Actor } from '../../platform/actor.js';
import { recordAudit } from '../../platform/audit.js';
import { nowIso } from '../../platform/clock.js';
import { AppError, invalid } from '../../platform/errors.js';

export async function listDepartments(ctx: Ctx): Promise<DepartmentView[]> {
  const rows = await ctx.kysely
    .selectFrom('departments')
    .leftJoin('user_departments', 'user_departments.department', 'departments.code')
    .select(['departments.code', 'departments.name_zh', 'departments.name_en', 'departments.builtin', (eb) => eb.fn.count<number>('user_departments.user_id').as('members')])
    .groupBy(['departments.code', 'departments.name_zh', 'departments.name_en', 'departments.builtin'])
    .orderBy('departments.builtin', 'desc')
    .orderBy('departments.code')
    .execute();
  return rows.map((r) => ({ code: r.code, nameZh: r.name_zh, nameEn: r.name_en, builtin: r.builtin === 1, members: Number(r.members) }));
}

export async function createDepartment(ctx: Ctx, actor: Actor, input: CreateDepartmentInput): Promise<DepartmentView> {
  await ctx.kysely.transaction().execute(async (trx) => {
    const taken = await trx.selectFrom('departments').select('code').where('code', '=', input.code).executeTakeFirst();
    if (taken) throw new AppError('conflict', `Department ${input.code} exists`, { errors: [{ field: 'code', message: 'is taken' }] });
    await trx.insertInto('departments').values({ code: input.code, name_zh: input.nameZh, name_en: input.nameEn, builtin: 0, created_at: nowIso() }).execute();
    await recordAudit(trx, ctx.dialect, actor, { action: 'department.create', entityType: 'department', entityId: null, entityLabel: input.code, diff: input });
  });
  return (await listDepartments(ctx)).find((d) => d.code === input.code)!;
}

export async function departmentsOfUsers(db: Kysely<DB>, userIds: number[]): Promise<Map<number, string[]>> {
  const map = new Map<number, string[]>();
  if (userIds.length === 0) return map;
  const rows = await db.selectFrom('user_departments').selectAll().where('user_id', 'in', userIds).orderBy('department').execute();
  for (const r of rows) map.set(r.user_id, [...(map.get(r.user_id) ?? []), r.department]);
  return map;
}

/** Replaces a user's departments inside the caller's transaction; unknown codes are a 400 naming the field. */
export async function setUserDepartments(trx: Transaction<DB>, userId: number, departments: string[]): Promise<void> {
  const wanted = [...new Set(departments)];
  if (wanted.length > 0) {
    const known = new Set((await trx.selectFrom('departments').select('code').where('code', 'in', wanted).execute()).map((r) => r.code));
    const unknown = wanted.filter((d) => !known.has(d));
    if (unknown.length > 0) throw invalid('departments', `unknown department: ${unknown.join(', ')}`);
  }
  await trx.deleteFrom('user_departments').where('user_id', '=', userId).execute();
  if (wanted.length > 0) await trx.insertInto('user_departments').values(wanted.map((department) => ({ user_id: userId, department }))).execute();
}

/** Where a new user with these roles belongs until an admin says otherwise. */
export function defaultDepartmentsOf(roles: string[]): string[] {
  const out = new Set<string>();
  for (const r of roles) {
    if (r === 'sales_manager' || r === 'sales_rep') out.add('sales');
    if (r === 'warehouse') out.add('warehouse');
    if (r === 'finance') out.add('finance');
  }
  return [...out];
}
