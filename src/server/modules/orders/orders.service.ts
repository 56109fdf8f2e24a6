import type { Transaction } from 'kysely';
import { fromMinor, toMinor } from '../../../contracts/common.js';
import { ORDER_STATUSES, TRANSITIONS, type CreateOrderInput, type OrderFilter, type OrderItemInput, type OrderListQuery, type OrderStatus, type OrderStatusCounts, type OrderView, type Transition, type UpdateOrderInput } from '../../../contracts/orders.js';
import type { Ctx } from '../../db/context.js';
import type { DB, OrderRow } from '../../db/schema.js';
import { isSetForIds } from '../../db/row-sets.js';
import { ownerFilter, requirePermission, type Actor } from '../../platform/actor.js';
import { assertCustomerComplete, assertMayConfirm } from '../governance/standard-process.service.js';
import { diffFields, recordAudit } from '../../platform/audit.js';
import { isoPlus, nowIso } from '../../platform/clock.js';
import { AppError, invalid, type FieldError } from '../../platform/errors.js';
import { claimIdempotencyKey, storeIdempotentResponse, type IdempotencyClaim } from '../../platform/idempotency.js';
import { eventActor, publish } from '../../platform/outbox.js';
import { postPayment, postReceivables, postRefund, releaseStock, reserveStock, reverseReceivables, shipStock } from '../journals/journals.service.js';
import { nextOrderNumber } from './order-numbers.js';
import { signatureOf } from './order-signature.js';
import { assertFound, countOrdersByStatus, findOrder, listOrders as queryOrders } from './orders.queries.js';

export const DUPLICATE_WINDOW_MS = 10 * 60_000;

interface PricedLine {
  product_id: number;
  sku: string;
  name: string;
  quantity: number;
  unit_price: number;
  line_total: number;
}

/** Looks up every product once, applies list prices where none is given, and computes totals in minor units. */
async function priceLines(trx: Transaction<DB>, items: OrderItemInput[]): Promise<{ lines: PricedLine[]; total: number }> {
  const ids = [...new Set(items.map((i) => Number(i.productId)))];
  const products = await trx.selectFrom('products').select(['id', 'sku', 'name', 'price']).where('id', 'in', ids).execute();
  const errors = items.flatMap((item, index) =>
    products.some((p) => p.id === Number(item.productId)) ? [] : [{ field: `items.${index}.productId`, message: 'no such product' }],
  );
  if (errors.length) throw new AppError('validation', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
  const lines = items.map((item) => {
    const p = products.find((x) => x.id === Number(item.productId))!;
    const unit = item.unitPrice !== undefined ? toMinor(item.unitPrice) : p.price;
    return { product_id: p.id, sku: p.sku, name: p.name, quantity: item.quantity, unit_price: unit, line_total: unit * item.quantity };
  });
  const total = lines.reduce((sum, l) => sum + l.line_total, 0);
  if (!Number.isSafeInteger(total)) throw invalid('items', 'the order total is too large');
  return { lines, total };
}

/** A deactivated or merged customer keeps its orders but takes no new one. */
async function assertCustomer(trx: Transaction<DB>, customerId: number): Promise<void> {
  const c = await trx.selectFrom('customers').select(['id', 'active']).where('id', '=', customerId).executeTakeFirst();
  if (!c) throw invalid('customerId', 'no such customer');
  if (!c.active) throw invalid('customerId', 'the customer is deactivated');
  await assertCustomerComplete(trx, customerId);
}

async function resolveOwner(trx: Transaction<DB>, actor: Actor, requested: string | undefined, permission: 'orders.create' | 'orders.update'): Promise<number> {
  const scope = requirePermission(actor, permission);
  const ownerId = requested ? Number(requested) : actor.userId;
  if (ownerId == null) throw invalid('ownerId', 'required when acting as the system');
  if (scope === 'own' && ownerId !== actor.userId) {
    throw new AppError('forbidden', `Missing permission ${permission} for other users' orders`, { permission, errors: [{ field: 'ownerId', message: 'you may only own your orders' }] });
  }
  const owner = await trx.selectFrom('users').select(['id', 'disabled']).where('id', '=', ownerId).executeTakeFirst();
  if (!owner || owner.disabled) throw invalid('ownerId', 'no such active user');
  return ownerId;
}

/** Runs every reference check before failing, so one 400 names each bad field rather than the first one. */
async function checkReferences<T extends readonly unknown[] | []>(checks: { [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
  const errors: FieldError[] = [];
  const results: unknown[] = [];
  for (const check of checks as ReadonlyArray<() => Promise<unknown>>) {
    try {
      results.push(await check());
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'validation' || !error.extra.errors) throw error;
      errors.push(...error.extra.errors);
    }
  }
  if (errors.length) throw new AppError('validation', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
  return results as unknown as T;
}

export async function createOrder(ctx: Ctx, actor: Actor, input: CreateOrderInput): Promise<OrderView> {
  const { id, duplicates } = await ctx.kysely.transaction().execute(async (trx) => {
    const customerId = Number(input.customerId);
    const [ownerId, , { lines, total }] = await checkReferences([
      () => resolveOwner(trx, actor, input.ownerId, 'orders.create'),
      () => assertCustomer(trx, customerId),
      () => priceLines(trx, input.items),
    ]);
    const now = nowIso();
    const signature = signatureOf(customerId, lines);
    const duplicates = await trx
      .selectFrom('orders')
      .select(['id', 'number'])
      .where('customer_id', '=', customerId)
      .where('created_at', '>=', isoPlus(now, -DUPLICATE_WINDOW_MS))
      .where('signature', '=', signature)
      .where('deleted_at', 'is', null)
      .execute();
    const number = await nextOrderNumber(trx);
    const { id } = await trx
      .insertInto('orders')
      .values({ number, customer_id: customerId, owner_id: ownerId, status: 'draft', total, paid: 0, note: input.note ?? null, signature, version: 1, created_at: now, updated_at: now, line_count: lines.length })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.insertInto('order_items').values(lines.map((l, i) => ({ ...l, order_id: id, line_no: i + 1 }))).execute();
    await recordAudit(trx, ctx.dialect, actor, {
      action: 'order.create',
      entityType: 'order',
      entityId: id,
      entityLabel: number,
      diff: { customerId: String(customerId), ownerId: String(ownerId), total: fromMinor(total), items: lines.map((l) => `${l.sku} x ${l.quantity} @ ${fromMinor(l.unit_price)}`) },
    });
    await publish(trx, [{ topic: 'order.created', payload: { orderId: String(id), number, total: fromMinor(total), ...(await eventActor(trx, actor)) } }]);
    return { id, duplicates };
  });
  const order = assertFound(await findOrder(ctx.kysely, id, {}));
  if (duplicates.length) {
    order.warnings = [
      {
        code: 'possible_duplicate',
        message: `Possible duplicate of ${duplicates.map((d) => d.number).join(', ')}: same customer and lines within 10 minutes`,
        orderIds: duplicates.map((d) => String(d.id)),
      },
    ];
  }
  return order;
}

export async function getOrder(ctx: Ctx, actor: Actor, id: number): Promise<OrderView> {
  const ownerId = ownerFilter(actor, 'orders.read');
  const order = await findOrder(ctx.kysely, id, { ownerId });
  if (order) return order;
  // An old link to a deleted order: whoever may see it in the recycle bin is told it is there, not just "not found".
  let binned = ctx.kysely.selectFrom('orders').select(['number', 'deleted_at', 'purge_after']).where('id', '=', id).where(isSetForIds('deleted_at'));
  if (ownerId !== undefined) binned = binned.where('owner_id', '=', ownerId);
  const row = await binned.executeTakeFirst();
  if (row) throw new AppError('not_found', `Order ${row.number} is in the recycle bin`, { code: 'in_recycle_bin', number: row.number, deletedAt: row.deleted_at, purgeAfter: row.purge_after });
  throw new AppError('not_found', 'Order not found');
}

export async function listOrders(ctx: Ctx, actor: Actor, query: OrderListQuery) {
  return queryOrders(ctx.kysely, query, { ownerId: ownerFilter(actor, 'orders.read') });
}

/** The status tabs of the list: a count per status for the other filters, and the total for the whole filter. */
export async function orderStatusCounts(ctx: Ctx, actor: Actor, filter: OrderFilter): Promise<OrderStatusCounts> {
  const byStatus = await countOrdersByStatus(ctx.kysely, filter, { ownerId: ownerFilter(actor, 'orders.read') });
  const counts = Object.fromEntries(ORDER_STATUSES.map((s) => [s, byStatus.get(s) ?? 0])) as OrderStatusCounts['counts'];
  const listed: readonly OrderStatus[] = filter.status?.length ? filter.status : ORDER_STATUSES;
  return { counts, total: listed.reduce((sum, s) => sum + counts[s], 0) };
}

/** The order row locked for change, in the caller's scope for the permission, or 404. */
async function loadForChange(trx: Transaction<DB>, actor: Actor, id: number, permission: 'orders.update' | 'orders.read'): Promise<OrderRow> {
  const readOwner = ownerFilter(actor, 'orders.read');
  let q = trx.selectFrom('orders').selectAll().where('id', '=', id).where('deleted_at', 'is', null);
  if (readOwner !== undefined) q = q.where('owner_id', '=', readOwner);
  const row = assertFound(await q.executeTakeFirst());
  const scope = requirePermission(actor, permission);
  if (scope === 'own' && row.owner_id !== actor.userId) throw new AppError('forbidden', `Missing permission ${permission} for this order`, { permission });
  return row;
}

function assertVersion(row: OrderRow, expected: number | undefined): void {
  if (expected !== undefined && row.version !== expected) {
    throw new AppError('precondition_failed', `Order ${row.number} has changed (version ${row.version}, you had ${expected}); reload it and try again`, { currentVersion: row.version });
  }
}

/** Compare-and-set on version: a concurrent writer that got there first makes this a 412, not a lost update. */
async function bumpVersion(trx: Transaction<DB>, row: OrderRow, set: Partial<OrderRow>): Promise<void> {
  const result = await trx
    .updateTable('orders')
    .set({ ...set, version: row.version + 1, updated_at: nowIso() })
    .where('id', '=', row.id)
    .where('version', '=', row.version)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw new AppError('precondition_failed', `Order ${row.number} was changed by someone else; reload it and try again`);
}

export async function updateOrder(ctx: Ctx, actor: Actor, id: number, input: UpdateOrderInput, ifMatch: number | undefined): Promise<OrderView> {
  await ctx.kysely.transaction().execute(async (trx) => {
    const row = await loadForChange(trx, actor, id, 'orders.update');
    assertVersion(row, ifMatch);
    if ((input.items || input.customerId) && row.status !== 'draft') {
      throw new AppError('conflict', `Order ${row.number} is ${row.status}: customer and lines can only change while it is a draft`);
    }
    if (row.status === 'completed' || row.status === 'cancelled') throw new AppError('conflict', `Order ${row.number} is ${row.status} and can no longer be edited`);
    const before: Record<string, unknown> = { customerId: String(row.customer_id), ownerId: String(row.owner_id), note: row.note, total: fromMinor(row.total) };
    const set: Partial<OrderRow> = {};
    const after: Record<string, unknown> = {};
    const [, ownerId, priced] = await checkReferences([
      async () => (input.customerId ? assertCustomer(trx, Number(input.customerId)) : undefined),
      async () => (input.ownerId ? resolveOwner(trx, actor, input.ownerId, 'orders.update') : undefined),
      async () => (input.items ? priceLines(trx, input.items) : undefined),
    ]);
    if (input.customerId) {
      set.customer_id = Number(input.customerId);
      after.customerId = input.customerId;
    }
    if (input.ownerId) {
      set.owner_id = ownerId!;
      after.ownerId = input.ownerId;
    }
    if (input.note !== undefined) {
      set.note = input.note || null;
      after.note = set.note;
    }
    if (input.items) {
      const oldItems = await trx.selectFrom('order_items').select(['sku', 'quantity', 'unit_price']).where('order_id', '=', id).orderBy('line_no').execute();
      const { lines, total } = priced!;
      await trx.deleteFrom('order_items').where('order_id', '=', id).execute();
      await trx.insertInto('order_items').values(lines.map((l, i) => ({ ...l, order_id: id, line_no: i + 1 }))).execute();
      set.total = total;
      set.line_count = lines.length;
      before.items = oldItems.map((l) => `${l.sku} x ${l.quantity} @ ${fromMinor(l.unit_price)}`);
      after.items = lines.map((l) => `${l.sku} x ${l.quantity} @ ${fromMinor(l.unit_price)}`);
      after.total = fromMinor(total);
      set.signature = signatureOf(set.customer_id ?? row.customer_id, lines);
    } else if (set.customer_id) {
      const lines = await trx.selectFrom('order_items').selectAll().where('order_id', '=', id).execute();
      set.signature = signatureOf(set.customer_id, lines);
    }
    await bumpVersion(trx, row, set);
    await recordAudit(trx, ctx.dialect, actor, { action: 'order.update', entityType: 'order', entityId: id, entityLabel: row.number, diff: diffFields(before, after) });
    await publish(trx, [{ topic: 'order.updated', payload: { orderId: String(id), number: row.number } }]);
  });
  return getOrder(ctx, actor, id);
}

const STAMP: Record<Transition, keyof OrderRow> = { confirm: 'confirmed_at', ship: 'shipped_at', complete: 'completed_at', cancel: 'cancelled_at' };
const PERMISSION_OF: Record<Transition, 'orders.update' | 'inventory.manage'> = {
  confirm: 'orders.update',
  cancel: 'orders.update',
  // Shipping and completing are the warehouse's steps.
  ship: 'inventory.manage',
  complete: 'inventory.manage',
};

export async function transitionOrder(ctx: Ctx, actor: Actor, id: number, transition: Transition, ifMatch: number | undefined, reason?: string): Promise<OrderView> {
  await ctx.kysely.transaction().execute(async (trx) => {
    const permission = PERMISSION_OF[transition];
    const row = await loadForChange(trx, actor, id, permission === 'orders.update' ? 'orders.update' : 'orders.read');
    if (permission === 'inventory.manage') requirePermission(actor, permission);
    assertVersion(row, ifMatch);
    const rule = TRANSITIONS[transition];
    if (!(rule.from as readonly string[]).includes(row.status)) {
      throw new AppError('conflict', `Cannot ${transition} order ${row.number}: it is ${row.status}, and only ${rule.from.join(' or ')} orders can be ${rule.to}`, {
        code: 'invalid_transition',
        currentStatus: row.status,
      });
    }
    const now = nowIso();
    const approval = transition === 'confirm' ? await assertMayConfirm(trx, actor, row) : null;
    if (transition === 'confirm') {
      await reserveStock(trx, ctx.dialect, [id], actor.userId, null);
      await postReceivables(trx, [row], actor.userId, null);
    } else if (transition === 'ship') {
      await shipStock(trx, ctx.dialect, [id], actor.userId);
    } else if (transition === 'cancel' && row.status === 'confirmed') {
      if (row.paid > 0) {
        throw new AppError('conflict', `Order ${row.number} has ${fromMinor(row.paid)} paid: refund the payments before cancelling`, { code: 'has_payments' });
      }
      await releaseStock(trx, ctx.dialect, [id], actor.userId, 'order cancelled');
      await reverseReceivables(trx, [id], actor.userId, 'order cancelled');
    }
    await bumpVersion(trx, row, { status: rule.to, [STAMP[transition]]: now });
    await recordAudit(trx, ctx.dialect, actor, {
      action: `order.${transition}`,
      entityType: 'order',
      entityId: id,
      entityLabel: row.number,
      diff: { status: { from: row.status, to: rule.to }, ...(approval ? { approval: { threshold: approval.approvedAbove, total: fromMinor(row.total) } } : {}) },
      reason: reason ?? null,
    });
    await publish(trx, [{ topic: `order.${rule.to}`, payload: { orderId: String(id), number: row.number, from: row.status, ...(await eventActor(trx, actor)) } }]);
  });
  return getOrder(ctx, actor, id);
}

/**
 * A payment or a refund (201 with the order). With an Idempotency-Key, a retry of the same request (a
 * timeout, a double click) returns the first response and takes no money twice.
 */
export async function recordOrderPayment(
  ctx: Ctx,
  actor: Actor,
  id: number,
  input: { amount: string; note?: string; refund?: boolean },
  claim?: IdempotencyClaim,
): Promise<OrderView> {
  requirePermission(actor, 'finance.manage');
  const amount = toMinor(input.amount);
  return ctx.kysely.transaction().execute(async (trx) => {
    await claimIdempotencyKey(trx, claim);
    const row = await loadForChange(trx, actor, id, 'orders.read');
    if (!['confirmed', 'shipped', 'completed'].includes(row.status)) {
      throw new AppError('conflict', `Order ${row.number} is ${row.status}: payments are taken on confirmed, shipped or completed orders`);
    }
    if (input.refund) {
      if (amount > row.paid) throw new AppError('conflict', `Cannot refund ${input.amount}: ${fromMinor(row.paid)} was paid`, { errors: [{ field: 'amount', message: `at most ${fromMinor(row.paid)}` }] });
      await postRefund(trx, row, amount, actor.userId, input.note ?? null);
      await bumpVersion(trx, row, { paid: row.paid - amount });
    } else {
      if (amount > row.total - row.paid) {
        throw new AppError('conflict', `Payment of ${input.amount} exceeds the ${fromMinor(row.total - row.paid)} outstanding`, { errors: [{ field: 'amount', message: `at most ${fromMinor(row.total - row.paid)}` }] });
      }
      await postPayment(trx, row, amount, actor.userId, input.note ?? null);
      await bumpVersion(trx, row, { paid: row.paid + amount });
    }
    const action = input.refund ? 'order.refund' : 'order.payment';
    await recordAudit(trx, ctx.dialect, actor, { action, entityType: 'order', entityId: id, entityLabel: row.number, diff: { amount: input.amount, paid: { from: fromMinor(row.paid), to: fromMinor(row.paid + (input.refund ? -amount : amount)) } }, reason: input.note ?? null });
    await publish(trx, [{ topic: input.refund ? 'order.refunded' : 'order.paid', payload: { orderId: String(id), number: row.number, amount: input.amount } }]);
    // Read inside the transaction: the stored response must be exactly the state this payment committed.
    const view = assertFound(await findOrder(trx, id, { ownerId: ownerFilter(actor, 'orders.read') }));
    await storeIdempotentResponse(trx, claim, 201, view);
    return view;
  });
}
