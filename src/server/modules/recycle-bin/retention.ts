import type { Kysely } from 'kysely';
import { DEFAULT_RETENTION_DAYS, RetentionSetting } from '../../../contracts/deletion.js';
import type { Ctx } from '../../db/context.js';
import type { DB } from '../../db/schema.js';
import { requirePermission, type Actor } from '../../platform/actor.js';
import { recordAudit } from '../../platform/audit.js';
import { nowIso } from '../../platform/clock.js';

/** How many days a deleted order stays in the recycle bin. A change applies to deletions made after it. */
export const RETENTION_KEY = 'retention_days';

export async function getRetentionDays(db: Kysely<DB>): Promise<number> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', RETENTION_KEY).executeTakeFirst();
  const parsed = RetentionSetting.safeParse({ days: Number(row?.value) });
  return parsed.success ? parsed.data.days : DEFAULT_RETENTION_DAYS;
}

export async function setRetentionDays(ctx: Ctx, actor: Actor, input: RetentionSetting): Promise<RetentionSetting> {
  requirePermission(actor, 'settings.manage');
  return ctx.kysely.transaction().execute(async (trx) => {
    const before = await getRetentionDays(trx);
    const now = nowIso();
    await trx
      .insertInto('settings')
      .values({ key: RETENTION_KEY, value: String(input.days), updated_at: now })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(input.days), updated_at: now }))
      .execute();
    // This route sets one figure for every status: a per-status retention made in the settings page gives way to it.
    await trx.deleteFrom('settings').where('key', '=', 'policy.retention').execute();
    await recordAudit(trx, ctx.dialect, actor, { action: 'settings.update', entityType: 'setting', entityId: RETENTION_KEY, entityLabel: 'Recycle bin retention (days)', diff: { days: { from: before, to: input.days } } });
    return { days: input.days };
  });
}
