import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, indexDefinitions, ownerAndCustomer, queryPlan, type TestDatabase } from '../../../test/helpers.js';
import { checkInvariants } from '../modules/integrity/invariants.js';
import type { Dialect } from './connect.js';
import { migrateUpTo } from './migrate.js';

const DROPPED = ['orders_confirmed_revenue', 'orders_deleted_reason', 'stock_movements_order', 'ledger_entries_order'];
/**
 * Partial on `deleted_at is null`: made whole-table, their readers would read each row's deleted_at. (On SQLite
 * `orders_signature_created` covers every order since 0028, signature-index.test.ts, and `orders_total` since 0029,
 * total-index.test.ts.)
 */
const STAY_PARTIAL = (dialect: Dialect) =>
  [...(dialect === 'postgres' ? ['orders_signature_created', 'orders_total'] : []), 'orders_customer_created', 'orders_status_total', 'orders_owner_status'];

/**
 * Migration 0027: the orders and journal indexes a deletion had to move and no query needs. Every query that
 * read a dropped index must still find one (a missing index shows up only as a full scan at a million orders),
 * and a database made before it must migrate with its rows intact.
 */
describe.each(DIALECTS)('indexes a deletion moves (%s)', (dialect) => {
  let t: TestDatabase;
  const db = () => t.ctx.kysely;

  beforeAll(async () => {
    t = await createTestDatabase(dialect);
  });
  afterAll(async () => t?.drop());

  const indexesOf = (table: string, kysely = db()) => indexDefinitions(kysely, dialect, table);
  const planOf = (query: ReturnType<typeof sql>) => queryPlan(db(), dialect, query);

  const expectIndexes = async (kysely = db()) => {
    const orders = await indexesOf('orders', kysely);
    const all = new Map([...orders, ...(await indexesOf('stock_movements', kysely)), ...(await indexesOf('ledger_entries', kysely))]);
    for (const name of DROPPED) expect(all.has(name), name).toBe(false);
    for (const name of STAY_PARTIAL(dialect)) expect(orders.get(name), name).toMatch(/where \(?deleted_at is null\)?/i);
    expect(all.has('stock_movements_order_totals')).toBe(true);
    expect(all.has('ledger_entries_order_totals')).toBe(true);
  };

  it('drops the indexes nothing reads and keeps the live ones partial', () => expectIndexes());

  it('serves the queries that read the dropped indexes from the ones left', async () => {
    const uses = (plan: string, index: string) => expect(plan).toMatch(new RegExp(dialect === 'postgres' ? `Index (Only )?Scan( Backward)? using ${index}\\b` : `(SEARCH|SCAN) \\w+ USING (COVERING )?INDEX ${index}\\b`));
    // An order's stock and money journal (journals.service.ts, the order page): by 0018's covering indexes.
    uses(await planOf(sql`select id, product_id, kind, on_hand_delta, reserved_delta from stock_movements where order_id = ${1} order by id`), 'stock_movements_order_totals');
    uses(await planOf(sql`select id, kind, amount from ledger_entries where order_id = ${1} order by id`), 'ledger_entries_order_totals');
    // The recycle bin: a batch (restore, the batch's count), what is due for purging, the bin's size.
    uses(await planOf(sql`select id from orders where deleted_at is not null and delete_batch_id = ${'b'}`), 'orders_deleted_batch');
    uses(await planOf(sql`select id from orders where deleted_at is not null and purge_after <= ${'2026-01-01'} order by purge_after, id limit 100`), 'orders_deleted_purge');
    uses(await planOf(sql`select id from orders where deleted_at is not null order by deleted_at desc, id desc limit 50`), 'orders_deleted');
  });

  it('migrates a database made before it, keeping every order and the invariants', async () => {
    const earlier = await createTestDatabase(dialect, { migrateUpTo: '0026_order_line_count' });
    try {
      const kysely = earlier.ctx.kysely;
      const now = '2026-01-01T00:00:00.000Z';
      const { ownerId, customerId } = await ownerAndCustomer(kysely, 'Index Test Ltd', now);
      for (const [number, deleted] of [['SO-IDX-1', null], ['SO-IDX-2', now]] as const) {
        await kysely
          .insertInto('orders')
          .values({ number, customer_id: customerId, owner_id: ownerId, status: 'draft', total: 0, signature: `sig-${number}`, created_at: now, updated_at: now, deleted_at: deleted, purge_after: deleted } as never)
          .execute();
      }
      expect([...(await indexesOf('orders', kysely)).keys()]).toEqual(expect.arrayContaining(['orders_confirmed_revenue', 'orders_deleted_reason']));
      const before = await kysely.selectFrom('orders').selectAll().orderBy('id').execute();

      expect(await migrateUpTo(kysely, dialect, '0027_deletion_indexes')).toEqual(['0027_deletion_indexes']);
      await expectIndexes(kysely);
      expect(await kysely.selectFrom('orders').selectAll().orderBy('id').execute()).toEqual(before);
      expect(await checkInvariants(kysely)).toEqual([]);
      // Run again, it finds nothing left to do.
      expect(await migrateUpTo(kysely, dialect, '0027_deletion_indexes')).toEqual([]);
    } finally {
      await earlier.drop();
    }
  });
});
