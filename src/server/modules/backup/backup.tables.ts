import type { KeyObject } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { BackupTable } from '../../../contracts/backup.js';
import { literalLimit, type Dialect } from '../../db/connect.js';
import { byteOrderedKey, type KeyedTable } from '../../db/catalogue.js';
import { readTableRows, type Row } from './backup.files.js';

const DUMP_PAGE = 5_000;

/** All rows of a table in primary-key order, a page at a time (keyset: every page costs the same). */
export async function* tablePages(db: Kysely<any>, dialect: Dialect, table: KeyedTable): AsyncGenerator<Row[]> {
  const columns = sql.join(table.columns.map((c) => sql.ref(c.name)));
  const key = byteOrderedKey(table, dialect);
  let after: unknown[] | undefined;
  for (;;) {
    const where = after ? sql`where (${sql.join(key)}) > (${sql.join(after.map((v) => sql.val(v)))})` : sql``;
    const { rows } = await sql<Row>`select ${columns} from ${sql.table(table.name)} ${where} order by ${sql.join(key)} limit ${literalLimit(DUMP_PAGE)}`.execute(db);
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < DUMP_PAGE) return;
    const last = rows[rows.length - 1];
    after = table.primaryKey.map((k) => last[k]);
  }
}

export async function countRows(db: Kysely<any>, table: string): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/** Bound parameters per INSERT stay under SQLite's 32,766 and PostgreSQL's 65,535. */
function insertBatchSize(columns: number): number {
  return Math.max(1, Math.min(1_000, Math.floor(30_000 / columns)));
}

/** Inserts one table's rows from its backup file, ids and all; returns the number of rows. */
export async function insertTableRows(db: Kysely<any>, dir: string, table: BackupTable, key: KeyObject | null = null): Promise<number> {
  let rows = 0;
  for await (const batch of readTableRows(dir, table, insertBatchSize(table.columns.length), key)) {
    await db.insertInto(table.name).values(batch).execute();
    rows += batch.length;
  }
  return rows;
}

