import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import { dialectOf, keepPrepared, type Dialect } from './connect.js';
import type { DB } from './schema.js';

/**
 * Queries compiled once per shape. Kysely builds an immutable tree for every query and compiles it to SQL on
 * every call; for a list page that costs about as much as SQLite takes to read the page. A read whose SQL
 * depends only on a few choices (which filters are present, how many values a list has, the sort, the dialect)
 * is built and compiled once per such shape with placeholders in place of the values; every later call binds
 * its values into the same SQL text (which also finds its prepared statement at once: the statement cache
 * looks the text up by a string whose hash is already known).
 *
 * The shape key must name every choice the SQL depends on; the values must not change it. Under the test
 * runner every call compiles afresh as well and fails loudly when the SQL or the placement of the values
 * differs from the cached one, so a choice missing from a key shows up in the first test that makes it.
 */
class Placeholder {
  constructor(readonly index: number) {}
}

interface Shape {
  sql: string;
  parameters: readonly unknown[];
}

const shapes = new Map<string, Shape>();
const VERIFY = process.env.VITEST !== undefined;

/**
 * Runs the query `build` makes from `values` (each placeholder given to it stands for the value at its index),
 * compiled once per `key` and dialect. `prepared`: on PostgreSQL the SQL runs as a named prepared statement
 * (connect.ts `keepPrepared`), so after five runs it is no longer planned per call. Only for a shape whose plan
 * is the same whatever values it binds: a generic plan chosen for one value can be poor for another.
 */
export async function runCompiled<R, V extends readonly unknown[]>(
  db: Kysely<DB>,
  key: string,
  values: V,
  build: (values: V) => Compilable<R>,
  options: { prepared?: boolean } = {},
): Promise<R[]> {
  const dialect = dialectOf(db);
  const fullKey = `${dialect}|${key}`;
  let shape = shapes.get(fullKey);
  if (!shape || VERIFY) {
    const compiled = build(values.map((_, index) => new Placeholder(index)) as unknown as V).compile();
    const fresh: Shape = { sql: compiled.sql, parameters: compiled.parameters };
    if (shape && (shape.sql !== fresh.sql || !sameLayout(shape.parameters, fresh.parameters))) {
      throw new Error(`The compiled query "${key}" changed shape: its key misses a choice the SQL depends on.\n${shape.sql}\n${fresh.sql}`);
    }
    if (fresh.parameters.filter((p) => p instanceof Placeholder).length !== values.length) {
      throw new Error(`The compiled query "${key}" does not bind each of its ${values.length} values exactly once`);
    }
    if (!shape && options.prepared && dialect === 'postgres') keepPrepared(fresh.sql);
    shape ??= fresh;
    shapes.set(fullKey, shape);
  }
  const parameters = shape.parameters.map((p) => (p instanceof Placeholder ? values[p.index] : p));
  return (await db.executeQuery(CompiledQuery.raw(shape.sql, parameters))).rows as R[];
}

function sameLayout(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((p, i) => (p instanceof Placeholder ? b[i] instanceof Placeholder && b[i].index === p.index : p === b[i]));
}

/**
 * A query that SQLite must read through `index` (INDEXED BY) where it reads `table` under `alias`, which must come
 * exactly once in its SQL. For reads whose best index the planner cannot know from its statistics: those a bulk
 * seed's ANALYZE took while the recycle bin was empty rate every index of the bin at one row, and SQLite then
 * walks the whole bin in date order for a filter another of its indexes answers at once. An index the statement
 * names and the schema lacks is an error when the statement is prepared, never a silently slower plan.
 * PostgreSQL gets the query as it is.
 */
export function indexedBy<R>(query: Compilable<R>, dialect: Dialect, table: string, alias: string, index: string | undefined): Compilable<R> {
  if (dialect !== 'sqlite' || index === undefined) return query;
  return {
    compile() {
      const compiled = query.compile();
      const from = `from "${table}" as "${alias}"`;
      const at = compiled.sql.indexOf(from);
      if (at < 0 || compiled.sql.includes(from, at + 1)) throw new Error(`indexedBy: ${from} must come exactly once in ${compiled.sql}`);
      const end = at + from.length;
      return { ...compiled, sql: `${compiled.sql.slice(0, end)} indexed by "${index}"${compiled.sql.slice(end)}` };
    },
  };
}
