import { CompiledQuery, sql, type RawBuilder, type Transaction } from 'kysely';
import { EACH_ROW, type Dialect } from './connect.js';
import type { DB } from './schema.js';
import { wellFormedText } from '../platform/canonical-input.js';

/*
 * Many rows with one call whose SQL never changes, so both databases keep it prepared whatever the number of rows.
 * A thousand journal rows bound value by value were 10,000 placeholders over several statements, each one built
 * and compiled by Kysely, prepared afresh whenever the last chunk had a new size, and bound one value at a time.
 *
 * PostgreSQL: one statement with the rows as one jsonb parameter (see rowSet), so a set is one round trip.
 * SQLite inserts run in process, with no round trip to save: a prepared one-row insert run once per row (connect.ts
 * EACH_ROW, inside a savepoint) beat every single-statement form. 1,000 audit entries inserted again and again
 * (their pages cached) took 35 ms read out of one JSON array (json_each renders each row back to JSON text, which
 * `->>` parses again for every column), 24 ms with jsonb_each, 27–28 ms as VALUES lists of 256–1,024 rows and 18 ms
 * a row at a time; 1,000 ledger entries 20, 18, 15–17 and 11 ms. Within a real deletion most of an insert's time is
 * the index pages it changes, so there the gain is smaller: the four journal inserts of deleting 1,000 orders took
 * 51.6 ms against 57.5 (median of 12 rounds), and SQLite's own instructions over a preview, delete and restore fell
 * by 28 % (callgrind). Reads that join or filter by a set (rowSet, inIdSet) still read JSON: one short array.
 */

/** How a column travels: whole numbers (ids, counts, money in minor units) or text. NULL is allowed in both. */
export type SetColumnType = 'int' | 'text';
export type SetColumns = ReadonlyArray<readonly [name: string, type: SetColumnType]>;
export type SetRow = ReadonlyArray<string | number | null>;

const PG_TYPE: Record<SetColumnType, string> = { int: 'bigint', text: 'text' };

/**
 * The rows with any lone UTF-16 surrogate in their text as U+FFFD: it has no UTF-8 form, jsonb refuses it, and
 * better-sqlite3 would store it as bytes that are not UTF-8 at all. (A text parameter on PostgreSQL gets U+FFFD too.)
 */
function wellFormed(rows: readonly SetRow[]): readonly SetRow[] {
  if (!rows.some((row) => row.some((value) => typeof value === 'string' && wellFormedText(value) !== value))) return rows;
  return rows.map((row) => row.map((value) => (typeof value === 'string' ? wellFormedText(value) : value)));
}

/**
 * The rows as a table `alias(columns…, ord)` to select from or join, `ord` counting from 0 in the order given.
 * Values are bound, never written into the SQL.
 */
export function rowSet(dialect: Dialect, alias: string, columns: SetColumns, rows: readonly SetRow[]): RawBuilder<unknown> {
  if (dialect === 'postgres') {
    // One jsonb array of rows rather than an array parameter per column: pg writes an array's every value through
    // two regular expressions in JavaScript, the costliest part of a deletion's journal inserts on the app's side,
    // where JSON.stringify runs natively (1,000 audit entries: 4.0 ms against 1.6). Inserting them, timed by a client
    // through pg: 39.7 ms against 46.9 (median of 41); 1,000 outbox events 12.8 against 17.7.
    const fields = columns.map(([name, type], c) => sql`(e.r ->> ${sql.lit(c)})::${sql.raw(PG_TYPE[type])} as ${sql.id(name)}`);
    // WITH ORDINALITY counts from 1; `- 1` keeps ord the same on both databases.
    return sql`(select ${sql.join(fields)}, e.ord - 1 as ord from jsonb_array_elements(${JSON.stringify(wellFormed(rows))}::jsonb) with ordinality as e(r, ord)) as ${sql.id(alias)}`;
  }
  // ->> gives SQL values: JSON numbers as integers, strings as text, null as NULL.
  const fields = columns.map(([name], c) => sql`value ->> ${sql.lit(c)} as ${sql.id(name)}`);
  return sql`(select ${sql.join(fields)}, key as ord from json_each(${JSON.stringify(rows)})) as ${sql.id(alias)}`;
}

/**
 * Inserts the rows with one statement, in the order given (ids are drawn in that order, which the audit chain
 * relies on: id order is chain order).
 */
export async function insertRowSet(trx: Transaction<DB>, dialect: Dialect, table: keyof DB, columns: SetColumns, rows: readonly SetRow[]): Promise<void> {
  if (rows.length === 0) return;
  if (dialect === 'sqlite') {
    await trx.executeQuery(CompiledQuery.raw(eachRowInsert(table, columns), wellFormed(rows) as unknown[]));
    return;
  }
  const names = columns.map(([name]) => sql.id(name));
  const source = rowSet(dialect, 'r', columns, rows);
  await sql`insert into ${sql.id(table)} (${sql.join(names)}) select ${sql.join(names.map((n) => sql`r.${n}`))} from ${source} order by r.ord`.execute(trx);
}

const eachRowInserts = new Map<string, string>();
/** SQLite: the one-row insert run once per row (connect.ts EACH_ROW); its text never changes, so it stays prepared. */
function eachRowInsert(table: string, columns: SetColumns): string {
  const key = `${table}(${columns.map(([name]) => name).join()})`;
  let text = eachRowInserts.get(key);
  if (!text) {
    const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
    text = `${EACH_ROW}insert into ${quote(table)} (${columns.map(([name]) => quote(name)).join(', ')}) values (${columns.map(() => '?').join(', ')})`;
    eachRowInserts.set(key, text);
  }
  return text;
}

/** `column IN (the ids)` with the ids as one parameter, so the statement is the same for any number of ids. */
export function inIdSet(dialect: Dialect, column: string, ids: readonly number[]): RawBuilder<boolean> {
  if (dialect === 'postgres') return sql<boolean>`${sql.ref(column)} = any(${ids}::bigint[])`;
  return sql<boolean>`${sql.ref(column)} in (select value from json_each(${JSON.stringify(ids)}))`;
}

/**
 * `column IS NOT NULL` (deleted, under legal hold) for a statement that picks its orders by id, in a form neither
 * planner matches to the partial indexes on that condition (the recycle bin's, the holds'), so both look the ids up
 * by primary key whatever their statistics say. Statistics taken while no order was deleted or held (a bulk seed's
 * ANALYZE; PostgreSQL's after a purge emptied the bin) rate those indexes at one row, and both planners then walked
 * the whole bin for each lookup, a walk that grows with the bin: on a seeded million-order PostgreSQL database with
 * 50,000 orders deleted since, reading 1,000 of them by id as a restore does took 27–31 ms instead of 5–11, one
 * order 2.5 ms instead of 0.4.
 */
export function isSetForIds(column: 'deleted_at' | 'held_at'): RawBuilder<boolean> {
  return sql<boolean>`(${sql.ref(column)} is not null) is true`;
}
