import nodemailer, { type Transporter } from 'nodemailer';
import type { Ctx } from '../../db/context.js';
import { isoPlus, nowIso } from '../../platform/clock.js';
import { MAX_ATTEMPTS, retryDelayMs } from './retry-schedule.js';
import { languageOf, linkOf, renderNotification, type NotificationParams } from './notifications.text.js';

export interface EmailSendOptions {
  smtpUrl: string;
  from: string;
  publicUrl?: string;
  now?: () => string;
  random?: () => number;
  limit?: number;
}

const transports = new Map<string, Transporter>();
function transportFor(url: string): Transporter {
  let t = transports.get(url);
  if (!t) transports.set(url, (t = nodemailer.createTransport(url)));
  return t;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Subject, plain text and simple HTML of one e-mail, in the recipient's language. */
export function composeEmail(topic: string, params: NotificationParams, count: number, language: string | null, publicUrl?: string) {
  const lang = languageOf(language);
  const { title, body } = renderNotification(topic, params, count, lang);
  const path = linkOf(topic, params, count);
  const link = path && publicUrl ? `${publicUrl}${path}` : null;
  const open = lang === 'en' ? 'Open in Orderly' : '在 Orderly 中查看';
  const footer = lang === 'en' ? 'You receive this because of your notification preferences in Orderly.' : '你收到此邮件是因为你在 Orderly 中的通知设置。';
  const text = [title, body, link ? `${open}: ${link}` : '', '--', footer].filter(Boolean).join('\n\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif"><h2>${escapeHtml(title)}</h2>${body ? `<p>${escapeHtml(body)}</p>` : ''}${
    link ? `<p><a href="${escapeHtml(link)}">${escapeHtml(open)}</a></p>` : ''
  }<hr><p style="color:#888;font-size:12px">${escapeHtml(footer)}</p></body></html>`;
  return { subject: title, text, html };
}

/** Sends the due e-mails; a failure is retried on the webhook schedule, then `dead`. */
export async function sendDueEmails(ctx: Ctx, options: EmailSendOptions): Promise<{ attempted: number; sent: number }> {
  const now = (options.now ?? nowIso)();
  const due = await ctx.kysely
    .selectFrom('email_deliveries')
    .innerJoin('users', 'users.id', 'email_deliveries.user_id')
    .select(['email_deliveries.id', 'email_deliveries.topic', 'email_deliveries.params', 'email_deliveries.count', 'email_deliveries.attempts', 'users.email', 'users.language'])
    .where('email_deliveries.status', 'in', ['pending', 'failed'])
    .where('email_deliveries.next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('email_deliveries.locked_until', 'is', null), eb('email_deliveries.locked_until', '<=', now)]))
    .orderBy('email_deliveries.id')
    .limit(options.limit ?? 50)
    .execute();
  let attempted = 0;
  let sent = 0;
  for (const d of due) {
    const claimed = await ctx.kysely
      .updateTable('email_deliveries')
      .set({ locked_until: isoPlus(now, 120_000) })
      .where('id', '=', d.id)
      .where('attempts', '=', d.attempts)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) continue;
    attempted++;
    let error: string | null = null;
    if (!d.email) error = 'the user has no e-mail address';
    else {
      try {
        const mail = composeEmail(d.topic, JSON.parse(d.params) as NotificationParams, d.count, d.language, options.publicUrl);
        await transportFor(options.smtpUrl).sendMail({ from: options.from, to: d.email, ...mail, headers: { 'X-Orderly-Topic': d.topic } });
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
    }
    const attempts = d.attempts + 1;
    if (error === null) sent++;
    await ctx.kysely
      .updateTable('email_deliveries')
      .set({
        attempts,
        last_error: error?.slice(0, 1000) ?? null,
        status: error === null ? 'delivered' : attempts >= MAX_ATTEMPTS ? 'dead' : 'failed',
        next_attempt_at: error === null || attempts >= MAX_ATTEMPTS ? null : isoPlus(now, retryDelayMs(attempts, options.random)),
        sent_at: error === null ? nowIso() : null,
        locked_until: null,
      })
      .where('id', '=', d.id)
      .execute();
  }
  return { attempted, sent };
}
