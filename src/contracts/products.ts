import { z } from 'zod';
import { NonNegativeMoney } from './common.js';

export const CreateProductInput = z.object({
  sku: z
    .string()
    .trim()
    .min(1, 'required')
    .max(64)
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only'),
  name: z.string().trim().min(1, 'required').max(200),
  price: NonNegativeMoney,
  stock: z.coerce.number().int('must be a whole number').min(0, 'must not be negative').max(1_000_000_000).default(0),
});
export type CreateProductInput = z.input<typeof CreateProductInput>;

export const StockFigures = z.object({ onHand: z.number(), reserved: z.number(), available: z.number() });

export const ProductView = z.object({
  id: z.string(),
  sku: z.string(),
  name: z.string(),
  price: z.string(),
  stock: StockFigures,
  createdAt: z.string(),
});
export type ProductView = z.infer<typeof ProductView>;

export const ProductQuery = z.object({
  q: z.string().trim().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const ProductList = z.object({ items: z.array(ProductView) });
