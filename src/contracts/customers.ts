import { z } from 'zod';
import { blankToUndefined, emptyToUndefined, Id, optionalText } from './common.js';
import { amountRange, OrderListFields } from './orders.js';

/** International or Chinese numbers: an optional +, then digits with spaces, dashes or brackets. */
export const Phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9()\- ]{5,24}$/, 'must be a phone number such as +86 138 0013 8000')
  .refine((v) => v.replace(/[^0-9]/g, '').length >= 5, 'must have at least 5 digits');

const optional = <T extends z.ZodTypeAny>(schema: T) => z.preprocess(blankToUndefined, schema.optional());

export const CreateCustomerInput = z.object({
  name: z.string().trim().min(1, 'required').max(200),
  phone: optional(Phone),
  email: optional(z.string().trim().email('must be an email address').max(200)),
  note: optionalText(1000),
});
export type CreateCustomerInput = z.infer<typeof CreateCustomerInput>;

/** `PATCH /api/customers/:id` (with If-Match: the customer's version): null clears a contact field. */
export const UpdateCustomerInput = z
  .object({
    name: z.string().trim().min(1, 'required').max(200),
    phone: z.preprocess(blankToUndefined, Phone.nullable().optional()),
    email: z.preprocess(blankToUndefined, z.string().trim().email('must be an email address').max(200).nullable().optional()),
    note: z.string().trim().max(1000).nullable(),
    /** false deactivates: the customer keeps its orders and history but is offered for no new order. */
    active: z.boolean(),
  })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'nothing to change');
export type UpdateCustomerInput = z.infer<typeof UpdateCustomerInput>;

/** `POST /api/customers/:id/merge`: this customer (a duplicate) goes into `intoId`, with all its orders. */
export const MergeCustomerInput = z.object({ intoId: Id });
export type MergeCustomerInput = z.infer<typeof MergeCustomerInput>;

export const CustomerView = z.object({
  id: z.string(),
  name: z.string(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  note: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number(),
  active: z.boolean(),
  /** The customer this duplicate was merged into; such a customer is inactive for good. */
  mergedIntoId: z.string().nullable(),
  /** When the customer's personal data was erased (`POST /api/customers/:id/erase`); the name is then a placeholder. */
  erasedAt: z.string().optional(),
  /**
   * Present (true) when the caller may see only the name: a sales rep without `customers.read` looking at a
   * customer of none of their orders. Phone, email and note are then withheld (null), not empty.
   */
  contactHidden: z.literal(true).optional(),
});
export type CustomerView = z.infer<typeof CustomerView>;

export const CustomerQuery = z.object({
  q: z.string().trim().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** Deactivated and merged customers are left out unless asked for (a picker for new orders never wants them). */
  includeInactive: z.preprocess(emptyToUndefined, z.enum(['true', 'false']).transform((v) => v === 'true').optional()),
});

export const CustomerList = z.object({ items: z.array(CustomerView) });

/** `POST /api/customers/:id/erase`: the customer's id or current name, typed by the person erasing. */
export const EraseCustomerInput = z.object({ confirm: z.string().trim().min(1, 'required').max(200) });
export type EraseCustomerInput = z.infer<typeof EraseCustomerInput>;

/** What an erasure did: counts only, so the answer itself holds no personal data. */
export const ErasureSummary = z.object({
  customerId: z.string(),
  erasedAt: z.string(),
  /** The placeholder the customer is shown as from now on. */
  name: z.string(),
  /** The customer's orders (live and in the recycle bin): kept, amounts and journals untouched. */
  orders: z.number(),
  /** Audit entries holding values sealed with the customer's key, now unreadable (the chain still verifies). */
  auditEntriesShredded: z.number(),
  /** Audit entries that still hold one of the erased values in clear (free text typed before erasure); should be 0. */
  auditEntriesInClear: z.number(),
  /** Rows outside the audit log whose copies of the values were overwritten, by table. */
  scrubbed: z.record(z.string(), z.number()),
  /** True when a restore re-applied an erasure made after the backup was taken. */
  reapplied: z.boolean(),
});
export type ErasureSummary = z.infer<typeof ErasureSummary>;

export const MergeResult = z.object({ customer: CustomerView, movedOrders: z.number() });
export type MergeResult = z.infer<typeof MergeResult>;

/** `GET /api/customers/:id/orders`: the order list's filters, for one customer. */
export const CustomerOrdersQuery = OrderListFields.omit({ customerId: true, customer: true }).superRefine(amountRange);
export type CustomerOrdersQuery = z.infer<typeof CustomerOrdersQuery>;

/**
 * `GET /api/customers/:id/statement`: every finance entry of the customer's live orders in date order, each with
 * the balance after it (what the customer owes: receivables and refunds raise it, payments and reversals lower it).
 */
export const StatementEntry = z.object({
  id: z.string(),
  at: z.string(),
  orderId: z.string(),
  orderNumber: z.string(),
  kind: z.enum(['receivable', 'reversal', 'payment', 'refund']),
  amount: z.string(),
  balance: z.string(),
});
export type StatementEntry = z.infer<typeof StatementEntry>;
export const CustomerStatement = z.object({
  customer: z.object({ id: z.string(), name: z.string() }),
  invoiced: z.string(),
  paid: z.string(),
  balance: z.string(),
  entries: z.array(StatementEntry),
});
export type CustomerStatement = z.infer<typeof CustomerStatement>;
