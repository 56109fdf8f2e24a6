import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { Database } from '../config.js';
import type { Ctx } from './context.js';

/**
 * Runs `read` against one consistent, read-only view of the whole database while the app keeps writing.
 *
 * PostgreSQL: one REPEATABLE READ, READ ONLY transaction — every statement sees the snapshot taken at its
 * first query, and readers never block writers.
 * SQLite: a second, read-only connection to the same file inside one read transaction. In WAL mode a reader
 * keeps its snapshot from its first read while the writer appends to the log, so the app is not blocked.
 * An in-memory database has no file to open twice; it falls back to a transaction on the main connection,
 * which holds writers back for the duration (in-memory databases are small).
 */
export async function withReadSnapshot<T>(ctx: Ctx, database: Database, read: (db: Kysely<any>) => Promise<T>): Promise<T> {
  if (ctx.dialect === 'postgres') {
    return ctx.kysely.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute((trx) => read(trx));
  }
  if (database.dialect !== 'sqlite' || database.file === ':memory:') {
    return ctx.kysely.transaction().execute((trx) => read(trx));
  }
  const connection = new SQLite(database.file, { readonly: true, fileMustExist: true });
  connection.pragma('busy_timeout = 5000');
  const reader = new Kysely<any>({ dialect: new SqliteDialect({ database: connection }) });
  try {
    return await reader.transaction().execute(async (trx) => {
      // BEGIN is deferred: the snapshot starts at the first read, so take it now, before anything else.
      await sql`select count(*) from sqlite_master`.execute(trx);
      return read(trx);
    });
  } finally {
    await reader.destroy();
  }
}
