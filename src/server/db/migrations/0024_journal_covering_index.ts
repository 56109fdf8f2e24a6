import type { Kysely } from 'kysely';

/**
 * One index of the stock journal by product instead of two. `stock_movements_product (product_id, id)` (the
 * product's journal, newest first, with running balances) and `stock_movements_product_totals (product_id,
 * on_hand_delta, reserved_delta)` (the balance check's sums, 0018) became one covering index that serves both:
 * ordered by id within the product, and holding the two deltas, so the sums per product still read the index
 * alone. Every movement lands at its product's place in each product index, so a command moving a thousand
 * orders' stock across a catalogue wrote a page per product into each of the two; with one index it writes half
 * of them (deleting or restoring 1,000 orders: ~1,000 pages fewer in the commit and in the checkpoint after it).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('stock_movements_product_journal').on('stock_movements').columns(['product_id', 'id', 'on_hand_delta', 'reserved_delta']).execute();
  await db.schema.dropIndex('stock_movements_product_totals').execute();
  await db.schema.dropIndex('stock_movements_product').execute();
}
