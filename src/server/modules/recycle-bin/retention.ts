import type { Kysely } from 'kysely';
import type { RetentionSetting } from '../../../contracts/deletion.js';
import type { Ctx } from '../../db/context.js';
import type { DB } from '../../db/schema.js';
import { requirePermission, type Actor } from '../../platform/actor.js';
import { recordAudit } from '../../platform/audit.js';
import { nowIso } from '../../platform/clock.js';
import { getSettings, RETENTION_KEY } from '../settings/settings.service.js';

/**
 * The old single retention figure (GET|PUT /api/settings/retention), kept for its clients. Retention is now set per
 * status in the settings; reading answers the shortest of them (an order stays restorable at least that long),
 * and writing sets all three. A change applies to deletions made after it.
 */
export async function getRetentionDays(db: Kysely<DB>): Promise<number> {
  const { retention } = await getSettings(db);
  return Math.min(retention.draft, retention.cancelled, retention.confirmed);
}

export async function setRetentionDays(ctx: Ctx, actor: Actor, input: RetentionSetting): Promise<RetentionSetting> {
  requirePermission(actor, 'settings.manage');
  return ctx.kysely.transaction().execute(async (trx) => {
    const before = (await getSettings(trx)).retention;
    const now = nowIso();
    await trx
      .insertInto('settings')
      .values({ key: RETENTION_KEY, value: String(input.days), updated_at: now })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(input.days), updated_at: now }))
      .execute();
    // This route sets one figure for every status: a per-status retention made in the settings page gives way to it.
    await trx.deleteFrom('settings').where('key', '=', 'policy.retention').execute();
    const after = { draft: input.days, cancelled: input.days, confirmed: input.days };
    await recordAudit(trx, ctx.dialect, actor, { action: 'settings.update', entityType: 'setting', entityId: 'policies', entityLabel: 'Settings', diff: { retention: { from: before, to: after } } });
    return { days: input.days };
  });
}
