import { sql, type Kysely, type Transaction } from 'kysely';
import { fromMinor } from '../../../contracts/common.js';
import type { Dialect } from '../../db/connect.js';
import type { DB } from '../../db/schema.js';
import { nowIso } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';
import type { Shortage } from '../inventory/inventory.service.js';

/**
 * The stock and money effects of deleting and restoring many orders at once. They write exactly the journal
 * rows of inventory's releaseStock/reserveStock and finance's reverseReceivable/postReceivable, order by
 * order, but with a handful of statements per batch instead of several per order, so 1,000 orders stay fast.
 * Every release names the one reserve it gives back in full, every reversal the one receivable it negates
 * (the journal rules of integrity/invariants.ts); restore posts fresh reserves and receivables, as confirming does.
 */

/** Parameter lists are cut into pieces both databases accept comfortably. */
export function idChunks<T>(items: T[], size = 1000): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function insertInChunks<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (const chunk of idChunks(rows, 500)) await insert(chunk);
}

/** A reservation no release or ship has reversed yet: what its order still holds of the product. */
export interface HeldStock {
  reserveId: number;
  orderId: number;
  productId: number;
  sku: string;
  quantity: number;
}

/** The open reserves of the orders, from the stock journal (one indexed read of their movements). */
export async function heldStockOf(db: Kysely<DB>, orderIds: number[]): Promise<HeldStock[]> {
  const out: HeldStock[] = [];
  for (const chunk of idChunks(orderIds)) {
    const movements = await db
      .selectFrom('stock_movements as m')
      .innerJoin('products as p', 'p.id', 'm.product_id')
      .select(['m.id', 'm.order_id', 'm.product_id', 'p.sku', 'm.kind', 'm.reserved_delta', 'm.reverses_id'])
      .where('m.order_id', 'in', chunk)
      .execute();
    const reversed = new Set(movements.map((m) => m.reverses_id).filter((id) => id != null));
    for (const m of movements) {
      if (m.kind === 'reserve' && !reversed.has(m.id)) out.push({ reserveId: m.id, orderId: Number(m.order_id), productId: m.product_id, sku: m.sku, quantity: m.reserved_delta });
    }
  }
  return out.sort((a, b) => a.orderId - b.orderId || a.productId - b.productId || a.reserveId - b.reserveId);
}

/** Units per product, in product id order: balances are always updated in that order, so writers never deadlock. */
function totalsByProduct(lines: Array<{ productId: number; quantity: number }>): Array<[number, number]> {
  const totals = new Map<number, number>();
  for (const l of lines) totals.set(l.productId, (totals.get(l.productId) ?? 0) + l.quantity);
  return [...totals].sort(([a], [b]) => a - b);
}

/**
 * Adds each product's delta to its `reserved` with one statement per 500 products, not one per product: on
 * PostgreSQL every statement is a round trip, and 1,000 orders touch most of a 1,000-product catalogue (that
 * loop was most of a batch's time). PostgreSQL locks the rows first, in product id order like every other
 * writer, so concurrent batches still never deadlock. With `onlyIfAvailable` a product without that many
 * units available is left as it is; returns the products that were updated.
 */
async function addToReserved(trx: Transaction<DB>, dialect: Dialect, deltas: Array<[number, number]>, options: { onlyIfAvailable?: boolean } = {}): Promise<Set<number>> {
  const updated = new Set<number>();
  for (const chunk of idChunks(deltas, 500)) {
    const ids = chunk.map(([id]) => id);
    if (dialect === 'postgres') await trx.selectFrom('products').select('id').where('id', 'in', ids).orderBy('id').forUpdate().execute();
    const delta = sql<number>`case ${sql.ref('id')} ${sql.join(
      chunk.map(([id, d]) => sql`when ${id} then cast(${d} as bigint)`),
      sql` `,
    )} end`;
    let q = trx.updateTable('products').set((eb) => ({ reserved: eb('reserved', '+', delta) })).where('id', 'in', ids);
    if (options.onlyIfAvailable) q = q.where((eb) => eb(eb('on_hand', '-', eb.ref('reserved')), '>=', delta));
    for (const row of await q.returning('id').execute()) updated.add(row.id);
  }
  return updated;
}

export async function releaseHeldStock(trx: Transaction<DB>, dialect: Dialect, held: HeldStock[], actorId: number | null, reason: string): Promise<void> {
  await addToReserved(trx, dialect, totalsByProduct(held).map(([productId, quantity]) => [productId, -quantity]));
  const now = nowIso();
  const rows = held.map((h) => ({
    product_id: h.productId,
    order_id: h.orderId,
    kind: 'release',
    on_hand_delta: 0,
    reserved_delta: -h.quantity,
    reverses_id: h.reserveId,
    reason,
    actor_id: actorId,
    created_at: now,
  }));
  await insertInChunks(rows, (chunk) => trx.insertInto('stock_movements').values(chunk).execute());
}

/** What confirmed orders reserve: their lines summed per product, as confirming reserved them. */
async function stockNeededBy(trx: Transaction<DB>, orderIds: number[]) {
  const needs: Array<{ orderId: number; productId: number; quantity: number }> = [];
  for (const chunk of idChunks(orderIds)) {
    const lines = await trx
      .selectFrom('order_items')
      .select(['order_id', 'product_id', sql<number>`sum(quantity)`.as('quantity')])
      .where('order_id', 'in', chunk)
      .groupBy(['order_id', 'product_id'])
      .execute();
    for (const l of lines) needs.push({ orderId: l.order_id, productId: l.product_id, quantity: Number(l.quantity) });
  }
  return needs.sort((a, b) => a.orderId - b.orderId || a.productId - b.productId);
}

/**
 * Reserves the lines of every order or nothing: if any product is short, a 409 lists every short product
 * with what the whole batch asks for and what is available.
 */
export async function reserveStockOfOrders(trx: Transaction<DB>, dialect: Dialect, orderIds: number[], actorId: number | null, reason: string): Promise<void> {
  if (orderIds.length === 0) return;
  const needs = await stockNeededBy(trx, orderIds);
  const totals = totalsByProduct(needs);
  const reserved = await addToReserved(trx, dialect, totals, { onlyIfAvailable: true });
  const short = totals.filter(([productId]) => !reserved.has(productId));
  const shortages: Shortage[] = [];
  for (const chunk of idChunks(short)) {
    const products = await trx.selectFrom('products').select(['id', 'sku', 'on_hand', 'reserved']).where('id', 'in', chunk.map(([id]) => id)).orderBy('id').execute();
    const requested = new Map(chunk);
    for (const p of products) shortages.push({ productId: String(p.id), sku: p.sku, requested: requested.get(p.id)!, available: p.on_hand - p.reserved });
  }
  // The caller's transaction rolls back on this error, undoing the products that did have enough.
  if (shortages.length > 0) {
    throw new AppError('conflict', `Not enough stock to restore: ${shortages.map((s) => `${s.sku} needs ${s.requested}, ${s.available} available`).join('; ')}`, {
      code: 'insufficient_stock',
      shortages,
    });
  }
  const now = nowIso();
  const rows = needs.map((n) => ({
    product_id: n.productId,
    order_id: n.orderId,
    kind: 'reserve',
    on_hand_delta: 0,
    reserved_delta: n.quantity,
    reason,
    actor_id: actorId,
    created_at: now,
  }));
  await insertInChunks(rows, (chunk) => trx.insertInto('stock_movements').values(chunk).execute());
}

export interface OpenReceivable {
  id: number;
  orderId: number;
  customerId: number;
  amount: number;
}

/** Receivables not yet reversed, per order, with their ids, so each reversal names what it reverses. */
export async function openReceivablesOf(db: Kysely<DB>, orderIds: number[]): Promise<OpenReceivable[]> {
  const out: OpenReceivable[] = [];
  for (const chunk of idChunks(orderIds)) {
    const entries = await db
      .selectFrom('ledger_entries')
      .select(['id', 'order_id', 'customer_id', 'kind', 'amount', 'reverses_id'])
      .where('order_id', 'in', chunk)
      .where('kind', 'in', ['receivable', 'reversal'])
      .orderBy('id')
      .execute();
    const reversed = new Set(entries.filter((e) => e.kind === 'reversal').map((e) => e.reverses_id));
    for (const e of entries) {
      if (e.kind === 'receivable' && !reversed.has(e.id)) out.push({ id: e.id, orderId: e.order_id, customerId: e.customer_id, amount: e.amount });
    }
  }
  return out;
}

export async function reverseReceivables(trx: Transaction<DB>, open: OpenReceivable[], actorId: number | null, note: string): Promise<void> {
  const now = nowIso();
  const rows = open.map((e) => ({ order_id: e.orderId, customer_id: e.customerId, kind: 'reversal', amount: -e.amount, reverses_id: e.id, note, actor_id: actorId, created_at: now }));
  await insertInChunks(rows, (chunk) => trx.insertInto('ledger_entries').values(chunk).execute());
}

/** Posts each order's receivable again: its total, as confirming did (and, like it, nothing for a free order). */
export async function repostReceivables(trx: Transaction<DB>, orders: Array<{ id: number; customer_id: number; total: number }>, actorId: number | null, note: string): Promise<void> {
  const now = nowIso();
  const rows = orders
    .filter((o) => o.total !== 0)
    .map((o) => ({ order_id: o.id, customer_id: o.customer_id, kind: 'receivable', amount: o.total, note, actor_id: actorId, created_at: now }));
  await insertInChunks(rows, (chunk) => trx.insertInto('ledger_entries').values(chunk).execute());
}

/** Sum of open receivables per order, as money strings: what deleting would reverse. */
export function reversalsByOrder(open: OpenReceivable[]): Map<number, string> {
  const sums = new Map<number, number>();
  for (const e of open) sums.set(e.orderId, (sums.get(e.orderId) ?? 0) + e.amount);
  return new Map([...sums].map(([id, minor]) => [id, fromMinor(minor)]));
}
