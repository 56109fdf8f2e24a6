import type { MarkReadInput, NotificationList } from '../../../contracts/notifications.js';
import type { Ctx } from '../../db/context.js';
import { nowIso } from '../../platform/clock.js';
import { notificationSignals, UNREAD_CHANGED } from './notifications.signal.js';
import { linkOf, renderNotification, type Language, type NotificationParams } from './notifications.text.js';

export async function unreadCount(ctx: Ctx, userId: number): Promise<number> {
  const row = await ctx.kysely.selectFrom('notifications').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('read_at', 'is', null).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** GET /api/notifications: newest first, rendered in the reader's language. */
export async function listNotifications(ctx: Ctx, userId: number, language: Language, query: { unread?: 'true' | 'false'; cursor?: string; limit: number }): Promise<NotificationList> {
  const rows = await ctx.kysely
    .selectFrom('notifications')
    .selectAll()
    .where('user_id', '=', userId)
    .$if(query.unread === 'true', (qb) => qb.where('read_at', 'is', null))
    .$if(query.cursor !== undefined, (qb) => qb.where('id', '<', Number(query.cursor)))
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  return {
    items: page.map((r) => {
      const params = JSON.parse(r.params) as NotificationParams;
      return { id: String(r.id), topic: r.topic, ...renderNotification(r.topic, params, r.count, language), link: linkOf(r.topic, params, r.count), count: r.count, createdAt: r.created_at, readAt: r.read_at };
    }),
    nextCursor: rows.length > query.limit ? String(page[page.length - 1].id) : null,
    unread: await unreadCount(ctx, userId),
  };
}

/** POST /api/notifications/read: only the caller's own notifications; ids of others are ignored, not revealed. */
export async function markRead(ctx: Ctx, userId: number, input: MarkReadInput): Promise<{ updated: number; unread: number }> {
  const now = nowIso();
  const result = await ctx.kysely.transaction().execute((trx) =>
    trx
      .updateTable('notifications')
      .set({ read_at: now })
      .where('user_id', '=', userId)
      .where('read_at', 'is', null)
      .$if(input.ids !== undefined, (qb) => qb.where('id', 'in', (input.ids ?? []).map(Number)))
      .executeTakeFirst(),
  );
  notificationSignals.emit(UNREAD_CHANGED, [userId]);
  return { updated: Number(result.numUpdatedRows), unread: await unreadCount(ctx, userId) };
}

/** The reader's language: their saved choice, else what the browser asks for, else Chinese. */
export async function readerLanguage(ctx: Ctx, userId: number | null, acceptLanguage: string | undefined): Promise<Language> {
  const saved = userId === null ? undefined : (await ctx.kysely.selectFrom('users').select('language').where('id', '=', userId).executeTakeFirst())?.language;
  const wanted = saved ?? acceptLanguage?.split(',')[0]?.trim();
  return wanted && wanted.toLowerCase().startsWith('en') ? 'en' : 'zh-CN';
}
