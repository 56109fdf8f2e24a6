import type { Transaction } from 'kysely';
import type { Ctx } from '../../db/context.js';
import type { DB } from '../../db/schema.js';
import { requirePermission, type Actor } from '../../platform/actor.js';
import { recordAudit } from '../../platform/audit.js';
import { nowIso } from '../../platform/clock.js';
import { AppError, invalid, notFound } from '../../platform/errors.js';

/**
 * The stock journal. Every change of a product's on-hand or reserved units is one movement row, and the
 * product's balance columns move with it in the same statement group; nothing is edited in place.
 */
export type MovementKind = 'receive' | 'adjust' | 'reserve' | 'release' | 'ship';

export interface Shortage {
  productId: string;
  sku: string;
  requested: number;
  available: number;
}

type Lines = Array<{ product_id: number; quantity: number }>;

function sumByProduct(lines: Lines): Map<number, number> {
  const totals = new Map<number, number>();
  for (const l of lines) totals.set(l.product_id, (totals.get(l.product_id) ?? 0) + l.quantity);
  return totals;
}

/** Reserves every line or nothing: a shortage of any product is a 409 listing each short product. */
export async function reserveStock(trx: Transaction<DB>, orderId: number, lines: Lines, actorId: number | null): Promise<void> {
  const now = nowIso();
  const shortages: Shortage[] = [];
  const needed = [...sumByProduct(lines)].sort(([a], [b]) => a - b); // fixed order: no deadlocks between orders
  for (const [productId, quantity] of needed) {
    const updated = await trx
      .updateTable('products')
      .set((eb) => ({ reserved: eb('reserved', '+', quantity) }))
      .where('id', '=', productId)
      .where((eb) => eb(eb('on_hand', '-', eb.ref('reserved')), '>=', quantity))
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) {
      const p = await trx.selectFrom('products').select(['sku', 'on_hand', 'reserved']).where('id', '=', productId).executeTakeFirstOrThrow();
      shortages.push({ productId: String(productId), sku: p.sku, requested: quantity, available: p.on_hand - p.reserved });
      continue;
    }
    await trx
      .insertInto('stock_movements')
      .values({ product_id: productId, order_id: orderId, kind: 'reserve', on_hand_delta: 0, reserved_delta: quantity, actor_id: actorId, created_at: now })
      .execute();
  }
  if (shortages.length > 0) {
    throw new AppError('conflict', `Not enough stock: ${shortages.map((s) => `${s.sku} needs ${s.requested}, ${s.available} available`).join('; ')}`, {
      code: 'insufficient_stock',
      shortages,
    });
  }
}

/** What the order still holds reserved, per product, from the journal. */
export async function reservedByOrder(trx: Transaction<DB>, orderId: number): Promise<Array<{ productId: number; quantity: number; lastReserveId: number }>> {
  const rows = await trx
    .selectFrom('stock_movements')
    .select((eb) => ['product_id', eb.fn.sum<number>('reserved_delta').as('held'), eb.fn.max<number>('id').as('lastId')])
    .where('order_id', '=', orderId)
    .groupBy('product_id')
    .orderBy('product_id')
    .execute();
  const reserves = await trx
    .selectFrom('stock_movements')
    .select((eb) => ['product_id', eb.fn.max<number>('id').as('lastReserveId')])
    .where('order_id', '=', orderId)
    .where('kind', '=', 'reserve')
    .groupBy('product_id')
    .execute();
  return rows
    .filter((r) => Number(r.held) > 0)
    .map((r) => ({
      productId: r.product_id,
      quantity: Number(r.held),
      lastReserveId: Number(reserves.find((x) => x.product_id === r.product_id)?.lastReserveId ?? r.lastId),
    }));
}

/** Gives back what the order holds: the exact reversal of its reservations, each naming what it reverses. */
export async function releaseStock(trx: Transaction<DB>, orderId: number, actorId: number | null, reason: string): Promise<Array<{ productId: number; quantity: number }>> {
  const held = await reservedByOrder(trx, orderId);
  const now = nowIso();
  for (const h of held) {
    await trx.updateTable('products').set((eb) => ({ reserved: eb('reserved', '-', h.quantity) })).where('id', '=', h.productId).execute();
    await trx
      .insertInto('stock_movements')
      .values({ product_id: h.productId, order_id: orderId, kind: 'release', on_hand_delta: 0, reserved_delta: -h.quantity, reverses_id: h.lastReserveId, reason, actor_id: actorId, created_at: now })
      .execute();
  }
  return held.map(({ productId, quantity }) => ({ productId, quantity }));
}

/** Shipping turns the reservation into goods leaving the warehouse: on-hand and reserved both drop. */
export async function shipStock(trx: Transaction<DB>, orderId: number, actorId: number | null): Promise<void> {
  const held = await reservedByOrder(trx, orderId);
  const now = nowIso();
  for (const h of held) {
    await trx
      .updateTable('products')
      .set((eb) => ({ reserved: eb('reserved', '-', h.quantity), on_hand: eb('on_hand', '-', h.quantity) }))
      .where('id', '=', h.productId)
      .execute();
    await trx
      .insertInto('stock_movements')
      .values({ product_id: h.productId, order_id: orderId, kind: 'ship', on_hand_delta: -h.quantity, reserved_delta: -h.quantity, reverses_id: h.lastReserveId, actor_id: actorId, created_at: now })
      .execute();
  }
}

/** Manual correction (`adjust`) or goods arriving (`receive`); never below what is reserved. */
export async function adjustStock(
  ctx: Ctx,
  actor: Actor,
  productId: number,
  input: { kind: 'adjust' | 'receive'; quantity: number; reason: string },
) {
  requirePermission(actor, 'inventory.manage');
  if (input.kind === 'receive' && input.quantity <= 0) throw invalid('quantity', 'must be greater than 0 for a receipt');
  if (input.quantity === 0) throw invalid('quantity', 'must not be 0');
  return ctx.kysely.transaction().execute(async (trx) => {
    const product = await trx.selectFrom('products').selectAll().where('id', '=', productId).executeTakeFirst();
    if (!product) throw notFound('Product');
    const updated = await trx
      .updateTable('products')
      .set((eb) => ({ on_hand: eb('on_hand', '+', input.quantity), version: eb('version', '+', 1), updated_at: nowIso() }))
      .where('id', '=', productId)
      .where((eb) => eb(eb('on_hand', '+', input.quantity), '>=', eb.ref('reserved')))
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) {
      throw new AppError('conflict', `On hand cannot fall below the ${product.reserved} units reserved for orders`, {
        errors: [{ field: 'quantity', message: `at least ${product.reserved - product.on_hand}` }],
      });
    }
    await trx
      .insertInto('stock_movements')
      .values({ product_id: productId, kind: input.kind, on_hand_delta: input.quantity, reserved_delta: 0, reason: input.reason, actor_id: actor.userId, created_at: nowIso() })
      .execute();
    await recordAudit(trx, ctx.dialect, actor, {
      action: `stock.${input.kind}`,
      entityType: 'product',
      entityId: productId,
      entityLabel: product.sku,
      diff: { onHand: { from: product.on_hand, to: product.on_hand + input.quantity } },
      reason: input.reason,
    });
  });
}

export async function listMovements(ctx: Ctx, filter: { productId?: number; orderId?: number; limit: number; before?: number }) {
  let q = ctx.kysely
    .selectFrom('stock_movements as m')
    .innerJoin('products as p', 'p.id', 'm.product_id')
    .leftJoin('orders as o', 'o.id', 'm.order_id')
    .leftJoin('users as u', 'u.id', 'm.actor_id')
    .select(['m.id', 'm.product_id', 'p.sku', 'm.order_id', 'o.number', 'm.kind', 'm.on_hand_delta', 'm.reserved_delta', 'm.reverses_id', 'm.reason', 'u.username', 'm.created_at'])
    .orderBy('m.id', 'desc')
    .limit(filter.limit);
  if (filter.productId) q = q.where('m.product_id', '=', filter.productId);
  if (filter.orderId) q = q.where('m.order_id', '=', filter.orderId);
  if (filter.before) q = q.where('m.id', '<', filter.before);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: String(r.id),
    productId: String(r.product_id),
    sku: r.sku,
    orderId: r.order_id == null ? null : String(r.order_id),
    orderNumber: r.number,
    kind: r.kind,
    onHandDelta: r.on_hand_delta,
    reservedDelta: r.reserved_delta,
    reversesId: r.reverses_id == null ? null : String(r.reverses_id),
    reason: r.reason,
    actor: r.username,
    createdAt: r.created_at,
  }));
}
