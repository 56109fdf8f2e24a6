import type { ExpressionBuilder, Kysely } from 'kysely';
import type { LegalHold, OrderFilter, OrderListQuery, OrderSummaryView, OrderView } from '../../../contracts/orders.js';
import { dateFilterBound, fromMinor, toMinor } from '../../../contracts/common.js';
import { literalLimit } from '../../db/connect.js';
import { decodeKeysetCursor, encodeKeysetCursor } from '../../db/cursor.js';
import type { DB, OrderItemRow, OrderRow } from '../../db/schema.js';
import { customerNameMatches } from '../../db/search.js';
import { AppError, invalid } from '../../platform/errors.js';

/** A search term that reads as an order number (or part of one) searches numbers; any other searches names. */
export const NUMBER_LIKE = /^(SO-?)?\d[\d-]*$/i;

/** Prefix range on the byte-ordered number column, so a partial number still uses its unique index. */
function numberPrefix(prefix: string): [string, string] {
  return [prefix, `${prefix}\u{10FFFF}`];
}

/**
 * What a typed order number selects. The number or its start ("SO-2026-0001", "2026-0001", "20260001") is
 * a prefix; bare digits of up to six ("123", "000123") are the serial number in any year (not also a year:
 * "2025" as every order of 2025 read half a million index entries to sort them; the date filter does that).
 * Each reading is a range or a few exact values of the number's unique index; reading digits as a fragment
 * anywhere in the number ("%123%") scanned all of a million numbers (~0.4 s).
 */
function readOrderNumber(typed: string): { prefixes: string[]; serial?: string } {
  const text = typed.trim().toUpperCase();
  if (text.startsWith('SO')) return { prefixes: [text.startsWith('SO-') ? text : `SO-${text.slice(2)}`] };
  if (/^\d{4}-/.test(text)) return { prefixes: [`SO-${text}`] };
  if (/^\d{1,6}$/.test(text)) return { prefixes: [], serial: text.padStart(6, '0') };
  if (/^\d{7,10}$/.test(text)) return { prefixes: [`SO-${text.slice(0, 4)}-${text.slice(4)}`] };
  return { prefixes: [text] };
}

/** The years order numbers have been given in, from the first and last number (two index probes). */
async function numberYears(db: Kysely<DB>): Promise<string[]> {
  const row = await db
    .selectNoFrom((eb) => [
      eb.selectFrom('orders').select((e) => e.fn.min('number').as('n')).as('first'),
      eb.selectFrom('orders').select((e) => e.fn.max('number').as('n')).as('last'),
    ])
    .executeTakeFirstOrThrow();
  if (!row.first || !row.last) return [];
  const years: string[] = [];
  for (let year = Number(row.first.slice(3, 7)); year <= Number(row.last.slice(3, 7)); year++) years.push(String(year));
  return years;
}

/** Also the recycle bin's number search, so a typed number means the same there and reads the same index. */
export async function numberCondition(db: Kysely<DB>, typed: string) {
  const { prefixes, serial } = readOrderNumber(typed);
  const exact = serial ? (await numberYears(db)).map((year) => `SO-${year}-${serial}`) : [];
  return (eb: ExpressionBuilder<{ o: OrderRow }, 'o'>) =>
    eb.or([
      ...prefixes.map((prefix) => {
        const [lo, hi] = numberPrefix(prefix);
        return eb.and([eb('o.number', '>=', lo), eb('o.number', '<', hi)]);
      }),
      ...(exact.length ? [eb('o.number', 'in', exact)] : []),
    ]);
}

type Scope = { ownerId?: number };

/**
 * The live (not deleted) orders matching a filter, within the caller's record scope. Shared by the list,
 * the count, the export and deletion by filter, so all of them agree on what "matching" means.
 */
export async function filteredOrders(db: Kysely<DB>, filter: OrderFilter, scope: Scope) {
  let q = db.selectFrom('orders as o').where('o.deleted_at', 'is', null);
  if (scope.ownerId !== undefined) q = q.where('o.owner_id', '=', scope.ownerId);
  if (filter.status?.length) q = q.where('o.status', 'in', filter.status);
  if (filter.ownerId) q = q.where('o.owner_id', '=', Number(filter.ownerId));
  if (filter.customerId) q = q.where('o.customer_id', '=', Number(filter.customerId));
  if (filter.from) q = q.where('o.created_at', '>=', dateFilterBound(filter.from, false));
  if (filter.to) q = q.where('o.created_at', '<', dateFilterBound(filter.to, true));
  if (filter.minTotal) q = q.where('o.total', '>=', toMinor(filter.minTotal));
  if (filter.maxTotal) q = q.where('o.total', '<=', toMinor(filter.maxTotal));
  if (filter.number) q = q.where(await numberCondition(db, filter.number));
  const nameTerms = [filter.customer, filter.q && !NUMBER_LIKE.test(filter.q) ? filter.q : undefined].filter(Boolean) as string[];
  for (const term of nameTerms) q = q.where(customerNameMatches(db, 'o.customer_id', term));
  if (filter.q && NUMBER_LIKE.test(filter.q)) q = q.where(await numberCondition(db, filter.q));
  return q;
}

const SORT_COLUMNS = { createdAt: 'o.created_at', total: 'o.total', number: 'o.number' } as const;

export async function listOrders(db: Kysely<DB>, query: OrderListQuery, scope: Scope): Promise<{ items: OrderSummaryView[]; nextCursor: string | null }> {
  const descending = query.sort.startsWith('-');
  const key = query.sort.replace('-', '') as keyof typeof SORT_COLUMNS;
  const column = SORT_COLUMNS[key];
  const direction = descending ? 'desc' : 'asc';
  // Deferred join: the page's ids come from the filter's index alone (sorting only index entries, e.g. the
  // ~1,000 orders of the customers a name search matched), and only those ids are joined to full rows.
  // A subquery with LIMIT is never flattened into the join, on either database.
  let pageIds = (await filteredOrders(db, query, scope))
    .select('o.id')
    .orderBy(column, direction)
    .orderBy('o.id', direction)
    .limit(literalLimit(query.limit + 1));
  if (query.cursor) {
    const [value, id] = decodeKeysetCursor(query.cursor);
    if (typeof value !== (key === 'total' ? 'number' : 'string')) throw invalid('cursor', 'belongs to another sort order');
    pageIds = pageIds.where((eb) => eb(eb.refTuple(column, 'o.id'), descending ? '<' : '>', eb.tuple(value as never, id)));
  }
  const rows = await db
    .selectFrom(pageIds.as('page'))
    .innerJoin('orders as o', 'o.id', 'page.id')
    .innerJoin('customers as c', 'c.id', 'o.customer_id')
    .leftJoin('users as u', 'u.id', 'o.owner_id')
    .leftJoin('users as hu', 'hu.id', 'o.held_by')
    .select(['o.id', 'o.number', 'o.status', 'o.customer_id', 'c.name as customer_name', 'o.owner_id', 'u.display_name', 'u.username', 'o.total', 'o.created_at', 'o.updated_at', 'o.version'])
    .select(['o.hold_reason', 'o.held_at', 'o.held_by', 'hu.display_name as held_by_display_name', 'hu.username as held_by_username'])
    .orderBy(column, direction)
    .orderBy('o.id', direction)
    .execute();
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  const lastValue = last && { createdAt: last.created_at, total: last.total, number: last.number }[key];
  return {
    items: page.map((r) => ({
      id: String(r.id),
      number: r.number,
      status: r.status as OrderSummaryView['status'],
      customer: { id: String(r.customer_id), name: r.customer_name },
      ownerId: String(r.owner_id),
      ownerName: r.display_name ?? r.username,
      total: fromMinor(r.total),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      version: r.version,
      legalHold: legalHoldOf(r),
    })),
    nextCursor: rows.length > query.limit && last ? encodeKeysetCursor(lastValue, last.id) : null,
  };
}

export async function countOrders(db: Kysely<DB>, filter: OrderFilter, scope: Scope): Promise<number> {
  const row = await (await filteredOrders(db, filter, scope)).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

type HoldColumns = Pick<OrderRow, 'hold_reason' | 'held_at' | 'held_by'> & { held_by_display_name?: string | null; held_by_username?: string | null };

/** The legal hold of an order row as the API shows it (list, order page, recycle bin). */
export function legalHoldOf(r: Partial<HoldColumns>): LegalHold | null {
  if (r.held_at == null) return null;
  const heldBy = r.held_by == null ? null : { id: String(r.held_by), name: r.held_by_display_name ?? r.held_by_username ?? `user ${r.held_by}` };
  return { reason: r.hold_reason ?? '', heldAt: r.held_at, heldBy };
}

type OrderLineRow = Pick<OrderItemRow, 'id' | 'product_id' | 'sku' | 'name' | 'quantity' | 'unit_price' | 'line_total'>;
type OrderDetailRow = Pick<
  OrderRow,
  'id' | 'number' | 'status' | 'customer_id' | 'owner_id' | 'total' | 'paid' | 'note' | 'created_at' | 'updated_at' | 'confirmed_at' | 'shipped_at' | 'completed_at' | 'cancelled_at' | 'version'
> & { customer_name: string; owner_name: string | null } & Partial<HoldColumns>;

/** The API shape of one order with its lines: the order page and the JSON export show the same thing. */
export function toOrderView(o: OrderDetailRow, lines: OrderLineRow[]): OrderView {
  return {
    id: String(o.id),
    number: o.number,
    status: o.status as OrderView['status'],
    customer: { id: String(o.customer_id), name: o.customer_name },
    ownerId: String(o.owner_id),
    ownerName: o.owner_name,
    total: fromMinor(o.total),
    paid: fromMinor(o.paid),
    note: o.note,
    createdAt: o.created_at,
    updatedAt: o.updated_at,
    confirmedAt: o.confirmed_at,
    shippedAt: o.shipped_at,
    completedAt: o.completed_at,
    cancelledAt: o.cancelled_at,
    version: o.version,
    legalHold: legalHoldOf(o),
    items: lines.map((i) => ({
      id: String(i.id),
      productId: String(i.product_id),
      sku: i.sku,
      name: i.name,
      quantity: i.quantity,
      unitPrice: fromMinor(i.unit_price),
      lineTotal: fromMinor(i.line_total),
    })),
  };
}

/** One live order in the caller's scope with its lines, or a 404 — never a hint that it exists elsewhere. */
export async function findOrder(db: Kysely<DB>, id: number, scope: Scope, options: { includeDeleted?: boolean } = {}): Promise<OrderView | undefined> {
  let q = db
    .selectFrom('orders as o')
    .innerJoin('customers as c', 'c.id', 'o.customer_id')
    .leftJoin('users as u', 'u.id', 'o.owner_id')
    .leftJoin('users as hu', 'hu.id', 'o.held_by')
    .selectAll('o')
    .select(['c.name as customer_name', 'u.display_name', 'u.username', 'hu.display_name as held_by_display_name', 'hu.username as held_by_username'])
    .where('o.id', '=', id);
  if (!options.includeDeleted) q = q.where('o.deleted_at', 'is', null);
  if (scope.ownerId !== undefined) q = q.where('o.owner_id', '=', scope.ownerId);
  const o = await q.executeTakeFirst();
  if (!o) return undefined;
  const items = await db.selectFrom('order_items').selectAll().where('order_id', '=', id).orderBy('line_no').execute();
  return toOrderView({ ...o, owner_name: o.display_name ?? o.username }, items);
}

export function assertFound<T>(value: T | undefined, what = 'Order'): T {
  if (value === undefined) throw new AppError('not_found', `${what} not found`);
  return value;
}
