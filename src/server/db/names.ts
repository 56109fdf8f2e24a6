import { sql, type Kysely } from 'kysely';
import { runCompiled } from './compiled.js';
import type { DB } from './schema.js';

/**
 * Customer and user names for list rows, from a small cache per process instead of a join per row. Joining
 * customers and users (twice: owner and holder of a legal hold) to a 50-row page read 200 more rows and built 250
 * more strings: a third of the page query's CPU on SQLite (bench/README.md). The order page joins: for one row
 * three primary-key lookups cost less than this cache's bookkeeping (bench/README.md, fourth round).
 *
 * Correct with several processes and databases: every query that reads a page also reads `nameToken()`, the
 * token migration 0025's triggers renew in the same transaction as any change to a name. A page whose token is
 * not the cache's drops the cache; names are stored only together with the token they were read under, so the
 * cache never holds a name older than the token it is kept for. Ids the cache does not hold (new customers) are
 * read in one query. One cache per Kysely instance: a replica, a practice workspace and each test database
 * keep their own.
 */
export interface UserName {
  displayName: string | null;
  username: string;
}

interface Directory {
  token: number | null;
  customers: Map<number, string>;
  users: Map<number, UserName>;
}

/** Past this many names a cache starts over rather than grow with the customer table. */
const MAX_NAMES = 100_000;

const directories = new WeakMap<Kysely<DB>, Directory>();

function directoryOf(db: Kysely<DB>): Directory {
  let directory = directories.get(db);
  if (!directory) {
    directory = { token: null, customers: new Map(), users: new Map() };
    directories.set(db, directory);
  }
  return directory;
}

/** A column for a page query: the names' token, read in the page's own snapshot (a subquery run once per query). */
export const nameToken = () => sql<number>`(select token from name_directory where id = 1)`.as('name_token');

export interface PageNames {
  customer(id: number): string;
  user(id: number | null): UserName | null;
}

/**
 * The names of the given customers and users, as of `token` (read by the page query) or later. Usually no
 * query at all; otherwise one per table for the ids the cache lacks.
 */
export async function pageNames(db: Kysely<DB>, token: number | undefined, customerIds: Iterable<number>, userIds: Iterable<number | null>): Promise<PageNames> {
  const directory = directoryOf(db);
  if (token !== undefined && token !== directory.token) {
    directory.token = token;
    directory.customers.clear();
    directory.users.clear();
  }
  const missingCustomers = [...new Set(customerIds)].filter((id) => !directory.customers.has(id));
  const missingUsers = [...new Set(userIds)].filter((id): id is number => id !== null && !directory.users.has(id));
  const customers = new Map<number, string>();
  const users = new Map<number, UserName>();
  if (missingCustomers.length) {
    const ids = bucketed(missingCustomers);
    const rows = await runCompiled(db, `names.customers|${ids.length}`, ids, (values) =>
      db.selectFrom('customers').select(['id', 'name', nameToken()]).where('id', 'in', values),
    );
    for (const r of rows) customers.set(r.id, r.name);
    keep(directory, rows[0]?.name_token, directory.customers, customers);
  }
  if (missingUsers.length) {
    const ids = bucketed(missingUsers);
    const rows = await runCompiled(db, `names.users|${ids.length}`, ids, (values) =>
      db.selectFrom('users').select(['id', 'display_name', 'username', nameToken()]).where('id', 'in', values),
    );
    for (const r of rows) users.set(r.id, { displayName: r.display_name, username: r.username });
    keep(directory, rows[0]?.name_token, directory.users, users);
  }
  return {
    customer: (id) => directory.customers.get(id) ?? customers.get(id) ?? '',
    user: (id) => (id === null ? null : (directory.users.get(id) ?? users.get(id) ?? null)),
  };
}

/** The ids padded (repeating the last) to a power of two: a handful of statement shapes instead of one per count. */
function bucketed(ids: number[]): number[] {
  const size = 2 ** Math.ceil(Math.log2(ids.length));
  return ids.length === size ? ids : [...ids, ...Array<number>(size - ids.length).fill(ids[ids.length - 1])];
}

/** Stores names read under `token` only while the cache is kept for that same token. */
function keep<V>(directory: Directory, token: number | undefined, cache: Map<number, V>, fresh: Map<number, V>): void {
  if (token === undefined || token !== directory.token) return;
  if (directory.customers.size + directory.users.size + fresh.size > MAX_NAMES) {
    directory.customers.clear();
    directory.users.clear();
  }
  for (const [id, value] of fresh) cache.set(id, value);
}
