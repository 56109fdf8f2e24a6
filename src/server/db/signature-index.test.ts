import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, indexDefinitions, ownerAndCustomer, queryPlan, recordStatements, type TestDatabase } from '../../../test/helpers.js';
import { runDataQuality } from '../modules/data-quality/data-quality.service.js';
import { checkInvariants } from '../modules/integrity/invariants.js';
import { migrateUpTo } from './migrate.js';
import type { DB } from './schema.js';

/**
 * Migration 0028: on SQLite `orders_signature_created` covers every order, so a soft delete and a restore leave it
 * alone; PostgreSQL keeps it partial. Its readers must still read it (a missing index shows only at a million orders)
 * and the duplicate check must still pair live orders only, now that its candidates include deleted ones on SQLite.
 */
describe.each(DIALECTS)('the signature index (%s)', (dialect) => {
  let t: TestDatabase;
  const db = () => t.ctx.kysely;
  const definition = async (kysely: Kysely<DB>) => (await indexDefinitions(kysely, dialect, 'orders')).get('orders_signature_created');
  const expectIndex = async (kysely: Kysely<DB>) => {
    if (dialect === 'sqlite') expect(await definition(kysely)).not.toMatch(/\bwhere\b/i);
    else expect(await definition(kysely)).toMatch(/where \(?deleted_at is null\)?/i);
  };

  beforeAll(async () => {
    t = await createTestDatabase(dialect);
  });
  afterAll(async () => t?.drop());

  it('covers every order on SQLite and the live ones on PostgreSQL, and gives the duplicate check its candidates alone', async () => {
    await expectIndex(db());
    // The duplicate check's statement as the app issues it, recorded on its way to the database.
    const { kysely, issued } = recordStatements(db());
    await runDataQuality({ ...t.ctx, kysely }, null, 'manual');
    const duplicateCheck = issued.filter((q) => /"b"\."signature" in \(select/.test(q.sql));
    expect(duplicateCheck).toHaveLength(1);
    expect(await queryPlan(db(), dialect, duplicateCheck[0])).toMatch(dialect === 'postgres' ? /Index Only Scan using orders_signature_created\b/ : /SCAN orders USING COVERING INDEX orders_signature_created\b/);
    // A new order's duplicate warning (SQLite, whose index changed): one signature's entries, then their rows.
    if (dialect === 'sqlite') {
      const warning = sql`select id, number from orders where customer_id = ${1} and created_at >= ${'2026-01-01T00:00:00.000Z'} and signature = ${'s'} and deleted_at is null`;
      // Either index narrows it to a few rows (which one depends on the statistics), never a scan of the orders.
      expect(await queryPlan(db(), dialect, warning)).toMatch(/SEARCH orders USING INDEX orders_(signature|customer)_created \((signature|customer_id)=\? AND created_at>\?\)/);
    }
  });

  it('migrates a database made before it, and the duplicate check pairs live orders only', async () => {
    const earlier = await createTestDatabase(dialect, { migrateUpTo: '0027_deletion_indexes' });
    try {
      await migrateAndCheck(earlier);
    } finally {
      await earlier.drop();
    }
  });

  async function migrateAndCheck(earlier: TestDatabase): Promise<void> {
    const kysely = earlier.ctx.kysely;
    const { ownerId, customerId } = await ownerAndCustomer(kysely, 'Signature Test Ltd');
    const now = Date.now();
    const at = (minutes: number) => new Date(now - minutes * 60_000).toISOString();
    // Two live orders with one signature five minutes apart (a duplicate), and a live order whose only twin is deleted.
    const orders: Array<[number: string, signature: string, createdAt: string, deletedAt: string | null]> = [
      ['SO-SIG-1', 'sig-live-pair', at(10), null],
      ['SO-SIG-2', 'sig-live-pair', at(5), null],
      ['SO-SIG-3', 'sig-one-deleted', at(10), at(1)],
      ['SO-SIG-4', 'sig-one-deleted', at(5), null],
    ];
    for (const [number, signature, createdAt, deletedAt] of orders) {
      await kysely
        .insertInto('orders')
        .values({ number, customer_id: customerId, owner_id: ownerId, status: 'draft', total: 0, signature, created_at: createdAt, updated_at: createdAt, deleted_at: deletedAt, purge_after: deletedAt } as never)
        .execute();
    }
    expect(await definition(kysely)).toMatch(/where \(?deleted_at is null\)?/i);
    const before = await kysely.selectFrom('orders').selectAll().orderBy('id').execute();

    expect(await migrateUpTo(kysely, dialect, '0028_signature_index')).toEqual(['0028_signature_index']);
    await expectIndex(kysely);
    expect(await kysely.selectFrom('orders').selectAll().orderBy('id').execute()).toEqual(before);
    expect(await checkInvariants(kysely)).toEqual([]);
    const duplicates = (await runDataQuality(earlier.ctx, null, 'manual')).checks.find((c) => c.code === 'duplicate_orders');
    expect(duplicates?.count).toBe(1);
    expect(duplicates?.samples.map((s) => [s.label, s.related?.label])).toEqual([['SO-SIG-2', 'SO-SIG-1']]);
    expect(await migrateUpTo(kysely, dialect, '0028_signature_index')).toEqual([]);
  }
});
