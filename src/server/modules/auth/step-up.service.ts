import type { Kysely } from 'kysely';
import { STEP_UP_WINDOW_MS, type StepUpResult } from '../../../contracts/governance.js';
import type { Ctx } from '../../db/context.js';
import type { DB } from '../../db/schema.js';
import type { Actor } from '../../platform/actor.js';
import { recordAudit } from '../../platform/audit.js';
import { isoPlus, nowIso } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';
import { countFailedLogin, type LoginPolicy } from './auth.service.js';
import { verifyPassword } from './passwords.js';

/**
 * Step-up re-authentication (SPEC §5): before an irreversible or wide-reaching command (purge, deleting more than
 * 100 orders, changing someone's roles) the user types their password again. The confirmation is remembered on
 * the session or API token the request came with, for five minutes; signing in does not count, so a stolen
 * session cookie alone cannot purge. A wrong password counts toward the account lockout like a failed sign-in.
 */

const stepUpRequired = () =>
  new AppError('forbidden', 'This action needs your password confirmed within the last 5 minutes: POST /api/auth/step-up {password}, then try again', {
    code: 'step-up-required',
  });

async function steppedUpAt(db: Kysely<DB>, credential: NonNullable<Actor['credential']>): Promise<string | null> {
  const row =
    credential.kind === 'session'
      ? await db.selectFrom('sessions').select('stepped_up_at').where('id', '=', credential.id).executeTakeFirst()
      : await db.selectFrom('api_tokens').select('stepped_up_at').where('id', '=', Number(credential.id)).executeTakeFirst();
  return row?.stepped_up_at ?? null;
}

/** 403 `step-up-required` unless the caller confirmed their password within the window. Jobs act without one. */
export async function assertSteppedUp(db: Kysely<DB>, actor: Actor, now: string = nowIso()): Promise<void> {
  if (actor.type === 'system') return;
  if (!actor.credential) throw stepUpRequired();
  const at = await steppedUpAt(db, actor.credential);
  if (at === null || at <= isoPlus(now, -STEP_UP_WINDOW_MS) || at > now) throw stepUpRequired();
}

/** POST /api/auth/step-up. */
export async function stepUp(ctx: Ctx, actor: Actor, password: string, policy: LoginPolicy): Promise<StepUpResult> {
  if (actor.userId == null || !actor.credential) throw new AppError('forbidden', 'Only a signed-in user or a user’s API token can confirm a password');
  const user = await ctx.kysely.selectFrom('users').select(['id', 'username', 'password_hash', 'locked_until']).where('id', '=', actor.userId).executeTakeFirstOrThrow();
  const now = nowIso();
  const ok = await verifyPassword(user.password_hash, password);
  const locked = user.locked_until != null && user.locked_until > now;
  if (!ok || locked) {
    await ctx.kysely.transaction().execute(async (trx) => {
      const lockedUntil = !ok && !locked ? await countFailedLogin(trx, user.id, now, policy) : null;
      await recordAudit(trx, ctx.dialect, actor, {
        action: 'auth.step_up_failed',
        entityType: 'user',
        entityId: user.id,
        entityLabel: user.username,
        diff: { why: locked ? 'locked' : 'wrong_password', ...(lockedUntil ? { lockedUntil } : {}) },
      });
    });
    // A 400 on the field, not a 401: the user is still signed in, and the dialog shows the message under the password.
    throw new AppError('validation', 'password: wrong password, or the account is temporarily locked', {
      errors: [{ field: 'password', message: 'wrong password, or the account is temporarily locked', code: 'wrong_password' }],
    });
  }
  const credential = actor.credential;
  await ctx.kysely.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ failed_logins: 0 }).where('id', '=', user.id).execute();
    if (credential.kind === 'session') await trx.updateTable('sessions').set({ stepped_up_at: now }).where('id', '=', credential.id).execute();
    else await trx.updateTable('api_tokens').set({ stepped_up_at: now }).where('id', '=', Number(credential.id)).execute();
    await recordAudit(trx, ctx.dialect, actor, { action: 'auth.step_up', entityType: 'user', entityId: user.id, entityLabel: user.username });
  });
  return { validUntil: isoPlus(now, STEP_UP_WINDOW_MS) };
}
