import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { CreateUserInput, UpdateUserInput, UserView } from '../../../contracts/users.js';
import type { Ctx } from '../../db/context.js';
import type { DB } from '../../db/schema.js';
import { orConflict } from '../../db/unique-violation.js';
import { systemActor, type Actor } from '../../platform/actor.js';
import { recordAudit } from '../../platform/audit.js';
import { nowIso } from '../../platform/clock.js';
import { AppError, invalid, notFound } from '../../platform/errors.js';
import { hashPassword } from '../auth/passwords.js';
import { defaultDepartmentsOf, departmentsOfUsers, setUserDepartments } from '../notifications/departments.service.js';
import { ensureBuiltinRoles, rolesOfUsers } from './roles.queries.js';
import { assertSteppedUp } from '../auth/step-up.service.js';

async function roleIdsByName(db: Kysely<DB>, names: string[]): Promise<number[]> {
  const rows = await db.selectFrom('roles').select(['id', 'name']).where('name', 'in', names).execute();
  const unknown = names.filter((n) => !rows.some((r) => r.name === n));
  if (unknown.length > 0) throw invalid('roles', `unknown role: ${unknown.join(', ')}`);
  return rows.map((r) => r.id);
}

/**
 * Two admins demoting each other at once would each still see the other as admin and both succeed. Writing
 * the admin role's row makes such changes take turns (a row lock on PostgreSQL; SQLite runs one writer at a
 * time anyway), and each statement after it sees what the previous change committed.
 */
async function lockAdminRole(trx: Transaction<DB>): Promise<void> {
  await trx.updateTable('roles').set((eb) => ({ updated_at: eb.ref('updated_at') })).where('name', '=', 'admin').execute();
}

/** Enabled users holding the built-in admin role (the last one may not be disabled or demoted; two mean four-eyes purge). */
export async function countEnabledAdmins(db: Kysely<DB>): Promise<number> {
  const { n } = await db
    .selectFrom('users')
    .innerJoin('user_roles', 'user_roles.user_id', 'users.id')
    .innerJoin('roles', 'roles.id', 'user_roles.role_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('roles.name', '=', 'admin')
    .where('users.disabled', '=', 0)
    .executeTakeFirstOrThrow();
  return Number(n);
}

export async function listUsers(ctx: Ctx): Promise<UserView[]> {
  const users = await ctx.kysely.selectFrom('users').selectAll().orderBy('username').execute();
  const roles = await rolesOfUsers(ctx.kysely, users.map((u) => u.id));
  const departments = await departmentsOfUsers(ctx.kysely, users.map((u) => u.id));
  return users.map((u) => ({
    id: String(u.id),
    username: u.username,
    displayName: u.display_name,
    roles: (roles.get(u.id) ?? []).map((r) => r.name),
    disabled: u.disabled === 1,
    createdAt: u.created_at,
    departments: departments.get(u.id) ?? [],
    email: u.email,
    language: u.language,
    mustChangePassword: u.must_change_password === 1,
  }));
}

export async function getUser(ctx: Ctx, id: number): Promise<UserView> {
  const user = (await listUsers(ctx)).find((u) => u.id === String(id));
  if (!user) throw notFound('User');
  return user;
}

export async function createUser(ctx: Ctx, actor: Actor, input: CreateUserInput): Promise<UserView> {
  const passwordHash = await hashPassword(input.password);
  const usernameTaken = () => new AppError('conflict', `Username ${input.username} is taken`, { errors: [{ field: 'username', message: 'is taken' }] });
  const id = await orConflict(ctx.kysely.transaction().execute(async (trx) => {
    const taken = await trx.selectFrom('users').select('id').where('username', '=', input.username).executeTakeFirst();
    if (taken) throw usernameTaken();
    const roleIds = await roleIdsByName(trx, input.roles);
    const now = nowIso();
    const { id } = await trx
      .insertInto('users')
      .values({ username: input.username, display_name: input.displayName ?? null, password_hash: passwordHash, disabled: 0, failed_logins: 0, created_at: now, updated_at: now, email: input.email ?? null, language: input.language ?? null })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.insertInto('user_roles').values(roleIds.map((role_id) => ({ user_id: id, role_id }))).execute();
    await setUserDepartments(trx, id, input.departments ?? defaultDepartmentsOf(input.roles));
    await recordAudit(trx, ctx.dialect, actor, {
      action: 'user.create',
      entityType: 'user',
      entityId: id,
      entityLabel: input.username,
      diff: { username: input.username, displayName: input.displayName ?? null, roles: input.roles },
    });
    return id;
  }), usernameTaken);
  return getUser(ctx, id);
}

export async function updateUser(ctx: Ctx, actor: Actor, id: number, input: UpdateUserInput): Promise<UserView> {
  const before = await getUser(ctx, id);
  // Changing who holds which role is a step-up action (SPEC §5); restating the same roles is not a change.
  const rolesChange = input.roles !== undefined && [...new Set(input.roles)].sort().join() !== [...before.roles].sort().join();
  if (rolesChange) await assertSteppedUp(ctx.kysely, actor);
  const passwordHash = input.password ? await hashPassword(input.password) : undefined;
  const mayRemoveAnAdmin = before.roles.includes('admin') && !before.disabled && (input.disabled === true || (input.roles !== undefined && !input.roles.includes('admin')));
  await ctx.kysely.transaction().execute(async (trx) => {
    const now = nowIso();
    if (mayRemoveAnAdmin) await lockAdminRole(trx);
    await trx
      .updateTable('users')
      .set({
        updated_at: now,
        ...(input.displayName !== undefined ? { display_name: input.displayName ?? null } : {}),
        ...(input.disabled !== undefined ? { disabled: input.disabled ? 1 : 0 } : {}),
        ...(input.email !== undefined ? { email: input.email } : {}),
        ...(input.language !== undefined ? { language: input.language } : {}),
        // A password reset by an admin also lifts a lockout.
        ...(passwordHash ? { password_hash: passwordHash, failed_logins: 0, locked_until: null } : {}),
        ...(input.mustChangePassword !== undefined ? { must_change_password: input.mustChangePassword ? 1 : 0 } : {}),
      })
      .where('id', '=', id)
      .execute();
    if (input.roles) {
      const roleIds = await roleIdsByName(trx, input.roles);
      await trx.deleteFrom('user_roles').where('user_id', '=', id).execute();
      await trx.insertInto('user_roles').values(roleIds.map((role_id) => ({ user_id: id, role_id }))).execute();
    }
    if (mayRemoveAnAdmin && (await countEnabledAdmins(trx)) === 0) {
      throw new AppError('conflict', `${before.username} is the last enabled admin; make another user admin first`, { code: 'last_admin' });
    }
    if (input.departments) await setUserDepartments(trx, id, input.departments);
    // Disabling or a new password ends every open session of that user at once.
    // So does a forced reset: the user signs in again and is sent to choose a new password.
    if (input.disabled || passwordHash || input.mustChangePassword) await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
    const diff: Record<string, unknown> = {};
    if (input.displayName !== undefined) diff.displayName = { from: before.displayName, to: input.displayName ?? null };
    if (input.roles) diff.roles = { from: before.roles, to: input.roles };
    if (input.disabled !== undefined) diff.disabled = { from: before.disabled, to: input.disabled };
    if (passwordHash) diff.password = 'reset';
    if (input.mustChangePassword !== undefined) diff.mustChangePassword = { from: before.mustChangePassword, to: input.mustChangePassword };
    if (input.departments) diff.departments = { from: before.departments, to: [...new Set(input.departments)].sort() };
    if (input.email !== undefined) diff.email = { from: before.email, to: input.email };
    if (input.language !== undefined) diff.language = { from: before.language, to: input.language };
    await recordAudit(trx, ctx.dialect, actor, { action: 'user.update', entityType: 'user', entityId: id, entityLabel: before.username, diff });
  });
  return getUser(ctx, id);
}

/**
 * First start: the built-in roles and the `admin` user. Returns the generated password when none was
 * configured, so the caller can print it once.
 */
export async function bootstrap(ctx: Ctx, adminPassword: string | undefined): Promise<{ createdAdmin: boolean; generatedPassword?: string }> {
  await ensureBuiltinRoles(ctx.kysely);
  const admin = await ctx.kysely.selectFrom('users').select('id').where('username', '=', 'admin').executeTakeFirst();
  if (admin) return { createdAdmin: false };
  const generated = adminPassword ? undefined : randomBytes(12).toString('base64url');
  const password = adminPassword ?? generated!;
  const passwordHash = await hashPassword(password);
  await ctx.kysely.transaction().execute(async (trx) => {
    const now = nowIso();
    const { id } = await trx
      .insertInto('users')
      .values({ username: 'admin', display_name: 'Administrator', password_hash: passwordHash, disabled: 0, failed_logins: 0, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('username').doNothing())
      .returning('id')
      .executeTakeFirstOrThrow();
    const role = await trx.selectFrom('roles').select('id').where('name', '=', 'admin').executeTakeFirstOrThrow();
    await trx.insertInto('user_roles').values({ user_id: id, role_id: role.id }).execute();
    await recordAudit(trx, ctx.dialect, systemActor('bootstrap'), {
      action: 'user.create',
      entityType: 'user',
      entityId: id,
      entityLabel: 'admin',
      diff: { username: 'admin', roles: ['admin'] },
    });
  });
  return { createdAdmin: true, generatedPassword: generated };
}
