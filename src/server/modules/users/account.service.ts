import { TOUR_IDS, type AccountView, type ChangePasswordInput, type TourId, type UpdateAccountInput } from '../../../contracts/account.js';
import type { Ctx } from '../../db/context.js';
import type { Actor } from '../../platform/actor.js';
import { diffFields, recordAudit } from '../../platform/audit.js';
import { nowIso } from '../../platform/clock.js';
import { AppError, invalid, notFound } from '../../platform/errors.js';
import { countFailedLogin, sha256, type LoginPolicy } from '../auth/auth.service.js';
import { hashPassword, verifyPassword } from '../auth/passwords.js';

function userIdOf(actor: Actor): number {
  if (actor.userId == null) throw new AppError('forbidden', 'Only a user has an account');
  return actor.userId;
}

async function readAccount(ctx: Ctx, id: number): Promise<AccountView> {
  const u = await ctx.kysely.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  if (!u) throw notFound('User');
  const seen = await ctx.kysely.selectFrom('user_tours_seen').select('tour_id').where('user_id', '=', id).orderBy('tour_id').execute();
  // A tour retired since it was seen is left out rather than break the reply's schema.
  const toursSeen = seen.map((r) => r.tour_id).filter((tour): tour is TourId => (TOUR_IDS as readonly string[]).includes(tour));
  return { id: String(u.id), username: u.username, displayName: u.display_name, email: u.email, language: u.language, timeZone: u.time_zone, mustChangePassword: u.must_change_password === 1, toursSeen };
}

export const getAccount = (ctx: Ctx, actor: Actor) => readAccount(ctx, userIdOf(actor));

/** The user's own display name, language and time zone; audited like an admin's change to the user. */
export async function updateAccount(ctx: Ctx, actor: Actor, input: UpdateAccountInput): Promise<AccountView> {
  const id = userIdOf(actor);
  await ctx.kysely.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('users').select(['username', 'display_name', 'language', 'time_zone']).where('id', '=', id).executeTakeFirstOrThrow();
    const set = {
      ...(input.displayName !== undefined ? { display_name: input.displayName || null } : {}),
      ...(input.language !== undefined ? { language: input.language } : {}),
      ...(input.timeZone !== undefined ? { time_zone: input.timeZone } : {}),
    };
    await trx.updateTable('users').set({ ...set, updated_at: nowIso() }).where('id', '=', id).execute();
    const shown = (u: { display_name: string | null; language: string | null; time_zone: string | null }) => ({ displayName: u.display_name, language: u.language, timeZone: u.time_zone });
    await recordAudit(trx, ctx.dialect, actor, { action: 'account.update', entityType: 'user', entityId: id, entityLabel: before.username, diff: diffFields(shown(before), shown({ ...before, ...set })) });
  });
  return readAccount(ctx, id);
}

function tourOf(tourId: string): TourId {
  if (!(TOUR_IDS as readonly string[]).includes(tourId)) throw invalid('tourId', `there is no tour ${tourId} (there are ${TOUR_IDS.join(', ')})`);
  return tourId as TourId;
}

/** PUT /api/me/tours/:tourId: the tour will not start by itself again for this user, on any browser (a preference, so not audited). */
export async function markTourSeen(ctx: Ctx, actor: Actor, tourId: string): Promise<void> {
  const tour = tourOf(tourId);
  const userId = userIdOf(actor);
  await ctx.kysely.transaction().execute(async (trx) => {
    await trx
      .insertInto('user_tours_seen')
      .values({ user_id: userId, tour_id: tour, seen_at: nowIso() })
      .onConflict((oc) => oc.columns(['user_id', 'tour_id']).doNothing())
      .execute();
  });
}

/** DELETE /api/me/tours/:tourId: forgets that the user saw the tour, so it starts by itself again at their next sign-in. */
export async function resetTour(ctx: Ctx, actor: Actor, tourId: string): Promise<void> {
  const tour = tourOf(tourId);
  const userId = userIdOf(actor);
  await ctx.kysely.transaction().execute(async (trx) => {
    await trx.deleteFrom('user_tours_seen').where('user_id', '=', userId).where('tour_id', '=', tour).execute();
  });
}

/**
 * A new password, proven by the current one. A wrong current password counts toward the account lockout exactly
 * like a failed sign-in (a stolen session must not become a free password-guessing oracle), and a locked account
 * is refused even the right one. Every other session of the user ends in the same transaction (a session someone
 * else may hold is exactly what a password change is for); the one making the change stays signed in. Through
 * an API token there is no "this session", so every session ends.
 */
export async function changePassword(ctx: Ctx, actor: Actor, input: ChangePasswordInput, currentSession: string | null, policy: LoginPolicy): Promise<{ endedSessions: number }> {
  const id = userIdOf(actor);
  const user = await ctx.kysely.selectFrom('users').select(['username', 'password_hash', 'locked_until']).where('id', '=', id).executeTakeFirstOrThrow();
  const now = nowIso();
  const ok = await verifyPassword(user.password_hash, input.current);
  const locked = user.locked_until != null && user.locked_until > now;
  if (!ok || locked) {
    await ctx.kysely.transaction().execute(async (trx) => {
      const lockedUntil = !ok && !locked ? await countFailedLogin(trx, id, now, policy) : null;
      await recordAudit(trx, ctx.dialect, actor, {
        action: 'account.password_change_failed',
        entityType: 'user',
        entityId: id,
        entityLabel: user.username,
        diff: { why: locked ? 'locked' : 'wrong_password', ...(lockedUntil ? { lockedUntil } : {}) },
      });
    });
    throw invalid('current', locked ? 'the account is temporarily locked' : 'is not your current password');
  }
  const passwordHash = await hashPassword(input.next);
  return ctx.kysely.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ password_hash: passwordHash, must_change_password: 0, failed_logins: 0, locked_until: null, updated_at: nowIso() }).where('id', '=', id).execute();
    let others = trx.deleteFrom('sessions').where('user_id', '=', id);
    if (currentSession) others = others.where('id', '<>', sha256(currentSession));
    const ended = Number((await others.executeTakeFirst()).numDeletedRows);
    await recordAudit(trx, ctx.dialect, actor, { action: 'account.password_change', entityType: 'user', entityId: id, entityLabel: user.username, diff: { endedSessions: ended } });
    return { endedSessions: ended };
  });
}
