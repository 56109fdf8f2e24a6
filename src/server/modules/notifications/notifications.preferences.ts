import type { Kysely } from 'kysely';
import { NOTIFICATION_TOPICS, type NotificationPreferences } from '../../../contracts/notifications.js';
import type { Ctx } from '../../db/context.js';
import type { DB } from '../../db/schema.js';

export interface Preference {
  inApp: boolean;
  email: boolean;
}

/**
 * What a user gets before choosing: everything that concerns them in the inbox except the routine "created";
 * e-mail only where someone waits on them (restore requests to approvers) or where money moved behind
 * finance's back (a deleted or restored receivable).
 */
export function defaultPreference(topic: string, departments: readonly string[]): Preference {
  const inApp = topic !== 'order.created';
  const email =
    topic === 'restore_request.created' ||
    topic === 'order.approval_requested' ||
    (departments.includes('finance') && (topic === 'order.deleted' || topic === 'order.restored'));
  return { inApp, email };
}

/** Preferences of many users at once, for the dispatcher: stored choices over the defaults of their departments. */
export async function preferencesOf(db: Kysely<DB>, userIds: number[]): Promise<(userId: number, topic: string) => Preference> {
  const stored = new Map<string, Preference>();
  const departments = new Map<number, string[]>();
  for (let i = 0; i < userIds.length; i += 500) {
    const chunk = userIds.slice(i, i + 500);
    for (const r of await db.selectFrom('notification_preferences').selectAll().where('user_id', 'in', chunk).execute()) {
      stored.set(`${r.user_id}|${r.topic}`, { inApp: r.in_app === 1, email: r.email === 1 });
    }
    for (const r of await db.selectFrom('user_departments').selectAll().where('user_id', 'in', chunk).execute()) {
      departments.set(r.user_id, [...(departments.get(r.user_id) ?? []), r.department]);
    }
  }
  return (userId, topic) => stored.get(`${userId}|${topic}`) ?? defaultPreference(topic, departments.get(userId) ?? []);
}

/** GET /api/me/notification-preferences: every topic, stored or default. */
export async function getPreferences(ctx: Ctx, userId: number): Promise<NotificationPreferences> {
  const lookup = await preferencesOf(ctx.kysely, [userId]);
  return { topics: Object.fromEntries(NOTIFICATION_TOPICS.map((t) => [t, lookup(userId, t)])) };
}

/** PUT /api/me/notification-preferences: the topics given replace their stored choice; others keep theirs. */
export async function putPreferences(ctx: Ctx, userId: number, input: NotificationPreferences): Promise<NotificationPreferences> {
  const rows = Object.entries(input.topics)
    .filter((e): e is [string, Preference] => e[1] !== undefined)
    .map(([topic, p]) => ({ user_id: userId, topic, in_app: p.inApp ? 1 : 0, email: p.email ? 1 : 0 }));
  if (rows.length > 0) {
    await ctx.kysely.transaction().execute(async (trx) => {
      await trx
        .insertInto('notification_preferences')
        .values(rows)
        .onConflict((oc) => oc.columns(['user_id', 'topic']).doUpdateSet((eb) => ({ in_app: eb.ref('excluded.in_app'), email: eb.ref('excluded.email') })))
        .execute();
    });
  }
  return getPreferences(ctx, userId);
}
