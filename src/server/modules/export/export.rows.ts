import type { Kysely } from 'kysely';
import type { OrderExportQuery } from '../../../contracts/export.js';
import { bulkReadPageSize, dialectOf } from '../../db/connect.js';
import type { DB } from '../../db/schema.js';
import { filteredOrders } from '../orders/orders.queries.js';

/** What the CSV and XLSX files show of an order. */
export interface ExportOrder {
  id: number;
  number: string;
  status: string;
  customer_id: number;
  customer_name: string;
  owner_id: number;
  owner_name: string | null;
  total: number;
  paid: number;
  note: string | null;
  created_at: string;
  confirmed_at: string | null;
  line_count: number;
}

export interface ExportLine {
  id: number;
  order_id: number;
  product_id: number;
  sku: string;
  name: string;
  quantity: number;
  unit_price: number;
  line_total: number;
}

/** What the JSON file holds: the whole order with its lines. */
export interface ExportOrderDetail extends ExportOrder {
  version: number;
  updated_at: string;
  shipped_at: string | null;
  completed_at: string | null;
  cancelled_at: string | null;
  lines: ExportLine[];
}

export type Scope = { ownerId?: number };

/** The matching orders: the selected ids, or the filter; either way only live orders within the caller's scope. */
export async function selectedOrders(db: Kysely<DB>, query: OrderExportQuery, scope: Scope) {
  if (query.ids) return (await filteredOrders(db, {}, scope)).where('o.id', 'in', query.ids.map(Number));
  return filteredOrders(db, query, scope);
}

/**
 * How many orders match, and the highest matching id, in one query. Paging stops at that id, so the file
 * holds what was counted (and audited), not orders created while it streams.
 */
export async function measureSelection(db: Kysely<DB>, query: OrderExportQuery, scope: Scope): Promise<{ rows: number; upToId: number }> {
  const row = await (await selectedOrders(db, query, scope))
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('o.id').as('max_id')])
    .executeTakeFirstOrThrow();
  return { rows: Number(row.n), upToId: Number(row.max_id ?? 0) };
}

/** Names kept per export before the cache starts afresh (exported for the test that crosses it). */
export const MAX_CACHED_NAMES = 200_000;

/** A page's orders share few customers and owners: names are looked up once per id, not joined per row. */
export class NameCache {
  private readonly names = new Map<number, string | null>();
  constructor(private readonly load: (ids: number[]) => Promise<Array<{ id: number; name: string | null }>>) {}

  async resolve(ids: readonly number[]): Promise<Map<number, string | null>> {
    // Checked id by id: after the first pages nearly every id is known, and building a set per page showed in the profile.
    const unknown = new Set<number>();
    for (const id of ids) if (!this.names.has(id)) unknown.add(id);
    if (unknown.size === 0) return this.names;
    let missing = [...unknown];
    if (this.names.size + missing.length > MAX_CACHED_NAMES) {
      // Bounded so memory stays flat on any export; emptied, the cache must be refilled with every id of this
      // page, not only the ones it lacked, or the page's known names would print as empty cells.
      this.names.clear();
      missing = [...new Set(ids)];
    }
    for (let i = 0; i < missing.length; i += 5_000) {
      for (const row of await this.load(missing.slice(i, i + 5_000))) this.names.set(row.id, row.name);
    }
    return this.names;
  }
}

/**
 * An id range when the page is dense (the usual unfiltered export: one index range), the ids themselves when
 * it is sparse. Either reads the index on order_items(order_id, line_no).
 */
function byOrderIds(orderIds: number[]): { first: number; last: number; ids?: number[] } {
  const first = orderIds[0];
  const last = orderIds[orderIds.length - 1];
  return last - first + 1 <= orderIds.length * 2 ? { first, last } : { first, last, ids: orderIds };
}

async function linesOf(db: Kysely<DB>, orderIds: number[]): Promise<Map<number, ExportLine[]>> {
  const { first, last, ids } = byOrderIds(orderIds);
  let q = db.selectFrom('order_items').select(['id', 'order_id', 'product_id', 'sku', 'name', 'quantity', 'unit_price', 'line_total']).orderBy('order_id').orderBy('line_no');
  q = ids ? q.where('order_id', 'in', ids) : q.where('order_id', '>=', first).where('order_id', '<=', last);
  const byOrder = new Map<number, ExportLine[]>();
  for (const line of await q.execute()) {
    const list = byOrder.get(line.order_id);
    if (list) list.push(line);
    else byOrder.set(line.order_id, [line]);
  }
  return byOrder;
}

const SUMMARY_COLUMNS = ['o.id', 'o.number', 'o.status', 'o.customer_id', 'o.owner_id', 'o.total', 'o.paid', 'o.note', 'o.created_at', 'o.confirmed_at'] as const;
const DETAIL_COLUMNS = [...SUMMARY_COLUMNS, 'o.version', 'o.updated_at', 'o.shipped_at', 'o.completed_at', 'o.cancelled_at'] as const;

/**
 * Pages through the matching orders by id (keyset, so page 200 costs what page 1 does). Only the columns the
 * file shows are read: at a million rows, every string the driver builds costs seconds.
 * Stops between pages when `signal` aborts: a client that hangs up stops the database work too.
 */
async function* orderPages<T extends ExportOrder>(
  db: Kysely<DB>,
  query: OrderExportQuery,
  scope: Scope,
  upToId: number,
  detail: boolean,
  signal: AbortSignal | undefined,
): AsyncGenerator<T[]> {
  const pageSize = bulkReadPageSize(dialectOf(db));
  // The line count is stored on the order (migration 0026); the JSON file counts the lines it reads anyway.
  const base = (await selectedOrders(db, query, scope))
    .select(detail ? DETAIL_COLUMNS : SUMMARY_COLUMNS)
    .$if(!detail, (q) => q.select('o.line_count'))
    .where('o.id', '<=', upToId)
    .orderBy('o.id')
    .limit(pageSize);
  const customers = new NameCache((ids) => db.selectFrom('customers').select(['id', 'name']).where('id', 'in', ids).execute());
  const owners = new NameCache((ids) =>
    db.selectFrom('users').select((eb) => ['id', eb.fn.coalesce('display_name', 'username').as('name')]).where('id', 'in', ids).execute(),
  );
  let afterId = 0;
  for (;;) {
    if (signal?.aborted) return;
    const rows = await base.where('o.id', '>', afterId).execute();
    if (rows.length === 0 || signal?.aborted) return;
    const customerNames = await customers.resolve(rows.map((r) => r.customer_id));
    const ownerNames = await owners.resolve(rows.map((r) => r.owner_id));
    const lines = detail ? await linesOf(db, rows.map((r) => r.id)) : undefined;
    // Fresh objects of one fixed shape: the drivers' row objects are built key by key, and adding names to them
    // in place (or reading them in the formatter) costs seconds at a million rows.
    yield rows.map((r) => {
      const order: ExportOrder = {
        id: r.id,
        number: r.number,
        status: r.status,
        customer_id: r.customer_id,
        customer_name: customerNames.get(r.customer_id) ?? '',
        owner_id: r.owner_id,
        owner_name: ownerNames.get(r.owner_id) ?? null,
        total: r.total,
        paid: r.paid,
        note: r.note,
        created_at: r.created_at,
        confirmed_at: r.confirmed_at,
        line_count: lines ? (lines.get(r.id)?.length ?? 0) : Number(r.line_count),
      };
      if (!lines) return order as T;
      const d = r as typeof r & Pick<ExportOrderDetail, 'version' | 'updated_at' | 'shipped_at' | 'completed_at' | 'cancelled_at'>;
      const detail: ExportOrderDetail = {
        ...order,
        version: d.version,
        updated_at: d.updated_at,
        shipped_at: d.shipped_at,
        completed_at: d.completed_at,
        cancelled_at: d.cancelled_at,
        lines: lines.get(r.id) ?? [],
      };
      return detail as unknown as T;
    });
    if (rows.length < pageSize) return;
    afterId = rows[rows.length - 1].id;
  }
}

/** The CSV and XLSX rows: an order's list columns and its number of lines. */
export function summaryPages(db: Kysely<DB>, query: OrderExportQuery, scope: Scope, upToId: number, signal?: AbortSignal): AsyncGenerator<ExportOrder[]> {
  return orderPages<ExportOrder>(db, query, scope, upToId, false, signal);
}

/** The JSON records: whole orders with their lines. */
export function detailPages(db: Kysely<DB>, query: OrderExportQuery, scope: Scope, upToId: number, signal?: AbortSignal): AsyncGenerator<ExportOrderDetail[]> {
  return orderPages<ExportOrderDetail>(db, query, scope, upToId, true, signal);
}
