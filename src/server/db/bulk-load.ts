import { hash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { Database } from '../config.js';
import { connect, type Db } from './connect.js';
import type { Socket } from 'node:net';
import { generatedOrderStatements, SEED_ORDER_COLUMN_NAMES, SEED_ORDER_TABLE, seedOrderRows, type GeneratedOrders, type SeriesPart } from './bulk-generate.js';
import { pauseStatement, recountStatements } from './dashboard-summary.js';
import { asideFile, generateOrdersAside, removeAsideFile, removeStaleAsideFiles, type Balance, type OrdersAside } from './bulk-orders-aside.js';
import type { DB } from './schema.js';

/**
 * Raw, batched writers for the bulk seed: a million orders through Kysely one statement at a time would
 * take far too long, so the seed writes pre-computed rows straight into the tables, in each database's own
 * bulk path. Every dialect branch of the loaders lives here, so src/cli (the seed and the demo loader) stays
 * dialect-free (test/layering.test.ts checks it).
 */

/** Every column the seed writes, in the order of the values in each row. */
const TABLES = {
  customers: ['id', 'name', 'name_key', 'phone', 'email', 'note', 'created_at', 'updated_at', 'version'],
  products: ['id', 'sku', 'name', 'name_key', 'price', 'on_hand', 'reserved', 'created_at', 'updated_at', 'version'],
  orders: ['id', 'number', 'customer_id', 'owner_id', 'status', 'total', 'paid', 'note', 'signature', 'version', 'created_at', 'updated_at', 'confirmed_at', 'shipped_at', 'completed_at', 'cancelled_at', 'line_count'],
  order_items: ['id', 'order_id', 'line_no', 'product_id', 'sku', 'name', 'quantity', 'unit_price', 'line_total'],
  stock_movements: ['id', 'product_id', 'order_id', 'kind', 'on_hand_delta', 'reserved_delta', 'reverses_id', 'reason', 'actor_id', 'created_at'],
  ledger_entries: ['id', 'order_id', 'customer_id', 'kind', 'amount', 'reverses_id', 'note', 'actor_id', 'created_at'],
} as const satisfies { [T in keyof DB]?: ReadonlyArray<keyof DB[T] & string> };

export type BulkTable = keyof typeof TABLES;
/** One row: values in the column order of TABLES. */
export type BulkRow = Array<string | number | null>;
export type BulkRows = Partial<Record<BulkTable, BulkRow[]>>;
export const BULK_TABLES = Object.keys(TABLES) as BulkTable[];
export const columnsOf = (table: BulkTable): readonly string[] => TABLES[table];

export interface BulkBatch {
  rows: BulkRows;
  stock?: Array<[productId: number, onHandDelta: number, reservedDelta: number]>;
  sequences?: Array<[name: string, value: number]>;
}

/**
 * The whole load is one transaction: interrupted, it leaves nothing behind. With `rebuildIndexes` the
 * secondary indexes of the seeded tables are dropped at `begin` and rebuilt at `commit` — sorting a million
 * keys once is far cheaper than a million random index inserts — still inside the same transaction, so a
 * failed load also brings the indexes back. Constraint indexes (primary keys, unique order numbers) stay. On
 * PostgreSQL the seeded tables' foreign keys go too, and are checked in full when they are added back at commit.
 * The dashboard summary's triggers are paused in the same transaction and the summary recounted at commit: a
 * load that dies, even by kill -9, leaves the summary counting as before.
 */
export interface BulkWriter {
  begin(options: { rebuildIndexes: boolean }): Promise<void>;
  /** Writes the rows, moves product balances by the deltas and raises the sequences (PostgreSQL: the last two summed and done at commit). */
  write(batch: BulkBatch): Promise<void>;
  /**
   * Generates the orders with their lines and journal rows inside the database (bulk-generate.ts), after the
   * master data was written, and moves the product balances by the generated stock movements.
   */
  generate(plan: GeneratedOrders): Promise<{ items: number; stockMovements: number; ledgerEntries: number }>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /** Fresh planner statistics (and visibility): after a bulk load the old ones describe a nearly empty database. */
  analyze(): Promise<void>;
  close(): Promise<void>;
}

/** `log` gets a line per step of the commit on PostgreSQL (index builds, foreign-key checks). */
export async function openBulkWriter(database: Database, log: (line: string) => void = () => undefined): Promise<BulkWriter> {
  return database.dialect === 'postgres' ? openPostgresWriter(database.url, log) : openSqliteWriter(database.file, log);
}

const ROWS_PER_STATEMENT = 200;

/** The schema name the SQLite seed attaches the worker's orders file under. */
const ASIDE = 'seed_orders_aside';

/** What stock moves do to each product's balances, summed by product id. */
type StockDeltas = Map<number, [onHand: number, reserved: number]>;

/** A row of a generation's `balances` statement as PostgreSQL returns it (bigint sums as text). */
const balanceOf = ([id, onHand, reserved]: [string, string, string]): Balance => [Number(id), Number(onHand), Number(reserved)];

function addStock(into: StockDeltas, moves: Iterable<Balance>): void {
  for (const [id, onHand, reserved] of moves) {
    const sum = into.get(id) ?? [0, 0];
    into.set(id, [sum[0] + onHand, sum[1] + reserved]);
  }
}

/** The seed sized each product's opening stock above what its orders take; a product short of it is a bug. */
const SHORT_OF_STOCK = 'select count(*) as short from products where reserved > on_hand or on_hand < 0';
const shortOfStockError = (count: number) => new Error(`${count} products ended with more reserved or shipped than received: the opening stock is too small for this seed`);

const secondsSince = (started: number) => `${((performance.now() - started) / 1000).toFixed(1)} s`;

let generatedTables = 0;
/**
 * Creates and fills `seed_orders` on a SQLite connection from seedOrderRows through a virtual table: 9.3 s for a
 * million orders, times formatted, where SQLite's VM took 15.9 s over the SQL's layers and strftime then cost ~1 µs
 * a time in every insert. (The orders' worker thread does the same from the function's source text.)
 */
export function fillSeedOrders(db: SQLite.Database, plan: GeneratedOrders, prices: number[]): void {
  const table = `seed_generated_orders_${++generatedTables}`;
  db.table(table, {
    columns: [...SEED_ORDER_COLUMN_NAMES],
    *rows() {
      yield* seedOrderRows(plan, prices);
    },
  });
  db.exec(SEED_ORDER_TABLE);
  db.exec(`insert into seed_orders select * from ${table}`);
}

function openSqliteWriter(file: string, log: (line: string) => void): BulkWriter {
  if (file === ':memory:') throw new Error('The bulk seed needs a database file (ORDERLY_DB), not :memory:');
  const db = new SQLite(file);
  db.pragma('busy_timeout = 5000');
  // The load is one transaction; with the OS left to flush, a crash mid-seed just means seeding again.
  db.pragma('synchronous = OFF');
  // Consistency is built into the generated rows; checking each foreign key again would double the work.
  db.pragma('foreign_keys = OFF');
  // 64 MB: SQLite's sorter works in pieces of the cache's size, and an index build sorted a quarter faster in 32–64 MB
  // pieces than in 512 MB ones, and the copy of the orders spilled less (1 M orders: seed 33–35 s → 30–31 s).
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = MEMORY');
  // Helper threads for the sorts of the index rebuilds (SQLite's default is none).
  db.pragma(`threads = ${availableParallelism()}`);
  db.function('seed_sha256', { deterministic: true }, (text) => hash('sha256', String(text), 'hex'));
  const statements = new Map<string, SQLite.Statement>();
  const insertStatement = (table: BulkTable, rows: number) => {
    const key = `${table}:${rows}`;
    let statement = statements.get(key);
    if (!statement) {
      const columns = columnsOf(table);
      const tuple = `(${columns.map(() => '?').join(',')})`;
      statement = db.prepare(`insert into ${table} (${columns.join(',')}) values ${Array.from({ length: rows }, () => tuple).join(',')}`);
      statements.set(key, statement);
    }
    return statement;
  };
  const moveStock = db.prepare('update products set on_hand = on_hand + ?, reserved = reserved + ? where id = ?');
  /** Moves the products' balances by what the generated stock movements move, and checks none is short. */
  const applyBalances = (balances: Balance[]) => {
    for (const [id, onHand, reserved] of balances) moveStock.run(onHand, reserved, id);
    const { short } = db.prepare(SHORT_OF_STOCK).get() as { short: number };
    if (short > 0) throw shortOfStockError(short);
  };
  /** The products' prices the orders are priced from, by id - first (seedOrderRows). */
  const pricesOf = (plan: GeneratedOrders) => {
    const rows = db.prepare('select id, price from products where id >= ? and id < ?').raw().all(plan.products.first, plan.products.first + plan.products.count) as Array<[number, number]>;
    if (rows.length !== plan.products.count) throw new Error(`${plan.products.count} products planned, ${rows.length} found`);
    const prices: number[] = [];
    for (const [id, price] of rows) prices[id - plan.products.first] = price;
    return prices;
  };
  const raiseSequence = db.prepare('insert into sequences (name, value) values (?, ?) on conflict (name) do update set value = max(value, excluded.value)');
  // One parameter array per table, refilled for each statement: slicing and flattening 200 rows per statement
  // made garbage that showed in the profile.
  const parameters = new Map<BulkTable, unknown[]>();
  const fill = (table: BulkTable, rows: BulkRow[], from: number) => {
    let values = parameters.get(table);
    if (!values) parameters.set(table, (values = new Array<unknown>(ROWS_PER_STATEMENT * columnsOf(table).length)));
    let k = 0;
    for (let r = from; r < from + ROWS_PER_STATEMENT; r++) for (const value of rows[r]) values[k++] = value;
    return values;
  };
  let dropped: Array<{ name: string; table: string; sql: string }> = [];
  let kept: typeof dropped = [];
  // The orders generated by a worker (bulk-orders-aside.ts): only into an empty orders table, where the copy back is
  // SQLite's transfer; a top-up generates on this connection alone.
  let aside: { file: string; running?: OrdersAside } | undefined;
  // Whether this load writes the database file under a rollback journal instead of through the log (writeDirectly).
  let direct = false;
  const rebuild = (table: (name: string) => boolean) => {
    for (const index of dropped.filter((i) => table(i.table))) db.exec(index.sql);
    dropped = dropped.filter((i) => !table(i.table));
  };
  const discardAside = async () => {
    if (!aside) return;
    if (!db.inTransaction) db.exec(`detach ${ASIDE}`);
    await aside.running?.stop();
    removeAsideFile(aside.file);
    aside = undefined;
  };
  return {
    async begin({ rebuildIndexes }) {
      const ordersEmpty = db.prepare('select not exists (select 1 from orders) as empty').pluck().get() === 1;
      if (rebuildIndexes && ordersEmpty) {
        // ATTACH is refused inside a transaction, and BEGIN IMMEDIATE would take the write lock of the attached
        // (still empty) file too, shutting the worker out of it; a deferred BEGIN whose first statement writes
        // takes the main database's lock alone, waiting for it as IMMEDIATE would.
        aside = { file: asideFile(file) };
        direct = writeDirectly(db);
        log(direct ? '  writing the database file directly (no other connection open)' : '  writing through the write-ahead log (another connection is open)');
        db.prepare(`attach database ? as ${ASIDE}`).run(aside.file);
        db.exec('begin');
        db.exec('delete from sequences where false');
        removeStaleAsideFiles(file, aside.file);
      } else {
        db.exec('begin immediate');
      }
      db.exec(pauseStatement());
      if (!rebuildIndexes) return;
      const indexes = db
        .prepare(`select name, tbl_name as "table", sql from sqlite_master where type = 'index' and sql is not null and tbl_name in (${BULK_TABLES.map(() => '?').join(',')})`)
        .all(...BULK_TABLES) as typeof dropped;
      kept = indexes.filter((index) => emptyForSeed(index.table as BulkTable, /\swhere\s+(.+)$/is.exec(index.sql)?.[1] ?? null));
      dropped = indexes.filter((index) => !kept.includes(index));
      for (const index of dropped) db.exec(`drop index "${index.name}"`);
    },
    async write(batch) {
      for (const table of BULK_TABLES) {
        const rows = batch.rows[table] ?? [];
        let i = 0;
        for (; i + ROWS_PER_STATEMENT <= rows.length; i += ROWS_PER_STATEMENT) insertStatement(table, ROWS_PER_STATEMENT).run(fill(table, rows, i));
        for (; i < rows.length; i++) insertStatement(table, 1).run(rows[i]);
      }
      for (const [id, onHand, reserved] of batch.stock ?? []) moveStock.run(onHand, reserved, id);
      for (const [name, value] of batch.sequences ?? []) raiseSequence.run(name, value);
    },
    async generate(plan) {
      const statements = generatedOrderStatements('sqlite', plan);
      const prices = pricesOf(plan);
      if (!aside) {
        fillSeedOrders(db, plan, prices);
        const [, items, movements, ledger] = Object.values(statements.inserts).map((statement) => db.prepare(statement).run().changes);
        applyBalances(db.prepare(statements.balances).raw().all() as Balance[]);
        db.exec(statements.cleanup);
        return { items, stockMovements: movements, ledgerEntries: ledger };
      }
      const running = (aside.running = generateOrdersAside(aside.file, {
        table: db.prepare(`select sql from sqlite_master where type = 'table' and name = 'orders'`).pluck().get() as string,
        emptyIndexes: kept.filter((i) => i.table === 'orders').map((i) => i.sql),
        indexes: dropped.filter((i) => i.table === 'orders').map((i) => i.sql),
        plan,
        prices,
        insert: statements.inserts.orders,
        balances: statements.balances,
      }));
      let started = performance.now();
      fillSeedOrders(db, plan, prices);
      const computed = secondsSince(started);
      const [items, movements, ledger] = [statements.inserts.items, statements.inserts.movements, statements.inserts.ledger].map((statement) => db.prepare(statement).run().changes);
      db.exec(statements.cleanup);
      log(`    lines, stock movements and ledger entries generated: ${secondsSince(started)} (the orders computed in ${computed})`);
      // This connection sorts the other tables' indexes while the worker still sorts the orders'.
      started = performance.now();
      rebuild((table) => table !== 'orders');
      log(`    their indexes built: ${secondsSince(started)}`);
      started = performance.now();
      const generated = await running.done;
      log(`    orders generated and indexed by a worker thread in ${generated.seconds.toFixed(1)} s (waited ${secondsSince(started)} for it; ${generated.steps.map(([step, seconds]) => `${step} ${seconds.toFixed(1)} s`).join(', ')})`);
      started = performance.now();
      applyBalances(generated.balances);
      // The orders' indexes exist (empty) before the copy, which then fills them in order instead of sorting them
      // again; triggers would rule the transfer out (the dashboard summary's are paused by the seed anyway).
      rebuild((table) => table === 'orders');
      const triggers = db.prepare(`select name, sql from sqlite_master where type = 'trigger' and tbl_name = 'orders'`).all() as Array<{ name: string; sql: string }>;
      for (const trigger of triggers) db.exec(`drop trigger "${trigger.name}"`);
      const copied = db.prepare(`insert into main.orders select * from ${ASIDE}.orders`).run().changes;
      for (const trigger of triggers) db.exec(trigger.sql);
      if (copied !== plan.orders || generated.orders !== plan.orders) throw new Error(`${plan.orders} orders planned, ${generated.orders} generated, ${copied} copied`);
      log(`    orders copied in: ${secondsSince(started)}`);
      return { items, stockMovements: movements, ledgerEntries: ledger };
    },
    async commit() {
      rebuild(() => true);
      for (const statement of recountStatements('sqlite')) db.exec(statement);
      // The customers' name index as one segment (db/search-index.ts): the load's writes left several.
      db.exec("insert into customers_name_fts (customers_name_fts) values ('optimize')");
      db.exec('commit');
      await discardAside();
    },
    async rollback() {
      if (db.inTransaction) db.exec('rollback');
      await discardAside();
    },
    async analyze() {
      // Sampled statistics: close enough for the planner, and seconds instead of a minute on a million rows.
      db.exec('pragma analysis_limit = 2000; analyze;');
    },
    async close() {
      await discardAside();
      if (direct) {
        // Back to the journal mode the app runs in; nothing is left in a log to fold back.
        db.pragma('main.journal_mode = WAL');
        db.close();
        return;
      }
      // Fold the seed's write-ahead log (a gigabyte at a million orders) back into the database file: until
      // then every reader of the app's connection searches that log on each page it reads.
      // With synchronous back to FULL the checkpoint syncs the database file: the seed is durable once it returns.
      db.pragma('synchronous = FULL');
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
    },
  };
}

/**
 * A seed into an empty book writes ~1.3 GB per million orders. Through the write-ahead log every page is written
 * twice, into the log and back by the checkpoint (5–6 s of a 30 s seed, most of it inside the commit), whereas
 * under a rollback journal the pages a load adds beyond the file's old end are written once and never journaled:
 * only the few pages the file already had are. Leaving WAL mode needs the file to itself, so with another
 * connection open (a running server, the caller's own) the switch fails at once and the load goes through the log
 * as before. synchronous = FULL for such a load, not the log path's OFF: the journal is synced before a page it
 * guards is overwritten and the commit syncs the file, so a crash at any point leaves the book as it was before the
 * seed (the journal is rolled back on the next open) or wholly seeded, as the log path does.
 */
function writeDirectly(db: SQLite.Database): boolean {
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    if (db.pragma('main.journal_mode = DELETE', { simple: true }) !== 'delete') return false;
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return false;
    throw error;
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
  db.pragma('synchronous = FULL');
  return true;
}

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * COPY text format: tab-separated, `\N` for null, backslash escapes for the few special characters. Appended
 * field by field: a `map` and `join` per row made two short-lived arrays per row, and in a profile of a
 * 200,000-order seed the garbage collector was over a third of the process's busy time.
 */
function copyText(rows: BulkRow[]): string {
  let text = '';
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      const value = row[i];
      if (i > 0) text += '\t';
      if (value === null) text += '\\N';
      else if (typeof value === 'number' || !COPY_SPECIAL.test(value)) text += value;
      else text += value.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]);
    }
    text += '\n';
  }
  return text;
}

/**
 * A COPY through pg's documented extension point for custom queries (a "submittable", as pg-copy-streams and
 * pg-cursor use): `done` settles when the server has finished the statement or failed it.
 */
abstract class CopyQuery {
  readonly done: Promise<void>;
  private settle!: { resolve: () => void; reject: (error: Error) => void };
  private error: Error | undefined;
  constructor(private readonly text: string) {
    this.done = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
  }
  submit(connection: { query(text: string): void }): void {
    connection.query(this.text);
  }
  handleCommandComplete(): void {}
  /** pg ends a query at its error: it calls no handleReadyForQuery after it (waiting for one hung the seed). */
  handleError(error: Error): void {
    this.error = error;
    this.settle.reject(error);
  }
  handleReadyForQuery(): void {
    if (!this.error) this.settle.resolve();
  }
}

/** `COPY … FROM STDIN` of ready text rows: COPY parses plain text rows several times faster than INSERT. */
class CopyFromStdin extends CopyQuery {
  constructor(
    text: string,
    private readonly chunks: string[],
  ) {
    super(text);
  }
  handleCopyInResponse(connection: { sendCopyFromChunk(chunk: Buffer): void; endCopyFrom(): void }): void {
    for (const chunk of this.chunks) connection.sendCopyFromChunk(Buffer.from(chunk, 'utf8'));
    connection.endCopyFrom();
  }
}

/** `COPY (…) TO STDOUT` on a generator connection: each row (one CopyData message) goes to `onRow` as it comes. */
class CopyToStdout extends CopyQuery {
  constructor(
    text: string,
    private readonly onRow: (row: Buffer) => void,
  ) {
    super(text);
  }
  handleCopyData(message: { chunk: Buffer }): void {
    this.onRow(message.chunk);
  }
}

interface CopyInConnection {
  stream: Socket;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
}

/** `COPY … FROM STDIN` on the loading connection, fed by `relayCopy`: `ready` once the server takes data. */
class CopyIntoTable {
  readonly ready: Promise<CopyInConnection>;
  readonly done: Promise<number>;
  failed = false;
  private rows = 0;
  private started!: { resolve: (connection: CopyInConnection) => void; reject: (error: Error) => void };
  private settle!: { resolve: (rows: number) => void; reject: (error: Error) => void };
  private error: Error | undefined;
  constructor(private readonly text: string) {
    this.ready = new Promise((resolve, reject) => (this.started = { resolve, reject }));
    this.done = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    // Whoever awaits only one of the two must not leave the other's rejection unhandled.
    this.ready.catch(() => undefined);
    this.done.catch(() => undefined);
  }
  submit(connection: { query(text: string): void }): void {
    connection.query(this.text);
  }
  handleCopyInResponse(connection: CopyInConnection): void {
    this.started.resolve(connection);
  }
  handleCommandComplete(message: { text: string }): void {
    this.rows = Number(/\d+$/.exec(message.text)?.[0] ?? 0);
  }
  handleError(error: Error): void {
    this.error = error;
    this.failed = true;
    this.started.reject(error);
    this.settle.reject(error);
  }
  handleReadyForQuery(): void {
    if (!this.error) this.settle.resolve(this.rows);
  }
}

/** CopyData frames of up to this many bytes: one socket write per megabyte instead of one per row. */
const FRAME_BYTES = 1 << 20;

/**
 * How far (in rows) a source may run ahead of the slowest one still running before it is held back: the
 * sources take turns over blocks of the series, so rows written as they arrive land in order of n to within
 * about this many rows. Unpaced, one generator finishing early left the rest of its partner's share to fill
 * the end of each table alone (measured at 1 M orders: the correlation of orders' heap order with created_at
 * fell from 1.0 to 0.77, which the planner reads as random heap access for every range scan).
 */
const RELAY_LEAD_ROWS = 8_192;

/**
 * Streams the rows of `COPY (…) TO STDOUT` on each source connection into `COPY … FROM STDIN` on the target,
 * rows of the sources interleaved as they arrive (COPY text rows are whole lines: any interleaving is valid
 * input). Node only moves bytes: it neither parses nor formats a value. A source stops being read while the
 * target's socket has a frame it has not taken yet, or while it is too far ahead of the others, so memory
 * stays at a few frames whatever the speeds.
 */
async function relayCopy(target: pg.Client, into: string, sources: Array<{ client: pg.Client; text: string }>): Promise<number> {
  const copyIn = new CopyIntoTable(into);
  void target.query(copyIn as unknown as pg.QueryConfig);
  const connection = await copyIn.ready;
  const socket = connection.stream;
  const streams = sources.map((source) => (source.client as unknown as { connection: { stream: Socket } }).connection.stream);
  const rows = sources.map(() => 0);
  const finished = sources.map(() => false);
  const ahead = sources.map(() => false);
  let targetFull = false;
  /** Pauses or resumes each source by the target's backlog and its lead over the slowest running source. */
  const pace = () => {
    let slowest = Infinity;
    for (let i = 0; i < rows.length; i++) if (!finished[i] && rows[i] < slowest) slowest = rows[i];
    for (let i = 0; i < streams.length; i++) {
      ahead[i] = rows[i] - slowest > (ahead[i] ? RELAY_LEAD_ROWS / 2 : RELAY_LEAD_ROWS);
      if (targetFull || ahead[i]) streams[i].pause();
      else streams[i].resume();
    }
  };
  let frame = Buffer.allocUnsafe(FRAME_BYTES);
  let used = 5;
  const send = () => {
    if (used === 5) return;
    frame[0] = 0x64; // 'd': CopyData
    frame.writeUInt32BE(used - 1, 1);
    targetFull = !socket.write(frame.subarray(0, used));
    frame = Buffer.allocUnsafe(FRAME_BYTES);
    used = 5;
    pace();
  };
  const drained = () => {
    targetFull = false;
    pace();
  };
  socket.on('drain', drained);
  const onRow = (source: number, row: Buffer) => {
    if (copyIn.failed) return;
    if (used + row.length > FRAME_BYTES) send();
    if (5 + row.length > FRAME_BYTES) {
      frame = Buffer.allocUnsafe(5 + row.length);
    }
    row.copy(frame, used);
    used += row.length;
    // Checked every 256 rows: often enough for a lead of thousands, rarely enough to cost nothing.
    if ((++rows[source] & 255) === 0) pace();
  };
  // The target failing (a duplicate key, say) makes the rest of the sources' work useless: cut them off.
  copyIn.done.catch(() => {
    for (const stream of streams) stream.destroy();
  });
  try {
    await Promise.all(
      sources.map(async (source, i) => {
        const copyOut = new CopyToStdout(source.text, (row) => onRow(i, row));
        void source.client.query(copyOut as unknown as pg.QueryConfig);
        await copyOut.done;
        finished[i] = true;
        pace();
      }),
    );
    send();
    connection.endCopyFrom();
  } catch (error) {
    // Whichever side failed first explains the failure: the other one's error is its consequence.
    const targetFailed = copyIn.failed;
    if (!targetFailed) connection.sendCopyFail(`generator failed: ${(error as Error).message}`);
    const targetError = await copyIn.done.then(
      () => undefined,
      (failure: Error) => failure,
    );
    throw targetFailed && targetError ? targetError : error;
  } finally {
    socket.off('drain', drained);
    for (const stream of streams) stream.resume();
  }
  return copyIn.done;
}

/**
 * Connections that generate rows beside the loading one, each over its own share of the orders (the load's
 * transaction cannot be shared; what it writes reaches the tables through that one connection's COPY). One
 * per core, at most four: the loading connection's COPY costs about as much CPU as the generators together
 * (measured at 1 M orders: 19 s against 21 s), so more generators than cores only compete with it.
 */
const GENERATORS = Math.max(1, Math.min(4, availableParallelism()));
/**
 * SQLSTATE 53300: no connection slot left (the server's max_connections, or the role's or the database's
 * connection limit). The seed then generates on the connections it got, or on the loading one alone.
 */
const outOfConnections = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === '53300';
/** Orders per block of the series the generators take turns over (see SeriesPart). */
const GENERATOR_BLOCK = 1_024;

/**
 * An index whose WHERE clause needs a column the seed never writes to be set (`deleted_at IS NOT NULL`,
 * `held_at IS NOT NULL`) holds none of the seeded rows: kept through the load it costs a predicate check per
 * row, while rebuilding it would cost one more full scan of the table.
 */
function emptyForSeed(table: BulkTable, predicate: string | null): boolean {
  const column = predicate && /^\(?"?(\w+)"? IS NOT NULL\)?$/i.exec(predicate.trim())?.[1];
  return !!column && !columnsOf(table).includes(column);
}

async function openPostgresWriter(url: string, log: (line: string) => void): Promise<BulkWriter> {
  const openGenerator = async () => {
    const generator = new pg.Client({ connectionString: url, application_name: 'orderly seed generator' });
    // A relay whose load failed cuts its generators off mid-query; that query's promise carries the error, and an
    // unlistened 'error' event would end the process.
    generator.on('error', () => undefined);
    try {
      await generator.connect();
    } catch (error) {
      await generator.end().catch(() => undefined);
      throw error;
    }
    // The share of the orders is computed into a temporary table the four COPYs read: keep it in memory.
    await generator.query(`set temp_buffers = '256MB'`);
    await generator.query(`set work_mem = '64MB'`);
    return generator;
  };
  const client = new pg.Client({ connectionString: url, application_name: 'orderly seed' });
  await client.connect();
  // Commits need not wait for the disk: a seed interrupted by a crash is simply run again.
  await client.query('set synchronous_commit = off');
  // Where no generator connection can be had, this one computes the orders into a temporary table.
  await client.query(`set temp_buffers = '256MB'`);
  /** Tables emptied by TRUNCATE in this transaction: COPY may write their rows already frozen. */
  const truncated = new Set<BulkTable>();
  const copyCommand = (table: BulkTable, rows: BulkRow[]) => {
    const chunks: string[] = [];
    for (let i = 0; i < rows.length; i += 5_000) chunks.push(copyText(rows.slice(i, i + 5_000)));
    return new CopyFromStdin(`copy ${table} (${columnsOf(table).join(',')}) from stdin${truncated.has(table) ? ' with (freeze)' : ''}`, chunks);
  };
  const transpose = (rows: BulkRow[], width: number) => Array.from({ length: width }, (_, c) => rows.map((r) => r[c]));
  let dropped: Array<{ indexname: string; indexdef: string }> = [];
  let droppedKeys: Array<{ table: string; name: string; definition: string }> = [];
  const stockDeltas: StockDeltas = new Map();
  const sequenceValues = new Map<string, number>();
  /** Moves each product's balances by its deltas, in one statement. */
  const moveProducts = async (deltas: StockDeltas) => {
    const stock = [...deltas].map(([id, [onHand, reserved]]) => [id, onHand, reserved]);
    if (stock.length === 0) return;
    await client.query(
      'update products p set on_hand = p.on_hand + d.on_hand, reserved = p.reserved + d.reserved from unnest($1::bigint[], $2::bigint[], $3::bigint[]) as d(id, on_hand, reserved) where p.id = d.id',
      transpose(stock, 3),
    );
  };
  const timed = async (what: string, work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    log(`    ${what}: ${secondsSince(started)}`);
  };
  /** Generation on generator connections, each over its share of the series, streamed into the load's COPY. */
  const generateOn = async (generators: pg.Client[], plan: GeneratedOrders, written: Record<string, number>, balances: StockDeltas) => {
    // The generators cannot see this transaction's products: each gets a temporary copy of what it reads.
    const products = (
      await client.query<{ id: string; price: string; sku: string; name: string }>('select id, price, sku, name from products where id >= $1 and id < $2', [
        plan.products.first,
        plan.products.first + plan.products.count,
      ])
    ).rows;
    const parts = generators.map((_, index): SeriesPart => ({ index, of: generators.length, block: GENERATOR_BLOCK }));
    const statements = parts.map((part) => generatedOrderStatements('postgres', plan, { part, products: 'seed_products' }));
    await timed(`orders computed (${generators.length} connections)`, () =>
      Promise.all(
        generators.map(async (generator, i) => {
          await generator.query(
            `create temp table seed_products as select * from unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) as p(id, price, sku, name)`,
            [products.map((p) => p.id), products.map((p) => p.price), products.map((p) => p.sku), products.map((p) => p.name)],
          );
          await generator.query('alter table seed_products add primary key (id)');
          await generator.query('analyze seed_products');
          await generator.query(statements[i].prepare);
        }),
      ),
    );
    // What the generated stock movements move, summed by each generator over its share of the orders.
    const shares = await Promise.all(generators.map((generator, i) => generator.query<[string, string, string]>({ text: statements[i].balances, rowMode: 'array' })));
    addStock(
      balances,
      shares.flatMap((share) => share.rows.map(balanceOf)),
    );
    for (const [k, { table, columns }] of statements[0].selects.entries()) {
      await timed(`${table} generated`, async () => {
        written[table] = await relayCopy(
          client,
          `copy ${table} (${columns}) from stdin${truncated.has(table) ? ' with (freeze)' : ''}`,
          generators.map((generator, i) => ({ client: generator, text: `copy (${statements[i].selects[k].select}) to stdout` })),
        );
      });
    }
  };
  /** Generation on the loading connection alone, when the server has no connection to spare for a generator. */
  const generateHere = async (plan: GeneratedOrders, written: Record<string, number>, balances: StockDeltas) => {
    const statements = generatedOrderStatements('postgres', plan);
    await timed('orders computed (the loading connection alone)', () => client.query(statements.prepare));
    for (const { table, columns, select } of statements.selects) {
      await timed(`${table} generated`, async () => {
        written[table] = (await client.query(`insert into ${table} (${columns}) ${select}`)).rowCount ?? 0;
      });
    }
    const sums = await client.query<[string, string, string]>({ text: statements.balances, rowMode: 'array' });
    addStock(balances, sums.rows.map(balanceOf));
    await client.query(statements.cleanup);
  };
  return {
    async begin({ rebuildIndexes }) {
      await client.query('begin');
      await client.query(pauseStatement());
      // For the index builds and the foreign-key checks at commit: each sorts or hashes a whole table.
      await client.query(`set local maintenance_work_mem = '1GB'`);
      await client.query(`set local work_mem = '256MB'`);
      if (!rebuildIndexes) return;
      // Foreign keys are checked once at commit, as one join per key, instead of by a trigger query per row
      // (at 10 M orders, tens of millions of lookups, each also locking the row it found).
      droppedKeys = (
        await client.query<{ table: string; name: string; definition: string }>(
          `select conrelid::regclass::text as table, conname as name, pg_get_constraintdef(oid) as definition from pg_constraint
            where contype = 'f' and connamespace = current_schema()::regnamespace and conrelid::regclass::text = any($1)`,
          [BULK_TABLES],
        )
      ).rows;
      for (const key of droppedKeys) await client.query(`alter table ${key.table} drop constraint "${key.name}"`);
      const found = await client.query<{ tablename: BulkTable; indexname: string; indexdef: string; predicate: string | null }>(
        `select i.tablename, i.indexname, i.indexdef, pg_get_expr(x.indpred, x.indrelid) as predicate
           from pg_indexes i join pg_class c on c.relname = i.indexname and c.relnamespace = current_schema()::regnamespace
           join pg_index x on x.indexrelid = c.oid
          where i.schemaname = current_schema() and i.tablename = any($1)
            and not exists (select 1 from pg_constraint k where k.conname = i.indexname)`,
        [BULK_TABLES],
      );
      dropped = found.rows.filter((index) => !emptyForSeed(index.tablename, index.predicate));
      for (const index of dropped) await client.query(`drop index "${index.indexname}"`);
      // An empty table (no longer referenced by a foreign key) truncated in this transaction takes COPY …
      // FREEZE: rows written frozen and pages marked all-visible, so neither the first reads (hint bits) nor
      // the VACUUM after the load rewrite every page.
      for (const table of BULK_TABLES) {
        const { rows } = await client.query(
          `select 1 from ${table} union all select 1 from pg_constraint where contype = 'f' and confrelid = '${table}'::regclass limit 1`,
        );
        if (rows.length === 0) {
          await client.query(`truncate ${table}`);
          truncated.add(table);
        }
      }
    },
    async write(batch) {
      for (const table of BULK_TABLES) {
        const rows = batch.rows[table] ?? [];
        if (rows.length === 0) continue;
        const command = copyCommand(table, rows);
        // The copy stream reports its end through command.done; the promise query() returns for it says nothing more.
        void client.query(command as unknown as pg.QueryConfig);
        await command.done;
      }
      // Summed here and written once at commit: every update of a product row inside this one transaction
      // leaves a row version no one can prune yet, so an update per batch made each product's version chain,
      // and each later update's walk along it, grow with the load (quadratic; thousands of batches at 10 M).
      addStock(stockDeltas, batch.stock ?? []);
      for (const [name, value] of batch.sequences ?? []) sequenceValues.set(name, Math.max(value, sequenceValues.get(name) ?? value));
    },
    async generate(plan) {
      const generators: pg.Client[] = [];
      const written: Record<string, number> = {};
      const balances: StockDeltas = new Map();
      try {
        for (let i = 0; i < GENERATORS; i++) {
          try {
            generators.push(await openGenerator());
          } catch (error) {
            if (!outOfConnections(error)) throw error;
            log(`    generator connection ${i + 1} refused (${(error as Error).message}): ${i > 0 ? `generating on ${i}` : 'generating on the loading connection'}`);
            break;
          }
        }
        if (generators.length > 0) await generateOn(generators, plan, written, balances);
        else await generateHere(plan, written, balances);
      } finally {
        await Promise.all(generators.map((generator) => generator.end().catch(() => undefined)));
      }
      const [itemCount, movementCount, ledgerCount] = [written.order_items, written.stock_movements, written.ledger_entries];
      await moveProducts(balances);
      const { rows } = await client.query<{ short: number }>(SHORT_OF_STOCK);
      if (Number(rows[0].short) > 0) throw shortOfStockError(Number(rows[0].short));
      return { items: itemCount, stockMovements: movementCount, ledgerEntries: ledgerCount };
    },
    async commit() {
      await moveProducts(stockDeltas);
      for (const [name, value] of sequenceValues) {
        await client.query('insert into sequences (name, value) values ($1, $2) on conflict (name) do update set value = greatest(sequences.value, excluded.value)', [name, value]);
      }
      for (const index of dropped) await timed(index.indexname, () => client.query(index.indexdef));
      for (const key of droppedKeys) await timed(key.name, () => client.query(`alter table ${key.table} add constraint "${key.name}" ${key.definition}`));
      // Rows carry explicit ids: move each identity past them so the app's next insert gets a fresh id.
      for (const table of BULK_TABLES) {
        await client.query(`select setval(pg_get_serial_sequence('${table}', 'id'), max(id)) from ${table} having max(id) is not null`);
      }
      await timed('dashboard summary recounted', async () => {
        for (const statement of recountStatements('postgres')) await client.query(statement);
      });
      await client.query('commit');
    },
    async rollback() {
      await client.query('rollback');
    },
    async analyze() {
      // VACUUM as well: it marks the new pages all-visible, so list queries get index-only scans right away
      // instead of after autovacuum gets round to it. Not with this session's asynchronous commit, though: under
      // it VACUUM left every page of the load not all-visible (measured), and each list query then read ~1,000
      // heap pages it did not need (a name search: 66 ms instead of 0.5 ms).
      await client.query('set synchronous_commit = on');
      await client.query(`vacuum analyze ${BULK_TABLES.join(', ')}`);
    },
    async close() {
      await client.end();
    },
  };
}

/**
 * Runs `work` with a context for loading many small transactions (the demo data set, ~2,000 of them): on
 * PostgreSQL a connection of its own whose commits do not wait for the disk, as demo data lost to a power cut is
 * simply loaded again; on SQLite the app's own context, unchanged (its durability settings are the app's).
 */
export async function withLoadingContext<T>(ctx: Db, database: Database, work: (loader: Db) => Promise<T>): Promise<T> {
  if (database.dialect !== 'postgres') return work(ctx);
  const url = new URL(database.url);
  url.searchParams.set('options', `${url.searchParams.get('options') ?? ''} -c synchronous_commit=off`.trim());
  const loader = connect({ dialect: 'postgres', url: url.toString() }, { poolSize: 2 });
  try {
    return await work(loader);
  } finally {
    await loader.close();
  }
}
