import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, indexDefinitions, ownerAndCustomer, queryPlan, recordStatements, type TestDatabase } from '../../../test/helpers.js';
import { runDataQuality } from '../modules/data-quality/data-quality.service.js';
import { checkInvariants } from '../modules/integrity/invariants.js';
import { migrateToLatest } from './migrate.js';
import type { DB } from './schema.js';

/**
 * Migration 0028: on SQLite `orders_signature_created` covers every order, so a soft delete and a restore leave it
 * alone; PostgreSQL keeps it partial. Its readers must still read it (a missing index shows only at a million orders)
 * and the duplicate check must still pair live orders only, now that its candidates include deleted ones on SQLite.
 */
describe.each(DIALECTS)('the signature index (%s)', (dialect) => {
  let t: TestDatabase;
  const db = () => t.ctx.kysely;
  const definition = async () => (await indexDefinitions(db(), dialect, 'orders')).get('orders_signature_created');
  const expectIndex = async () => {
    if (dialect === 'sqlite') expect(await definition()).not.toMatch(/\bwhere\b/i);
    else expect(await definition()).toMatch(/where \(?deleted_at is null\)?/i);
  };

  beforeAll(async () => {
    t = await createTestDatabase(dialect);
  });
  afterAll(async () => t?.drop());

  it('covers every order on SQLite and the live ones on PostgreSQL, and gives the duplicate check its candidates alone', async () => {
    await expectIndex();
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
    const kysely = db();
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
    await rewindToBefore0028(kysely);
    expect(await definition()).toMatch(/where \(?deleted_at is null\)?/i);
    const before = await kysely.selectFrom('orders').selectAll().orderBy('id').execute();

    expect(await migrateToLatest(kysely, dialect)).toEqual(['0028_signature_index']);
    await expectIndex();
    expect(await kysely.selectFrom('orders').selectAll().orderBy('id').execute()).toEqual(before);
    expect(await checkInvariants(kysely)).toEqual([]);
    const duplicates = (await runDataQuality(t.ctx, null, 'manual')).checks.find((c) => c.code === 'duplicate_orders');
    expect(duplicates?.count).toBe(1);
    expect(duplicates?.samples.map((s) => [s.label, s.related?.label])).toEqual([['SO-SIG-2', 'SO-SIG-1']]);
    expect(await migrateToLatest(kysely, dialect)).toEqual([]);
  });
});

/** The index as migration 0010 made it (partial on both databases), 0028 not yet recorded. */
async function rewindToBefore0028(db: Kysely<DB>): Promise<void> {
  await db.schema.dropIndex('orders_signature_created').execute();
  await db.schema.createIndex('orders_signature_created').on('orders').columns(['signature', 'created_at', 'id']).where(sql<boolean>`deleted_at is null`).execute();
  await db.deleteFrom('orderly_migrations' as never).where('name' as never, '=', '0028_signature_index' as never).execute();
}
