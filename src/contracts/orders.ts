import { z } from 'zod';
import { DateFilter, Id, Money, NonNegativeMoney, optionalText, emptyToUndefined, toMinor } from './common.js';

export const ORDER_STATUSES = ['draft', 'confirmed', 'shipped', 'completed', 'cancelled'] as const;
export const OrderStatus = z.enum(ORDER_STATUSES);
export type OrderStatus = z.infer<typeof OrderStatus>;

/** The lifecycle of SPEC §1.1: which transition leads from which status. */
export const TRANSITIONS = {
  confirm: { from: ['draft'], to: 'confirmed' },
  ship: { from: ['confirmed'], to: 'shipped' },
  complete: { from: ['shipped'], to: 'completed' },
  cancel: { from: ['draft', 'confirmed'], to: 'cancelled' },
} as const satisfies Record<string, { from: readonly OrderStatus[]; to: OrderStatus }>;
export type Transition = keyof typeof TRANSITIONS;
export const TRANSITION_NAMES = Object.keys(TRANSITIONS) as Transition[];

export const ORDER_NUMBER_PATTERN = /^SO-\d{4}-\d{6}$/;

export const OrderItemInput = z.object({
  productId: Id,
  quantity: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .positive('must be greater than 0')
    .max(1_000_000, 'at most 1,000,000'),
  unitPrice: NonNegativeMoney.optional(),
});
export type OrderItemInput = z.infer<typeof OrderItemInput>;

export const OrderItems = z.array(OrderItemInput).min(1, 'an order needs at least one line').max(200, 'at most 200 lines');

export const CreateOrderInput = z.object({
  customerId: Id,
  items: OrderItems,
  ownerId: Id.optional(),
  note: optionalText(2000),
});
export type CreateOrderInput = z.infer<typeof CreateOrderInput>;

export const UpdateOrderInput = z
  .object({
    customerId: Id,
    items: OrderItems,
    ownerId: Id,
    note: z.string().trim().max(2000).nullable(),
  })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'nothing to change');
export type UpdateOrderInput = z.infer<typeof UpdateOrderInput>;

export const PaymentInput = z.object({
  amount: Money.refine((v) => !v.startsWith('-') && !/^0(\.0+)?$/.test(v), 'must be greater than 0'),
  note: optionalText(500),
});

export const ORDER_SORTS = ['createdAt', '-createdAt', 'total', '-total', 'number', '-number'] as const;
export const OrderSort = z.enum(ORDER_SORTS);
export type OrderSort = z.infer<typeof OrderSort>;

/** `status` takes one status or several separated by commas. */
const StatusList = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(OrderStatus));


/** The filter fields alone, for schemas that pick from them; every filter schema adds `amountRange`. */
export const OrderFilterFields = z.object({
  q: z.preprocess(emptyToUndefined, z.string().trim().max(200).optional()),
  number: z.preprocess(emptyToUndefined, z.string().trim().max(32).optional()),
  customer: z.preprocess(emptyToUndefined, z.string().trim().max(200).optional()),
  customerId: z.preprocess(emptyToUndefined, Id.optional()),
  status: z.preprocess(emptyToUndefined, StatusList.optional()),
  ownerId: z.preprocess(emptyToUndefined, Id.optional()),
  from: z.preprocess(emptyToUndefined, DateFilter.optional()),
  to: z.preprocess(emptyToUndefined, DateFilter.optional()),
  minTotal: z.preprocess(emptyToUndefined, NonNegativeMoney.optional()),
  maxTotal: z.preprocess(emptyToUndefined, NonNegativeMoney.optional()),
});

/** A minimum above the maximum matches nothing: it is a mistake to name, not an empty list to show. */
export function amountRange(v: { minTotal?: string; maxTotal?: string }, ctx: z.RefinementCtx): void {
  if (v.minTotal !== undefined && v.maxTotal !== undefined && toMinor(v.minTotal) > toMinor(v.maxTotal)) {
    ctx.addIssue({ code: 'custom', path: ['minTotal'], message: 'must not be more than the maximum amount' });
  }
}

export const OrderFilter = OrderFilterFields.superRefine(amountRange);
export type OrderFilter = z.infer<typeof OrderFilter>;

/**
 * GET /api/orders/status-counts: for the list's filters, how many orders each status tab holds (the status
 * filter itself set aside, so every tab has its count) and `total`, the orders the whole filter lists.
 */
export const OrderStatusCounts = z.object({
  counts: z.object(Object.fromEntries(ORDER_STATUSES.map((s) => [s, z.number().int()])) as Record<OrderStatus, z.ZodNumber>),
  total: z.number().int(),
});
export type OrderStatusCounts = z.infer<typeof OrderStatusCounts>;

export const OrderListFields = OrderFilterFields.extend({
  sort: z.preprocess(emptyToUndefined, OrderSort.default('-createdAt')),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.preprocess(emptyToUndefined, z.string().max(200).optional()),
});
export const OrderListQuery = OrderListFields.superRefine(amountRange);
export type OrderListQuery = z.infer<typeof OrderListQuery>;

export const OrderItemView = z.object({
  id: z.string(),
  productId: z.string(),
  sku: z.string(),
  name: z.string(),
  quantity: z.number(),
  unitPrice: z.string(),
  lineTotal: z.string(),
});

/** An order under legal hold (SPEC §5) can be neither deleted nor purged; its recycle-bin countdown stops. */
export const LegalHold = z.object({ reason: z.string(), heldAt: z.string(), heldBy: z.object({ id: z.string(), name: z.string() }).nullable() });
export type LegalHold = z.infer<typeof LegalHold>;

export const OrderSummaryView = z.object({
  id: z.string(),
  number: z.string(),
  status: OrderStatus,
  customer: z.object({ id: z.string(), name: z.string() }),
  ownerId: z.string(),
  ownerName: z.string().nullable(),
  total: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number(),
  legalHold: LegalHold.nullable().optional(),
});
export type OrderSummaryView = z.infer<typeof OrderSummaryView>;

export const OrderView = OrderSummaryView.extend({
  items: z.array(OrderItemView),
  note: z.string().nullable(),
  paid: z.string(),
  confirmedAt: z.string().nullable(),
  shippedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  cancelledAt: z.string().nullable(),
  warnings: z.array(z.object({ code: z.string(), message: z.string(), orderIds: z.array(z.string()).optional() })).optional(),
});
export type OrderView = z.infer<typeof OrderView>;

export const OrderList = z.object({ items: z.array(OrderSummaryView), nextCursor: z.string().nullable() });
export type OrderList = z.infer<typeof OrderList>;
