import { sql, type Compilable, type Kysely, type RawBuilder } from 'kysely';
import { dialectOf, type Dialect } from './connect.js';
import type { DB } from './schema.js';

/*
 * Text search, one way for every list: the stored `name_key` columns and every search term go through the same
 * key, and LIKE patterns are escaped the same way, so "50%" or "login_failed" mean exactly that text.
 */

/** The stored and searched form of a name: full-width and half-width alike, case folded. */
export const searchKey = (text: string) => text.normalize('NFKC').toLowerCase();

/** Escapes LIKE wildcards; every pattern built from it is used with `escape '\'`, which SQLite does not assume. */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** `column LIKE %key%` on a column that already holds search keys. */
export const keyContains = (column: string, text: string) => sql<boolean>`${sql.ref(column)} like ${`%${escapeLike(searchKey(text))}%`} escape '\\'`;

/** Case-insensitive `column contains text` on a column stored as typed (both sides lowered). */
export const lowerContains = (column: string, text: string) =>
  sql<boolean>`lower(${sql.ref(column)}) like ${`%${escapeLike(searchKey(text))}%`} escape '\\'`;

/** `column LIKE prefix%`, the prefix taken literally. */
export const startsWith = (column: string, prefix: string) => sql<boolean>`${sql.ref(column)} like ${`${escapeLike(prefix)}%`} escape '\\'`;

/** An FTS5 phrase: the trigram tokenizer turns it into consecutive trigrams, so it matches the text as a substring. */
const ftsPhrase = (key: string) => `"${key.replaceAll('"', '""')}"`;
/** The trigram index (migration 0004) knows nothing of fragments shorter than one trigram: those scan. */
const TRIGRAM = 3;

/**
 * The rows whose customer (by the id column given: a customer's own id, or an order's customer_id) has a name
 * containing the text, case-insensitively. A condition, never a list of ids fetched first: a vague name may match
 * any number of customers, and the order list, its count, the export and deletion by filter must all see every
 * one of them. SQLite reads the ids straight from its trigram table where the fragment is long enough;
 * otherwise `name_key LIKE`, which PostgreSQL's planner answers from its pg_trgm index by itself. Every
 * customer-name search uses this, so they all agree on a match.
 */
export function customerNameMatches(db: Kysely<DB>, idColumn: 'id' | 'c.id' | 'o.customer_id', text: string) {
  const match = customerNameMatch(dialectOf(db), idColumn, text);
  return match.condition(match.value);
}

/**
 * customerNameMatches in two halves, for a query compiled once per shape (db/compiled.ts): `shape` names the
 * SQL chosen (it depends on the dialect and the fragment's length), `value` is what it binds, and
 * `condition` writes the SQL around whatever stands for the value; `customers` is the same match as a query of
 * the matching customers' ids (read before a page is read customer by customer, pagePerCustomer).
 */
export function customerNameMatch(dialect: Dialect, idColumn: 'id' | 'c.id' | 'o.customer_id', text: string): CustomerNameMatch {
  const key = searchKey(text);
  if (dialect === 'sqlite' && [...key].length >= TRIGRAM) {
    const ids = (value: unknown) => sql<{ id: number }>`select rowid as id from customers_name_fts where customers_name_fts match ${value}`;
    return { shape: 'fts', value: ftsPhrase(key), condition: (value) => sql<boolean>`${sql.ref(idColumn)} in (${ids(value)})`, customers: ids };
  }
  const pattern = `%${escapeLike(key)}%`;
  const column = idColumn === 'o.customer_id' ? 'matched.name_key' : idColumn === 'id' ? 'name_key' : 'c.name_key';
  const like = (value: unknown) => sql<boolean>`${sql.ref(column)} like ${value} escape '\\'`;
  const ids = (value: unknown) => sql<{ id: number }>`select matched.id from customers as matched where matched.name_key like ${value} escape '\\'`;
  if (idColumn === 'o.customer_id') return { shape: 'like-in', value: pattern, condition: (value) => sql<boolean>`${sql.ref(idColumn)} in (${ids(value)})`, customers: ids };
  return { shape: 'like', value: pattern, condition: like, customers: ids };
}

export interface CustomerNameMatch {
  /** Names the SQL chosen, for a compiled query's shape key. */
  shape: string;
  /** What the SQL binds. */
  value: unknown;
  /** The match as a condition on the id column, around whatever stands for the value. */
  condition(value: unknown): RawBuilder<boolean>;
  /** The matching customers as a query of their ids. */
  customers(value: unknown): RawBuilder<{ id: number }>;
}

/**
 * Whether a list page reads the customers a name matches first and then the orders of those ids: as an array
 * PostgreSQL hashes, or customer by customer (pagePerCustomer). PostgreSQL only: SQLite, without LATERAL,
 * re-runs a correlated subquery per customer, which measured slower than sorting every matching order's index
 * entry (1 M orders, 11 customers: 353 µs against 139 µs per page; 508 customers: 71 ms against 0.4 ms), and it
 * already runs `IN (subquery)` by building the subquery's ids into a temporary index once.
 */
export const readsMatchedCustomersFirst = (dialect: Dialect) => dialect === 'postgres';

/**
 * How many customers `customers` (a query of ids) holds, up to `limit`, and their ids as PostgreSQL's text of a
 * bigint array, which pagePerCustomer and ofCustomers bind as it is: one row and one string instead of a row per
 * customer parsed and the array formatted again (at 508 customers that was ~0.3 ms of the server's CPU a page).
 */
export const customerIdsRead = (customers: RawBuilder<{ id: number }>, limit: RawBuilder<unknown>) =>
  sql<{ n: string; ids: string | null }>`(select count(*) as n, array_agg(m.id)::text as ids from (${customers} limit ${limit}) as m)`;

/** The orders of the customers in `ids` (customerIdsRead): a bound array, which PostgreSQL plans as a hashed constant. */
export const ofCustomers = (ids: unknown) => sql<boolean>`o.customer_id = any(${ids}::bigint[])`;

/**
 * The first `limit` ids (with their `sort_key`) of the orders of the given customers (`customers` stands for an array of their ids, read
 * just before by the name match's `customers` query), read customer by customer: `perCustomer` is one customer's
 * rows (its `o.id` and the sort column as `sort_key`), already sorted and cut to `limit` rows, with `customer`
 * standing for the customer's id; each customer is joined LATERAL to its own page. Where a name matches a few
 * customers with thousands of orders each, this reads `limit` index entries per customer instead of every order
 * of every one of them and sorting those (issue 17: 11 customers with 11,153 orders among ten million, 7.6 ms per
 * page of 50).
 */
export function pagePerCustomer(
  customers: unknown,
  perCustomer: (customer: RawBuilder<number>) => Compilable<unknown>,
  direction: 'asc' | 'desc',
  limit: RawBuilder<unknown>,
) {
  const order = sql.raw(direction);
  return sql<{ id: number; sort_key: unknown }>`(select page.id, page.sort_key from unnest(${customers}::bigint[]) as m(id) cross join lateral (${perCustomer(sql<number>`m.id`)}) as page order by page.sort_key ${order}, page.id ${order} limit ${limit})`;
}
