import { sql, type Kysely, type Transaction } from 'kysely';
import { fromMinor } from '../../../contracts/common.js';
import { dialectOf, type Dialect } from '../../db/connect.js';
import { takesRowLocks } from '../../db/claim.js';
import { inIdSet, insertRowSet, rowSet, type SetColumns, type SetRow } from '../../db/row-sets.js';
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

/*
 * Each journal is written with one statement per call, whatever the number of orders: the rows go in as one
 * row set (db/row-sets.ts), and the reads that decide them are one statement each over the whole id set.
 */
const MOVEMENT_COLUMNS: SetColumns = [
  ['product_id', 'int'],
  ['order_id', 'int'],
  ['kind', 'text'],
  ['on_hand_delta', 'int'],
  ['reserved_delta', 'int'],
  ['reverses_id', 'int'],
  ['reason', 'text'],
  ['actor_id', 'int'],
  ['created_at', 'text'],
];
const LEDGER_COLUMNS: SetColumns = [
  ['order_id', 'int'],
  ['customer_id', 'int'],
  ['kind', 'text'],
  ['amount', 'int'],
  ['reverses_id', 'int'],
  ['note', 'text'],
  ['actor_id', 'int'],
  ['created_at', 'text'],
];

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

/**
 * The open reserves of the orders: their reserve movements that none of their movements reverses. The orders'
 * movements are read once (a CTE used twice: both databases materialise it) and the reversed reserves dropped in
 * the statement rather than returned: every delete and restore of an order adds a release and a reserve per line,
 * and an order deleted and restored often held dozens of movements per open reserve (bench/README.md).
 */
export async function heldStock(db: Kysely<DB>, orderIds: number[]): Promise<HeldStock[]> {
  if (orderIds.length === 0) return [];
  const open = await db
    .with('order_movements', (qb) =>
      qb
        .selectFrom('stock_movements')
        .select(['id', 'order_id', 'product_id', 'kind', 'reserved_delta', 'reverses_id'])
        .where(inIdSet(dialectOf(db), 'order_id', orderIds)),
    )
    .selectFrom('order_movements as m')
    .innerJoin('products as p', 'p.id', 'm.product_id')
    .select(['m.id', 'm.order_id', 'm.product_id', 'p.sku', 'm.reserved_delta'])
    .where('m.kind', '=', 'reserve')
    .where('m.id', 'not in', (qb) => qb.selectFrom('order_movements as r').select('r.reverses_id').where('r.reverses_id', 'is not', null))
    .execute();
  const out = open.map((m) => ({ reserveId: m.id, orderId: Number(m.order_id), productId: m.product_id, sku: m.sku, quantity: m.reserved_delta }));
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
 * Adds each product's delta to the given balance columns with one statement joined to the deltas as a row set:
 * on PostgreSQL every statement is a round trip, and 1,000 orders touch most of a catalogue. (A `case id when …`
 * per product, as before, is evaluated by walking its branches for every row: quadratic in the products.)
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
  if (deltas.length === 0) return new Set();
  // FOR NO KEY UPDATE, not FOR UPDATE: an order being created at the same time takes FOR KEY SHARE on these
  // products for its lines' foreign keys, in line order; FOR UPDATE conflicts with that and the two deadlocked.
  if (takesRowLocks(dialect)) {
    await trx
      .selectFrom('products')
      .select('id')
      .where(inIdSet(dialect, 'id', deltas.map(([id]) => id)))
      .orderBy('id')
      .forNoKeyUpdate()
      .execute();
  }
  const d = rowSet(dialect, 'd', [['id', 'int'], ['delta', 'int']], deltas);
  const alsoOnHand = columns.includes('on_hand') ? sql`, on_hand = on_hand + d.delta` : sql``;
  const guard = options.onlyIfAvailable ? sql` and products.on_hand - products.reserved >= d.delta` : sql``;
  const { rows } = await sql<{ id: number }>`update products set reserved = reserved + d.delta${alsoOnHand} from ${d} where products.id = d.id${guard} returning products.id`.execute(trx);
  return new Set(rows.map((r) => Number(r.id)));
}

/** What the orders' lines ask for, summed per order and product. */
async function stockNeededBy(trx: Transaction<DB>, dialect: Dialect, orderIds: number[]) {
  const lines = await trx
    .selectFrom('order_items')
    .select(['order_id', 'product_id', sql<number>`sum(quantity)`.as('quantity')])
    .where(inIdSet(dialect, 'order_id', orderIds))
    .groupBy(['order_id', 'product_id'])
    .execute();
  const needs = lines.map((l) => ({ orderId: l.order_id, productId: l.product_id, quantity: Number(l.quantity) }));
  return needs.sort((a, b) => a.orderId - b.orderId || a.productId - b.productId);
}

/**
 * Reserves the lines of every order (confirm, restore) or nothing: if any product is short, a 409
 * `insufficient_stock` lists every short product with what the orders together ask for and what is available.
 * One reserve row per order and product.
 */
export async function reserveStock(trx: Transaction<DB>, dialect: Dialect, orderIds: number[], actorId: number | null, reason: string | null): Promise<void> {
  if (orderIds.length === 0) return;
  const needs = await stockNeededBy(trx, dialect, orderIds);
  const totals = totalsByProduct(needs);
  const reserved = await addToBalances(trx, dialect, totals, ['reserved'], { onlyIfAvailable: true });
  const short = totals.filter(([productId]) => !reserved.has(productId));
  const shortages: Shortage[] = [];
  if (short.length > 0) {
    const products = await trx.selectFrom('products').select(['id', 'sku', 'on_hand', 'reserved']).where(inIdSet(dialect, 'id', short.map(([id]) => id))).orderBy('id').execute();
    const requested = new Map(short);
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
  const rows: SetRow[] = needs.map((n) => [n.productId, n.orderId, 'reserve', 0, n.quantity, null, reason, actorId, now]);
  await insertRowSet(trx, dialect, 'stock_movements', MOVEMENT_COLUMNS, rows);
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
  const rows: SetRow[] = held.map((h) => [h.productId, h.orderId, kind, kind === 'ship' ? -h.quantity : 0, -h.quantity, h.reserveId, reason, actorId, now]);
  await insertRowSet(trx, dialect, 'stock_movements', MOVEMENT_COLUMNS, rows);
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

/**
 * Receivables no reversal names yet, with their ids, so each reversal names what it reverses. As in heldStock, the
 * reversed ones are dropped in the statement rather than returned: each delete and restore adds a reversal and a
 * receivable per order.
 */
export async function openReceivables(db: Kysely<DB>, orderIds: number[]): Promise<OpenReceivable[]> {
  if (orderIds.length === 0) return [];
  const open = await db
    .with('order_entries', (qb) =>
      qb
        .selectFrom('ledger_entries')
        .select(['id', 'order_id', 'customer_id', 'kind', 'amount', 'reverses_id'])
        .where(inIdSet(dialectOf(db), 'order_id', orderIds))
        .where('kind', 'in', ['receivable', 'reversal']),
    )
    .selectFrom('order_entries as e')
    .select(['e.id', 'e.order_id', 'e.customer_id', 'e.amount'])
    .where('e.kind', '=', 'receivable')
    .where('e.id', 'not in', (qb) => qb.selectFrom('order_entries as r').select('r.reverses_id').where('r.kind', '=', 'reversal').where('r.reverses_id', 'is not', null))
    .orderBy('e.id')
    .execute();
  return open.map((e) => ({ id: e.id, orderId: e.order_id, customerId: e.customer_id, amount: e.amount }));
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
  const rows: SetRow[] = orders.filter((o) => o.total !== 0).map((o) => [o.id, o.customer_id, 'receivable', o.total, null, note, actorId, now]);
  await insertRowSet(trx, dialectOf(trx), 'ledger_entries', LEDGER_COLUMNS, rows);
}

/** One reversal per open receivable of the orders (cancel, delete), each its exact negation; returns what was reversed. */
export async function reverseReceivables(trx: Transaction<DB>, orderIds: number[], actorId: number | null, note: string): Promise<OpenReceivable[]> {
  if (orderIds.length === 0) return [];
  const open = await openReceivables(trx, orderIds);
  const now = nowIso();
  const rows: SetRow[] = open.map((e) => [e.orderId, e.customerId, 'reversal', -e.amount, e.id, note, actorId, now]);
  await insertRowSet(trx, dialectOf(trx), 'ledger_entries', LEDGER_COLUMNS, rows);
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
