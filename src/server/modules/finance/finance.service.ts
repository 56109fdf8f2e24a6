import { sql, type Kysely } from 'kysely';
import { fromMinor } from '../../../contracts/common.js';
import type { CustomerBalanceList, CustomerBalanceQuery, FinanceSummary, LedgerEntryView, LedgerKind, RevenueMonth } from '../../../contracts/finance.js';
import type { Ctx } from '../../db/context.js';
import type { DB } from '../../db/schema.js';
import { ownerFilter, scopeOf, type Actor } from '../../platform/actor.js';
import { AppError, notFound } from '../../platform/errors.js';
import { customerNameMatches } from '../../db/search.js';

/**
 * Finance reports over the ledger: what each customer owes per order. Receivable +total on confirm, payment
 * −amount, refund +amount (names the payment it gives back), reversal −receivable on cancel or deletion
 * (names the receivable). Every write to the ledger goes through journals/journals.service.ts.
 */
export type { LedgerKind };

/** Company-wide money is for finance, or for whoever may read every order; a rep with "own" scope may not. */
export function assertFinanceReader(actor: Actor): void {
  if (!scopeOf(actor, 'finance.manage') && scopeOf(actor, 'orders.read') !== 'all') {
    throw new AppError('forbidden', 'Finance reports need finance.manage or orders.read for all records', { permission: 'finance.manage' });
  }
}

/**
 * An order's ledger, or a customer's statement. Reading an order's ledger is reading the order: same scope,
 * same 404 for an order out of it. A customer's statement (or the whole ledger) is a finance report.
 */
export async function listLedger(ctx: Ctx, actor: Actor, filter: { orderId?: number; customerId?: number; limit: number }): Promise<LedgerEntryView[]> {
  if (filter.orderId !== undefined) {
    const ownerId = ownerFilter(actor, 'orders.read');
    let order = ctx.kysely.selectFrom('orders').select('id').where('id', '=', filter.orderId).where('deleted_at', 'is', null);
    if (ownerId !== undefined) order = order.where('owner_id', '=', ownerId);
    if (!(await order.executeTakeFirst())) throw notFound('Order');
  } else {
    assertFinanceReader(actor);
  }
  let q = ctx.kysely
    .selectFrom('ledger_entries as l')
    .leftJoin('orders as o', 'o.id', 'l.order_id')
    .leftJoin('users as u', 'u.id', 'l.actor_id')
    .select(['l.id', 'l.order_id', 'o.number', 'l.customer_id', 'l.kind', 'l.amount', 'l.reverses_id', 'l.note', 'u.username', 'u.display_name', 'l.created_at'])
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
    actor: r.display_name ?? r.username,
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
