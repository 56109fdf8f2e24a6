import { sql, type Kysely, type Transaction } from 'kysely';
import { fromMinor } from '../../../contracts/common.js';
import type { CustomerBalanceList, CustomerBalanceQuery, FinanceSummary, LedgerEntryView, LedgerKind, RevenueMonth } from '../../../contracts/finance.js';
import type { Ctx } from '../../db/context.js';
import type { DB } from '../../db/schema.js';
import { scopeOf, type Actor } from '../../platform/actor.js';
import { nowIso } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';
import { customerNameMatches } from '../customers/customers.service.js';

/**
 * The finance journal: what each customer owes per order. Receivable +total on confirm, payment −amount,
 * refund +amount (names the payment it gives back), reversal −receivable on cancel or deletion (names the
 * receivable). Append-only: nothing is updated or deleted in place.
 */
export type { LedgerKind };

type OrderRef = { id: number; customer_id: number; total: number };

/** A free order (total 0) owes nothing, so it posts no receivable: the journal holds no zero entries. */
export async function postReceivable(trx: Transaction<DB>, order: OrderRef, actorId: number | null): Promise<void> {
  if (order.total === 0) return;
  await trx
    .insertInto('ledger_entries')
    .values({ order_id: order.id, customer_id: order.customer_id, kind: 'receivable', amount: order.total, actor_id: actorId, created_at: nowIso() })
    .execute();
}

/** Receivables of the order that no reversal names yet. */
async function openReceivables(trx: Transaction<DB>, orderId: number) {
  return trx
    .selectFrom('ledger_entries as r')
    .select(['r.id', 'r.amount'])
    .where('r.order_id', '=', orderId)
    .where('r.kind', '=', 'receivable')
    .where((eb) =>
      eb.not(eb.exists(eb.selectFrom('ledger_entries as x').select('x.id').where('x.order_id', '=', orderId).where('x.kind', '=', 'reversal').whereRef('x.reverses_id', '=', 'r.id'))),
    )
    .orderBy('r.id')
    .execute();
}

/** What reversing the order's receivables would take back (for deletion previews); 0 when nothing is open. */
export async function openReceivableTotal(trx: Transaction<DB>, orderId: number): Promise<number> {
  return (await openReceivables(trx, orderId)).reduce((sum, e) => sum + e.amount, 0);
}

/** One reversal per open receivable, each the exact negation of the entry it names. Returns the total reversed. */
export async function reverseReceivable(trx: Transaction<DB>, order: OrderRef, actorId: number | null, note: string): Promise<number> {
  let reversedTotal = 0;
  for (const entry of await openReceivables(trx, order.id)) {
    await trx
      .insertInto('ledger_entries')
      .values({ order_id: order.id, customer_id: order.customer_id, kind: 'reversal', amount: -entry.amount, reverses_id: entry.id, note, actor_id: actorId, created_at: nowIso() })
      .execute();
    reversedTotal += entry.amount;
  }
  return reversedTotal;
}

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

/** Company-wide money is for finance, or for whoever may read every order; a rep with "own" scope may not. */
export function assertFinanceReader(actor: Actor): void {
  if (!scopeOf(actor, 'finance.manage') && scopeOf(actor, 'orders.read') !== 'all') {
    throw new AppError('forbidden', 'Finance reports need finance.manage or orders.read for all records', { permission: 'finance.manage' });
  }
}

export async function listLedger(ctx: Ctx, filter: { orderId?: number; customerId?: number; limit: number }): Promise<LedgerEntryView[]> {
  let q = ctx.kysely
    .selectFrom('ledger_entries as l')
    .leftJoin('orders as o', 'o.id', 'l.order_id')
    .leftJoin('users as u', 'u.id', 'l.actor_id')
    .select(['l.id', 'l.order_id', 'o.number', 'l.customer_id', 'l.kind', 'l.amount', 'l.reverses_id', 'l.note', 'u.username', 'l.created_at'])
    .orderBy('l.id')
    .limit(filter.limit);
  if (filter.orderId !== undefined) q = q.where('l.order_id', '=', filter.orderId);
  // A customer's statement covers live orders only, like every other report.
  if (filter.customerId !== undefined) q = q.where('l.customer_id', '=', filter.customerId).where('o.deleted_at', 'is', null);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: String(r.id),
    orderId: String(r.order_id),
    orderNumber: r.number,
    customerId: String(r.customer_id),
    kind: r.kind as LedgerKind,
    amount: fromMinor(r.amount),
    reversesId: r.reverses_id == null ? null : String(r.reverses_id),
    note: r.note,
    actor: r.username,
    createdAt: r.created_at,
  }));
}

/** Entries of live orders only: a deleted (or purged) order contributes nothing to any report. */
const liveEntries = (db: Kysely<DB>) => db.selectFrom('ledger_entries as l').innerJoin('orders as o', 'o.id', 'l.order_id').where('o.deleted_at', 'is', null);

const INVOICED = sql<number>`coalesce(sum(case when l.kind in ('receivable', 'reversal') then l.amount else 0 end), 0)`;
const RECEIVED = sql<number>`coalesce(-sum(case when l.kind in ('payment', 'refund') then l.amount else 0 end), 0)`;
const BALANCE = sql<number>`coalesce(sum(l.amount), 0)`;

export async function financeSummary(ctx: Ctx, actor: Actor): Promise<FinanceSummary> {
  assertFinanceReader(actor);
  const rows = await liveEntries(ctx.kysely)
    .select(['l.kind', sql<number>`coalesce(sum(l.amount), 0)`.as('total')])
    .groupBy('l.kind')
    .execute();
  const by = (k: LedgerKind) => Number(rows.find((r) => r.kind === k)?.total ?? 0);
  const openBy = (column: 'l.customer_id' | 'l.order_id') => liveEntries(ctx.kysely).select(column).groupBy(column).having(BALANCE, '<>', 0);
  const open = await ctx.kysely
    .selectNoFrom((eb) => [
      eb.selectFrom(openBy('l.customer_id').as('b')).select((e) => e.fn.countAll<number>().as('n')).as('customers'),
      eb.selectFrom(openBy('l.order_id').as('b')).select((e) => e.fn.countAll<number>().as('n')).as('orders'),
    ])
    .executeTakeFirstOrThrow();
  return {
    receivable: fromMinor(rows.reduce((s, r) => s + Number(r.total), 0)),
    invoiced: fromMinor(by('receivable') + by('reversal')),
    received: fromMinor(-(by('payment') + by('refund'))),
    refunded: fromMinor(by('refund')),
    reversed: fromMinor(-by('reversal')),
    customersWithBalance: Number(open.customers),
    ordersWithBalance: Number(open.orders),
  };
}

/** Per-customer invoiced, paid and balance over live orders; offset-paged because it pages an aggregate. */
export async function customerBalances(ctx: Ctx, actor: Actor, query: CustomerBalanceQuery): Promise<CustomerBalanceList> {
  assertFinanceReader(actor);
  const offset = query.cursor ? Number(query.cursor) : 0;
  let q = liveEntries(ctx.kysely)
    .innerJoin('customers as c', 'c.id', 'l.customer_id')
    .select(['c.id', 'c.name', INVOICED.as('invoiced'), RECEIVED.as('paid'), BALANCE.as('balance')])
    .groupBy(['c.id', 'c.name'])
    .limit(query.limit + 1)
    .offset(offset);
  if (query.q) q = q.where(customerNameMatches(ctx.kysely, 'c.id', query.q));
  if (query.openOnly) q = q.having(BALANCE, '<>', 0);
  q =
    query.sort === '-balance' ? q.orderBy(BALANCE, 'desc').orderBy('c.id')
    : query.sort === 'balance' ? q.orderBy(BALANCE, 'asc').orderBy('c.id')
    : query.sort === 'name' ? q.orderBy('c.name').orderBy('c.id')
    : q.orderBy('c.name', 'desc').orderBy('c.id');
  const rows = await q.execute();
  return {
    items: rows.slice(0, query.limit).map((r) => ({
      customer: { id: String(r.id), name: r.name },
      invoiced: fromMinor(Number(r.invoiced)),
      paid: fromMinor(Number(r.paid)),
      balance: fromMinor(Number(r.balance)),
    })),
    nextCursor: rows.length > query.limit ? String(offset + query.limit) : null,
  };
}

/** The first day of each of the last `months` calendar months in UTC, oldest first, as 'YYYY-MM'. */
function lastMonths(months: number, now = new Date()): string[] {
  const list: string[] = [];
  for (let i = months - 1; i >= 0; i--) {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1));
    list.push(d.toISOString().slice(0, 7));
  }
  return list;
}

/**
 * Invoiced and received per calendar month (UTC) of the entry. A cancellation is a credit in the month it
 * happens, as on paper: past months are never restated. Timestamps are fixed-width ISO text, so the month
 * is its first seven characters on both databases.
 */
export async function revenueByMonth(ctx: Ctx, actor: Actor, months: number): Promise<RevenueMonth[]> {
  assertFinanceReader(actor);
  const list = lastMonths(months);
  const month = sql<string>`substr(l.created_at, 1, 7)`;
  const rows = await liveEntries(ctx.kysely)
    .select([month.as('month'), INVOICED.as('invoiced'), RECEIVED.as('received')])
    .where('l.created_at', '>=', `${list[0]}-01T00:00:00.000Z`)
    .groupBy(month)
    .execute();
  return list.map((m) => {
    const row = rows.find((r) => r.month === m);
    return { month: m, invoiced: fromMinor(Number(row?.invoiced ?? 0)), received: fromMinor(Number(row?.received ?? 0)) };
  });
}
