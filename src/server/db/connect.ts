import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteAdapter, SqliteDialect, sql, type SqliteStatement as KyselySqliteStatement } from 'kysely';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import Cursor from 'pg-cursor';
import type { Database } from '../config.js';
import { startCheckpointer, WAL_SAFETY_PAGES } from './checkpointer.js';
import { startReplicaMonitor, type ReplicaMonitor } from './replica.js';
import type { DB } from './schema.js';
import { WriteWatch } from './write-watch.js';

// pg hands back bigint and numeric as strings; every such value here (ids, counts, money sums in minor
// units) stays far below 2^53, so numbers are exact.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

export type Dialect = Database['dialect'];

/**
 * Dirty pages a SQLite transaction keeps in memory before it writes some of them to the WAL early (~117 MB).
 * SQLite also reads the number as "spilling on/off" through a byte cast, so a multiple of 256 would turn spilling
 * off altogether (no bound at all); connect.test.ts reads the setting back.
 */
export const SPILL_PAGES = 30_000;
export interface Db {
  kysely: Kysely<DB>;
  dialect: Dialect;
  /**
   * PostgreSQL only: the query's rows as arrays, `size` at a time, through a cursor on a connection of its own
   * (released when the loop ends or leaves early). The next chunk is already asked for while the caller works
   * on the current one, so the database and the app work side by side; JIT is off for it, as compiling the
   * expressions of a long read costs more than it saves.
   */
  readInChunks?(query: CompiledQuery, size: number): AsyncGenerator<unknown[][]>;
  /**
   * SQLite only: the query's rows as arrays of values, in column order, without the row objects every other read
   * gets. Runs on the app's connection between transactions (it waits for the connection like any query), so it
   * never sees another request's uncommitted writes. For long reads that touch each value once (the CSV export).
   */
  readArrays?: (query: CompiledQuery) => Promise<unknown[][]>;
  /** PostgreSQL with DATABASE_READ_URL: the replica (a Db of its own, read-only) and its monitor. */
  replica?: { db: Db; monitor: ReplicaMonitor };
  /** PostgreSQL only: where to open a connection outside the pool (LISTEN, see pubsub.ts). Never logged. */
  connectionUrl?: string;
  /** PostgreSQL only: this process's open writes to the tables a sign-in reads (see write-watch.ts). */
  signInWrites?: WriteWatch;
  /** PostgreSQL only: the connection pool's use, for /metrics. */
  poolStats?(): { total: number; idle: number; waiting: number; max: number };
  close(): Promise<void>;
}

/**
 * A LIMIT written into the SQL rather than bound: SQLite plans with the value bound to LIMIT, so it prepares a
 * statement with `limit ?` afresh on every run (see withStatementCache), which costs more than a small query.
 */
export function literalLimit(n: number) {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`LIMIT must be a whole number, not ${n}`);
  return sql.lit(n);
}

/**
 * Rows per query when a long read (an export) pages through a table: large enough that per-query cost vanishes, small enough that a page's garbage stays small.
 * Measured exporting a million orders as CSV over HTTP: on SQLite (no round trips) 500 per page is as fast as
 * 2,000 (~4.2 s) and peaks at ~158 MB instead of 180–200 MB, as less of each page lives long enough to be
 * promoted to the old heap. On PostgreSQL every page is round trips: paging that CSV there, 2,000 per page took
 * 5.5 s where 500 took 7–8 s, for about the same peak. JSON and XLSX page this way on both databases; the CSV
 * export on PostgreSQL reads chunks of 1,000 through a cursor (export.csv-pg.ts, see streamsThroughCursor).
 */
export const bulkReadPageSize = (dialect: Dialect) => (dialect === 'sqlite' ? 500 : 2_000);

/**
 * Whether a long read can stream through a server-side cursor (pg-cursor, wired into connect below): on PostgreSQL
 * that saves a round trip per page; SQLite reads in process and pages instead.
 */
export const streamsThroughCursor = (dialect: Dialect) => dialect === 'postgres';

/** The database as a log line names it: never the PostgreSQL URL, which may hold a password. */
export const databaseLabel = (database: Database) => (database.dialect === 'postgres' ? 'PostgreSQL' : `SQLite ${database.file}`);

/** The dialect behind a connection or transaction, for the few queries written differently per database. */
export function dialectOf(db: Kysely<any>): Dialect {
  return db.getExecutor().adapter instanceof SqliteAdapter ? 'sqlite' : 'postgres';
}

export interface ConnectOptions {
  poolSize?: number;
  /**
   * SQLite: begin every transaction IMMEDIATE (see OrderlySqliteDialect). For a process that shares the file
   * with other server processes (ORDERLY_WORKERS > 1), never for several connections in one thread: there the
   * busy wait for the lock would block the very thread whose other connection holds it.
   */
  beginImmediate?: boolean;
}

export function connect(database: Database, options: ConnectOptions = {}): Db {
  if (database.dialect === 'postgres' && database.replica) {
    const { replica: replicaConfig, ...primaryConfig } = database;
    const primary = connect(primaryConfig, options);
    const db = connect({ dialect: 'postgres', url: replicaConfig.url, poolSize: database.poolSize }, options);
    const monitor = startReplicaMonitor(primary.kysely, db.kysely, { maxLagSeconds: replicaConfig.maxLagSeconds });
    return {
      ...primary,
      replica: { db, monitor },
      async close() {
        monitor.stop();
        await db.close();
        await primary.close();
      },
    };
  }
  if (database.dialect === 'postgres') {
    const max = options.poolSize ?? database.poolSize ?? 10;
    const pool = new pg.Pool({ connectionString: database.url, max });
    const signInWrites = new WriteWatch();
    pool.on('connect', (client) => {
      runKeptStatementsPrepared(client);
      client.query = signInWrites.watch(client, client.query.bind(client)) as unknown as typeof client.query;
    });
    // An idle connection dropped by the server (a restart, a replica going away) is an event, not a crash: the
    // pool discards it and the next query opens a new one.
    pool.on('error', () => undefined);
    const kysely = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return {
      kysely,
      dialect: 'postgres',
      connectionUrl: database.url,
      signInWrites,
      async *readInChunks(query, size) {
        const client = await pool.connect();
        let cursor: Cursor<unknown[]> | undefined;
        let next: Promise<unknown[][]> | undefined;
        try {
          await client.query('set jit = off');
          cursor = client.query(new Cursor<unknown[]>(query.sql, query.parameters as unknown[], { rowMode: 'array' }));
          next = cursor.read(size);
          for (let rows = await next; rows.length > 0; rows = await next) {
            next = cursor.read(size);
            yield rows;
          }
        } finally {
          await next?.catch(() => undefined);
          await cursor?.close().catch(() => undefined);
          // A connection whose cursor failed mid-way may be in any state: it is closed rather than reused.
          const healthy = await client.query('reset jit').then(() => true, () => false);
          client.release(!healthy);
        }
      },
      poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max }),
      close: () => kysely.destroy(),
    };
  }
  if (database.file !== ':memory:') keepPrivate(database.file);
  const sqlite = new SQLite(database.file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // 16 MB of page cache: the operating system caches the file too, and a larger cache only shows up as resident
  // memory (a million-order export filled 64 MB of it, for no measurable gain in list or search latency).
  sqlite.pragma('cache_size = -16384');
  // A statement that changes many rows inside a transaction (deleting or restoring a thousand orders) keeps the
  // old content of every page it touches in a statement journal, so that it alone can be rolled back. Left to
  // the default, that journal spilled to a temporary file beyond 64 KB: one extra 4 KB write per page, as many as
  // the WAL writes themselves. It lives only until the statement ends, so memory is the place for it. (The same
  // setting keeps a query's temporary tables and sorts in memory: Orderly's long reads follow an index and sort
  // only small results; a migration that builds an index over a big table sorts its keys in memory once.)
  sqlite.pragma('temp_store = MEMORY');
  // Dirty pages stay in memory until the commit up to SPILL_PAGES instead of the 16 MB cache size: a
  // thousand-order deletion dirties ~10,000 pages, and spilling them mid-transaction wrote many twice (spilled,
  // read back from the WAL, changed again, written again at commit). The cache grows past cache_size only by the
  // dirty pages of a transaction in progress, and SQLite frees them once the commit has made them clean. The
  // commit writes and syncs as before: durability is unchanged.
  sqlite.pragma(`cache_spill = ${SPILL_PAGES}`);
  const checkpointer = database.file === ':memory:' ? undefined : startCheckpointer(database.file);
  if (checkpointer) sqlite.pragma(`wal_autocheckpoint = ${WAL_SAFETY_PAGES}`);
  const kysely = new Kysely<DB>({
    dialect: new OrderlySqliteDialect({ database: withStatementCache(sqlite) }, {
      beginImmediate: options.beginImmediate ?? false,
      beforeBegin: checkpointer && (() => checkpointer.beforeWrite()),
      afterCommit: checkpointer && (() => checkpointer.committed()),
    }),
  });
  const arrays = arrayStatements(sqlite);
  return {
    kysely,
    dialect: 'sqlite',
    // Holding Kysely's connection (its mutex) while the synchronous read runs keeps it out of open transactions.
    readArrays: (query) => kysely.connection().execute(async () => arrays(query.sql).all(query.parameters) as unknown[][]),
    async close() {
      // The checkpointer's connection first: the last connection to close folds the log back and removes it.
      await checkpointer?.close();
      await kysely.destroy();
    },
  };
}

interface SqliteHooks {
  beginImmediate: boolean;
  beforeBegin?: () => Promise<void> | undefined;
  afterCommit?: () => void;
}

/**
 * With `beginImmediate`, transactions begin IMMEDIATE: they take SQLite's write lock at BEGIN, waiting up to
 * busy_timeout for it. A deferred BEGIN takes it at the first write, and when another process (a second worker,
 * ORDERLY_WORKERS) has committed since this transaction's first read, that upgrade fails at once with SQLITE_BUSY —
 * busy_timeout does not apply, as waiting could not help a stale snapshot. Within the process nothing changes:
 * Kysely runs one transaction at a time on the one connection anyway. (Read snapshots use a connection of their
 * own, snapshot.ts.) `afterCommit` runs once a transaction has committed: the checkpointer's cue; `beforeBegin` may
 * hold a transaction back until the log has been copied, so that it rewinds the log (both checkpointer.ts).
 */
class OrderlySqliteDialect extends SqliteDialect {
  readonly #hooks: SqliteHooks;

  constructor(config: ConstructorParameters<typeof SqliteDialect>[0], hooks: SqliteHooks) {
    super(config);
    this.#hooks = hooks;
  }

  override createDriver() {
    const driver = super.createDriver();
    if (this.#hooks.beginImmediate) {
      driver.beginTransaction = async (connection) => {
        await connection.executeQuery(CompiledQuery.raw('begin immediate'));
      };
    }
    const { beforeBegin } = this.#hooks;
    if (beforeBegin) {
      const begin = driver.beginTransaction.bind(driver);
      driver.beginTransaction = async (connection, settings) => {
        const copying = beforeBegin();
        if (copying) await copying;
        await begin(connection, settings);
      };
    }
    const { afterCommit } = this.#hooks;
    if (afterCommit) {
      const commit = driver.commitTransaction.bind(driver);
      driver.commitTransaction = async (connection) => {
        await commit(connection);
        afterCommit();
      };
    }
    return driver;
  }
}

/**
 * The database holds every order, customer and password hash: only the account running Orderly may read it.
 * A new folder is made 0700 and the file is created 0600 before SQLite opens it, because SQLite gives the
 * -wal and -shm files it creates the permissions of the database file. Files left readable by an older
 * version are tightened too. A folder that already existed (a shared ./data, /var/lib/…) keeps its mode.
 */
function keepPrivate(file: string): void {
  const folder = path.dirname(file);
  if (!fs.existsSync(folder)) fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  for (const own of [file, `${file}-wal`, `${file}-shm`]) {
    if (fs.existsSync(own) && (fs.statSync(own).mode & 0o077) !== 0) fs.chmodSync(own, 0o600);
  }
}

/**
 * PostgreSQL parses and plans every unnamed statement afresh, which for the lookups run on every request
 * (authentication) costs several times the lookup itself. SQL registered here runs as a named prepared
 * statement: parsed once per connection and, after a few runs, planned once. Only for fixed lookups whose
 * best plan does not depend on the values bound — a generic plan chosen for one value can be poor for
 * another. SQLite needs none of this: it keeps every statement prepared (see withStatementCache).
 */
const keptStatements = new Map<string, string>();
export function keepPrepared(sqlText: string): void {
  if (!keptStatements.has(sqlText)) keptStatements.set(sqlText, `orderly_kept_${keptStatements.size + 1}`);
}

export function isKeptPrepared(sqlText: string): boolean {
  return keptStatements.has(sqlText);
}

function runKeptStatementsPrepared(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((...args: unknown[]) => {
    const [text, values] = args;
    const name = typeof text === 'string' && args.length <= 2 ? keptStatements.get(text) : undefined;
    return name ? query({ name, text, values }) : query(...args);
  }) as unknown as typeof client.query;
}

/**
 * Kysely prepares every statement anew; preparing costs as much as running a small indexed query. The app
 * issues a few hundred distinct statements, so keep the prepared ones (least recently used out first). A
 * statement still being iterated is busy and cannot run twice at once: then a fresh one is prepared.
 */
function withStatementCache(db: SQLite.Database, capacity = 500) {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      const cached = cache.get(sql);
      if (cached && !cached.busy) {
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = sql.startsWith(EACH_ROW) ? eachRowStatement(db, db.prepare(sql)) : statementOf(db.prepare(sql));
      cache.set(sql, statement);
      if (cache.size > capacity) cache.delete(cache.keys().next().value!);
      return statement;
    },
  };
}

type SqliteStatement = KyselySqliteStatement & { readonly busy: boolean };

/**
 * SQLite: SQL that starts with this runs once per row of its parameters (an array of rows, each an array of
 * values) as one statement to Kysely: inside a savepoint, so it changes all rows or none, like one statement.
 * For the journals' many-row inserts (row-sets.ts): better-sqlite3 runs a prepared one-row insert a thousand times
 * in less time than SQLite takes to insert the same rows from one statement that reads them out of JSON or a long
 * VALUES list (measured there).
 */
export const EACH_ROW = '/* each row */ ';

function eachRowStatement(db: SQLite.Database, statement: SQLite.Statement): SqliteStatement {
  if (statement.reader) throw new Error('A statement run once per row must not return rows');
  const runAll = db.transaction((rows: readonly unknown[][]) => {
    let changes = 0;
    let lastInsertRowid: number | bigint = 0;
    for (const row of rows) {
      const result = statement.run(row);
      changes += result.changes;
      lastInsertRowid = result.lastInsertRowid;
    }
    return { changes, lastInsertRowid };
  });
  return {
    reader: false,
    get busy() {
      return statement.busy;
    },
    all: () => {
      throw new Error('A statement run once per row returns no rows');
    },
    run: (parameters) => runAll(parameters as unknown[][]),
    iterate: () => {
      throw new Error('A statement run once per row returns no rows');
    },
  };
}

/** Prepared statements that hand back rows as arrays (readArrays), a few kept: long reads repeat one statement per page. */
function arrayStatements(db: SQLite.Database, capacity = 20): (sql: string) => SQLite.Statement {
  const cache = new Map<string, SQLite.Statement>();
  return (sql) => {
    let statement = cache.get(sql);
    if (!statement) {
      statement = db.prepare(sql).raw(true);
      cache.set(sql, statement);
      if (cache.size > capacity) cache.delete(cache.keys().next().value!);
    }
    return statement;
  };
}

/**
 * One object literal per statement, so every row of it shares a shape and V8 stores the fields directly
 * (a loop over column names goes through its slow generic path). Computed keys define own properties, so
 * even a column named __proto__ is just a field; a repeated name keeps its last value, as better-sqlite3 does.
 */
function rowBuilder(columns: string[]): (values: unknown[]) => Record<string, unknown> {
  const fields = columns.map((name, i) => `[${JSON.stringify(name)}]: v[${i}]`);
  // Generated on purpose, from column names quoted by JSON.stringify: nothing a caller sends reaches the source.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('v', `return { ${fields.join(', ')} };`) as (values: unknown[]) => Record<string, unknown>;
}

/**
 * better-sqlite3 builds each result row as an object property by property in C++, which costs more than
 * running the query for a 50-row page; fetching rows as arrays and naming the columns in JS is a third cheaper.
 */
function statementOf(statement: SQLite.Statement): SqliteStatement {
  if (!statement.reader) return statement;
  statement.raw(true);
  let width = 0;
  let build: (values: unknown[]) => Record<string, unknown> = () => ({});
  // A kept `select *` prepared before its table gained a column (a migration on this connection) returns the
  // new column too: the names are read again when the width changes, so no value is dropped or misnamed.
  const toRow = (values: unknown[]) => {
    if (values.length !== width) {
      build = rowBuilder(statement.columns().map((c) => c.name));
      width = values.length;
    }
    return build(values);
  };
  return {
    reader: true,
    get busy() {
      return statement.busy;
    },
    all: (parameters) => (statement.all(parameters) as unknown[][]).map(toRow),
    run: (parameters) => statement.run(parameters),
    iterate(parameters) {
      const values = statement.iterate(parameters) as IterableIterator<unknown[]>;
      const rows: IterableIterator<unknown> = {
        next: () => {
          const next = values.next();
          return next.done ? next : { done: false, value: toRow(next.value) };
        },
        return: (value?: unknown) => values.return?.(value) ?? { done: true, value },
        [Symbol.iterator]: () => rows,
      };
      return rows;
    },
  };
}

/** Serialises writers of one chain (audit hash chain) across instances; SQLite has one writer anyway. */
export async function lockForChain(trx: Kysely<DB>, dialect: Dialect, key: number): Promise<void> {
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${key})`.execute(trx);
}
