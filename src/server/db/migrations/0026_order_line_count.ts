import { sql, type Kysely } from 'kysely';

/**
 * Each order's number of lines, stored on the order. The CSV and XLSX exports show it for every order, and counting
 * it at export time (a correlated count on the order_items index per order) was a third of a million-order export's
 * database work: paging the orders alone cost 1.3 s of CPU on SQLite, with the counts 1.8 s (bench/README.md). The
 * lines of an order are only ever written by the orders service (create, and an edit that replaces the lines) and
 * the bulk seed, each of which writes the count in the same statement or transaction; a purge deletes the order
 * with its lines. Backfilled here from the lines themselves.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('orders')
    .addColumn('line_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`update orders set line_count = (select count(*) from order_items i where i.order_id = orders.id)
    where exists (select 1 from order_items i where i.order_id = orders.id)`.execute(db);
}
