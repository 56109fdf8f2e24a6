import type { Kysely } from 'kysely';

/**
 * Covering indexes for the journal invariant checks (integrity/invariants.ts) and the data-quality totals
 * check, so a data-quality run at a
 * million orders reads each journal once in the order its sums are grouped by — no sort of millions of
 * rows into temporary storage, no lookup of every row in the table behind an index.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('stock_movements_order_totals').on('stock_movements').columns(['order_id', 'product_id', 'kind', 'reserved_delta', 'on_hand_delta']).execute();
  await db.schema.createIndex('stock_movements_product_totals').on('stock_movements').columns(['product_id', 'on_hand_delta', 'reserved_delta']).execute();
  await db.schema.createIndex('order_items_order_product').on('order_items').columns(['order_id', 'product_id', 'quantity', 'unit_price', 'line_total']).execute();
  await db.schema.createIndex('ledger_entries_order_totals').on('ledger_entries').columns(['order_id', 'kind', 'amount']).execute();
}
