import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { buildTestApp, createTestDatabase, DIALECTS, PG_URL, type TestApp, type TestDatabase } from '../../test/helpers.js';
import { ORDER_STATUSES } from '../contracts/orders.js';
import { hash, randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import pg from 'pg';
import { runDataQuality } from '../server/modules/data-quality/data-quality.service.js';
import { checkInvariants } from '../server/modules/integrity/invariants.js';
import { openBulkWriter } from '../server/db/bulk-load.js';
import { searchIndexSegments } from '../server/db/search-index.js';
import type { GeneratedOrders } from '../server/db/bulk-generate.js';
import { bulkSeed, type BulkSeedResult } from './bulk-seed.js';

const ORDERS = 2_000;

/** A small generation plan for calling a writer directly: 20 orders in 2020 over three given products. */
const smallPlan = (products: { first: number; count: number }, owner: number): GeneratedOrders => ({
  orders: 20,
  seed: 7,
  ids: { order: 1, item: 1, movement: 1, ledger: 1 },
  customers: { first: 1, count: 1 },
  products,
  owners: [owner, owner],
  from: Date.UTC(2020, 0, 1),
  slot: 60_000,
  until: Date.UTC(2020, 0, 5),
  years: [{ year: 2020, firstOrder: 0, firstSerial: 900_000 }],
  shape: {
    statusByAge: [
      { olderThanDays: 1, weights: { draft: 10, confirmed: 10, shipped: 10, completed: 60, cancelled: 10 } },
      { olderThanDays: 0, weights: { draft: 20, confirmed: 20, shipped: 20, completed: 20, cancelled: 20 } },
    ],
    lineCounts: { '1': 50, '2': 30, '3': 20 },
    quantities: { '1': 60, '2': 40 },
    discountPercent: 0,
    partPaymentPercent: { shipped: 0, confirmed: 0 },
  },
});

/** Index names of the seeded tables: the seed drops and rebuilds them, and must leave every one in place. */
async function indexNames(t: TestApp): Promise<string[]> {
  const tables = sql.join(['orders', 'order_items', 'customers', 'products', 'stock_movements', 'ledger_entries'].map((name) => sql.lit(name)));
  const query =
    t.dialect === 'postgres'
      ? sql<{ name: string }>`select indexname as name from pg_indexes where schemaname = current_schema() and tablename in (${tables})`
      : sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name in (${tables})`;
  return (await query.execute(t.db.ctx.kysely)).rows.map((r) => r.name).sort();
}

/** Foreign keys of the seeded tables with their definitions (PostgreSQL: the seed drops and re-adds them). */
async function foreignKeys(t: TestApp): Promise<string[]> {
  const { rows } = await sql<{ key: string }>`
    select conrelid::regclass::text || '.' || conname || ': ' || pg_get_constraintdef(oid) || case when convalidated then '' else ' NOT VALID' end as key
      from pg_constraint where contype = 'f' and connamespace = current_schema()::regnamespace
     order by 1`.execute(t.db.ctx.kysely);
  return rows.map((r) => r.key);
}

describe.each(DIALECTS)('bulk seed (%s)', (dialect) => {
  let t: TestApp;
  let result: BulkSeedResult;
  let indexesBefore: string[];
  let keysBefore: string[] = [];
  beforeAll(async () => {
    t = await buildTestApp(dialect);
    indexesBefore = await indexNames(t);
    if (dialect === 'postgres') keysBefore = await foreignKeys(t);
    result = await bulkSeed(t.db.ctx, t.db.config.database, { orders: ORDERS });
  }, 120_000);
  afterAll(async () => t?.close());

  it.runIf(dialect === 'postgres')('leaves every loaded table all-visible, so list queries read their indexes alone', async () => {
    const { rows } = await sql<{ relname: string; relpages: number; relallvisible: number }>`
      select relname, relpages, relallvisible from pg_class
      where relnamespace = current_schema()::regnamespace and relname in ('orders', 'order_items', 'stock_movements', 'ledger_entries')
      order by relname`.execute(t.db.ctx.kysely);
    expect(rows).toHaveLength(4);
    for (const r of rows) {
      expect(r.relpages, r.relname).toBeGreaterThan(0);
      expect(r.relallvisible, r.relname).toBe(r.relpages);
    }
  });

  it.runIf(dialect === 'postgres')('adds back every foreign key it dropped for the load, validated and enforced', async () => {
    expect(keysBefore).toContain('order_items.order_items_order_id_fkey: FOREIGN KEY (order_id) REFERENCES orders(id) ON DELETE CASCADE');
    expect(await foreignKeys(t)).toEqual(keysBefore);
    const item = await t.db.ctx.kysely.selectFrom('order_items').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    await expect(
      t.db.ctx.kysely
        .insertInto('order_items')
        .values({ ...item, id: item.id + 1_000_000, order_id: 999_999_999 })
        .execute(),
    ).rejects.toThrow(/foreign key/);
  });

  it.runIf(dialect === 'postgres')('rolls a load whose COPY fails mid-generation back whole, and closes its generator connections', async () => {
    const db = t.db.ctx.kysely;
    const count = async () => (await sql<{ n: string }>`select (select count(*) from orders) + (select count(*) from order_items) + (select count(*) from stock_movements) as n`.execute(db)).rows[0].n;
    const before = await count();
    const first = await db.selectFrom('orders').select(['id', 'owner_id']).orderBy('id').executeTakeFirstOrThrow();
    const product = await db.selectFrom('products').select('id').orderBy('id').executeTakeFirstOrThrow();
    const writer = await openBulkWriter(t.db.config.database);
    try {
      await writer.begin({ rebuildIndexes: false });
      // Order ids from the first seeded order on: the COPY into orders meets a duplicate key after the generators started.
      const big = 100_000_000;
      const generating = writer.generate({
        ...smallPlan({ first: product.id, count: 3 }, first.owner_id),
        orders: 5_000,
        ids: { order: first.id, item: big, movement: big, ledger: big },
      });
      await expect(generating).rejects.toThrow(/duplicate key/);
      await writer.rollback();
    } finally {
      await writer.close();
    }
    expect(await count()).toBe(before);
    // This database's generators only: another test run on the same cluster may be seeding at the same time. A
    // backend leaves pg_stat_activity when it has exited, a moment after its client closed the connection.
    const open = async () =>
      Number((await sql<{ n: string }>`select count(*) as n from pg_stat_activity where application_name = 'orderly seed generator' and datname = current_database()`.execute(db)).rows[0].n);
    await expect.poll(open, { timeout: 5_000 }).toBe(0);
  });

  it('loads the requested orders over two years in every status, with several owners', async () => {
    const db = t.db.ctx.kysely;
    expect(result.orders).toBe(ORDERS);
    const orders = await db.selectFrom('orders').select(['number', 'status', 'owner_id', 'created_at']).execute();
    expect(orders).toHaveLength(ORDERS);
    expect(new Set(orders.map((o) => o.status))).toEqual(new Set(ORDER_STATUSES));
    expect(new Set(orders.map((o) => o.owner_id)).size).toBeGreaterThanOrEqual(3);
    expect(new Set(orders.map((o) => o.number)).size).toBe(ORDERS);
    expect(orders.every((o) => /^SO-\d{4}-\d{6}$/.test(o.number))).toBe(true);
    const days = orders.map((o) => Date.parse(o.created_at));
    expect((Math.max(...days) - Math.min(...days)) / 86_400_000).toBeGreaterThan(700);
    const customers = await db.selectFrom('customers').select('name').execute();
    expect(customers.length).toBe(result.customers);
    expect(customers.some((c) => /\p{Script=Han}/u.test(c.name))).toBe(true);
    expect(customers.some((c) => /^[A-Za-z]/.test(c.name))).toBe(true);
    expect(indexesBefore).toContain('orders_status_created');
    expect(await indexNames(t)).toEqual(indexesBefore);
  });

  it('keeps totals equal to the sum of the lines, and stock and ledger equal to their journals', async () => {
    const db = t.db.ctx.kysely;
    const totals = await db
      .selectFrom('orders as o')
      .innerJoin('order_items as i', 'i.order_id', 'o.id')
      .select(['o.number', 'o.total', sql<number>`sum(i.line_total)`.as('lines'), sql<number>`sum(case when i.line_total = i.quantity * i.unit_price then 0 else 1 end)`.as('bad_lines')])
      .groupBy(['o.id', 'o.number', 'o.total'])
      .execute();
    expect(totals).toHaveLength(ORDERS);
    expect(totals.filter((o) => Number(o.lines) !== o.total || Number(o.bad_lines) !== 0)).toEqual([]);

    const stock = await db
      .selectFrom('products as p')
      .innerJoin('stock_movements as m', 'm.product_id', 'p.id')
      .select(['p.sku', 'p.on_hand', 'p.reserved', sql<number>`sum(m.on_hand_delta)`.as('on_hand_journal'), sql<number>`sum(m.reserved_delta)`.as('reserved_journal')])
      .groupBy(['p.id', 'p.sku', 'p.on_hand', 'p.reserved'])
      .execute();
    expect(stock).toHaveLength(result.products);
    expect(stock.filter((p) => Number(p.on_hand_journal) !== p.on_hand || Number(p.reserved_journal) !== p.reserved || p.reserved > p.on_hand)).toEqual([]);
    expect(stock.some((p) => p.reserved > 0)).toBe(true);

    const owed = await db
      .selectFrom('orders as o')
      .leftJoin('ledger_entries as l', 'l.order_id', 'o.id')
      .select(['o.number', 'o.status', 'o.total', 'o.paid', sql<number>`coalesce(sum(l.amount), 0)`.as('owed')])
      .groupBy(['o.id', 'o.number', 'o.status', 'o.total', 'o.paid'])
      .execute();
    const wrong = owed.filter((o) => Number(o.owed) !== (['confirmed', 'shipped', 'completed'].includes(o.status) ? o.total - o.paid : 0) || (o.status === 'completed' && o.paid !== o.total));
    expect(wrong).toEqual([]);
  });

  it('advances the number sequences, so the next order created through the API gets a fresh number and id', async () => {
    const db = t.db.ctx.kysely;
    const sequences = await db.selectFrom('sequences').selectAll().execute();
    const numbers = await db.selectFrom('orders').select('number').execute();
    for (const year of new Set(numbers.map((n) => n.number.slice(3, 7)))) {
      const highest = Math.max(...numbers.filter((n) => n.number.slice(3, 7) === year).map((n) => Number(n.number.slice(8))));
      expect(sequences.find((s) => s.name === `order_number:${year}`)?.value).toBe(highest);
    }
    const customer = await db.selectFrom('customers').select('id').orderBy('id').executeTakeFirstOrThrow();
    const product = await db.selectFrom('products').select('id').orderBy('id').executeTakeFirstOrThrow();
    const created = await t.admin.post('/api/orders', { customerId: String(customer.id), items: [{ productId: String(product.id), quantity: 1 }] });
    expect(created.status).toBe(201);
    expect(numbers.map((n) => n.number)).not.toContain(created.body.number);
    const year = created.body.number.slice(3, 7);
    const seeded = numbers.filter((n) => n.number.slice(3, 7) === year).length;
    expect(Number(created.body.number.slice(8))).toBe(seeded + 1);
    const confirmed = await t.admin.post(`/api/orders/${created.body.id}/confirm`);
    expect(confirmed.status).toBe(200);

    const list = await t.admin.get('/api/orders?status=confirmed&limit=50');
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(50);
    expect(list.body.items[0].id).toBe(created.body.id);
  });

  it('finds a serial number typed alone in every year it was given in', async () => {
    const numbers = (await t.db.ctx.kysely.selectFrom('orders').select('number').where('deleted_at', 'is', null).execute()).map((n) => n.number);
    const years = new Set(numbers.map((n) => n.slice(3, 7)));
    expect(years.size).toBeGreaterThanOrEqual(2);
    for (const typed of ['7', '000007', '0007']) {
      const res = await t.admin.get(`/api/orders?q=${typed}&limit=100`);
      expect(res.status).toBe(200);
      expect(res.body.items.map((o: { number: string }) => o.number).sort(), typed).toEqual(numbers.filter((n) => n.endsWith('-000007')).sort());
    }
    expect(numbers.filter((n) => n.endsWith('-000007')).length).toBe(years.size);
  });

  it('passes the journal invariants and the data-quality run (SPEC §1.5) on the seeded data', async () => {
    expect(await checkInvariants(t.db.ctx.kysely)).toEqual([]);
    const report = await runDataQuality(t.db.ctx, null, 'manual');
    expect(report.checks.find((c) => c.code === 'journal_invariants')?.count).toBe(0);
  });

  it('numbers each year gaplessly from 1, and stamps every step in order and never in the future', async () => {
    const orders = await t.db.ctx.kysely
      .selectFrom('orders')
      .select(['id', 'number', 'status', 'created_at', 'updated_at', 'confirmed_at', 'shipped_at', 'completed_at', 'cancelled_at'])
      .orderBy('id')
      .execute();
    const serials = new Map<string, number[]>();
    for (const o of orders) serials.set(o.number.slice(3, 7), [...(serials.get(o.number.slice(3, 7)) ?? []), Number(o.number.slice(8))]);
    for (const [year, list] of serials) expect(list, year).toEqual(list.map((_, i) => i + 1));
    const now = new Date().toISOString();
    for (const o of orders) {
      const steps = [o.created_at, o.confirmed_at, o.shipped_at, o.completed_at].filter((x): x is string => x !== null);
      expect(steps, o.number).toEqual([...steps].sort());
      expect(o.created_at.slice(0, 4), o.number).toBe(o.number.slice(3, 7));
      expect(o.updated_at >= steps[steps.length - 1] && o.updated_at <= now, o.number).toBe(true);
      expect(o.confirmed_at !== null, o.number).toBe(['confirmed', 'shipped', 'completed'].includes(o.status));
      expect(o.cancelled_at !== null, o.number).toBe(o.status === 'cancelled');
      expect(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(o.created_at), o.created_at).toBe(true);
    }
  });

  it('signs each order as createOrder does, so duplicate warnings treat seeded orders like entered ones', async () => {
    const db = t.db.ctx.kysely;
    const orders = await db.selectFrom('orders').select(['id', 'customer_id', 'signature']).orderBy('id').limit(300).execute();
    const items = await db.selectFrom('order_items').select(['order_id', 'product_id', 'quantity', 'unit_price']).where('order_id', '<=', orders[orders.length - 1].id).execute();
    for (const o of orders) {
      const canonical = items
        .filter((i) => i.order_id === o.id)
        .map((l) => `${l.product_id}x${l.quantity}@${l.unit_price}`)
        .sort()
        .join(',');
      expect(o.signature, String(o.id)).toBe(hash('sha256', `${o.customer_id}|${canonical}`, 'hex'));
    }
    expect(new Set(items.map((i) => i.order_id)).size).toBe(orders.length);
  });
});

/**
 * SQLite: a seed into an empty orders table generates the orders in a worker thread's scratch file and copies them
 * in (bulk-orders-aside.ts); a top-up generates on the seed's connection alone. Both paths, and the failure of the
 * worker, on one database in turn.
 */
describe.runIf(DIALECTS.includes('sqlite'))('bulk seed with the orders generated aside (sqlite)', () => {
  let db: TestDatabase;
  const file = () => (db.config.database.dialect === 'sqlite' ? db.config.database.file : '');
  const scratch = () => fs.readdirSync(path.dirname(file())).filter((name) => name.includes('-seed-orders-'));
  const triggers = async () =>
    (await sql<{ name: string; sql: string }>`select name, sql from sqlite_master where type = 'trigger' and tbl_name = 'orders' order by name`.execute(db.ctx.kysely)).rows;
  const counts = async () =>
    (
      await sql<{ orders: number; items: number; movements: number; ledger: number }>`
        select (select count(*) from orders) as orders, (select count(*) from order_items) as items,
               (select count(*) from stock_movements) as movements, (select count(*) from ledger_entries) as ledger`.execute(db.ctx.kysely)
    ).rows[0];
  let triggersBefore: Array<{ name: string; sql: string }>;
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    triggersBefore = await triggers();
  });
  afterAll(async () => db?.drop());

  it('holds the write lock from begin, and rolls back whole when the worker fails, leaving no scratch file', async () => {
    const before = await counts();
    const writer = await openBulkWriter(db.config.database);
    try {
      await writer.begin({ rebuildIndexes: true });
      const other = new SQLite(file());
      other.pragma('busy_timeout = 0');
      expect(() => other.exec('begin immediate')).toThrow(/locked|busy/i);
      other.close();
      expect(scratch()).toHaveLength(1);
      const now = new Date().toISOString();
      await writer.write({ rows: { products: [1, 2, 3].map((k) => [9_000 + k, `ASIDE-${k}`, `Aside ${k}`, `aside ${k}`, 1_000, 1_000, 0, now, now, 1]) } });
      // Two years numbered from the same serial: the worker's orders table meets a duplicate number, after this
      // connection has written the lines.
      const failing = writer.generate({ ...smallPlan({ first: 9_001, count: 3 }, 1), years: [{ year: 2020, firstOrder: 0, firstSerial: 1 }, { year: 2020, firstOrder: 10, firstSerial: 1 }] });
      await expect(failing).rejects.toThrow(/UNIQUE constraint failed: orders.number/);
      await writer.rollback();
    } finally {
      await writer.close();
    }
    expect(await counts()).toEqual(before);
    expect(scratch()).toEqual([]);
    expect(await triggers()).toEqual(triggersBefore);
  });

  it('seeds an empty book through the worker and tops it up on one connection, journals and triggers intact', async () => {
    // A seed killed outright left its scratch file behind: the next seed removes it.
    const stale = `${file()}-seed-orders-0123456789ab`;
    fs.writeFileSync(stale, 'left by a killed seed');
    fs.writeFileSync(`${stale}-journal`, '');
    const first = await bulkSeed(db.ctx, db.config.database, { orders: 400 });
    expect(first.orders).toBe(400);
    expect(scratch()).toEqual([]);
    expect(await triggers()).toEqual(triggersBefore);
    // Rebuilding the indexes again (the load doubles the table), then a small top-up that keeps them.
    await bulkSeed(db.ctx, db.config.database, { orders: 400 });
    await bulkSeed(db.ctx, db.config.database, { orders: 50 });
    const after = await counts();
    expect(after.orders).toBe(850);
    // Each load added customers in a transaction of its own (a segment each) and left their name index merged.
    expect(await searchIndexSegments(db.ctx)).toBe(1);
    expect(await checkInvariants(db.ctx.kysely)).toEqual([]);
    expect(await triggers()).toEqual(triggersBefore);
    // The triggers are live again: an order's insert is counted by the dashboard summary's deltas.
    const order = await db.ctx.kysely.selectFrom('orders').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    await db.ctx.kysely.insertInto('orders').values({ ...order, id: order.id + 1, number: 'SO-1999-000001' }).execute();
    const deltas = await sql<{ n: number }>`select count(*) as n from dashboard_summary_deltas`.execute(db.ctx.kysely);
    expect(deltas.rows[0].n).toBeGreaterThan(0);
  });
});

describe.runIf(DIALECTS.includes('postgres'))('bulk seed on a server with no connection to spare (postgres)', () => {
  let db: TestDatabase;
  // Connection limits bind roles other than superusers only: the seed connects as a role of its own that owns
  // the tables (the load drops and rebuilds their indexes and keys), the test's checks as the superuser.
  const role = `orderly_seed_${process.pid}_${randomBytes(4).toString('hex')}`;
  const seedAs = async (limit: number, orders: number) => {
    await sql.raw(`alter role ${role} connection limit ${limit}`).execute(db.ctx.kysely);
    const database = db.config.database;
    if (database.dialect !== 'postgres') throw new Error('postgres only');
    const url = new URL(database.url);
    url.username = role;
    const lines: string[] = [];
    const result = await bulkSeed(db.ctx, { ...database, url: url.toString() }, { orders, customers: 20, products: 5, log: (line) => lines.push(line) });
    return { result, log: lines.join('\n') };
  };
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await sql.raw(`create role ${role} login`).execute(db.ctx.kysely);
    await sql.raw(`grant usage, create on schema public to ${role}`).execute(db.ctx.kysely);
    const { rows } = await sql<{ name: string }>`select tablename as name from pg_tables where schemaname = current_schema()`.execute(db.ctx.kysely);
    for (const { name } of rows) await sql.raw(`alter table "${name}" owner to ${role}`).execute(db.ctx.kysely);
  });
  afterAll(async () => {
    await db?.drop();
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`drop role if exists ${role}`);
    await admin.end();
  });

  it('generates on the loading connection alone when no generator connection can be had, then on the ones it gets', async () => {
    const alone = await seedAs(1, 300);
    expect(alone.log).toMatch(/generator connection 1 refused \(.*too many connections.*\): generating on the loading connection/);
    expect(alone.result.orders).toBe(300);
    const withOne = await seedAs(2, 200);
    if (availableParallelism() > 1) expect(withOne.log).toMatch(/generator connection 2 refused .*: generating on 1/);
    expect(withOne.log).toContain('orders computed (1 connections)');
    const { rows } = await sql<{ orders: string; items: string }>`select (select count(*) from orders) as orders, (select count(*) from order_items) as items`.execute(db.ctx.kysely);
    expect(Number(rows[0].orders)).toBe(500);
    expect(Number(rows[0].items)).toBe(alone.result.items + withOne.result.items);
    expect(await checkInvariants(db.ctx.kysely)).toEqual([]);
    // The summary was recounted inside each load, nothing left paused.
    const paused = await sql<{ n: string }>`select count(*) as n from dashboard_summary_paused`.execute(db.ctx.kysely);
    expect(Number(paused.rows[0].n)).toBe(0);
    const summary = await sql<{ n: string }>`select coalesce(sum(orders), 0) as n from dashboard_summary`.execute(db.ctx.kysely);
    expect(Number(summary.rows[0].n)).toBe(500);
  });
});
