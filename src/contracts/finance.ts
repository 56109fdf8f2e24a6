import { z } from 'zod';
import { Id, emptyToUndefined } from './common.js';

/**
 * The finance journal's vocabulary; `amount` is the signed change of what the customer owes.
 * receivable + (on confirm), reversal − (names the receivable it reverses: cancel, deletion),
 * payment −, refund + (names the payment it gives back).
 */
export const LEDGER_KINDS = ['receivable', 'reversal', 'payment', 'refund'] as const;
export const LedgerKind = z.enum(LEDGER_KINDS);
export type LedgerKind = z.infer<typeof LedgerKind>;


/** `GET /api/finance/ledger`: one order's entries (`orderId`) or one customer's (`customerId`, finance readers). */
export const LedgerQuery = z
  .object({
    orderId: z.preprocess(emptyToUndefined, Id.optional()),
    customerId: z.preprocess(emptyToUndefined, Id.optional()),
    limit: z.coerce.number().int().min(1).max(500).default(500),
  })
  .refine((v) => v.orderId || v.customerId, { message: 'orderId or customerId is required', path: ['orderId'] });
export type LedgerQuery = z.infer<typeof LedgerQuery>;

export const LedgerEntryView = z.object({
  id: z.string(),
  orderId: z.string(),
  orderNumber: z.string().nullable(),
  customerId: z.string(),
  kind: LedgerKind,
  amount: z.string(),
  reversesId: z.string().nullable(),
  note: z.string().nullable(),
  actor: z.string().nullable(),
  createdAt: z.string(),
});
export type LedgerEntryView = z.infer<typeof LedgerEntryView>;
export const LedgerList = z.object({ items: z.array(LedgerEntryView) });

/**
 * `GET /api/finance/summary`, over live orders: receivable = invoiced − received; invoiced is net of reversals,
 * received is net of refunds.
 */
export const FinanceSummary = z.object({
  receivable: z.string(),
  invoiced: z.string(),
  received: z.string(),
  refunded: z.string(),
  reversed: z.string(),
  customersWithBalance: z.number(),
  ordersWithBalance: z.number(),
});
export type FinanceSummary = z.infer<typeof FinanceSummary>;

export const CUSTOMER_BALANCE_SORTS = ['-balance', 'balance', 'name', '-name'] as const;

/** `GET /api/finance/customers`: customers with finance entries on live orders; `cursor` is the previous `nextCursor`. */
export const CustomerBalanceQuery = z.object({
  q: z.preprocess(emptyToUndefined, z.string().trim().max(200).optional()),
  /** Only customers who owe something (or are owed: a non-zero balance). */
  openOnly: z.preprocess(emptyToUndefined, z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1').optional()),
  sort: z.preprocess(emptyToUndefined, z.enum(CUSTOMER_BALANCE_SORTS).default('-balance')),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.preprocess(emptyToUndefined, z.string().regex(/^\d{1,9}$/, 'must be a cursor from a previous page').optional()),
});
export type CustomerBalanceQuery = z.infer<typeof CustomerBalanceQuery>;

export const CustomerBalance = z.object({
  customer: z.object({ id: z.string(), name: z.string() }),
  invoiced: z.string(),
  paid: z.string(),
  balance: z.string(),
});
export type CustomerBalance = z.infer<typeof CustomerBalance>;
export const CustomerBalanceList = z.object({ items: z.array(CustomerBalance), nextCursor: z.string().nullable() });
export type CustomerBalanceList = z.infer<typeof CustomerBalanceList>;

/** `GET /api/finance/revenue?months=12`: the last N calendar months (UTC), oldest first, months without entries included. */
export const RevenueQuery = z.object({ months: z.coerce.number().int().min(1).max(120).default(12) });
export const RevenueMonth = z.object({
  /** YYYY-MM */
  month: z.string(),
  /** Receivables posted in the month, net of reversals posted in the month. */
  invoiced: z.string(),
  /** Payments received in the month, net of refunds paid in the month. */
  received: z.string(),
});
export type RevenueMonth = z.infer<typeof RevenueMonth>;
export const Revenue = z.array(RevenueMonth);
