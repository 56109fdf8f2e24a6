import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, indexDefinitions, ownerAndCustomer, queryPlan, type TestDatabase } from '../../../test/helpers.js';
import { checkInvariants } from '../modules/integrity/invariants.js';
import { countOrdersByStatus, listOrders } from '../modules/orders/orders.queries.js';
import { migrateUpTo } from './migrate.js';
import type { DB } from './schema.js';

/**
 * Migration 0029: on SQLite `orders_total` covers every order, so a soft delete and a restore leave it alone;
 * PostgreSQL keeps it partial, and `orders_status_total` stays partial on both. A list sorted by total must still
 * walk it and leave deleted orders out, and the status tabs' count of a range of totals must still come from
 * `orders_status_total` alone (read from the rows, it took 35 times as long at a million orders).
 */
describe.each(DIALECTS)('the total index (%s)', (dialect) => {
  let t: TestDatabase;
  const db = () => t.ctx.kysely;
  const definitions = (kysely: Kysely<DB>) => indexDefinitions(kysely, dialect, 'orders');
  const expectIndexes = async (kysely: Kysely<DB>) => {
    const orders = await definitions(kysely);
    if (dialect === 'sqlite') expect(orders.get('orders_total')).not.toMatch(/\bwhere\b/i);
    else expect(orders.get('orders_total')).toMatch(/where \(?deleted_at is null\)?/i);
    expect(orders.get('orders_status_total')).toMatch(/where \(?deleted_at is null\)?/i);
  };

  beforeAll(async () => {
    t = await createTestDatabase(dialect);
  });
  afterAll(async () => t?.drop());

  it('covers every order on SQLite and the live ones on PostgreSQL, and its readers still read it', async () => {
    await expectIndexes(db());
    // The page's ids of a list sorted by total (orders.queries.ts, the deferred join's inner query).
    const byTotal = sql`select o.id, o.total as sort_key from orders as o where o.deleted_at is null order by o.total desc, o.id desc limit 51`;
    expect(await queryPlan(db(), dialect, byTotal)).toMatch(dialect === 'postgres' ? /Index (Only )?Scan Backward using orders_total\b/ : /SCAN o USING INDEX orders_total\b/);
    if (dialect === 'sqlite') {
      // The status tabs with a range of totals: from the partial index, whose predicate spares it the rows.
      const tabs = sql`select o.status, count(*) as n from orders as o where o.deleted_at is null and o.total >= ${500000} group by o.status`;
      expect(await queryPlan(db(), dialect, tabs)).toMatch(/USING (COVERING )?INDEX orders_status_total\b/);
    }
  });

  it('migrates a database made before it, and lists and counts by total live orders only', async () => {
    const earlier = await createTestDatabase(dialect, { migrateUpTo: '0028_signature_index' });
    try {
      await migrateAndList(earlier.ctx.kysely);
    } finally {
      await earlier.drop();
    }
  });

  async function migrateAndList(kysely: Kysely<DB>): Promise<void> {
    const { ownerId, customerId } = await ownerAndCustomer(kysely, 'Total Test Ltd');
    const at = '2026-02-01T00:00:00.000Z';
    // The largest totals of the book: a deleted order above two live ones.
    const orders: Array<[number: string, total: number, deletedAt: string | null]> = [
      ['SO-TOT-1', 90_000_000_00, '2026-02-02T00:00:00.000Z'],
      ['SO-TOT-2', 80_000_000_00, null],
      ['SO-TOT-3', 70_000_000_00, null],
    ];
    for (const [number, total, deletedAt] of orders) {
      await kysely
        .insertInto('orders')
        .values({ number, customer_id: customerId, owner_id: ownerId, status: 'draft', total, signature: number, created_at: at, updated_at: at, deleted_at: deletedAt, purge_after: deletedAt } as never)
        .execute();
    }
    expect((await definitions(kysely)).get('orders_total')).toMatch(/where \(?deleted_at is null\)?/i);
    const before = await kysely.selectFrom('orders').selectAll().orderBy('id').execute();

    expect(await migrateUpTo(kysely, dialect, '0029_total_index')).toEqual(['0029_total_index']);
    await expectIndexes(kysely);
    expect(await kysely.selectFrom('orders').selectAll().orderBy('id').execute()).toEqual(before);
    expect(await checkInvariants(kysely)).toEqual([]);

    const page = await listOrders(kysely, { sort: '-total', limit: 2 } as never, {});
    expect(page.items.map((o) => [o.number, o.total])).toEqual([
      ['SO-TOT-2', '80000000.00'],
      ['SO-TOT-3', '70000000.00'],
    ]);
    const ascending = await listOrders(kysely, { sort: 'total', limit: 50, minTotal: '60000000.00' } as never, {});
    expect(ascending.items.map((o) => o.number)).toEqual(['SO-TOT-3', 'SO-TOT-2']);
    const tabs = await countOrdersByStatus(kysely, { minTotal: '60000000.00' }, {});
    expect(Object.fromEntries(tabs)).toEqual({ draft: 2 });
    expect(await migrateUpTo(kysely, dialect, '0029_total_index')).toEqual([]);
  }
});
