import { z } from 'zod';
import { blankToUndefined, optionalText } from './common.js';

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

export const CustomerView = z.object({
  id: z.string(),
  name: z.string(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  note: z.string().nullable(),
  createdAt: z.string(),
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
});

export const CustomerList = z.object({ items: z.array(CustomerView) });
