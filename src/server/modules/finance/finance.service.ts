import { sql, type Transaction } from 'kysely';
import { fromMinor } from '../../../contracts/common.js';
import type { Ctx } from '../../db/context.js';
import type { DB } from '../../db/schema.js';
import { nowIso } from '../../platform/clock.js';

/**
 * The finance journal: what each customer owes per order. Receivable +total on confirm, payment −amount,
 * refund +amount (reverses a payment), reversal −receivable on cancel or deletion. Append-only.
 */
export type LedgerKind = 'receivable' | 'payment' | 'refund' | 'reversal';

type OrderRef = { id: number; customer_id: number; total: number };

export async function postReceivable(trx: Transaction<DB>, order: OrderRef, actorId: number | null): Promise<void> {
  await trx
    .insertInto('ledger_entries')
    .values({ order_id: order.id, customer_id: order.customer_id, kind: 'receivable', amount: order.total, actor_id: actorId, created_at: nowIso() })
    .execute();
}

/** Receivables of the order not yet reversed, with their ids, so each reversal names what it reverses. */
async function openReceivables(trx: Transaction<DB>, orderId: number) {
  const entries = await trx.selectFrom('ledger_entries').select(['id', 'kind', 'amount', 'reverses_id']).where('order_id', '=', orderId).orderBy('id').execute();
  const reversed = new Set(entries.filter((e) => e.kind === 'reversal').map((e) => e.reverses_id));
  return entries.filter((e) => e.kind === 'receivable' && !reversed.has(e.id));
}

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

export async function postRefund(trx: Transaction<DB>, order: OrderRef, amount: number, reversesPaymentId: number, actorId: number | null, note: string | null): Promise<void> {
  await trx
    .insertInto('ledger_entries')
    .values({ order_id: order.id, customer_id: order.customer_id, kind: 'refund', amount, reverses_id: reversesPaymentId, note, actor_id: actorId, created_at: nowIso() })
    .execute();
}

export async function orderLedger(ctx: Ctx, orderId: number) {
  const rows = await ctx.kysely
    .selectFrom('ledger_entries as l')
    .leftJoin('users as u', 'u.id', 'l.actor_id')
    .select(['l.id', 'l.order_id', 'l.kind', 'l.amount', 'l.reverses_id', 'l.note', 'u.username', 'l.created_at'])
    .where('l.order_id', '=', orderId)
    .orderBy('l.id')
    .execute();
  return rows.map((r) => ({
    id: String(r.id),
    orderId: String(r.order_id),
    kind: r.kind,
    amount: fromMinor(r.amount),
    reversesId: r.reverses_id == null ? null : String(r.reverses_id),
    note: r.note,
    actor: r.username,
    createdAt: r.created_at,
  }));
}

/** Journal totals. Deleted orders have their receivable reversed, so they add nothing here. */
export async function financeSummary(ctx: Ctx) {
  const rows = await ctx.kysely
    .selectFrom('ledger_entries')
    .select(['kind', sql<number>`coalesce(sum(amount), 0)`.as('total')])
    .groupBy('kind')
    .execute();
  const by = (k: LedgerKind) => Number(rows.find((r) => r.kind === k)?.total ?? 0);
  const receivable = rows.reduce((s, r) => s + Number(r.total), 0);
  return {
    receivable: fromMinor(receivable),
    invoiced: fromMinor(by('receivable') + by('reversal')),
    received: fromMinor(-(by('payment') + by('refund'))),
    reversed: fromMinor(-by('reversal')),
  };
}
