import type { HoldResult } from '../../../contracts/governance.js';
import type { Ctx } from '../../db/context.js';
import { lockRows } from '../../db/claim.js';
import { requirePermission, type Actor } from '../../platform/actor.js';
import { recordAudit } from '../../platform/audit.js';
import { nowIso } from '../../platform/clock.js';
import { notFound } from '../../platform/errors.js';

/**
 * Legal hold (SPEC §5): a held order — live or in the recycle bin — is blocked in every deletion path with
 * blocker `legal_hold` (deletion.service.ts, recycle-bin.service.ts, the purge job), and its recycle-bin countdown
 * stops. Releasing a deleted order restarts the countdown where it stood: `purge_after` moves on by the time held.
 */

async function viewOf(ctx: Ctx, id: number): Promise<HoldResult> {
  const row = await ctx.kysely
    .selectFrom('orders as o')
    .leftJoin('users as u', 'u.id', 'o.held_by')
    .select(['o.id', 'o.number', 'o.hold_reason', 'o.held_at', 'o.held_by', 'u.username', 'u.display_name'])
    .where('o.id', '=', id)
    .executeTakeFirstOrThrow();
  return {
    id: String(row.id),
    number: row.number,
    legalHold:
      row.held_at == null
        ? null
        : { reason: row.hold_reason ?? '', heldAt: row.held_at, heldBy: row.held_by == null ? null : { id: String(row.held_by), name: row.display_name ?? row.username ?? `user ${row.held_by}` } },
  };
}

/** POST /api/orders/:id/hold. Holding a held order again replaces the reason (audited as a change). */
export async function holdOrder(ctx: Ctx, actor: Actor, id: number, reason: string): Promise<HoldResult> {
  requirePermission(actor, 'orders.hold');
  await ctx.kysely.transaction().execute(async (trx) => {
    const row = await lockRows(trx.selectFrom('orders').select(['id', 'number', 'hold_reason', 'held_at']).where('id', '=', id), ctx.dialect).executeTakeFirst();
    if (!row) throw notFound('Order');
    const now = nowIso();
    await trx
      .updateTable('orders')
      .set({ hold_reason: reason, held_at: row.held_at ?? now, held_by: actor.userId })
      .where('id', '=', id)
      .execute();
    await recordAudit(trx, ctx.dialect, actor, {
      action: 'order.hold',
      entityType: 'order',
      entityId: id,
      entityLabel: row.number,
      diff: { legalHold: { from: row.held_at ? { reason: row.hold_reason } : null, to: { reason } } },
      reason,
    });
  });
  return viewOf(ctx, id);
}

/** DELETE /api/orders/:id/hold. Releasing an order that is not held changes nothing and records nothing. */
export async function releaseHold(ctx: Ctx, actor: Actor, id: number): Promise<HoldResult> {
  requirePermission(actor, 'orders.hold');
  await ctx.kysely.transaction().execute(async (trx) => {
    const row = await lockRows(trx.selectFrom('orders').select(['id', 'number', 'hold_reason', 'held_at', 'deleted_at', 'purge_after']).where('id', '=', id), ctx.dialect).executeTakeFirst();
    if (!row) throw notFound('Order');
    if (row.held_at == null) return;
    const now = nowIso();
    // The countdown stood still while held: the bin keeps the order as long as it had left when the hold began.
    const purgeAfter = row.deleted_at != null && row.purge_after != null ? new Date(Date.parse(row.purge_after) + Math.max(0, Date.parse(now) - Date.parse(row.held_at))).toISOString() : row.purge_after;
    await trx.updateTable('orders').set({ hold_reason: null, held_at: null, held_by: null, purge_after: purgeAfter }).where('id', '=', id).execute();
    await recordAudit(trx, ctx.dialect, actor, {
      action: 'order.release_hold',
      entityType: 'order',
      entityId: id,
      entityLabel: row.number,
      diff: { legalHold: { from: { reason: row.hold_reason, heldAt: row.held_at }, to: null }, ...(purgeAfter !== row.purge_after ? { purgeAfter: { from: row.purge_after, to: purgeAfter } } : {}) },
    });
  });
  return viewOf(ctx, id);
}
