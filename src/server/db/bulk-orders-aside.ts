import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { SEED_ORDER_COLUMN_NAMES, SEED_ORDER_TABLE, seedOrderRows, type GeneratedOrders } from './bulk-generate.js';

/**
 * The SQLite seed's orders table, generated and indexed by a worker thread in a database file of its own while
 * the seed's connection generates the lines and journals: SQLite has one writer per file, and a seed on one
 * connection left the second core idle for all of its ~45 s (1 M orders). The seed's connection then copies the
 * finished table in with `INSERT INTO orders SELECT * FROM <aside>.orders`, which SQLite runs as its transfer
 * optimisation (the destination empty, the same table definition and indexes on both sides, its triggers set aside
 * for the statement): records and index entries are appended in order, ~2 s for a million orders and their
 * indexes, against the worker's ~17 s of generating and sorting them.
 *
 * The file takes no part in the seed's transaction: it is scratch, written with no journal, and removed whatever
 * happens. What makes the load atomic is still the one transaction on the seed's connection.
 */

export interface OrdersAsideJob {
  /** `CREATE TABLE orders …` as the database has it (sqlite_master), so the copy qualifies for the transfer. */
  table: string;
  /** The secondary indexes of orders that the seed leaves empty (bulk-load.ts emptyForSeed): made before the rows. */
  emptyIndexes: string[];
  /** The other secondary indexes of orders, built after the rows. */
  indexes: string[];
  plan: GeneratedOrders;
  /** The products' prices, by id - plan.products.first. */
  prices: number[];
  /** Fills `orders` from `seed_orders`. */
  insert: string;
  /** Sums the stock movements per product from `seed_orders` (bulk-generate.ts `balances`). */
  balances: string;
}

export type Balance = [productId: number, onHand: number, reserved: number];

export interface AsideResult {
  orders: number;
  balances: Balance[];
  /** The worker's steps and their seconds, for the seed's log. */
  steps: Array<[step: string, seconds: number]>;
  seconds: number;
}

export interface OrdersAside {
  /** Settles once the worker has closed the file: the orders written, and what their stock movements move. */
  readonly done: Promise<AsideResult>;
  /** Stops the worker if it is still running. */
  stop(): Promise<void>;
}

const ASIDE_SUFFIX = '-seed-orders-';

/** A new scratch file next to the database (the disk the seed already fills). */
export const asideFile = (databaseFile: string) => `${databaseFile}${ASIDE_SUFFIX}${randomBytes(6).toString('hex')}`;

export function removeAsideFile(file: string): void {
  for (const name of [file, `${file}-journal`]) fs.rmSync(name, { force: true });
}

/**
 * Removes the scratch files of earlier seeds of this database other than `current`: a seed killed outright (kill -9)
 * never reaches its cleanup, and its file (half a gigabyte at a million orders) would stay. Called while holding
 * the database's write lock, which every seed holds for as long as its scratch file is in use.
 */
export function removeStaleAsideFiles(databaseFile: string, current: string): void {
  const folder = path.dirname(databaseFile);
  const prefix = `${path.basename(databaseFile)}${ASIDE_SUFFIX}`;
  const own = path.basename(current);
  for (const name of fs.readdirSync(folder)) {
    if (name.startsWith(prefix) && name.replace(/-journal$/, '') !== own) fs.rmSync(path.join(folder, name), { force: true });
  }
}

// CommonJS, run by the worker as a script (as the checkpointer's): it needs only the driver.
const WORKER_SOURCE = `
const { parentPort, workerData: job } = require('node:worker_threads');
const { hash } = require('node:crypto');
const Database = require(job.driver);
const started = performance.now();
let db;
try {
  db = new Database(job.file);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  // The customers and users the orders point to are in the seed's database, not here.
  db.pragma('foreign_keys = OFF');
  db.pragma('cache_size = -32768');
  db.pragma('temp_store = MEMORY');
  db.function('seed_sha256', { deterministic: true }, (text) => hash('sha256', String(text), 'hex'));
  db.exec('begin');
  // bulk-generate.ts's seedOrderRows, sent as its source: this script loads nothing but the driver.
  const seedOrderRows = new Function('return ' + job.generator)();
  db.table('seed_generated_orders', { columns: job.columns, *rows() { yield* seedOrderRows(job.plan, job.prices); } });
  db.exec(job.table);
  for (const index of job.emptyIndexes) db.exec(index);
  const steps = [];
  let at = started;
  const step = (name) => { const now = performance.now(); steps.push([name, (now - at) / 1000]); at = now; };
  step('set-up');
  db.exec(job.seedOrders);
  db.exec('insert into seed_orders select * from seed_generated_orders');
  step('computed');
  const orders = db.prepare(job.insert).run().changes;
  step('written');
  const balances = db.prepare(job.balances).raw().all();
  db.exec('drop table seed_orders');
  step('stock summed');
  for (const index of job.indexes) db.exec(index);
  db.exec('commit');
  step('indexed');
  db.close();
  parentPort.postMessage({ orders, balances, steps, seconds: (performance.now() - started) / 1000 });
} catch (error) {
  try { db && db.close(); } catch {}
  parentPort.postMessage({ error: String((error && error.message) || error) });
}
`;

/** Starts the worker on `file` (see asideFile). */
export function generateOrdersAside(file: string, job: OrdersAsideJob): OrdersAside {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { ...job, file, driver, generator: seedOrderRows.toString(), columns: SEED_ORDER_COLUMN_NAMES, seedOrders: SEED_ORDER_TABLE } });
  let finished = false;
  const done = new Promise<AsideResult>((resolve, reject) => {
    worker.once('message', (message: AsideResult | { error: string }) => {
      finished = true;
      if ('error' in message) reject(new Error(`Generating the orders aside failed: ${message.error}`));
      else resolve(message);
    });
    worker.once('error', (error) => {
      finished = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!finished) reject(new Error(`The worker generating the orders stopped (code ${code})`));
    });
  });
  // A discarded aside's failure is not news: the seed is already failing for another reason.
  done.catch(() => undefined);
  return {
    done,
    async stop() {
      await worker.terminate();
    },
  };
}
