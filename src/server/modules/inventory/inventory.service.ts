import { sql } from 'kysely';
import { fromMinor } from '../../../contracts/common.js';
import type { MovementKind, MovementQuery, MovementView, StockChangeInput, StockList, StockQuery } from '../../../contracts/inventory.js';
import { StockChangeInput as StockChangeSchema } from '../../../contracts/inventory.js';
import type { Ctx } from '../../db/context.js';
import { requirePermission, scopeOf, type Actor } from '../../platform/actor.js';
import { recordAudit } from '../../platform/audit.js';
import { AppError, notFound } from '../../platform/errors.js';
import { keyContains } from '../../db/search.js';
import { changeOnHand } from '../journals/journals.service.js';

/**
 * Stock reports and the warehouse's manual changes. Every write to the stock journal (and to the products'
 * balance columns that move with it) goes through journals/journals.service.ts.
 */
export type { MovementKind };

/** Manual correction (`adjust`, signed) or goods arriving (`receive`); on-hand never falls below what is reserved. */
export async function adjustStock(ctx: Ctx, actor: Actor, productId: number, raw: StockChangeInput): Promise<void> {
  requirePermission(actor, 'inventory.manage');
  const input = StockChangeSchema.parse(raw);
  await ctx.kysely.transaction().execute(async (trx) => {
    const product = await trx.selectFrom('products').select(['sku']).where('id', '=', productId).executeTakeFirst();
    if (!product) throw notFound('Product');
    const onHand = await changeOnHand(trx, productId, { kind: input.kind, quantity: input.quantity, reason: input.reason }, actor.userId);
    await recordAudit(trx, ctx.dialect, actor, {
      action: `stock.${input.kind}`,
      entityType: 'product',
      entityId: productId,
      entityLabel: product.sku,
      diff: { onHand: { from: onHand - input.quantity, to: onHand } },
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
  // One filter for the page and the count, so "N items" is what paging through would show.
  let count = ctx.kysely.selectFrom('products as p').select((eb) => eb.fn.countAll<number | string>().as('n'));
  if (query.q) {
    q = q.where(keyContains('p.name_key', query.q));
    count = count.where(keyContains('p.name_key', query.q));
  }
  if (query.lowOnly) {
    q = q.where((eb) => eb(eb('p.on_hand', '-', eb.ref('p.reserved')), '<=', query.threshold));
    count = count.where((eb) => eb(eb('p.on_hand', '-', eb.ref('p.reserved')), '<=', query.threshold));
  }
  if (query.cursor) q = q.where('p.sku', '>', query.cursor);
  const [rows, counted] = await Promise.all([q.execute(), count.executeTakeFirstOrThrow()]);
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
    total: Number(counted.n),
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
    .select(['m.id', 'm.product_id', 'p.sku', 'm.order_id', 'o.number', 'o.owner_id', 'm.kind', 'm.on_hand_delta', 'm.reserved_delta', 'm.on_hand_after', 'm.reserved_after', 'm.reverses_id', 'm.reason', 'u.username', 'u.display_name', 'm.created_at'])
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
        // People are shown by the name they chose (issue 18), the username only when they chose none.
        actor: r.display_name ?? r.username,
        createdAt: r.created_at,
      };
    }),
    nextCursor: rows.length > filter.limit ? String(page[page.length - 1].id) : null,
  };
}
