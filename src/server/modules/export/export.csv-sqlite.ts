import { sql, type Kysely } from 'kysely';
import { fromMinor } from '../../../contracts/common.js';
import type { OrderExportQuery } from '../../../contracts/export.js';
import { ORDER_STATUSES } from '../../../contracts/orders.js';
import { literalLimit } from '../../db/connect.js';
import type { Ctx } from '../../db/context.js';
import type { DB } from '../../db/schema.js';
import { textCell } from '../../platform/csv.js';
import type { CsvPage } from './export.formats.js';
import type { ExportLabels } from './export.labels.js';
import { selectedOrders, type Scope } from './export.rows.js';

/**
 * The CSV export on SQLite: pages of plain value arrays, formatted straight into the page's text.
 *
 * The general path (export.rows.ts, still used for XLSX and JSON) builds a row object per order in the driver and
 * a second one for the formatter, counted each order's lines in the page query and guarded every name cell again
 * for every order; a million orders cost ~5 s of CPU, half of it in the page queries. Here the page query reads
 * the stored line count (migration 0026) and hands back arrays (Db.readArrays), the customer and owner cells are
 * guarded and quoted once per id, and the line is written from the array in one template. The bytes are those
 * export.formats.ts csvRow / labelledCsvRow write (a test compares them).
 */

/** Orders per page query: a page's arrays and text are garbage before they can reach the old heap. */
export const SQLITE_CSV_PAGE_ROWS = 500;

/**
 * A known status as its index in ORDER_STATUSES (a number costs the driver less than a string, and its label is then
 * an array element), any other value as it is stored.
 */
const STATUS_INDEX = sql<number | string>`case o.status ${sql.join(
  ORDER_STATUSES.map((code, i) => sql`when ${sql.lit(code)} then ${sql.lit(i)}`),
  sql` `,
)} else o.status end`.as('status');

/** The page query's columns, in the order the formatter reads them. */
const COLUMNS = ['o.id', 'o.number', STATUS_INDEX, 'o.customer_id', 'o.owner_id', 'o.total', 'o.paid', 'o.created_at', 'o.confirmed_at', 'o.line_count', 'o.note'] as const;
type OrderValues = [number, string, number | string, number, number, number, number, string, string | null, number, string | null];

/** Stands for the page's keyset value while the query is compiled once; each page binds its own. */
const AFTER_ID = { afterId: true };

/** Guarded, quoted name cells by id, bounded like the general path's name cache. */
class NameCells {
  readonly cells = new Map<number, string>();
  constructor(private readonly load: (ids: number[]) => Promise<Array<{ id: number; name: string | null }>>) {}

  async fill(missing: Set<number> | undefined): Promise<void> {
    if (!missing) return;
    if (this.cells.size + missing.size > 200_000) this.cells.clear();
    const ids = [...missing];
    for (let i = 0; i < ids.length; i += 5_000) {
      for (const row of await this.load(ids.slice(i, i + 5_000))) this.cells.set(row.id, textCell(row.name));
    }
    // An id without a row (an owner since removed) is an empty cell, as in the general path.
    for (const id of ids) if (!this.cells.has(id)) this.cells.set(id, '');
  }
}

/** The matching orders up to `upToId`, by id, as CSV text a page at a time; stops between pages when `signal` aborts. */
export async function* sqliteCsvPages(ctx: Ctx, query: OrderExportQuery, scope: Scope, upToId: number, signal?: AbortSignal, labels?: ExportLabels, pageRows = SQLITE_CSV_PAGE_ROWS): AsyncGenerator<CsvPage> {
  if (!ctx.readArrays) throw new Error('this CSV export path needs SQLite');
  const db: Kysely<DB> = ctx.kysely;
  const compiled = (await selectedOrders(db, query, scope))
    .select(COLUMNS)
    .where('o.id', '<=', upToId)
    .where('o.id', '>', AFTER_ID as unknown as number)
    .orderBy('o.id')
    .limit(literalLimit(pageRows))
    .compile();
  const at = compiled.parameters.indexOf(AFTER_ID);
  const parameters = [...compiled.parameters];
  const customers = new NameCells((ids) => db.selectFrom('customers').select(['id', 'name']).where('id', 'in', ids).execute());
  const owners = new NameCells((ids) =>
    db.selectFrom('users').select((eb) => ['id', eb.fn.coalesce('display_name', 'username').as('name')]).where('id', 'in', ids).execute(),
  );
  const cells: CellFormat = labels ? { statusLabels: ORDER_STATUSES.map(labels.status), status: labels.status, time: labels.time } : RAW_CELLS;
  let afterId = 0;
  for (;;) {
    if (signal?.aborted) return;
    parameters[at] = afterId;
    const rows = (await ctx.readArrays({ ...compiled, parameters })) as OrderValues[];
    if (rows.length === 0 || signal?.aborted) return;
    // Formatted first and looked up only when a name is missing (the first pages): checking every row beforehand
    // cost two map lookups per order. Again after filling, as a cache that started over may have dropped some.
    let text: string | undefined;
    while ((text = pageText(rows, customers.cells, owners.cells, cells)) === undefined) {
      let newCustomers: Set<number> | undefined;
      let newOwners: Set<number> | undefined;
      for (const r of rows) {
        if (!customers.cells.has(r[3])) (newCustomers ??= new Set()).add(r[3]);
        if (!owners.cells.has(r[4])) (newOwners ??= new Set()).add(r[4]);
      }
      await customers.fill(newCustomers);
      await owners.fill(newOwners);
    }
    yield { text, rows: rows.length };
    if (rows.length < pageRows) return;
    afterId = rows[rows.length - 1][0];
  }
}

/** What a page's status and time cells are written with: the reader's labels and zone, or (raw=true) as stored. */
interface CellFormat {
  /** Label by index in ORDER_STATUSES. */
  statusLabels: readonly string[];
  /** A status not in ORDER_STATUSES. */
  status: (code: string) => string;
  time: (iso: string) => string;
}

const asStored = (value: string) => value;
const RAW_CELLS: CellFormat = { statusLabels: ORDER_STATUSES, status: asStored, time: asStored };

// Indexed rather than destructured: destructuring goes through the array iterator, which showed at a million rows.
// undefined when a customer or owner of the page has no cell yet.
function pageText(rows: OrderValues[], customers: Map<number, string>, owners: Map<number, string>, { statusLabels, status, time }: CellFormat): string | undefined {
  let text = '';
  for (const r of rows) {
    const code = r[2];
    const customer = customers.get(r[3]);
    const owner = owners.get(r[4]);
    if (customer === undefined || owner === undefined) return undefined;
    text += `${textCell(r[1])},${typeof code === 'number' ? statusLabels[code] : status(code)},${customer},${owner},${fromMinor(r[5])},${fromMinor(r[6])},${time(r[7])},${r[8] ? time(r[8]) : ''},${r[9]},${textCell(r[10])}\r\n`;
  }
  return text;
}
