import { createHash } from 'node:crypto';

/**
 * What makes two orders look like the same order (SPEC §1.2, likely duplicates): the customer and the lines.
 * Kept apart so moving orders to another customer (a merge) recomputes it the same way order entry does.
 */
export function signatureOf(customerId: number, lines: ReadonlyArray<{ product_id: number; quantity: number; unit_price: number }>): string {
  const canonical = lines.map((l) => `${l.product_id}x${l.quantity}@${l.unit_price}`).sort().join(',');
  return createHash('sha256').update(`${customerId}|${canonical}`).digest('hex');
}
