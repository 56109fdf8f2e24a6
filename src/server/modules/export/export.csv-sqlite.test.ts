import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, createTestDatabase, DIALECTS, makeCustomer, makeOrder, makeProduct, type TestDatabase } from '../../../../test/helpers.js';
import { csvRecordCount, text } from '../../../../test/csv-cases.js';
import { bulkSeed } from '../../../cli/bulk-seed.js';
import { OrderExportQuery } from '../../../contracts/export.js';
import { migrateToLatest } from '../../db/migrate.js';
import { sqliteCsvPages } from './export.csv-sqlite.js';
import { csvChunks, csvPages } from './export.formats.js';
import { measureSelection, summaryPages } from './export.rows.js';

/** Orders whose stored line count differs from their lines. */
async function miscounted(db: TestDatabase): Promise<number> {
  const row = await sql<{ n: number | string }>`select count(*) as n from orders o
    where o.line_count <> (select count(*) from order_items i where i.order_id = o.id)`.execute(db.ctx.kysely);
  return Number(row.rows[0].n);
}

describe('SQLite CSV export path', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    await bulkSeed(db.ctx, db.config.database, { orders: 600, customers: 40 });
  }, 60_000);
  afterAll(async () => db?.drop());

  it('honours the filter and the caller scope like the general path, and stops when the reader stops', async () => {
    const k = db.ctx.kysely;
    const owner = await k.selectFrom('orders').select('owner_id').limit(1).executeTakeFirstOrThrow();
    const query = OrderExportQuery.parse({ format: 'csv', status: 'confirmed,shipped' });
    const scope = { ownerId: owner.owner_id };
    const { rows, upToId } = await measureSelection(k, query, scope);
    expect(rows).toBeGreaterThan(0);
    const expected = await text(csvChunks(csvPages(summaryPages(k, query, scope, upToId))));
    const actual = await text(csvChunks(sqliteCsvPages(db.ctx, query, scope, upToId, undefined, undefined, 7)));
    expect(actual).toBe(expected);
    // The property test before this one left notes and names with line breaks in them: count records, not lines.
    expect(csvRecordCount(actual) - 1).toBe(rows);

    const stop = new AbortController();
    let pages = 0;
    for await (const _page of sqliteCsvPages(db.ctx, OrderExportQuery.parse({ format: 'csv' }), {}, Number.MAX_SAFE_INTEGER, stop.signal, undefined, 100)) {
      pages++;
      stop.abort();
    }
    expect(pages).toBe(1);
  });

  it('reads the line counts the seed stored, which agree with the lines', async () => {
    expect(await miscounted(db)).toBe(0);
    const counts = await db.ctx.kysely.selectFrom('orders').select('line_count').distinct().orderBy('line_count').execute();
    expect(counts.map((c) => c.line_count)).toEqual([1, 2, 3]);
  });
});

describe.each(DIALECTS)('stored line count (%s)', (dialect) => {
  it('is written with the lines: on create and on an edit that replaces them, not by an edit that keeps them', async () => {
    const t = await buildTestApp(dialect);
    try {
      const customer = await makeCustomer(t.admin);
      const [a, b, c] = [await makeProduct(t.admin), await makeProduct(t.admin), await makeProduct(t.admin)];
      const order = await makeOrder(t.admin, customer.id, [
        { productId: a.id, quantity: 1 },
        { productId: b.id, quantity: 2 },
      ]);
      const count = async () => (await t.db.ctx.kysely.selectFrom('orders').select('line_count').where('id', '=', Number(order.id)).executeTakeFirstOrThrow()).line_count;
      expect(await count()).toBe(2);
      const edited = await t.admin.patch(`/api/orders/${order.id}`, { items: [{ productId: a.id, quantity: 1 }, { productId: b.id, quantity: 1 }, { productId: c.id, quantity: 4 }] }, { 'if-match': String(order.version) });
      expect(edited.status).toBe(200);
      expect(await count()).toBe(3);
      const noted = await t.admin.patch(`/api/orders/${order.id}`, { note: 'only a note' }, { 'if-match': String(edited.body.version) });
      expect(noted.status).toBe(200);
      expect(await count()).toBe(3);
      expect(await miscounted(t.db)).toBe(0);
    } finally {
      await t.close();
    }
  });

  it('is backfilled by migration 0026 from the lines already there', async () => {
    const db = await createTestDatabase(dialect, { migrateUpTo: '0025_read_paths' });
    try {
      await bulkSeedWithoutLineCounts(db);
      await migrateToLatest(db.ctx.kysely, dialect);
      const counts = await db.ctx.kysely.selectFrom('orders').select(['line_count']).execute();
      expect(counts.length).toBeGreaterThan(0);
      expect(counts.some((c) => c.line_count > 1)).toBe(true);
      expect(await miscounted(db)).toBe(0);
    } finally {
      await db.drop();
    }
  });
});

/** Orders and lines as a database before 0026 held them: written by SQL, without the column. */
async function bulkSeedWithoutLineCounts(db: TestDatabase): Promise<void> {
  const k = db.ctx.kysely;
  const now = new Date().toISOString();
  const owner = (await k.selectFrom('users').select('id').orderBy('id').executeTakeFirstOrThrow()).id;
  await sql`insert into customers (name, name_key, created_at, updated_at, version) values ('Backfill Co', 'backfill co', ${now}, ${now}, 1)`.execute(k);
  const customer = (await k.selectFrom('customers').select('id').where('name', '=', 'Backfill Co').executeTakeFirstOrThrow()).id;
  await sql`insert into products (sku, name, name_key, price, on_hand, reserved, created_at, updated_at, version) values ('BF-1', 'Backfill', 'backfill', 100, 10, 0, ${now}, ${now}, 1)`.execute(k);
  const product = (await k.selectFrom('products').select('id').where('sku', '=', 'BF-1').executeTakeFirstOrThrow()).id;
  for (const [n, lines] of [[1, 3], [2, 1], [3, 0]] as const) {
    await sql`insert into orders (number, customer_id, owner_id, status, total, paid, signature, version, created_at, updated_at)
      values (${`SO-2099-00000${n}`}, ${customer}, ${owner}, 'draft', 100, 0, ${`bf-${n}`}, 1, ${now}, ${now})`.execute(k);
    const order = (await k.selectFrom('orders').select('id').where('number', '=', `SO-2099-00000${n}`).executeTakeFirstOrThrow()).id;
    for (let line = 1; line <= lines; line++) {
      await sql`insert into order_items (order_id, line_no, product_id, sku, name, quantity, unit_price, line_total) values (${order}, ${line}, ${product}, 'BF-1', 'Backfill', 1, 100, 100)`.execute(k);
    }
  }
}
