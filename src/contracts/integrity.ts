import { z } from 'zod';

/** What the invariant checker can find wrong; each code is one rule of the stock and finance journals. */
export const VIOLATION_CODES = [
  'stock_balance_mismatch',
  'negative_stock',
  'order_reservation_mismatch',
  'order_shipment_mismatch',
  'order_receivable_mismatch',
  'order_paid_mismatch',
  'order_paid_out_of_range',
  'ledger_customer_mismatch',
  'movement_invalid',
  'movement_reversed_twice',
  'ledger_entry_invalid',
  'ledger_reversed_twice',
  'payment_over_refunded',
] as const;
export type ViolationCode = (typeof VIOLATION_CODES)[number];

export const Violation = z.object({
  code: z.enum(VIOLATION_CODES),
  /** What is wrong: a product, an order (label = its number), or one journal entry. */
  entity: z.object({
    type: z.enum(['product', 'order', 'stock_movement', 'ledger_entry']),
    id: z.string(),
    label: z.string().nullable(),
  }),
  detail: z.string(),
});
export type Violation = z.infer<typeof Violation>;

/** `GET /api/integrity`. */
export const IntegrityReport = z.object({
  ok: z.boolean(),
  checkedAt: z.string(),
  violations: z.array(Violation),
});
export type IntegrityReport = z.infer<typeof IntegrityReport>;
