import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { fromMinor } from '../../../contracts/common.js';
import {
  MAX_DELETE_BY_FILTER,
  PREVIEW_TTL_MS,
  type Blocker,
  type DeleteOrdersInput,
  type DeletePreview,
  type DeletePreviewInput,
  type DeleteReason,
  type DeleteResult,
  type DeletionFilter,
  type Department,
  type PreviewOrder,
} from '../../../contracts/deletion.js';
import type { OrderStatus } from '../../../contracts/orders.js';
import type { Ctx } from '../../db/context.js';
import { lockRows } from '../../db/claim.js';
import { dialectOf, type Dialect } from '../../db/connect.js';
import type { DB } from '../../db/schema.js';
import { ownerFilter, requirePermission, scopeOf, type Actor } from '../../platform/actor.js';
import { recordAudit } from '../../platform/audit.js';
import { isoPlus, nowIso } from '../../platform/clock.js';
import { AppError, invalid } from '../../platform/errors.js';
import { claimIdempotencyKey, storeIdempotentResponse, type IdempotencyClaim } from '../../platform/idempotency.js';
import { publish } from '../../platform/outbox.js';
import { filteredOrders } from '../orders/orders.queries.js';
import { getRetention } from '../settings/settings.service.js';
import { assertSteppedUp } from '../auth/step-up.service.js';
import { STEP_UP_DELETION_THRESHOLD } from '../../../contracts/governance.js';
import { inIdSet, isSetForIds } from '../../db/row-sets.js';
import { heldStock, openReceivables, releaseStock, reversalsByOrder, reverseReceivables } from '../journals/journals.service.js';
import { departmentsOfOrderChange } from '../notifications/notifications.routing.js';
import { orderSetHash, previewSecret, readPreviewToken, signPreviewToken, type PreviewClaims } from './preview-token.js';
import { assertTrainedForDeletion } from '../training/training.service.js';

/** The columns deletion decides on. */
export interface TargetRow {
  id: number;
  number: string;
  status: string;
  total: number;
  paid: number;
  version: number;
  owner_id: number;
  customer_id: number;
  held_at: string | null;
}

type Target = { ids?: string[]; filter?: DeletionFilter };
const TARGET_COLUMNS = ['o.id', 'o.number', 'o.status', 'o.total', 'o.paid', 'o.version', 'o.owner_id', 'o.customer_id', 'o.held_at'] as const;
const DAY_MS = 86_400_000;

/** Raised inside the write transaction when the orders differ from the preview; answered after rollback. */
class StalePreview extends Error {}

/**
 * Orders out of the caller's deletion scope do not exist for them (SPEC §2): a sales rep deleting with
 * `orders.delete:own` sees only their own orders, whatever `orders.read` says.
 */
function deletionScope(actor: Actor): { ownerId?: number } {
  const readOwner = ownerFilter(actor, 'orders.read');
  const deleteScope = requirePermission(actor, 'orders.delete');
  return { ownerId: deleteScope === 'own' ? (actor.userId ?? -1) : readOwner };
}

/**
 * The live orders a request names, in its caller's scope; a 404 naming any id that is not there. With
 * `lockOn` (the dialect) the rows are locked in id order where the database takes row locks, so concurrent deletions of overlapping sets queue
 * instead of deadlocking (SQLite has a single writer and needs no row locks).
 */
export async function loadTarget(db: Kysely<DB>, actor: Actor, target: Target, options: { lockOn?: Dialect } = {}): Promise<TargetRow[]> {
  const scope = deletionScope(actor);
  const { lockOn } = options;
  if (target.ids) {
    const ids = [...target.ids.map(Number)].sort((a, b) => a - b);
    // The ids as one parameter: the statement's text is the same for any number of them, and neither database
    // parses and plans a list of a thousand values on every preview and deletion.
    let q = db.selectFrom('orders as o').select(TARGET_COLUMNS).where(inIdSet(dialectOf(db), 'o.id', ids)).where('o.deleted_at', 'is', null).orderBy('o.id');
    if (scope.ownerId !== undefined) q = q.where('o.owner_id', '=', scope.ownerId);
    const rows: TargetRow[] = await (lockOn ? lockRows(q, lockOn) : q).execute();
    const found = new Set(rows.map((r) => r.id));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) {
      throw new AppError('not_found', `Order${missing.length > 1 ? 's' : ''} not found: ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ' …' : ''}`, {
        missing: missing.map(String),
      });
    }
    return rows.sort((a, b) => a.id - b.id);
  }
  const rows = await (await filteredOrders(db, target.filter ?? {}, scope))
    .select(TARGET_COLUMNS)
    .orderBy('o.id')
    .limit(MAX_DELETE_BY_FILTER + 1)
    .$call((qb) => (lockOn ? lockRows(qb, lockOn) : qb))
    .execute();
  if (rows.length > MAX_DELETE_BY_FILTER) {
    throw new AppError('validation', `filter: matches more than ${MAX_DELETE_BY_FILTER.toLocaleString('en')} orders; narrow it down and delete in parts`, {
      errors: [{ field: 'filter', message: `matches more than ${MAX_DELETE_BY_FILTER.toLocaleString('en')} orders` }],
    });
  }
  return rows;
}

export const legalHoldBlocker = (number: string): Blocker => ({
  code: 'legal_hold',
  action: 'release_hold',
  message: `${number} is under legal hold: it can be deleted or purged only after the hold is released`,
});

/** Why an order may not be deleted, each with what to do instead (SPEC §3, and the legal hold of SPEC §5). */
export function blockersOf(row: TargetRow, actor: Actor): Blocker[] {
  const held = row.held_at ? [legalHoldBlocker(row.number)] : [];
  return [...held, ...statusBlockersOf(row, actor)];
}

function statusBlockersOf(row: TargetRow, actor: Actor): Blocker[] {
  const number = row.number;
  switch (row.status as OrderStatus) {
    case 'draft':
    case 'cancelled':
      return [];
    case 'confirmed':
      if (row.paid > 0) {
        return [{ code: 'has_payments', action: 'refund', message: `${number} has ${fromMinor(row.paid)} paid: refund the payments, then cancel or delete it` }];
      }
      if (!scopeOf(actor, 'orders.delete_confirmed')) {
        return [
          {
            code: 'missing_permission',
            action: 'ask_manager',
            permission: 'orders.delete_confirmed',
            message: `${number} is confirmed: deleting it needs orders.delete_confirmed; ask a sales manager, or cancel the order instead`,
          },
        ];
      }
      return [];
    case 'shipped':
      return [{ code: 'shipped', action: 'return', message: `${number} has shipped: record a return instead of deleting it` }];
    case 'completed':
      return [{ code: 'completed', action: 'return', message: `${number} is completed: record a return or a credit instead of deleting it` }];
  }
}

async function describeDeletion(db: Kysely<DB>, actor: Actor, rows: TargetRow[]) {
  const orders: PreviewOrder[] = rows.map((r) => {
    const blockers = blockersOf(r, actor);
    return { id: String(r.id), number: r.number, status: r.status as OrderStatus, total: fromMinor(r.total), ownerId: String(r.owner_id), deletable: blockers.length === 0, blockers };
  });
  // Only confirmed orders hold stock and owe money; drafts never did, cancelling already gave it back.
  const movingIds = rows.filter((r, i) => r.status === 'confirmed' && orders[i].deletable).map((r) => r.id);
  const held = await heldStock(db, movingIds);
  const releaseByProduct = new Map<number, { sku: string; release: number }>();
  for (const h of held) {
    const entry = releaseByProduct.get(h.productId) ?? { sku: h.sku, release: 0 };
    entry.release += h.quantity;
    releaseByProduct.set(h.productId, entry);
  }
  const reversals = reversalsByOrder(await openReceivables(db, movingIds));
  const numberOf = new Map(rows.map((r) => [r.id, r.number]));
  // The departments the dispatcher will tell, from the same rule it applies to each order.deleted event.
  const notify: Department[] = rows.length > 0 ? departmentsOfOrderChange({ stockMoves: releaseByProduct.size > 0, moneyMoves: reversals.size > 0 }) : [];
  return {
    orders,
    inventory: [...releaseByProduct].sort(([a], [b]) => a - b).map(([productId, v]) => ({ productId: String(productId), sku: v.sku, release: v.release })),
    finance: [...reversals].map(([orderId, reverse]) => ({ orderId: String(orderId), number: numberOf.get(orderId)!, reverse })),
    notify,
  };
}

async function buildPreview(db: Kysely<DB>, actor: Actor, secret: string, target: Target, rows: TargetRow[]): Promise<DeletePreview> {
  const described = await describeDeletion(db, actor, rows);
  const expires = Date.now() + PREVIEW_TTL_MS;
  const claims: PreviewClaims = { u: actor.userId, m: target.ids ? 'ids' : 'filter', h: orderSetHash(rows), n: rows.length, e: expires };
  return {
    previewToken: signPreviewToken(secret, claims),
    expiresAt: new Date(expires).toISOString(),
    count: rows.length,
    deletable: rows.length > 0 && described.orders.every((o) => o.deletable),
    ...described,
  };
}

/** POST /api/orders/delete-preview: what deleting would do, and the token that binds the deletion to it. */
export async function previewDeletion(ctx: Ctx, actor: Actor, input: DeletePreviewInput): Promise<DeletePreview> {
  await assertTrainedForDeletion(ctx.kysely, actor);
  const secret = await previewSecret(ctx);
  const rows = await loadTarget(ctx.kysely, actor, input);
  return buildPreview(ctx.kysely, actor, secret, input, rows);
}

/**
 * The token that binds a deletion to the named orders as they are now, and what blocks each of them, without
 * the description of released stock and reversed money a person reads in a preview: for a caller that deletes
 * straight away and shows nothing (a cleanup approval, where reading every held unit and open receivable of
 * 10,000 orders once more would be most of its own cost). The deletion re-checks everything under its lock.
 */
export async function authorizeDeletion(ctx: Ctx, actor: Actor, input: { ids: string[] }): Promise<{ previewToken: string; blocked: Map<string, Blocker[]> }> {
  const secret = await previewSecret(ctx);
  const rows = await loadTarget(ctx.kysely, actor, input);
  const blocked = new Map<string, Blocker[]>();
  for (const r of rows) {
    const blockers = blockersOf(r, actor);
    if (blockers.length > 0) blocked.set(String(r.id), blockers);
  }
  const claims: PreviewClaims = { u: actor.userId, m: 'ids', h: orderSetHash(rows), n: rows.length, e: Date.now() + PREVIEW_TTL_MS };
  return { previewToken: signPreviewToken(secret, claims), blocked };
}

/** 403 for a missing permission, 409 for any blocked order: a batch is all or nothing. */
function assertDeletable(actor: Actor, rows: TargetRow[]): void {
  const blocked = rows.map((r) => ({ row: r, blockers: blockersOf(r, actor) })).filter((b) => b.blockers.length > 0);
  const needPermission = blocked.filter((b) => b.blockers.some((x) => x.code === 'missing_permission'));
  // A held order is a 409 naming legal_hold whoever asks: the hold, not the caller's permissions, is what stops it.
  if (needPermission.length > 0 && !blocked.some((b) => b.blockers.some((x) => x.code === 'legal_hold'))) {
    const numbers = needPermission.map((b) => b.row.number);
    throw new AppError('forbidden', `Missing permission orders.delete_confirmed to delete confirmed order${numbers.length > 1 ? 's' : ''} ${numbers.slice(0, 20).join(', ')}`, {
      permission: 'orders.delete_confirmed',
      orderIds: needPermission.map((b) => String(b.row.id)),
    });
  }
  if (blocked.length > 0) {
    throw new AppError('conflict', `Nothing was deleted: ${blocked.length} of ${rows.length} orders cannot be deleted (${blocked.map((b) => b.row.number).slice(0, 10).join(', ')})`, {
      code: 'deletion_blocked',
      blocked: blocked.map((b) => ({ id: String(b.row.id), number: b.row.number, status: b.row.status, blockers: b.blockers })),
    });
  }
}

/**
 * 409 naming legal_hold when any of the rows is held now. Read afresh inside the write transaction, whatever the
 * caller loaded, so a hold placed after a preview (or a cleanup review) was made still stops the deletion.
 */
async function assertNoneHeld(trx: Transaction<DB>, dialect: Dialect, rows: Array<{ id: number; number: string; status: string }>): Promise<void> {
  const held = new Set(
    (await trx.selectFrom('orders').select('id').where(inIdSet(dialect, 'id', rows.map((r) => r.id))).where(isSetForIds('held_at')).execute()).map((h) => h.id),
  );
  if (held.size === 0) return;
  const blocked = rows.filter((r) => held.has(r.id));
  throw new AppError('conflict', `Nothing was deleted: ${blocked.length} of ${rows.length} orders are under legal hold (${blocked.map((b) => b.number).slice(0, 10).join(', ')})`, {
    code: 'deletion_blocked',
    blocked: blocked.map((b) => ({ id: String(b.id), number: b.number, status: b.status, blockers: [legalHoldBlocker(b.number)] })),
  });
}

const reasonText = (reason: DeleteReason) => (reason.note ? `${reason.code}: ${reason.note}` : reason.code);

/**
 * Soft-deletes the rows and posts their reversals in the caller's transaction. The update is a compare-and-set
 * on every row's version, so an order changed by a concurrent writer since it was read fails the batch.
 */
export async function executeDeletion(
  trx: Transaction<DB>,
  dialect: Dialect,
  actor: Actor,
  rows: TargetRow[],
  reason: DeleteReason,
  /** The caller read `rows` in this transaction, locked, and refused held ones (assertDeletable): no second read. */
  options: { holdsCheckedUnderLock?: boolean } = {},
): Promise<DeleteResult> {
  // Checked here rather than by each caller, so every path that deletes (by ids, by filter, a cleanup review) gets them.
  if (rows.length > STEP_UP_DELETION_THRESHOLD) await assertSteppedUp(trx, actor);
  if (!options.holdsCheckedUnderLock) await assertNoneHeld(trx, dialect, rows);
  const batchId = randomUUID();
  const now = nowIso();
  const retention = await getRetention(trx);
  // Per status, not per row: the date is written into three places of every order's rows.
  const purgeAfterByStatus = new Map<string, string>();
  const purgeAfterOf = (status: string) => {
    let at = purgeAfterByStatus.get(status);
    if (at === undefined) {
      at = isoPlus(now, retention[status as keyof typeof retention] * DAY_MS);
      purgeAfterByStatus.set(status, at);
    }
    return at;
  };
  const expected = new Map(rows.map((r) => [r.id, r.version + 1]));
  let updated = 0;
  // Retention is set per status (draft, cancelled, confirmed): one update per status present.
  for (const status of new Set(rows.map((r) => r.status))) {
    const changed = await trx
      .updateTable('orders')
      .set((eb) => ({
        deleted_at: now,
        deleted_by: actor.userId,
        delete_reason: reason.code,
        delete_note: reason.note ?? null,
        delete_batch_id: batchId,
        purge_after: purgeAfterOf(status),
        version: eb('version', '+', 1),
        updated_at: now,
      }))
      .where(inIdSet(dialect, 'id', rows.filter((r) => r.status === status).map((r) => r.id)))
      .where('deleted_at', 'is', null)
      .returning(['id', 'version'])
      .execute();
    for (const c of changed) if (expected.get(c.id) === c.version) updated++;
  }
  if (updated !== rows.length) throw new StalePreview();
  const purgeAfter = [...purgeAfterByStatus.values()].sort()[0] ?? now;

  const confirmedIds = rows.filter((r) => r.status === 'confirmed').map((r) => r.id);
  const held = await releaseStock(trx, dialect, confirmedIds, actor.userId, 'order deleted');
  const reversed = reversalsByOrder(await reverseReceivables(trx, confirmedIds, actor.userId, 'order deleted'));

  const heldByOrder = new Map<number, typeof held>();
  for (const h of held) {
    const list = heldByOrder.get(h.orderId);
    if (list) list.push(h);
    else heldByOrder.set(h.orderId, [h]);
  }
  const heldOf = (id: number) => heldByOrder.get(id) ?? [];
  const departmentsOf = (id: number): Department[] => departmentsOfOrderChange({ stockMoves: heldOf(id).length > 0, moneyMoves: reversed.has(id) });
  await recordAudit(
    trx,
    dialect,
    actor,
    rows.map((r) => ({
      action: 'order.delete',
      entityType: 'order',
      entityId: r.id,
      entityLabel: r.number,
      diff: {
        status: r.status,
        total: fromMinor(r.total),
        batchId,
        purgeAfter: purgeAfterOf(r.status),
        reason: { code: reason.code, note: reason.note ?? null },
        released: heldOf(r.id).map((h) => ({ sku: h.sku, quantity: h.quantity })),
        reversed: reversed.get(r.id) ?? '0.00',
      },
      reason: reasonText(reason),
    })),
  );
  await publish(
    trx,
    rows.map((r) => ({
      topic: 'order.deleted',
      payload: {
        orderId: String(r.id),
        number: r.number,
        status: r.status,
        ownerId: String(r.owner_id),
        batchId,
        deletedBy: actor.userId == null ? null : String(actor.userId),
        reason: { code: reason.code, note: reason.note ?? null },
        purgeAfter: purgeAfterOf(r.status),
        departments: departmentsOf(r.id),
        released: heldOf(r.id).map((h) => ({ productId: String(h.productId), sku: h.sku, quantity: h.quantity })),
        reversed: reversed.get(r.id) ?? '0.00',
      },
    })),
  );
  return { batchId, deleted: rows.map((r) => ({ id: String(r.id), number: r.number })), purgeAfter };
}

function previewMatches(claims: PreviewClaims, actor: Actor, target: Target, rows: TargetRow[]): boolean {
  return claims.u === actor.userId && claims.m === (target.ids ? 'ids' : 'filter') && claims.e > Date.now() && claims.n === rows.length && claims.h === orderSetHash(rows);
}

/** After a stale preview rolled the transaction back: 409 carrying what deleting would do now. */
async function stalePreviewConflict(ctx: Ctx, actor: Actor, secret: string, target: Target): Promise<AppError> {
  const rows = await loadTarget(ctx.kysely, actor, target);
  const preview = await buildPreview(ctx.kysely, actor, secret, target, rows);
  return new AppError('conflict', 'The orders changed since the preview (or it expired): review the fresh preview and confirm again', { code: 'stale_preview', preview });
}

/**
 * POST /api/orders/delete. Executes only for exactly the previewed set: by ids, the same orders at the same
 * versions; by filter, the same matching set — an order that starts or stops matching after the preview
 * (a new order, an edit, a deletion elsewhere) makes it a 409 with a fresh preview, never a silent extra.
 */
export async function deleteOrders(
  ctx: Ctx,
  actor: Actor,
  input: DeleteOrdersInput,
  claim?: IdempotencyClaim,
  /** A caller's own writes that must commit or roll back with the deletion (a cleanup review's decision). */
  options: { alsoInTransaction?: (trx: Transaction<DB>, result: DeleteResult) => Promise<void> } = {},
): Promise<DeleteResult> {
  requirePermission(actor, 'orders.delete');
  await assertTrainedForDeletion(ctx.kysely, actor);
  const secret = await previewSecret(ctx);
  const claims = readPreviewToken(secret, input.previewToken);
  try {
    return await ctx.kysely.transaction().execute(async (trx) => {
      await claimIdempotencyKey(trx, claim);
      const rows = await loadTarget(trx, actor, input, { lockOn: ctx.dialect });
      if (!previewMatches(claims, actor, input, rows)) throw new StalePreview();
      if (rows.length === 0) throw invalid(input.ids ? 'ids' : 'filter', 'matches no orders');
      assertDeletable(actor, rows);
      const result = await executeDeletion(trx, ctx.dialect, actor, rows, input.reason, { holdsCheckedUnderLock: true });
      await options.alsoInTransaction?.(trx, result);
      await storeIdempotentResponse(trx, claim, 200, result);
      return result;
    });
  } catch (error) {
    if (error instanceof StalePreview) throw await stalePreviewConflict(ctx, actor, secret, input);
    throw error;
  }
}

/** DELETE /api/orders/:id: the same operation for one order, previewed internally at its current version. */
export async function deleteOrder(ctx: Ctx, actor: Actor, id: number, reason: DeleteReason, ifMatch: number | undefined, claim?: IdempotencyClaim): Promise<DeleteResult> {
  requirePermission(actor, 'orders.delete');
  await assertTrainedForDeletion(ctx.kysely, actor);
  try {
    return await ctx.kysely.transaction().execute(async (trx) => {
      await claimIdempotencyKey(trx, claim);
      const [row] = await loadTarget(trx, actor, { ids: [String(id)] }, { lockOn: ctx.dialect });
      if (ifMatch !== undefined && row.version !== ifMatch) {
        throw new AppError('precondition_failed', `Order ${row.number} has changed (version ${row.version}, you had ${ifMatch}); reload it and try again`, { currentVersion: row.version });
      }
      assertDeletable(actor, [row]);
      const result = await executeDeletion(trx, ctx.dialect, actor, [row], reason, { holdsCheckedUnderLock: true });
      await storeIdempotentResponse(trx, claim, 200, result);
      return result;
    });
  } catch (error) {
    if (error instanceof StalePreview) throw new AppError('conflict', `Order ${id} was changed by someone else while deleting; reload it and try again`, { code: 'concurrent_change' });
    throw error;
  }
}
