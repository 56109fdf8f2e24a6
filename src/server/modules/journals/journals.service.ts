import { sql, type Kysely, type Transaction } from 'kysely';
import { fromMinor } from '../../../contracts/common.js';
import type { Dialect } from '../../db/connect.js';
import { idChunks } from '../../db/chunks.js';
import { takesRowLocks } from '../../db/claim.js';
import type { DB } from '../../db/schema.js';
import { nowIso } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';

/**
 * The stock and ledger journals: the only code that writes `stock_movements`, `ledger_entries` and the
 * balance columns of `products`. Every function takes the caller's transaction, so the journal rows commit or
 * roll back with the command that caused them, and every function works on a batch of orders: confirming,
 * cancelling or shipping one order passes one id, deleting or restoring a thousand passes a thousand, and
 * both go through the same statements, so "what is still reserved" has exactly one definition.
 *
 * The rules (checked by integrity/invariants.ts): nothing is edited in place; a release or a ship reverses
 * one reserve of its order in full and names it; a reversal negates one receivable and names it; a refund
 * names the payment it gives back. Balances of products are always updated in product id order, so two
 * writers never deadlock.
 */

const ROWS_PER_INSERT = 500;

async function insertInChunks<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (const chunk of idChunks(rows, ROWS_PER_INSERT)) await insert(chunk);
}

export interface Shortage {
  productId: string;
  sku: string;
  requested: number;
  available: number;
}

/** A reservation no release or ship has reversed yet: what its order still holds of the product. */
export interface HeldStock {
  reserveId: number;
  orderId: number;
  productId: number;
  sku: string;
  quantity: number;
}

/** The open reserves of the orders, from their movements (one indexed read per 1,000 orders). */
export async function heldStock(db: Kysely<DB>, orderIds: number[]): Promise<HeldStock[]> {
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

/** Units per product, in product id order. */
function totalsByProduct(lines: Array<{ productId: number; quantity: number }>): Array<[number, number]> {
  const totals = new Map<number, number>();
  for (const l of lines) totals.set(l.productId, (totals.get(l.productId) ?? 0) + l.quantity);
  return [...totals].sort(([a], [b]) => a - b);
}

/** Reserving and releasing move `reserved`; shipping moves `on_hand` by the same units too. */
type BalanceColumn = 'reserved' | 'on_hand';

/**
 * Adds each product's delta to the given balance columns with one statement per 500 products, not one per
 * product: on PostgreSQL every statement is a round trip, and 1,000 orders touch most of a catalogue.
 * PostgreSQL locks the rows first, in product id order like every other writer. With `onlyIfAvailable` a
 * product without that many units available is left as it is (the guard and the increment are one statement,
 * so two orders can never both take the last units); returns the products that were updated.
 */
async function addToBalances(
  trx: Transaction<DB>,
  dialect: Dialect,
  deltas: Array<[number, number]>,
  columns: BalanceColumn[],
  options: { onlyIfAvailable?: boolean } = {},
): Promise<Set<number>> {
  const updated = new Set<number>();
  for (const chunk of idChunks(deltas, 500)) {
    const ids = chunk.map(([id]) => id);
    // FOR NO KEY UPDATE, not FOR UPDATE: an order being created at the same time takes FOR KEY SHARE on these
    // products for its lines' foreign keys, in line order; FOR UPDATE conflicts with that and the two deadlocked.
    if (takesRowLocks(dialect)) await trx.selectFrom('products').select('id').where('id', 'in', ids).orderBy('id').forNoKeyUpdate().execute();
    const delta = sql<number>`case ${sql.ref('id')} ${sql.join(
      chunk.map(([id, d]) => sql`when ${id} then cast(${d} as bigint)`),
      sql` `,
    )} end`;
    let q = trx
      .updateTable('products')
      .set((eb) => (columns.includes('on_hand') ? { reserved: eb('reserved', '+', delta), on_hand: eb('on_hand', '+', delta) } : { reserved: eb('reserved', '+', delta) }))
      .where('id', 'in', ids);
    if (options.onlyIfAvailable) q = q.where((eb) => eb(eb('on_hand', '-', eb.ref('reserved')), '>=', delta));
    for (const row of await q.returning('id').execute()) updated.add(row.id);
  }
  return updated;
}

/** What the orders' lines ask for, summed per order and product. */
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
 * Reserves the lines of every order (confirm, restore) or nothing: if any product is short, a 409
 * `insufficient_stock` lists every short product with what the orders together ask for and what is available.
 * One reserve row per order and product.
 */
export async function reserveStock(trx: Transaction<DB>, dialect: Dialect, orderIds: number[], actorId: number | null, reason: string | null): Promise<void> {
  if (orderIds.length === 0) return;
  const needs = await stockNeededBy(trx, orderIds);
  const totals = totalsByProduct(needs);
  const reserved = await addToBalances(trx, dialect, totals, ['reserved'], { onlyIfAvailable: true });
  const short = totals.filter(([productId]) => !reserved.has(productId));
  const shortages: Shortage[] = [];
  for (const chunk of idChunks(short)) {
    const products = await trx.selectFrom('products').select(['id', 'sku', 'on_hand', 'reserved']).where('id', 'in', chunk.map(([id]) => id)).orderBy('id').execute();
    const requested = new Map(chunk);
    for (const p of products) shortages.push({ productId: String(p.id), sku: p.sku, requested: requested.get(p.id)!, available: p.on_hand - p.reserved });
  }
  // The caller's transaction rolls back on this error, undoing the products that did have enough.
  if (shortages.length > 0) {
    throw new AppError('conflict', `Not enough stock: ${shortages.map((s) => `${s.sku} needs ${s.requested}, ${s.available} available`).join('; ')}`, {
      code: 'insufficient_stock',
      shortages,
    });
  }
  const now = nowIso();
  const rows = needs.map((n) => ({ product_id: n.productId, order_id: n.orderId, kind: 'reserve', on_hand_delta: 0, reserved_delta: n.quantity, reason, actor_id: actorId, created_at: now }));
  await insertInChunks(rows, (chunk) => trx.insertInto('stock_movements').values(chunk).execute());
}

/**
 * Reverses every open reserve of the orders with a movement of `kind`, each naming its reserve: a release
 * (cancel, delete) gives the units back to `available`; a ship takes them out of the warehouse too.
 */
async function reverseReserves(trx: Transaction<DB>, dialect: Dialect, orderIds: number[], kind: 'release' | 'ship', actorId: number | null, reason: string | null): Promise<HeldStock[]> {
  if (orderIds.length === 0) return [];
  const held = await heldStock(trx, orderIds);
  const columns: BalanceColumn[] = kind === 'ship' ? ['reserved', 'on_hand'] : ['reserved'];
  await addToBalances(trx, dialect, totalsByProduct(held).map(([productId, quantity]) => [productId, -quantity]), columns);
  const now = nowIso();
  const rows = held.map((h) => ({
    product_id: h.productId,
    order_id: h.orderId,
    kind,
    on_hand_delta: kind === 'ship' ? -h.quantity : 0,
    reserved_delta: -h.quantity,
    reverses_id: h.reserveId,
    reason,
    actor_id: actorId,
    created_at: now,
  }));
  await insertInChunks(rows, (chunk) => trx.insertInto('stock_movements').values(chunk).execute());
  return held;
}

/** Gives back everything the orders hold (cancel, delete); returns what was released. */
export function releaseStock(trx: Transaction<DB>, dialect: Dialect, orderIds: number[], actorId: number | null, reason: string): Promise<HeldStock[]> {
  return reverseReserves(trx, dialect, orderIds, 'release', actorId, reason);
}

/** Shipping turns each reservation into goods leaving the warehouse: on-hand and reserved both drop by it. */
export function shipStock(trx: Transaction<DB>, dialect: Dialect, orderIds: number[], actorId: number | null): Promise<HeldStock[]> {
  return reverseReserves(trx, dialect, orderIds, 'ship', actorId, null);
}

/**
 * A manual correction (`adjust`, signed) or goods arriving (`receive`) of one product. On-hand never falls
 * below what is reserved: a 409 `below_reserved` says by how much. Returns the new on-hand.
 */
export async function changeOnHand(
  trx: Transaction<DB>,
  productId: number,
  change: { kind: 'adjust' | 'receive'; quantity: number; reason: string },
  actorId: number | null,
): Promise<number> {
  const now = nowIso();
  const updated = await trx
    .updateTable('products')
    .set((eb) => ({ on_hand: eb('on_hand', '+', change.quantity), version: eb('version', '+', 1), updated_at: now }))
    .where('id', '=', productId)
    .where((eb) => eb(eb('on_hand', '+', change.quantity), '>=', eb.ref('reserved')))
    .returning(['on_hand'])
    .executeTakeFirst();
  if (!updated) {
    // Read after the failed guard, inside the transaction, so the numbers in the message are the ones that refused.
    const current = await trx.selectFrom('products').select(['sku', 'on_hand', 'reserved']).where('id', '=', productId).executeTakeFirstOrThrow();
    throw new AppError('conflict', `${current.sku}: on hand cannot fall below the ${current.reserved} units reserved for orders (on hand ${current.on_hand}, change ${change.quantity})`, {
      code: 'below_reserved',
      errors: [{ field: 'quantity', message: `at least ${current.reserved - current.on_hand}` }],
    });
  }
  await trx
    .insertInto('stock_movements')
    .values({ product_id: productId, kind: change.kind, on_hand_delta: change.quantity, reserved_delta: 0, reason: change.reason, actor_id: actorId, created_at: now })
    .execute();
  return updated.on_hand;
}

/** A new product's opening stock: its row is created with this on-hand, and the journal starts with it. */
export async function recordOpeningStock(trx: Transaction<DB>, productId: number, quantity: number, actorId: number | null): Promise<void> {
  if (quantity === 0) return;
  await trx
    .insertInto('stock_movements')
    .values({ product_id: productId, kind: 'receive', on_hand_delta: quantity, reserved_delta: 0, reason: 'opening stock', actor_id: actorId, created_at: nowIso() })
    .execute();
}

export interface OpenReceivable {
  id: number;
  orderId: number;
  customerId: number;
  amount: number;
}

/** Receivables no reversal names yet, with their ids, so each reversal names what it reverses. */
export async function openReceivables(db: Kysely<DB>, orderIds: number[]): Promise<OpenReceivable[]> {
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

/** Sum of open receivables per order, as money strings: what a reversal would take back. */
export function reversalsByOrder(open: OpenReceivable[]): Map<number, string> {
  const sums = new Map<number, number>();
  for (const e of open) sums.set(e.orderId, (sums.get(e.orderId) ?? 0) + e.amount);
  return new Map([...sums].map(([id, minor]) => [id, fromMinor(minor)]));
}

/**
 * Posts each order's receivable, its total (confirm; restore posts it again). A free order owes nothing, so it
 * posts nothing: the journal holds no zero entries.
 */
export async function postReceivables(
  trx: Transaction<DB>,
  orders: Array<{ id: number; customer_id: number; total: number }>,
  actorId: number | null,
  note: string | null,
): Promise<void> {
  const now = nowIso();
  const rows = orders
    .filter((o) => o.total !== 0)
    .map((o) => ({ order_id: o.id, customer_id: o.customer_id, kind: 'receivable', amount: o.total, note, actor_id: actorId, created_at: now }));
  await insertInChunks(rows, (chunk) => trx.insertInto('ledger_entries').values(chunk).execute());
}

/** One reversal per open receivable of the orders (cancel, delete), each its exact negation; returns what was reversed. */
export async function reverseReceivables(trx: Transaction<DB>, orderIds: number[], actorId: number | null, note: string): Promise<OpenReceivable[]> {
  if (orderIds.length === 0) return [];
  const open = await openReceivables(trx, orderIds);
  const now = nowIso();
  const rows = open.map((e) => ({ order_id: e.orderId, customer_id: e.customerId, kind: 'reversal', amount: -e.amount, reverses_id: e.id, note, actor_id: actorId, created_at: now }));
  await insertInChunks(rows, (chunk) => trx.insertInto('ledger_entries').values(chunk).execute());
  return open;
}

type OrderRef = { id: number; customer_id: number };

export async function postPayment(trx: Transaction<DB>, order: OrderRef, amount: number, actorId: number | null, note: string | null): Promise<number> {
  const { id } = await trx
    .insertInto('ledger_entries')
    .values({ order_id: order.id, customer_id: order.customer_id, kind: 'payment', amount: -amount, note, actor_id: actorId, created_at: nowIso() })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

/** Each payment of the order with what is still refundable on it, oldest first. */
async function refundablePayments(trx: Transaction<DB>, orderId: number): Promise<Array<{ id: number; refundable: number }>> {
  const entries = await trx
    .selectFrom('ledger_entries')
    .select(['id', 'kind', 'amount', 'reverses_id'])
    .where('order_id', '=', orderId)
    .where('kind', 'in', ['payment', 'refund'])
    .orderBy('id')
    .execute();
  const refunded = new Map<number, number>();
  for (const e of entries) if (e.kind === 'refund' && e.reverses_id != null) refunded.set(e.reverses_id, (refunded.get(e.reverses_id) ?? 0) + e.amount);
  return entries.filter((e) => e.kind === 'payment').map((p) => ({ id: p.id, refundable: -p.amount - (refunded.get(p.id) ?? 0) }));
}

/**
 * Gives money back against the payments in the order they were taken: each refund entry names one payment
 * and never exceeds what is left of it, so a refund larger than one payment becomes several entries.
 */
export async function postRefund(
  trx: Transaction<DB>,
  order: OrderRef,
  amount: number,
  actorId: number | null,
  note: string | null,
): Promise<Array<{ id: number; paymentId: number; amount: number }>> {
  const payments = await refundablePayments(trx, order.id);
  const refundable = payments.reduce((sum, p) => sum + p.refundable, 0);
  if (amount <= 0 || amount > refundable) {
    throw new AppError('conflict', `Cannot refund ${fromMinor(amount)}: ${fromMinor(refundable)} of the payments is refundable`, {
      code: 'refund_exceeds_payments',
      errors: [{ field: 'amount', message: `at most ${fromMinor(refundable)}` }],
    });
  }
  const posted: Array<{ id: number; paymentId: number; amount: number }> = [];
  let left = amount;
  const now = nowIso();
  for (const p of payments) {
    if (left === 0) break;
    const part = Math.min(left, p.refundable);
    if (part <= 0) continue;
    const { id } = await trx
      .insertInto('ledger_entries')
      .values({ order_id: order.id, customer_id: order.customer_id, kind: 'refund', amount: part, reverses_id: p.id, note, actor_id: actorId, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    posted.push({ id, paymentId: p.id, amount: part });
    left -= part;
  }
  return posted;
}

/**
 * Purge removes the order rows but keeps their journal rows (append-only), so it must only ever remove orders
 * the journals are done with: nothing still reserved, no receivable still open. Deleting settles both, so
 * this refusal (409 `journal_not_settled`) means something wrote around the journals.
 */
export async function assertSettled(trx: Transaction<DB>, orderIds: number[]): Promise<void> {
  const held = await heldStock(trx, orderIds);
  const owed = await openReceivables(trx, orderIds);
  const unsettled = [...new Set([...held.map((h) => h.orderId), ...owed.map((e) => e.orderId)])].sort((a, b) => a - b);
  if (unsettled.length > 0) {
    throw new AppError('conflict', `Nothing was purged: order${unsettled.length > 1 ? 's' : ''} ${unsettled.slice(0, 20).join(', ')} still hold stock or owe a receivable`, {
      code: 'journal_not_settled',
      orderIds: unsettled.map(String),
    });
  }
}
