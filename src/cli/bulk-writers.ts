import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { Database } from '../server/config.js';

/**
 * Raw, batched writers for the bulk seed: a million orders through Kysely one statement at a time would
 * take far too long, so the seed writes pre-computed rows straight into the tables. This is the one place
 * outside db/ that speaks each database's own dialect, and only because it exists to be fast.
 */

type PgType = 'bigint' | 'integer' | 'text';
const TABLES = {
  customers: { id: 'bigint', name: 'text', name_key: 'text', phone: 'text', email: 'text', note: 'text', created_at: 'text', updated_at: 'text', version: 'integer' },
  products: { id: 'bigint', sku: 'text', name: 'text', name_key: 'text', price: 'bigint', on_hand: 'bigint', reserved: 'bigint', created_at: 'text', updated_at: 'text', version: 'integer' },
  orders: {
    id: 'bigint',
    number: 'text',
    customer_id: 'bigint',
    owner_id: 'bigint',
    status: 'text',
    total: 'bigint',
    paid: 'bigint',
    note: 'text',
    signature: 'text',
    version: 'integer',
    created_at: 'text',
    updated_at: 'text',
    confirmed_at: 'text',
    shipped_at: 'text',
    completed_at: 'text',
    cancelled_at: 'text',
  },
  order_items: { id: 'bigint', order_id: 'bigint', line_no: 'integer', product_id: 'bigint', sku: 'text', name: 'text', quantity: 'bigint', unit_price: 'bigint', line_total: 'bigint' },
  stock_movements: { id: 'bigint', product_id: 'bigint', order_id: 'bigint', kind: 'text', on_hand_delta: 'bigint', reserved_delta: 'bigint', reverses_id: 'bigint', reason: 'text', actor_id: 'bigint', created_at: 'text' },
  ledger_entries: { id: 'bigint', order_id: 'bigint', customer_id: 'bigint', kind: 'text', amount: 'bigint', reverses_id: 'bigint', note: 'text', actor_id: 'bigint', created_at: 'text' },
} as const satisfies Record<string, Record<string, PgType>>;

export type BulkTable = keyof typeof TABLES;
/** One row: values in the column order of TABLES. */
export type BulkRow = Array<string | number | null>;
export type BulkRows = Partial<Record<BulkTable, BulkRow[]>>;
export const BULK_TABLES = Object.keys(TABLES) as BulkTable[];
export const columnsOf = (table: BulkTable) => Object.keys(TABLES[table]);

export interface BulkBatch {
  rows: BulkRows;
  stock?: Array<[productId: number, onHandDelta: number, reservedDelta: number]>;
  sequences?: Array<[name: string, value: number]>;
}

/**
 * The whole load is one transaction: interrupted, it leaves nothing behind. With `rebuildIndexes` the
 * secondary indexes of the seeded tables are dropped at `begin` and rebuilt at `commit` — sorting a million
 * keys once is far cheaper than a million random index inserts — still inside the same transaction, so a
 * failed load also brings the indexes back. Constraint indexes (primary keys, unique order numbers) stay.
 */
export interface BulkWriter {
  begin(options: { rebuildIndexes: boolean }): Promise<void>;
  /** Writes the rows, moves product balances by the deltas and raises the sequences. */
  write(batch: BulkBatch): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /** Fresh planner statistics: after a bulk load the old ones describe a nearly empty database. */
  analyze(): Promise<void>;
  close(): Promise<void>;
}

export async function openBulkWriter(database: Database): Promise<BulkWriter> {
  return database.dialect === 'postgres' ? openPostgresWriter(database.url) : openSqliteWriter(database.file);
}

const ROWS_PER_STATEMENT = 200;

function openSqliteWriter(file: string): BulkWriter {
  if (file === ':memory:') throw new Error('The bulk seed needs a database file (ORDERLY_DB), not :memory:');
  const db = new SQLite(file);
  db.pragma('busy_timeout = 5000');
  // The load is one transaction; with the OS left to flush, a crash mid-seed just means seeding again.
  db.pragma('synchronous = OFF');
  // Consistency is built into the generated rows; checking each foreign key again would double the work.
  db.pragma('foreign_keys = OFF');
  db.pragma('cache_size = -524288');
  db.pragma('temp_store = MEMORY');
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
  const raiseSequence = db.prepare('insert into sequences (name, value) values (?, ?) on conflict (name) do update set value = max(value, excluded.value)');
  let dropped: Array<{ sql: string }> = [];
  return {
    async begin({ rebuildIndexes }) {
      db.exec('begin immediate');
      if (!rebuildIndexes) return;
      dropped = db
        .prepare(`select name, sql from sqlite_master where type = 'index' and sql is not null and tbl_name in (${BULK_TABLES.map(() => '?').join(',')})`)
        .all(...BULK_TABLES) as Array<{ name: string; sql: string }>;
      for (const index of dropped as Array<{ name: string; sql: string }>) db.exec(`drop index "${index.name}"`);
    },
    async write(batch) {
      for (const table of BULK_TABLES) {
        const rows = batch.rows[table] ?? [];
        let i = 0;
        for (; i + ROWS_PER_STATEMENT <= rows.length; i += ROWS_PER_STATEMENT) insertStatement(table, ROWS_PER_STATEMENT).run(rows.slice(i, i + ROWS_PER_STATEMENT).flat());
        for (; i < rows.length; i++) insertStatement(table, 1).run(rows[i]);
      }
      for (const [id, onHand, reserved] of batch.stock ?? []) moveStock.run(onHand, reserved, id);
      for (const [name, value] of batch.sequences ?? []) raiseSequence.run(name, value);
    },
    async commit() {
      for (const index of dropped) db.exec(index.sql);
      db.exec('commit');
    },
    async rollback() {
      if (db.inTransaction) db.exec('rollback');
    },
    async analyze() {
      // Sampled statistics: close enough for the planner, and seconds instead of a minute on a million rows.
      db.exec('pragma analysis_limit = 2000; analyze;');
    },
    async close() {
      db.close();
    },
  };
}

async function openPostgresWriter(url: string): Promise<BulkWriter> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // Commits need not wait for the disk: a seed interrupted by a crash is simply run again.
  await client.query('set synchronous_commit = off');
  const insertSql = new Map<BulkTable, string>();
  for (const table of BULK_TABLES) {
    const entries = Object.entries(TABLES[table]);
    // unnest of one array per column: one statement and one round trip for thousands of rows.
    insertSql.set(table, `insert into ${table} (${entries.map(([c]) => c).join(',')}) select * from unnest(${entries.map(([, type], i) => `$${i + 1}::${type}[]`).join(',')})`);
  }
  const transpose = (rows: BulkRow[], width: number) => Array.from({ length: width }, (_, c) => rows.map((r) => r[c]));
  const CHUNK = 20_000;
  let dropped: Array<{ indexname: string; indexdef: string }> = [];
  return {
    async begin({ rebuildIndexes }) {
      await client.query('begin');
      await client.query(`set local maintenance_work_mem = '512MB'`);
      if (!rebuildIndexes) return;
      const found = await client.query<{ indexname: string; indexdef: string }>(
        `select i.indexname, i.indexdef from pg_indexes i
          where i.schemaname = current_schema() and i.tablename = any($1)
            and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`,
        [BULK_TABLES],
      );
      dropped = found.rows;
      for (const index of dropped) await client.query(`drop index "${index.indexname}"`);
    },
    async write(batch) {
      for (const table of BULK_TABLES) {
        const rows = batch.rows[table] ?? [];
        for (let i = 0; i < rows.length; i += CHUNK) await client.query(insertSql.get(table)!, transpose(rows.slice(i, i + CHUNK), columnsOf(table).length));
      }
      const stock = batch.stock ?? [];
      if (stock.length) {
        await client.query(
          'update products p set on_hand = p.on_hand + d.on_hand, reserved = p.reserved + d.reserved from unnest($1::bigint[], $2::bigint[], $3::bigint[]) as d(id, on_hand, reserved) where p.id = d.id',
          transpose(stock, 3),
        );
      }
      for (const [name, value] of batch.sequences ?? []) {
        await client.query('insert into sequences (name, value) values ($1, $2) on conflict (name) do update set value = greatest(sequences.value, excluded.value)', [name, value]);
      }
    },
    async commit() {
      for (const index of dropped) await client.query(index.indexdef);
      // Rows carry explicit ids: move each identity past them so the app's next insert gets a fresh id.
      for (const table of BULK_TABLES) {
        await client.query(`select setval(pg_get_serial_sequence('${table}', 'id'), max(id)) from ${table} having max(id) is not null`);
      }
      await client.query('commit');
    },
    async rollback() {
      await client.query('rollback');
    },
    async analyze() {
      await client.query(`analyze ${BULK_TABLES.join(', ')}`);
    },
    async close() {
      await client.end();
    },
  };
}
