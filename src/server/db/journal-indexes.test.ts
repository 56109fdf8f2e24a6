import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, indexDefinitions, queryPlan, type TestDatabase } from '../../../test/helpers.js';
import { checkInvariants } from '../modules/integrity/invariants.js';
import type { Dialect } from './connect.js';
import { migrateToLatest } from './migrate.js';
import type { DB } from './schema.js';

/**
 * Migration 0024: one covering index of the stock journal by product. Every read by product must still find it
 * (a dropped index that a query relied on would show up only as a full scan at a million orders), and a database
 * created before it must migrate with its journal intact.
 */
describe.each(DIALECTS)('stock journal index by product (%s)', (dialect) => {
  let t: TestDatabase;
  const db = () => t.ctx.kysely;

  beforeAll(async () => {
    t = await createTestDatabase(dialect);
  });
  afterAll(async () => t?.drop());

  const indexesOf = async (table: string) => [...(await indexDefinitions(db(), dialect, table)).keys()].sort();
  const planOf = (query: ReturnType<typeof sql>) => queryPlan(db(), dialect, query);

  it('has one index by product in place of the two before it', async () => {
    const indexes = await indexesOf('stock_movements');
    expect(indexes).toContain('stock_movements_product_journal');
    expect(indexes).not.toContain('stock_movements_product');
    expect(indexes).not.toContain('stock_movements_product_totals');
    expect(indexes.filter((name) => name.startsWith('stock_movements_product'))).toEqual(['stock_movements_product_journal']);
  });

  it('serves the balance check, the product journal and the last movement from that index', async () => {
    // The balance check (integrity/invariants.ts, run by data quality): sums per product from the index alone.
    const totals = await planOf(sql`select product_id, sum(on_hand_delta) as on_hand, sum(reserved_delta) as reserved from stock_movements group by product_id`);
    expect(totals).toMatch(dialect === 'postgres' ? /Index Only Scan using stock_movements_product_journal/ : /SCAN stock_movements USING COVERING INDEX stock_movements_product_journal/);
    expect(totals).not.toMatch(/TEMP B-TREE|Sort/);
    // One product's journal with running balances (inventory.service.ts listMovements): the product's entries
    // only, read in id order for the window (the page, newest first, is then a sort of that product's entries).
    const journal = await planOf(
      sql`select id, sum(on_hand_delta) over (order by id) as on_hand_after, sum(reserved_delta) over (order by id) as reserved_after from stock_movements where product_id = ${1}`,
    );
    expect(journal).toMatch(
      dialect === 'postgres' ? /Index (Only )?Scan using stock_movements_product_journal[\s\S]*Index Cond: \(product_id = / : /SEARCH stock_movements USING (COVERING )?INDEX stock_movements_product_journal \(product_id=\?\)/,
    );
    expect(journal).not.toMatch(/TEMP B-TREE|Sort Key/);
    // The stock list's last movement per product (inventory.service.ts).
    const last = await planOf(sql`select max(created_at) from stock_movements where product_id = ${1}`);
    expect(last).toMatch(dialect === 'postgres' ? /Index Scan using stock_movements_product_journal/ : /SEARCH stock_movements USING INDEX stock_movements_product_journal \(product_id=\?\)/);
  });

  it('migrates a database made before it, keeping every movement and the invariants', async () => {
    const kysely = db();
    const { id: productId } = await kysely
      .insertInto('products')
      .values({ sku: 'IDX-1', name: 'Index test', name_key: 'index test', price: 100, on_hand: 7, reserved: 0, version: 1, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await kysely.insertInto('stock_movements').values({ product_id: productId, kind: 'receive', on_hand_delta: 7, reserved_delta: 0, reason: 'opening stock', actor_id: null, created_at: '2026-01-01T00:00:00.000Z' }).execute();
    await rewindToBefore0024(kysely, dialect);
    expect(await indexesOf('stock_movements')).toEqual(expect.arrayContaining(['stock_movements_product', 'stock_movements_product_totals']));
    const before = await kysely.selectFrom('stock_movements').selectAll().orderBy('id').execute();

    expect(await migrateToLatest(kysely, dialect)).toEqual(['0024_journal_covering_index']);
    const indexes = await indexesOf('stock_movements');
    expect(indexes).toContain('stock_movements_product_journal');
    expect(indexes).not.toContain('stock_movements_product');
    expect(indexes).not.toContain('stock_movements_product_totals');
    expect(await kysely.selectFrom('stock_movements').selectAll().orderBy('id').execute()).toEqual(before);
    expect(await checkInvariants(kysely)).toEqual([]);
    // Run again, it finds nothing left to do.
    expect(await migrateToLatest(kysely, dialect)).toEqual([]);
  });
});

/** The schema as migration 0022 left it: the two product indexes back, 0024 not yet recorded. */
async function rewindToBefore0024(db: Kysely<DB>, _dialect: Dialect): Promise<void> {
  await db.schema.dropIndex('stock_movements_product_journal').execute();
  await db.schema.createIndex('stock_movements_product').on('stock_movements').columns(['product_id', 'id']).execute();
  await db.schema.createIndex('stock_movements_product_totals').on('stock_movements').columns(['product_id', 'on_hand_delta', 'reserved_delta']).execute();
  await db.deleteFrom('orderly_migrations' as never).where('name' as never, '=', '0024_journal_covering_index' as never).execute();
}
