import { sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';

/**
 * Next SO-YYYY-NNNNNN. The counter row is incremented inside the order's transaction, so two instances
 * never hand out the same number, and a number once used is never given again (purge keeps the counter).
 */
export async function nextOrderNumber(trx: Transaction<DB>, at: Date = new Date()): Promise<string> {
  const year = at.getUTCFullYear();
  const name = `order_number:${year}`;
  const row = await sql<{ value: number }>`
    insert into sequences (name, value) values (${name}, 1)
    on conflict (name) do update set value = sequences.value + 1
    returning value`.execute(trx);
  const value = Number(row.rows[0].value);
  return `SO-${year}-${String(value).padStart(6, '0')}`;
}
