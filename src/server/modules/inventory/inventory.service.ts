import { sql, type Transaction } from 'kysely';
import { fromMinor } from '../../../contracts/common.js';
import type { MovementKind, MovementQuery, MovementView, StockChangeInput, StockList, StockQuery } from '../../../contracts/inventory.js';
import { StockChangeInput as StockChangeSchema } from '../../../contracts/inventory.js';
import type { Ctx } from '../../db/context.js';
import type { DB } from '../../db/schema.js';
import { requirePermission, scopeOf, type Actor } from '../../platform/actor.js';
import { recordAudit } from '../../platform/audit.js';
import { nowIso } from '../../platform/clock.js';
import { AppError, notFound } from '../../platform/errors.js';
import { keyContains } from '../customers/customers.service.js';

/**
 * The stock journal. Every change of a product's on-hand or reserved units is one movement row, and the
 * product's balance columns move with it in the same transaction; nothing is edited in place. A release or a
 * ship reverses exactly one reserve, in full, and names it; the invariant checker proves all of this holds.
 */
export type { MovementKind };

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
    // The guard and the increment are one statement, so two orders can never both take the last units.
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
    // Thrown inside the caller's transaction: the reservations made above roll back with it.
    throw new AppError('conflict', `Not enough stock: ${shortages.map((s) => `${s.sku} needs ${s.requested}, ${s.available} available`).join('; ')}`, {
      code: 'insufficient_stock',
      shortages,
    });
  }
}

/** The order's reserves that no release or ship has reversed yet: exactly what the order still holds. */
export async function openReserves(trx: Transaction<DB>, orderId: number): Promise<Array<{ reserveId: number; productId: number; quantity: number }>> {
  const rows = await trx
    .selectFrom('stock_movements as r')
    .select(['r.id', 'r.product_id', 'r.reserved_delta'])
    .where('r.order_id', '=', orderId)
    .where('r.kind', '=', 'reserve')
    .where((eb) =>
      eb.not(eb.exists(eb.selectFrom('stock_movements as x').select('x.id').where('x.order_id', '=', orderId).whereRef('x.reverses_id', '=', 'r.id'))),
    )
    .orderBy('r.product_id')
    .orderBy('r.id')
    .execute();
  return rows.map((r) => ({ reserveId: r.id, productId: r.product_id, quantity: r.reserved_delta }));
}

/** What the order holds reserved, per product (for previews of a release). */
export async function reservedByOrder(trx: Transaction<DB>, orderId: number): Promise<Array<{ productId: number; quantity: number; lastReserveId: number }>> {
  const byProduct = new Map<number, { productId: number; quantity: number; lastReserveId: number }>();
  for (const r of await openReserves(trx, orderId)) {
    const held = byProduct.get(r.productId);
    if (held) {
      held.quantity += r.quantity;
      held.lastReserveId = Math.max(held.lastReserveId, r.reserveId);
    } else byProduct.set(r.productId, { productId: r.productId, quantity: r.quantity, lastReserveId: r.reserveId });
  }
  return [...byProduct.values()];
}

/** Gives back what the order holds: one release per open reserve, of exactly its quantity, naming it. */
export async function releaseStock(trx: Transaction<DB>, orderId: number, actorId: number | null, reason: string): Promise<Array<{ productId: number; quantity: number }>> {
  const now = nowIso();
  const released: Array<{ productId: number; quantity: number }> = [];
  for (const r of await openReserves(trx, orderId)) {
    await trx.updateTable('products').set((eb) => ({ reserved: eb('reserved', '-', r.quantity) })).where('id', '=', r.productId).execute();
    await trx
      .insertInto('stock_movements')
      .values({ product_id: r.productId, order_id: orderId, kind: 'release', on_hand_delta: 0, reserved_delta: -r.quantity, reverses_id: r.reserveId, reason, actor_id: actorId, created_at: now })
      .execute();
    released.push({ productId: r.productId, quantity: r.quantity });
  }
  return released;
}

/** Shipping turns each reservation into goods leaving the warehouse: on-hand and reserved both drop by it. */
export async function shipStock(trx: Transaction<DB>, orderId: number, actorId: number | null): Promise<void> {
  const now = nowIso();
  for (const r of await openReserves(trx, orderId)) {
    await trx
      .updateTable('products')
      .set((eb) => ({ reserved: eb('reserved', '-', r.quantity), on_hand: eb('on_hand', '-', r.quantity) }))
      .where('id', '=', r.productId)
      .execute();
    await trx
      .insertInto('stock_movements')
      .values({ product_id: r.productId, order_id: orderId, kind: 'ship', on_hand_delta: -r.quantity, reserved_delta: -r.quantity, reverses_id: r.reserveId, actor_id: actorId, created_at: now })
      .execute();
  }
}

/** Manual correction (`adjust`, signed) or goods arriving (`receive`); on-hand never falls below what is reserved. */
export async function adjustStock(ctx: Ctx, actor: Actor, productId: number, raw: StockChangeInput): Promise<void> {
  requirePermission(actor, 'inventory.manage');
  const input = StockChangeSchema.parse(raw);
  await ctx.kysely.transaction().execute(async (trx) => {
    const product = await trx.selectFrom('products').select(['sku']).where('id', '=', productId).executeTakeFirst();
    if (!product) throw notFound('Product');
    const now = nowIso();
    const updated = await trx
      .updateTable('products')
      .set((eb) => ({ on_hand: eb('on_hand', '+', input.quantity), version: eb('version', '+', 1), updated_at: now }))
      .where('id', '=', productId)
      .where((eb) => eb(eb('on_hand', '+', input.quantity), '>=', eb.ref('reserved')))
      .returning(['on_hand'])
      .executeTakeFirst();
    if (!updated) {
      // Read after the failed guard, inside the transaction, so the numbers in the message are the ones that refused.
      const current = await trx.selectFrom('products').select(['on_hand', 'reserved']).where('id', '=', productId).executeTakeFirstOrThrow();
      throw new AppError('conflict', `${product.sku}: on hand cannot fall below the ${current.reserved} units reserved for orders (on hand ${current.on_hand}, change ${input.quantity})`, {
        code: 'below_reserved',
        errors: [{ field: 'quantity', message: `at least ${current.reserved - current.on_hand}` }],
      });
    }
    await trx
      .insertInto('stock_movements')
      .values({ product_id: productId, kind: input.kind, on_hand_delta: input.quantity, reserved_delta: 0, reason: input.reason, actor_id: actor.userId, created_at: now })
      .execute();
    await recordAudit(trx, ctx.dialect, actor, {
      action: `stock.${input.kind}`,
      entityType: 'product',
      entityId: productId,
      entityLabel: product.sku,
      diff: { onHand: { from: updated.on_hand - input.quantity, to: updated.on_hand } },
      reason: input.reason,
    });
  });
}

/** Stock reports are for whoever sells from or runs the warehouse. */
export function assertInventoryReader(actor: Actor): void {
  if (!scopeOf(actor, 'orders.read') && !scopeOf(actor, 'inventory.manage')) {
    throw new AppError('forbidden', 'Missing permission orders.read or inventory.manage', { permission: 'inventory.manage' });
  }
}

/** Stock per product, by SKU, with each product's last movement; keyset-paged on the unique SKU. */
export async function listStock(ctx: Ctx, actor: Actor, query: StockQuery): Promise<StockList> {
  assertInventoryReader(actor);
  let q = ctx.kysely
    .selectFrom('products as p')
    .select(['p.id', 'p.sku', 'p.name', 'p.price', 'p.on_hand', 'p.reserved'])
    .select((eb) => eb.selectFrom('stock_movements as m').select((e) => e.fn.max('m.created_at').as('at')).whereRef('m.product_id', '=', 'p.id').as('last_movement_at'))
    .orderBy('p.sku')
    .limit(query.limit + 1);
  if (query.q) q = q.where(keyContains('p.name_key', query.q));
  if (query.lowOnly) q = q.where((eb) => eb(eb('p.on_hand', '-', eb.ref('p.reserved')), '<=', query.threshold));
  if (query.cursor) q = q.where('p.sku', '>', query.cursor);
  const rows = await q.execute();
  const page = rows.slice(0, query.limit);
  return {
    items: page.map((p) => ({
      id: String(p.id),
      sku: p.sku,
      name: p.name,
      price: fromMinor(p.price),
      stock: { onHand: p.on_hand, reserved: p.reserved, available: p.on_hand - p.reserved },
      low: p.on_hand - p.reserved <= query.threshold,
      lastMovementAt: p.last_movement_at ?? null,
    })),
    nextCursor: rows.length > query.limit ? page[page.length - 1].sku : null,
  };
}

/**
 * The journal, newest first. A caller who may read only their own orders sees movements of other people's
 * orders without the order (the units still count: they are the product's history).
 */
export async function listMovements(ctx: Ctx, actor: Actor, filter: MovementQuery): Promise<{ items: MovementView[]; nextCursor: string | null }> {
  assertInventoryReader(actor);
  const ownOnly = !scopeOf(actor, 'inventory.manage') && scopeOf(actor, 'orders.read') === 'own';
  if (filter.orderId) {
    const order = await ctx.kysely.selectFrom('orders').select('owner_id').where('id', '=', Number(filter.orderId)).executeTakeFirst();
    if (!order || (ownOnly && order.owner_id !== actor.userId)) throw notFound('Order');
  }
  const productId = filter.productId ? Number(filter.productId) : undefined;
  // Running balances only make sense over one product's whole journal, so they are computed before any other filter.
  const source =
    productId !== undefined
      ? ctx.kysely
          .selectFrom('stock_movements')
          .selectAll()
          .select([sql<number | null>`sum(on_hand_delta) over (order by id)`.as('on_hand_after'), sql<number | null>`sum(reserved_delta) over (order by id)`.as('reserved_after')])
          .where('product_id', '=', productId)
      : ctx.kysely.selectFrom('stock_movements').selectAll().select([sql<number | null>`null`.as('on_hand_after'), sql<number | null>`null`.as('reserved_after')]);
  let q = ctx.kysely
    .selectFrom(source.as('m'))
    .innerJoin('products as p', 'p.id', 'm.product_id')
    .leftJoin('orders as o', 'o.id', 'm.order_id')
    .leftJoin('users as u', 'u.id', 'm.actor_id')
    .select(['m.id', 'm.product_id', 'p.sku', 'm.order_id', 'o.number', 'o.owner_id', 'm.kind', 'm.on_hand_delta', 'm.reserved_delta', 'm.on_hand_after', 'm.reserved_after', 'm.reverses_id', 'm.reason', 'u.username', 'm.created_at'])
    .orderBy('m.id', 'desc')
    .limit(filter.limit + 1);
  if (filter.orderId) q = q.where('m.order_id', '=', Number(filter.orderId));
  if (filter.kind) q = q.where('m.kind', '=', filter.kind);
  if (filter.before) q = q.where('m.id', '<', Number(filter.before));
  const rows = await q.execute();
  const page = rows.slice(0, filter.limit);
  return {
    items: page.map((r) => {
      const visible = r.order_id != null && r.owner_id != null && (!ownOnly || r.owner_id === actor.userId);
      return {
        id: String(r.id),
        productId: String(r.product_id),
        sku: r.sku,
        kind: r.kind as MovementKind,
        orderId: visible ? String(r.order_id) : null,
        orderNumber: visible ? r.number : null,
        onHandDelta: r.on_hand_delta,
        reservedDelta: r.reserved_delta,
        reversesId: r.reverses_id == null ? null : String(r.reverses_id),
        balanceAfter: r.on_hand_after == null || r.reserved_after == null ? null : { onHand: Number(r.on_hand_after), reserved: Number(r.reserved_after) },
        reason: r.reason,
        actor: r.username,
        createdAt: r.created_at,
      };
    }),
    nextCursor: rows.length > filter.limit ? String(page[page.length - 1].id) : null,
  };
}
