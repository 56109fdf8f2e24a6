import { sql, type Kysely, type RawBuilder } from 'kysely';
import { fromMinor } from '../../../contracts/common.js';
import type { Violation, ViolationCode } from '../../../contracts/integrity.js';
import type { DB } from '../../db/schema.js';

/**
 * The rules of the stock and finance journals, checked against the whole database. Each check is one query
 * that returns only the rows breaking a rule, so a healthy database costs a few scans and transfers nothing.
 * Used after every step of the property test and by the data-quality audits.
 *
 * Stock:  products.on_hand/reserved = sums of their movements; nothing negative; per order and product, the
 *         units held = the order's lines while it is confirmed (else 0), the units shipped = its lines once
 *         shipped or completed (else 0); a release or ship reverses one reserve of the same order and product,
 *         in full, and no reserve is reversed twice.
 * Money:  per order, receivables net of reversals = its total while confirmed, shipped or completed (else 0:
 *         draft, cancelled, deleted, purged); payments net of refunds = orders.paid; 0 ≤ paid ≤ that;
 *         a reversal negates one receivable of the same order, once; a refund names a payment of the same
 *         order, and the refunds of a payment never exceed it.
 */
export interface CheckOptions {
  /** Rows reported per rule at most, so a badly broken database still answers quickly. */
  limitPerCheck?: number;
}

type Row = Record<string, unknown>;
const n = (v: unknown) => Number(v ?? 0);
/** A database value as text: the columns read here are strings or numbers (bigint on some drivers). */
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? v.toString() : JSON.stringify(v));
const str = (v: unknown) => (v == null ? null : text(v));

async function rows(db: Kysely<DB>, query: RawBuilder<Row>): Promise<Row[]> {
  return (await query.execute(db)).rows;
}

async function checkProductBalances(db: Kysely<DB>, limit: number): Promise<Violation[]> {
  const found = await rows(
    db,
    sql<Row>`
      select p.id, p.sku, p.on_hand, p.reserved, coalesce(j.on_hand, 0) as j_on_hand, coalesce(j.reserved, 0) as j_reserved
      from products p
      left join (select product_id, sum(on_hand_delta) as on_hand, sum(reserved_delta) as reserved from stock_movements group by product_id) j
        on j.product_id = p.id
      where p.on_hand <> coalesce(j.on_hand, 0) or p.reserved <> coalesce(j.reserved, 0)
         or p.on_hand < 0 or p.reserved < 0 or p.on_hand - p.reserved < 0
         or coalesce(j.on_hand, 0) - coalesce(j.reserved, 0) < 0 or coalesce(j.reserved, 0) < 0
      order by p.id
      limit ${limit}`,
  );
  const out: Violation[] = [];
  for (const r of found) {
    const entity = { type: 'product' as const, id: String(r.id), label: str(r.sku) };
    const [onHand, reserved, jOnHand, jReserved] = [n(r.on_hand), n(r.reserved), n(r.j_on_hand), n(r.j_reserved)];
    if (onHand !== jOnHand || reserved !== jReserved) {
      out.push({ code: 'stock_balance_mismatch', entity, detail: `balance on hand ${onHand}, reserved ${reserved}; journal on hand ${jOnHand}, reserved ${jReserved}` });
    }
    for (const [source, h, res] of [['balance', onHand, reserved], ['journal', jOnHand, jReserved]] as const) {
      if (h < 0 || res < 0 || h - res < 0) out.push({ code: 'negative_stock', entity, detail: `${source}: on hand ${h}, reserved ${res}, available ${h - res}` });
    }
  }
  return out;
}

/**
 * Units held and shipped per order and product, against what the order's status says they must be. Two
 * halves, each read in the order of a covering index (migration 0018) so nothing is sorted: every (order,
 * product) the journal holds, against the order's lines; and every line of a stock-holding order the journal
 * holds nothing for. Together they cover each pair once.
 */
async function checkOrderStock(db: Kysely<DB>, limit: number): Promise<Violation[]> {
  const found = await rows(
    db,
    sql<Row>`
      select * from (
        select order_id, product_id, number, held, shipped,
               case when live = 1 and status = 'confirmed' then quantity else 0 end as want_held,
               case when live = 1 and status in ('shipped', 'completed') then quantity else 0 end as want_shipped
        from (
          select m.order_id, m.product_id, m.held, m.shipped, o.number, o.status,
                 case when o.id is not null and o.deleted_at is null then 1 else 0 end as live,
                 coalesce((select sum(i.quantity) from order_items i where i.order_id = m.order_id and i.product_id = m.product_id), 0) as quantity
          from (
            select order_id, product_id, sum(reserved_delta) as held, sum(case when kind = 'ship' then -on_hand_delta else 0 end) as shipped
            from stock_movements where order_id is not null
            group by order_id, product_id
          ) m
          left join orders o on o.id = m.order_id
        ) j
        where held <> case when live = 1 and status = 'confirmed' then quantity else 0 end
           or shipped <> case when live = 1 and status in ('shipped', 'completed') then quantity else 0 end
        union all
        -- cross join: read the lines in index order and look each order up, rather than sort the lines of every order found by status
        select i.order_id, i.product_id, o.number, 0, 0,
               case when o.status = 'confirmed' then sum(i.quantity) else 0 end,
               case when o.status in ('shipped', 'completed') then sum(i.quantity) else 0 end
        from order_items i cross join orders o
        where o.id = i.order_id and o.deleted_at is null and o.status in ('confirmed', 'shipped', 'completed')
          and not exists (select 1 from stock_movements m where m.order_id = i.order_id and m.product_id = i.product_id)
        group by i.order_id, i.product_id, o.number, o.status
        having sum(i.quantity) <> 0
      ) x
      order by order_id, product_id
      limit ${limit}`,
  );
  const skus = await skusOf(db, found.map((r) => r.product_id));
  const out: Violation[] = [];
  for (const r of found) {
    const entity = { type: 'order' as const, id: String(r.order_id), label: str(r.number) };
    const product = skus.get(text(r.product_id)) ?? `product ${text(r.product_id)}`;
    if (n(r.held) !== n(r.want_held)) {
      out.push({ code: 'order_reservation_mismatch', entity, detail: `${product}: ${n(r.held)} reserved in the journal, ${n(r.want_held)} expected` });
    }
    if (n(r.shipped) !== n(r.want_shipped)) {
      out.push({ code: 'order_shipment_mismatch', entity, detail: `${product}: ${n(r.shipped)} shipped in the journal, ${n(r.want_shipped)} expected` });
    }
  }
  return out;
}

/** The SKUs of the few products named in violations, looked up afterwards rather than joined to every row checked. */
async function skusOf(db: Kysely<DB>, ids: unknown[]): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((id) => id != null).map((id) => Number(id)))];
  if (wanted.length === 0) return new Map();
  const found = await db.selectFrom('products').select(['id', 'sku']).where('id', 'in', wanted).execute();
  return new Map(found.map((p) => [String(p.id), p.sku]));
}

/**
 * Each order's receivable and payments in the ledger, against its status, total and paid columns. As with
 * stock, two halves that sort nothing: every order the ledger names (read by a covering index), and every
 * order the ledger says nothing about although it should (the cheap test first, the index probe after).
 */
async function checkOrderMoney(db: Kysely<DB>, limit: number): Promise<Violation[]> {
  const found = await rows(
    db,
    sql<Row>`
      select * from (
        select * from (
          select l.order_id, o.number, l.invoiced, l.received,
                 case when o.deleted_at is null and o.status in ('confirmed', 'shipped', 'completed') then o.total else 0 end as want_invoiced,
                 coalesce(o.paid, 0) as paid
          from (
            select order_id,
                   sum(case when kind in ('receivable', 'reversal') then amount else 0 end) as invoiced,
                   sum(case when kind in ('payment', 'refund') then -amount else 0 end) as received
            from ledger_entries group by order_id
          ) l
          left join orders o on o.id = l.order_id
        ) j
        where invoiced <> want_invoiced or received <> paid or paid < 0 or paid > want_invoiced
        union all
        select * from (
          select o.id as order_id, o.number, 0 as invoiced, 0 as received,
                 case when o.deleted_at is null and o.status in ('confirmed', 'shipped', 'completed') then o.total else 0 end as want_invoiced,
                 o.paid
          from orders o
        ) q
        where (want_invoiced <> 0 or paid <> 0) and not exists (select 1 from ledger_entries l where l.order_id = q.order_id)
      ) x
      order by order_id
      limit ${limit}`,
  );
  const out: Violation[] = [];
  for (const r of found) {
    const entity = { type: 'order' as const, id: String(r.order_id), label: str(r.number) };
    const [invoiced, received, wantInvoiced, paid] = [n(r.invoiced), n(r.received), n(r.want_invoiced), n(r.paid)];
    if (invoiced !== wantInvoiced) {
      out.push({ code: 'order_receivable_mismatch', entity, detail: `receivables net of reversals ${fromMinor(invoiced)}, expected ${fromMinor(wantInvoiced)}${r.number == null ? ' (order no longer exists)' : ''}` });
    }
    if (received !== paid) out.push({ code: 'order_paid_mismatch', entity, detail: `payments net of refunds ${fromMinor(received)}, order says paid ${fromMinor(paid)}` });
    if (paid < 0 || paid > wantInvoiced) out.push({ code: 'order_paid_out_of_range', entity, detail: `paid ${fromMinor(paid)} is outside 0 … ${fromMinor(wantInvoiced)}` });
  }
  return out;
}

async function checkLedgerCustomers(db: Kysely<DB>, limit: number): Promise<Violation[]> {
  const found = await rows(
    db,
    sql<Row>`
      select l.id, l.customer_id, o.customer_id as order_customer_id, o.number
      from ledger_entries l join orders o on o.id = l.order_id
      where l.customer_id <> o.customer_id
      order by l.id limit ${limit}`,
  );
  return found.map((r) => ({
    code: 'ledger_customer_mismatch' as const,
    entity: { type: 'ledger_entry' as const, id: String(r.id), label: str(r.number) },
    detail: `entry is for customer ${text(r.customer_id)}, its order for customer ${text(r.order_customer_id)}`,
  }));
}

/** The per-kind rules of a movement, as one CASE so SQL filters and names the broken rule in one place. */
async function checkMovements(db: Kysely<DB>, limit: number): Promise<Violation[]> {
  const found = await rows(
    db,
    sql<Row>`
      select * from (
        select m.id, m.kind, p.sku,
          case
            when m.kind not in ('receive', 'adjust', 'reserve', 'release', 'ship') then 'unknown kind ' || m.kind
            when m.kind = 'receive' and not (m.on_hand_delta > 0 and m.reserved_delta = 0) then 'a receipt must add on-hand units only'
            when m.kind = 'adjust' and not (m.on_hand_delta <> 0 and m.reserved_delta = 0) then 'an adjustment must change on-hand units only'
            when m.kind in ('receive', 'adjust') and m.reverses_id is not null then 'a manual movement reverses nothing'
            when m.kind = 'reserve' and not (m.reserved_delta > 0 and m.on_hand_delta = 0 and m.order_id is not null) then 'a reserve must hold units for an order'
            when m.kind = 'reserve' and m.reverses_id is not null then 'a reserve reverses nothing'
            when m.kind in ('release', 'ship') and m.reverses_id is null then 'a ' || m.kind || ' must name the reserve it reverses'
            when m.kind in ('release', 'ship') and r.id is null then 'reverses a movement that does not exist'
            when m.kind in ('release', 'ship') and r.kind <> 'reserve' then 'reverses a ' || r.kind || ', not a reserve'
            when m.kind in ('release', 'ship') and (m.order_id is null or r.order_id <> m.order_id or r.product_id <> m.product_id) then 'reverses a reserve of another order or product'
            when m.kind in ('release', 'ship') and m.reserved_delta <> -r.reserved_delta then 'releases ' || cast(-m.reserved_delta as text) || ' of a reserve of ' || cast(r.reserved_delta as text)
            when m.kind = 'release' and m.on_hand_delta <> 0 then 'a release must not change on-hand units'
            when m.kind = 'ship' and m.on_hand_delta <> m.reserved_delta then 'a ship must take the reserved units out of on-hand'
          end as problem
        from stock_movements m
        left join stock_movements r on r.id = m.reverses_id
        left join products p on p.id = m.product_id
      ) x
      where x.problem is not null
      order by x.id limit ${limit}`,
  );
  const twice = await rows(
    db,
    sql<Row>`
      select reverses_id, count(*) as times from stock_movements
      where reverses_id is not null group by reverses_id having count(*) > 1
      order by reverses_id limit ${limit}`,
  );
  return [
    ...found.map((r) => ({ code: 'movement_invalid' as const, entity: { type: 'stock_movement' as const, id: String(r.id), label: str(r.sku) }, detail: `${text(r.kind)}: ${text(r.problem)}` })),
    ...twice.map((r) => ({
      code: 'movement_reversed_twice' as const,
      entity: { type: 'stock_movement' as const, id: String(r.reverses_id), label: null },
      detail: `reversed by ${n(r.times)} movements`,
    })),
  ];
}

async function checkLedgerEntries(db: Kysely<DB>, limit: number): Promise<Violation[]> {
  const found = await rows(
    db,
    sql<Row>`
      select * from (
        select l.id, l.kind, o.number, l.amount, r.amount as reversed_amount,
          case
            when l.kind not in ('receivable', 'reversal', 'payment', 'refund') then 'unknown kind ' || l.kind
            when l.kind = 'receivable' and not (l.amount > 0 and l.reverses_id is null) then 'a receivable must be positive and reverse nothing'
            when l.kind = 'payment' and not (l.amount < 0 and l.reverses_id is null) then 'a payment must be negative and reverse nothing'
            when l.kind in ('reversal', 'refund') and l.reverses_id is null then 'a ' || l.kind || ' must name the entry it reverses'
            when l.kind in ('reversal', 'refund') and r.id is null then 'reverses an entry that does not exist'
            when l.kind = 'reversal' and r.kind <> 'receivable' then 'reverses a ' || r.kind || ', not a receivable'
            when l.kind = 'refund' and r.kind <> 'payment' then 'reverses a ' || r.kind || ', not a payment'
            when r.order_id <> l.order_id then 'reverses an entry of another order'
            when l.kind = 'reversal' and l.amount <> -r.amount then 'does not negate the receivable it reverses'
            when l.kind = 'refund' and l.amount <= 0 then 'a refund must be positive'
          end as problem
        from ledger_entries l
        left join ledger_entries r on r.id = l.reverses_id
        left join orders o on o.id = l.order_id
      ) x
      where x.problem is not null
      order by x.id limit ${limit}`,
  );
  const twice = await rows(
    db,
    sql<Row>`
      select reverses_id, count(*) as times from ledger_entries
      where kind = 'reversal' and reverses_id is not null group by reverses_id having count(*) > 1
      order by reverses_id limit ${limit}`,
  );
  const overRefunded = await rows(
    db,
    sql<Row>`
      select p.id, o.number, -p.amount as paid, sum(f.amount) as refunded
      from ledger_entries p
      join ledger_entries f on f.reverses_id = p.id and f.kind = 'refund'
      left join orders o on o.id = p.order_id
      where p.kind = 'payment'
      group by p.id, o.number, p.amount
      having sum(f.amount) > -p.amount
      order by p.id limit ${limit}`,
  );
  return [
    ...found.map((r) => ({
      code: 'ledger_entry_invalid' as const,
      entity: { type: 'ledger_entry' as const, id: String(r.id), label: str(r.number) },
      // Amounts are formatted here: SQL has no portable way to print minor units as money.
      detail: `${text(r.kind)} of ${fromMinor(n(r.amount))}: ${text(r.problem)}${r.reversed_amount == null ? '' : ` (${fromMinor(n(r.reversed_amount))})`}`,
    })),
    ...twice.map((r) => ({
      code: 'ledger_reversed_twice' as const,
      entity: { type: 'ledger_entry' as const, id: String(r.reverses_id), label: null },
      detail: `receivable reversed by ${n(r.times)} entries`,
    })),
    ...overRefunded.map((r) => ({
      code: 'payment_over_refunded' as const,
      entity: { type: 'ledger_entry' as const, id: String(r.id), label: str(r.number) },
      detail: `payment of ${fromMinor(n(r.paid))} has ${fromMinor(n(r.refunded))} refunded against it`,
    })),
  ];
}

const CHECKS = [checkProductBalances, checkOrderStock, checkOrderMoney, checkLedgerCustomers, checkMovements, checkLedgerEntries];

/**
 * Every violation of the journal rules, or [] for a consistent database. On PostgreSQL the checks read one
 * snapshot (repeatable read), so a command committing meanwhile cannot make a half-seen change look broken;
 * SQLite's read transaction gives the same. Pass a transaction to check inside it instead.
 */
export async function checkInvariants(db: Kysely<DB>, options: CheckOptions = {}): Promise<Violation[]> {
  const limit = options.limitPerCheck ?? 1000;
  const run = async (reader: Kysely<DB>) => {
    const out: Violation[] = [];
    for (const check of CHECKS) out.push(...(await check(reader, limit)));
    return out;
  };
  if (db.isTransaction) return run(db);
  return db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(run);
}

export type { Violation, ViolationCode };
