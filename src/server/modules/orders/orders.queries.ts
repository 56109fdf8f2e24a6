import { sql, type ExpressionBuilder, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { LegalHold, OrderFilter, OrderListQuery, OrderSummaryView, OrderView } from '../../../contracts/orders.js';
import { dateFilterBound, fromMinor, toMinor } from '../../../contracts/common.js';
import { runCompiled } from '../../db/compiled.js';
import { dialectOf, literalLimit, type Dialect } from '../../db/connect.js';
import { decodeKeysetCursor, encodeKeysetCursor } from '../../db/cursor.js';
import type { DB, OrderItemRow, OrderRow } from '../../db/schema.js';
import { nameToken, pageNames, type UserName } from '../../db/names.js';
import { customerIdsRead, customerNameMatch, ofCustomers, pagePerCustomer, readsMatchedCustomersFirst, type CustomerNameMatch } from '../../db/search.js';
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
  const [row] = await runCompiled(db, 'orders.numberYears', [], () =>
    db.selectNoFrom((eb) => [
      eb.selectFrom('orders').select((e) => e.fn.min('number').as('n')).as('first'),
      eb.selectFrom('orders').select((e) => e.fn.max('number').as('n')).as('last'),
    ]),
    { prepared: true },
  );
  if (!row?.first || !row.last) return [];
  const years: string[] = [];
  for (let year = Number(row.first.slice(3, 7)); year <= Number(row.last.slice(3, 7)); year++) years.push(String(year));
  return years;
}

/** The index ranges and exact numbers a typed number selects, given the years numbers exist in. */
function numberBounds(typed: string, years: string[]): { ranges: Array<[string, string]>; exact: string[] } {
  const { prefixes, serial } = readOrderNumber(typed);
  return { ranges: prefixes.map(numberPrefix), exact: serial ? years.map((year) => `SO-${year}-${serial}`) : [] };
}

function numberWhere(eb: ExpressionBuilder<{ o: OrderRow }, 'o'>, ranges: Array<[unknown, unknown]>, exact: unknown[]) {
  return eb.or([...ranges.map(([lo, hi]) => eb.and([eb('o.number', '>=', lo as string), eb('o.number', '<', hi as string)])), ...(exact.length ? [eb('o.number', 'in', exact as string[])] : [])]);
}

type Scope = { ownerId?: number };

type OrdersQuery = SelectQueryBuilder<DB & { o: OrderRow }, 'o', object>;

/**
 * One condition of the order filter: `shape` names the SQL it adds, `values` what it binds, `apply` adds it to
 * a query with whatever stands for those values (the values themselves, or placeholders of a compiled shape).
 */
export interface FilterPart {
  shape: string;
  values: unknown[];
  apply(q: OrdersQuery, values: unknown[]): OrdersQuery;
  /** Set on a customer-name condition, which a list page may read customer by customer instead. */
  name?: CustomerNameMatch;
}

/**
 * The conditions of a filter, in order; the years are needed when a typed number is a bare serial. Also the
 * recycle bin's scope, typed number and name, so a number or a name means the same there and reads the same index.
 */
export function filterParts(dialect: Dialect, filter: OrderFilter, scope: Scope, years: string[]): FilterPart[] {
  const parts: FilterPart[] = [];
  const equals = (shape: string, column: 'o.owner_id' | 'o.customer_id', value: number) => parts.push({ shape, values: [value], apply: (q, [v]) => q.where(column, '=', v as number) });
  const compare = (shape: string, column: 'o.created_at' | 'o.total', op: '>=' | '<' | '<=', value: string | number) =>
    parts.push({ shape, values: [value], apply: (q, [v]) => q.where(column, op, v as never) });
  const number = (shape: string, typed: string) => parts.push(numberPart(shape, typed, years));
  if (scope.ownerId !== undefined) equals('scope', 'o.owner_id', scope.ownerId);
  if (filter.status?.length) parts.push({ shape: `status:${filter.status.length}`, values: [...filter.status], apply: (q, v) => q.where('o.status', 'in', v as string[]) });
  if (filter.ownerId) equals('owner', 'o.owner_id', Number(filter.ownerId));
  if (filter.customerId) equals('customer', 'o.customer_id', Number(filter.customerId));
  if (filter.from) compare('from', 'o.created_at', '>=', dateFilterBound(filter.from, false));
  if (filter.to) compare('to', 'o.created_at', '<', dateFilterBound(filter.to, true));
  if (filter.minTotal) compare('min', 'o.total', '>=', toMinor(filter.minTotal));
  if (filter.maxTotal) compare('max', 'o.total', '<=', toMinor(filter.maxTotal));
  if (filter.number) number('number', filter.number);
  const nameTerms = [filter.customer, filter.q && !NUMBER_LIKE.test(filter.q) ? filter.q : undefined].filter(Boolean) as string[];
  for (const term of nameTerms) {
    const match = customerNameMatch(dialect, 'o.customer_id', term);
    parts.push({ shape: `name:${match.shape}`, values: [match.value], apply: (q, [v]) => q.where(match.condition(v)), name: match });
  }
  if (filter.q && NUMBER_LIKE.test(filter.q)) number('q', filter.q);
  return parts;
}

/** A typed order number as one condition of a compiled shape; `years` as yearsOfNumbers gives them. */
function numberPart(shape: string, typed: string, years: string[]): FilterPart {
  const { ranges, exact } = numberBounds(typed, years);
  return {
    shape: `${shape}:${ranges.length}:${exact.length}`,
    values: [...ranges.flat(), ...exact],
    apply: (q, v) => q.where((eb) => numberWhere(eb, ranges.map((_, i) => [v[2 * i], v[2 * i + 1]]), v.slice(2 * ranges.length))),
  };
}

/** The years order numbers exist in when one of the typed numbers is a bare serial (which needs them), else none. */
export async function yearsOfNumbers(db: Kysely<DB>, typed: Array<string | undefined>): Promise<string[]> {
  return typed.some((t) => t !== undefined && readOrderNumber(t).serial !== undefined) ? numberYears(db) : [];
}

/** The typed numbers of a filter: its number, and its search term when that reads as one. */
export const typedNumbers = (filter: OrderFilter) => [filter.number, filter.q && NUMBER_LIKE.test(filter.q) ? filter.q : undefined];

export function applyParts(q: OrdersQuery, parts: FilterPart[], values: readonly unknown[]): OrdersQuery {
  let offset = 0;
  for (const part of parts) {
    q = part.apply(q, values.slice(offset, offset + part.values.length));
    offset += part.values.length;
  }
  return q;
}

/**
 * The live (not deleted) orders matching a filter, within the caller's record scope. Shared by the list,
 * the count, the export and deletion by filter, so all of them agree on what "matching" means.
 */
export async function filteredOrders(db: Kysely<DB>, filter: OrderFilter, scope: Scope) {
  const parts = filterParts(dialectOf(db), filter, scope, await yearsOfNumbers(db, typedNumbers(filter)));
  return applyParts(db.selectFrom('orders as o').where('o.deleted_at', 'is', null), parts, parts.flatMap((p) => p.values));
}

/**
 * Up to how many customers a name may match for a page to be read customer by customer. Below it that read is
 * bounded (at most this many times page size + 1 index entries, whatever the size of the table); above it, a
 * name matching many customers matches many orders, so walking the date index newest first finds a page of them
 * after a few hundred entries (1 M orders on PostgreSQL, `Ltd`, 508 customers: 3.1 ms walking, 14.0 ms by
 * customer; a single letter, 3,623 customers: 1.2 ms against 95 ms).
 */
const FEW_CUSTOMERS = 64;

/**
 * Up to how many matching customers the page query takes their ids (`customer_id = any(…)`) instead of the name
 * match. PostgreSQL planned the match as a probe of the customer's key and a LIKE per order the walk met (`Ltd`
 * at 1 M orders: 972 probes, 1.9 ms executing and 1.5 ms planning); an array bound as a value is a constant of
 * the plan, which PostgreSQL hashes: 0.22–0.26 ms executing, 0.4 ms planning. Reading up to this many ids first
 * costs a fraction of that; a name matching more falls back to the match in the query.
 */
const MANY_CUSTOMERS = 1_000;

export interface MatchedCustomers {
  /** Which of the parts is the name. */
  index: number;
  count: number;
  /** PostgreSQL's text of a bigint array (customerIdsRead). */
  ids: string;
  /** The names' token (db/names.ts) read with the match, and whether the match came from this process's keep. */
  token: unknown;
  kept: boolean;
}

/**
 * The customers a name matched, per process (one keep per Kysely instance, as db/names.ts), each with the token it
 * was matched under: the page query reads the token in its own snapshot (`nameToken()`), and migrations 0025 and
 * 0031 renew it with every customer added, renamed, re-keyed or deleted. A page whose token differs from the
 * match's is read again with a fresh match (withMatchedCustomers), so a kept match never shows what a fresh one
 * would not. Matching `Ltd` (508 customers) cost 0.4 ms of PostgreSQL's CPU and a round trip per page.
 */
type KeptMatch = Omit<MatchedCustomers, 'index' | 'kept'>;
const keptMatches = new WeakMap<Kysely<DB>, Map<string, KeptMatch>>();
/** Past this many names kept, the keep starts over rather than grow with every fragment typed. */
const MAX_KEPT_MATCHES = 1_000;

/** The filter's first name part and the customers it matches (see customerIdsRead), if at most MANY_CUSTOMERS. */
async function matchedCustomers(db: Kysely<DB>, parts: FilterPart[], fresh = false): Promise<MatchedCustomers | undefined> {
  const index = parts.findIndex((p) => p.name);
  if (index < 0) return undefined;
  const { name, values } = parts[index];
  let kept = keptMatches.get(db);
  if (!kept) keptMatches.set(db, (kept = new Map<string, KeptMatch>()));
  const key = `${name!.shape}|${String(values[0])}`;
  const found = fresh ? undefined : kept.get(key);
  if (found) return { ...found, index, kept: true };
  const [read] = await runCompiled(db, `orders.list.customers|${name!.shape}`, values, ([value]) =>
    db.selectFrom(customerIdsRead(name!.customers(value), literalLimit(MANY_CUSTOMERS + 1)).as('r')).select(['r.n', 'r.ids', nameToken()]),
  );
  const count = Number(read.n);
  if (count > MANY_CUSTOMERS) return undefined;
  const match = { count, ids: read.ids ?? '{}', token: read.name_token };
  if (kept.size >= MAX_KEPT_MATCHES) kept.clear();
  kept.set(key, match);
  return { ...match, index, kept: false };
}

/**
 * What `read` reads with the customers the filter's name matches (undefined: no name, more than MANY_CUSTOMERS, or
 * SQLite, which matches inside the page's statement: readsMatchedCustomersFirst); `pageRow` picks the first row of
 * its page, which carries the token its statement read. A kept match the page's token contradicts is matched
 * afresh and read again. A page without rows carries no token: the name is matched afresh, and an unchanged token
 * (random, so never the same value again) says the empty page stands.
 */
export async function withMatchedCustomers<T>(
  db: Kysely<DB>,
  parts: FilterPart[],
  read: (matched: MatchedCustomers | undefined) => Promise<T>,
  pageRow: (result: T) => { name_token: unknown } | undefined,
): Promise<T> {
  if (!readsMatchedCustomersFirst(dialectOf(db))) return read(undefined);
  const matched = await matchedCustomers(db, parts);
  const result = await read(matched);
  const row = pageRow(result);
  if (!matched?.kept || (row && row.name_token === matched.token)) return result;
  const fresh = await matchedCustomers(db, parts, true);
  if (!row && fresh?.token === matched.token) return result;
  return read(fresh);
}

const SORT_COLUMNS = { createdAt: 'o.created_at', total: 'o.total', number: 'o.number' } as const;

export async function listOrders(db: Kysely<DB>, query: OrderListQuery, scope: Scope): Promise<{ items: OrderSummaryView[]; nextCursor: string | null }> {
  const descending = query.sort.startsWith('-');
  const key = query.sort.replace('-', '') as keyof typeof SORT_COLUMNS;
  const column = SORT_COLUMNS[key];
  const direction = descending ? 'desc' : 'asc';
  const parts = filterParts(dialectOf(db), query, scope, await yearsOfNumbers(db, typedNumbers(query)));
  let cursor: [string | number, number] | undefined;
  if (query.cursor) {
    cursor = decodeKeysetCursor(query.cursor);
    if (typeof cursor[0] !== (key === 'total' ? 'number' : 'string')) throw invalid('cursor', 'belongs to another sort order');
  }
  // On PostgreSQL the customers a name search matches are read first (or kept from an earlier page: see
  // withMatchedCustomers), and their ids replace the name condition (MANY_CUSTOMERS). Sorted by date and matching
  // few customers, the page reads each one's newest orders from its own index (db/search.ts, pagePerCustomer), the
  // rest of the filter applied per customer. A customerId filter already confines the read to one customer.
  const readPage = (matched: MatchedCustomers | undefined) => {
    const perCustomer = matched && key === 'createdAt' && matched.count <= FEW_CUSTOMERS;
    const listed = matched ? parts.filter((_, i) => i !== matched.index) : parts;
    const filterValues = listed.flatMap((p) => p.values);
    // Compiled once per shape: which conditions, the sort, whether a cursor continues, the page size, the read.
    const read = matched ? `${perCustomer ? 'customer' : 'any'}:${matched.index}` : 'one';
    const shape = `orders.list|${parts.map((p) => p.shape).join(',')}|${query.sort}|${cursor ? 'cursor' : 'first'}|${query.limit}|${read}`;
    return runCompiled(db, shape, [...filterValues, ...(cursor ?? []), ...(matched ? [matched.ids] : [])], (values) => {
      const [value, id] = cursor ? values.slice(filterValues.length) : [];
      const customers = values[values.length - 1];
      const limit = literalLimit(query.limit + 1);
      // The first ids (and sort keys) of the live orders the filter selects, after the cursor if one continues.
      let firstIds = applyParts(db.selectFrom('orders as o').where('o.deleted_at', 'is', null), listed, values.slice(0, filterValues.length));
      if (matched && !perCustomer) firstIds = firstIds.where(ofCustomers(customers));
      if (cursor) firstIds = firstIds.where((eb) => eb(eb.refTuple(column, 'o.id'), descending ? '<' : '>', eb.tuple(value as never, id as number)));
      const sorted = firstIds.select(['o.id', sql.ref(column).as('sort_key')]).orderBy(column, direction).orderBy('o.id', direction).limit(limit);
      const pageIds = perCustomer
        ? pagePerCustomer(customers, (customer) => sorted.where('o.customer_id', '=', customer), direction, limit).as('page')
        : // Deferred join: the page's ids come from the filter's index alone (sorting only index entries, e.g. the
          // ~1,000 orders of the customers a name search matched), and only those ids are joined to full rows.
          // A subquery with LIMIT is never flattened into the join, on either database.
          sql<{ id: number }>`(${sorted})`.as('page');
      // Names come from the per-process cache of db/names.ts, checked against the token read in this query.
      const rows = db
        .selectFrom(pageIds)
        .innerJoin('orders as o', 'o.id', 'page.id')
        .select(['o.id', 'o.number', 'o.status', 'o.customer_id', 'o.owner_id', 'o.total', 'o.created_at', 'o.updated_at', 'o.version', 'o.hold_reason', 'o.held_at', 'o.held_by', nameToken()]);
      // Ordered by the page's own columns, SQLite reads the rows in the order the page comes in; ordered by the
      // joined row's, it sorted the 51 full rows again in a temporary B-tree (a seventh of the page's time).
      return rows.orderBy(sql.ref('page.sort_key'), direction).orderBy('page.id', direction);
    });
  };
  const rows = query.customerId ? await readPage(undefined) : await withMatchedCustomers(db, parts, readPage, (rows) => rows[0]);
  const page = rows.slice(0, query.limit);
  const names = await pageNames(db, rows[0]?.name_token, page.map((r) => r.customer_id), page.flatMap((r) => [r.owner_id, r.held_by]));
  const last = page[page.length - 1];
  const lastValue = last && { createdAt: last.created_at, total: last.total, number: last.number }[key];
  return {
    items: page.map((r) => {
      const owner = names.user(r.owner_id);
      return {
        id: String(r.id),
        number: r.number,
        status: r.status as OrderSummaryView['status'],
        customer: { id: String(r.customer_id), name: names.customer(r.customer_id) },
        ownerId: String(r.owner_id),
        ownerName: owner && (owner.displayName ?? owner.username),
        total: fromMinor(r.total),
        createdAt: r.created_at,
        updatedAt: r.updated_at,
        version: r.version,
        legalHold: legalHoldOf(r, names.user(r.held_by)),
      };
    }),
    nextCursor: rows.length > query.limit && last ? encodeKeysetCursor(lastValue, last.id) : null,
  };
}

export async function countOrders(db: Kysely<DB>, filter: OrderFilter, scope: Scope): Promise<number> {
  const row = await (await filteredOrders(db, filter, scope)).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * How many orders of each status match a filter, its status condition set aside: one grouped query over the
 * same conditions as the list (filteredOrders), so a tab's count is what the list shows with that tab chosen.
 */
export async function countOrdersByStatus(db: Kysely<DB>, filter: OrderFilter, scope: Scope): Promise<Map<string, number>> {
  const rows = await (await filteredOrders(db, { ...filter, status: undefined }, scope))
    .select((eb) => ['o.status', eb.fn.countAll<number | string>().as('n')])
    .groupBy('o.status')
    .execute();
  return new Map(rows.map((r) => [r.status, Number(r.n)]));
}

type HoldColumns = Pick<OrderRow, 'hold_reason' | 'held_at' | 'held_by'> & { held_by_display_name?: string | null; held_by_username?: string | null };

/** The legal hold of an order row as the API shows it (list, order page, recycle bin); `holder` when read from db/names.ts. */
export function legalHoldOf(r: Partial<HoldColumns>, holder?: UserName | null): LegalHold | null {
  if (r.held_at == null) return null;
  const name = holder ? (holder.displayName ?? holder.username) : (r.held_by_display_name ?? r.held_by_username);
  const heldBy = r.held_by == null ? null : { id: String(r.held_by), name: name ?? `user ${r.held_by}` };
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

/**
 * Kept prepared on PostgreSQL (db/compiled.ts): an order and its lines are read by key, the same plan for every
 * id, and planning the four-table join cost about as much as running it. Their columns are named, never `*`:
 * PostgreSQL refuses to run a prepared `select *` once a column has been added to its table ("cached plan must
 * not change result type"), as a migration run by another instance would.
 */
const BY_KEY = { prepared: true };
const ORDER_COLUMNS = [
  'o.id', 'o.number', 'o.status', 'o.customer_id', 'o.owner_id', 'o.total', 'o.paid', 'o.note', 'o.created_at', 'o.updated_at',
  'o.confirmed_at', 'o.shipped_at', 'o.completed_at', 'o.cancelled_at', 'o.version', 'o.hold_reason', 'o.held_at', 'o.held_by',
] as const;
const LINE_COLUMNS = ['id', 'product_id', 'sku', 'name', 'quantity', 'unit_price', 'line_total'] as const;

/** One live order in the caller's scope with its lines, or a 404 — never a hint that it exists elsewhere. */
export async function findOrder(db: Kysely<DB>, id: number, scope: Scope, options: { includeDeleted?: boolean } = {}): Promise<OrderView | undefined> {
  const shape = `orders.find|${options.includeDeleted ? 'any' : 'live'}|${scope.ownerId !== undefined ? 'own' : 'all'}`;
  const [o] = await runCompiled(db, shape, scope.ownerId !== undefined ? [id, scope.ownerId] : [id], ([orderId, ownerId]) => {
    // Names by join here, not from db/names.ts: for one row three primary-key lookups cost less than the cache's
    // bookkeeping (callgrind: 0.69 M instructions per request joined, 0.96 M cached; bench/README.md, fourth round).
    let q = db
      .selectFrom('orders as o')
      .innerJoin('customers as c', 'c.id', 'o.customer_id')
      .leftJoin('users as u', 'u.id', 'o.owner_id')
      .leftJoin('users as hu', 'hu.id', 'o.held_by')
      .select(ORDER_COLUMNS)
      .select(['c.name as customer_name', 'u.display_name', 'u.username', 'hu.display_name as held_by_display_name', 'hu.username as held_by_username'])
      .where('o.id', '=', orderId);
    if (!options.includeDeleted) q = q.where('o.deleted_at', 'is', null);
    if (ownerId !== undefined) q = q.where('o.owner_id', '=', ownerId);
    return q;
  }, BY_KEY);
  if (!o) return undefined;
  const items = await runCompiled(db, 'orders.find.items', [id], ([orderId]) => db.selectFrom('order_items').select(LINE_COLUMNS).where('order_id', '=', orderId).orderBy('line_no'), BY_KEY);
  return toOrderView({ ...o, owner_name: o.display_name ?? o.username }, items);
}

export function assertFound<T>(value: T | undefined, what = 'Order'): T {
  if (value === undefined) throw new AppError('not_found', `${what} not found`);
  return value;
}
