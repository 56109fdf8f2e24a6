import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Dialect } from './connect.js';

/**
 * The tables as the database itself describes them. Backups read the catalogue at run time, so a table
 * added by a later migration is backed up without anyone remembering to list it here.
 * The catalogue queries are the one place where the backup speaks each dialect's dictionary.
 */
export interface CatalogueColumn {
  name: string;
  type: 'integer' | 'real' | 'text';
  /** PostgreSQL identity column whose sequence a restore must move past the restored ids. */
  identity: boolean;
}

export interface CatalogueTable {
  name: string;
  columns: CatalogueColumn[];
  primaryKey: string[];
  /** Tables this one has foreign keys to (itself excluded). */
  references: string[];
}

/**
 * Migration bookkeeping belongs to the target's own migrator, never to a backup. The dashboard summary is derived
 * from `orders` and recounted after a restore (restoring its rows as well would count the orders twice).
 */
const BOOKKEEPING = new Set(['orderly_migrations', 'orderly_migration_lock', 'dashboard_summary', 'dashboard_summary_deltas', 'dashboard_summary_paused']);

export class CatalogueError extends Error {}

function storageClass(table: string, column: string, declared: string): CatalogueColumn['type'] {
  const t = declared.toLowerCase();
  if (/int/.test(t)) return 'integer';
  if (/char|text|clob/.test(t)) return 'text';
  if (/real|floa|doub|numeric/.test(t)) return 'real';
  throw new CatalogueError(`Column ${table}.${column} has type "${declared}", which backups cannot carry between databases yet`);
}

async function sqliteCatalogue(db: Kysely<any>): Promise<CatalogueTable[]> {
  // Ordinary tables only: a full-text index (virtual table and its shadow tables) is rebuilt from its content by triggers.
  const names = await sql<{ name: string }>`select name from pragma_table_list where schema = 'main' and type = 'table' and name not like 'sqlite\\_%' escape '\\' order by name`.execute(db);
  const tables: CatalogueTable[] = [];
  for (const { name } of names.rows) {
    if (BOOKKEEPING.has(name)) continue;
    const cols = await sql<{ name: string; type: string; pk: number }>`select name, type, pk from pragma_table_info(${name}) order by cid`.execute(db);
    const fks = await sql<{ table: string }>`select "table" from pragma_foreign_key_list(${name})`.execute(db);
    tables.push({
      name,
      columns: cols.rows.map((c) => ({ name: c.name, type: storageClass(name, c.name, c.type), identity: false })),
      primaryKey: cols.rows.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name),
      references: [...new Set(fks.rows.map((f) => f.table))].filter((t) => t !== name),
    });
  }
  return tables;
}

async function postgresCatalogue(db: Kysely<any>): Promise<CatalogueTable[]> {
  const names = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(db);
  const cols = await sql<{ table: string; name: string; type: string; identity: string }>`
    select table_name as table, column_name as name, data_type as type, is_identity as identity
    from information_schema.columns where table_schema = current_schema() order by table_name, ordinal_position`.execute(db);
  const pks = await sql<{ table: string; name: string }>`
    select kcu.table_name as table, kcu.column_name as name
    from information_schema.table_constraints tc
    join information_schema.key_column_usage kcu
      on kcu.constraint_name = tc.constraint_name and kcu.table_schema = tc.table_schema and kcu.table_name = tc.table_name
    where tc.constraint_type = 'PRIMARY KEY' and tc.table_schema = current_schema()
    order by kcu.table_name, kcu.ordinal_position`.execute(db);
  const fks = await sql<{ table: string; ref: string }>`
    select cl.relname as table, rf.relname as ref
    from pg_constraint c
    join pg_class cl on cl.oid = c.conrelid
    join pg_class rf on rf.oid = c.confrelid
    join pg_namespace n on n.oid = c.connamespace
    where c.contype = 'f' and n.nspname = current_schema()`.execute(db);
  return names.rows
    .filter(({ name }) => !BOOKKEEPING.has(name))
    .map(({ name }) => ({
      name,
      columns: cols.rows.filter((c) => c.table === name).map((c) => ({ name: c.name, type: storageClass(name, c.name, c.type), identity: c.identity === 'YES' })),
      primaryKey: pks.rows.filter((p) => p.table === name).map((p) => p.name),
      references: [...new Set(fks.rows.filter((f) => f.table === name).map((f) => f.ref))].filter((t) => t !== name),
    }));
}

/**
 * Every application table, parents before children (foreign keys), so rows restore in this order and
 * delete in the reverse. Fails loudly on a table without a primary key (its rows have no stable order)
 * and on a cycle of foreign keys (no insert order satisfies it).
 */
export async function readCatalogue(db: Kysely<any>, dialect: Dialect): Promise<CatalogueTable[]> {
  const tables = dialect === 'postgres' ? await postgresCatalogue(db) : await sqliteCatalogue(db);
  for (const t of tables) {
    if (t.primaryKey.length === 0) throw new CatalogueError(`Table ${t.name} has no primary key, so its rows have no stable order to back up`);
  }
  return orderByDependencies(tables);
}

function orderByDependencies(tables: CatalogueTable[]): CatalogueTable[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const ordered: CatalogueTable[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (t: CatalogueTable, path: string[]) => {
    if (state.get(t.name) === 'done') return;
    if (state.get(t.name) === 'visiting') throw new CatalogueError(`Foreign keys form a cycle (${[...path, t.name].join(' → ')}); backups cannot order these tables`);
    state.set(t.name, 'visiting');
    for (const ref of t.references) {
      const parent = byName.get(ref);
      if (parent) visit(parent, [...path, t.name]);
    }
    state.set(t.name, 'done');
    ordered.push(t);
  };
  for (const t of [...tables].sort((a, b) => a.name.localeCompare(b.name))) visit(t, []);
  return ordered;
}

/** The schema migrations applied to this database, in order. */
export async function appliedMigrations(db: Kysely<any>): Promise<string[]> {
  const rows = await sql<{ name: string }>`select name from orderly_migrations order by name`.execute(db);
  return rows.rows.map((r) => r.name);
}

export type KeyedTable = Pick<CatalogueTable, 'name' | 'primaryKey'> & { columns: Array<{ name: string; type: string }> };

/**
 * The primary key as an ORDER BY / comparison expression. Text keys compare byte-wise on both databases
 * (PostgreSQL's default collation would order "a_b" and "ab" by language rules), so a table's rows come out
 * in the same order from either database and hash the same.
 */
export function byteOrderedKey(table: KeyedTable, dialect: Dialect): RawBuilder<unknown>[] {
  return table.primaryKey.map((name) => {
    const text = table.columns.find((c) => c.name === name)?.type === 'text';
    return dialect === 'postgres' && text ? sql`${sql.ref(name)} collate "C"` : sql`${sql.ref(name)}`;
  });
}

/**
 * PostgreSQL identity columns keep their own counter, which explicit ids do not move: set it past the
 * restored ids so the next new row gets a fresh one. (SQLite's AUTOINCREMENT follows the largest id itself.)
 */
export async function resetIdentity(db: Kysely<any>, dialect: Dialect, table: CatalogueTable): Promise<void> {
  if (dialect !== 'postgres') return;
  for (const column of table.columns.filter((c) => c.identity)) {
    await sql`select setval(pg_get_serial_sequence(${table.name}, ${column.name}), coalesce((select max(${sql.ref(column.name)}) from ${sql.table(table.name)}), 0) + 1, false)`.execute(db);
  }
}
