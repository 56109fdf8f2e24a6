import type { Transaction } from 'kysely';
import { fromMinor, toMinor } from '../../../contracts/common.js';
import type { ApprovalRequestResult } from '../../../contracts/governance.js';
import type { Ctx } from '../../db/context.js';
import type { DB, OrderRow } from '../../db/schema.js';
import { ownerFilter, requirePermission, scopeOf, type Actor } from '../../platform/actor.js';
import { recordAudit } from '../../platform/audit.js';
import { nowIso } from '../../platform/clock.js';
import { AppError, notFound, type FieldError } from '../../platform/errors.js';
import { publish } from '../../platform/outbox.js';
import { getSettings } from '../settings/settings.service.js';

/**
 * The standard order process (SPEC §5): orders at or above `approvalThreshold` are confirmed by someone holding
 * `orders.approve`, and an order's customer must have every field of `requiredCustomerFields`. Both read the
 * settings inside the caller's transaction, so a policy changed a moment ago applies at once.
 */

/** What confirming `row` needs beyond `orders.update`: null when nothing, else the threshold it reaches. */
export async function approvalNeeded(trx: Transaction<DB>, row: Pick<OrderRow, 'total'>): Promise<string | null> {
  const { approvalThreshold } = await getSettings(trx);
  return approvalThreshold !== null && row.total >= toMinor(approvalThreshold) ? approvalThreshold : null;
}

/** Called by the confirm transition: 409 `approval-required` for a caller who may not approve. */
export async function assertMayConfirm(trx: Transaction<DB>, actor: Actor, row: Pick<OrderRow, 'number' | 'total'>): Promise<{ approvedAbove: string } | null> {
  const threshold = await approvalNeeded(trx, row);
  if (threshold === null) return null;
  if (!scopeOf(actor, 'orders.approve')) {
    throw new AppError(
      'conflict',
      `Order ${row.number} totals ${fromMinor(row.total)}, at or above the approval threshold ${threshold}: a sales manager confirms it; ask with POST /api/orders/:id/approval-request`,
      { code: 'approval-required', threshold },
    );
  }
  return { approvedAbove: threshold };
}

/** 400 naming each field the settings require that the customer lacks (`customer.phone`, `customer.email`). */
export async function assertCustomerComplete(trx: Transaction<DB>, customerId: number): Promise<void> {
  const { requiredCustomerFields } = await getSettings(trx);
  if (requiredCustomerFields.length === 0) return;
  const customer = await trx.selectFrom('customers').select(['phone', 'email']).where('id', '=', customerId).executeTakeFirst();
  if (!customer) return;
  const errors: FieldError[] = requiredCustomerFields
    .filter((field) => !customer[field]?.trim())
    .map((field) => ({ field: `customer.${field}`, message: `the customer has no ${field}, which company settings require for orders`, code: 'required_customer_field' }));
  if (errors.length) throw new AppError('validation', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
}

/** POST /api/orders/:id/approval-request: tells every holder of `orders.approve` (via the routing table). */
export async function requestApproval(ctx: Ctx, actor: Actor, id: number, note: string | undefined): Promise<ApprovalRequestResult> {
  requirePermission(actor, 'orders.update');
  return ctx.kysely.transaction().execute(async (trx) => {
    const readOwner = ownerFilter(actor, 'orders.read');
    let q = trx.selectFrom('orders').selectAll().where('id', '=', id).where('deleted_at', 'is', null);
    if (readOwner !== undefined) q = q.where('owner_id', '=', readOwner);
    const row = await q.executeTakeFirst();
    if (!row) throw notFound('Order');
    if (requirePermission(actor, 'orders.update') === 'own' && row.owner_id !== actor.userId) throw new AppError('forbidden', 'Missing permission orders.update for this order', { permission: 'orders.update' });
    if (row.status !== 'draft') throw new AppError('conflict', `Order ${row.number} is ${row.status}: only a draft waits for approval`, { code: 'invalid_transition', currentStatus: row.status });
    const threshold = await approvalNeeded(trx, row);
    if (threshold === null) throw new AppError('conflict', `Order ${row.number} is below the approval threshold: confirm it directly`, { code: 'invalid_transition' });
    const requestedAt = nowIso();
    await recordAudit(trx, ctx.dialect, actor, {
      action: 'order.approval_request',
      entityType: 'order',
      entityId: id,
      entityLabel: row.number,
      diff: { total: fromMinor(row.total), threshold },
      reason: note ?? null,
    });
    await publish(trx, [
      {
        topic: 'order.approval_requested',
        payload: { orderId: String(id), number: row.number, ownerId: String(row.owner_id), total: fromMinor(row.total), threshold, requestedBy: actor.userId == null ? null : String(actor.userId), note: note ?? null },
      },
    ]);
    return { orderId: String(id), number: row.number, requestedAt };
  });
}
