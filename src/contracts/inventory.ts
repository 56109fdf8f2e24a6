import { z } from 'zod';
import { Id, emptyToUndefined } from './common.js';
import { StockFigures } from './products.js';

/**
 * The stock journal's vocabulary. `reserve` holds units for a confirmed order; `release` (cancel, deletion) and
 * `ship` each reverse one reserve and name it in `reversesId`; `adjust` and `receive` change on-hand by hand.
 */
export const MOVEMENT_KINDS = ['receive', 'adjust', 'reserve', 'release', 'ship'] as const;
export const MovementKind = z.enum(MOVEMENT_KINDS);
export type MovementKind = z.infer<typeof MovementKind>;

const MAX_UNITS = 1_000_000_000;

/** `POST /api/products/:id/stock`: a signed correction (`adjust`) or goods arriving (`receive`, positive). */
export const StockChangeInput = z
  .object({
    kind: z.enum(['adjust', 'receive']).default('adjust'),
    quantity: z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(-MAX_UNITS, `at least -${MAX_UNITS}`)
      .max(MAX_UNITS, `at most ${MAX_UNITS}`),
    reason: z.string().trim().min(1, 'required').max(500),
  })
  .superRefine((v, issue) => {
    if (v.quantity === 0) issue.addIssue({ code: 'custom', path: ['quantity'], message: 'must not be 0' });
    else if (v.kind === 'receive' && v.quantity < 0) issue.addIssue({ code: 'custom', path: ['quantity'], message: 'must be greater than 0 for a receipt' });
  });
export type StockChangeInput = z.input<typeof StockChangeInput>;

const flag = z.preprocess(emptyToUndefined, z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1').optional());
const optionalId = z.preprocess(emptyToUndefined, Id.optional());

/** `GET /api/inventory/stock`: one row per product, ordered by SKU; `lowOnly` keeps products at or below `threshold` available. */
export const StockQuery = z.object({
  q: z.preprocess(emptyToUndefined, z.string().trim().max(200).optional()),
  lowOnly: flag,
  threshold: z.coerce.number().int().min(0).max(MAX_UNITS).default(10),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** The `nextCursor` of the previous page (opaque). */
  cursor: z.preprocess(emptyToUndefined, z.string().max(200).optional()),
});
export type StockQuery = z.infer<typeof StockQuery>;

export const StockRow = z.object({
  id: z.string(),
  sku: z.string(),
  name: z.string(),
  price: z.string(),
  stock: StockFigures,
  /** available ≤ threshold of the query. */
  low: z.boolean(),
  lastMovementAt: z.string().nullable(),
});
export type StockRow = z.infer<typeof StockRow>;
/** `total`: every product the filter matches, on all pages (the list's "N items"). */
export const StockList = z.object({ items: z.array(StockRow), nextCursor: z.string().nullable(), total: z.number().int() });
export type StockList = z.infer<typeof StockList>;

/** `GET /api/inventory/movements`: newest first; `before` is the `nextCursor` of the previous page. */
export const MovementQuery = z.object({
  productId: optionalId,
  orderId: optionalId,
  kind: z.preprocess(emptyToUndefined, MovementKind.optional()),
  before: optionalId,
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type MovementQuery = z.infer<typeof MovementQuery>;

export const MovementView = z.object({
  id: z.string(),
  productId: z.string(),
  sku: z.string(),
  kind: MovementKind,
  /** Null when the order is outside the caller's record scope (or was purged). */
  orderId: z.string().nullable(),
  orderNumber: z.string().nullable(),
  onHandDelta: z.number(),
  reservedDelta: z.number(),
  /** The movement this one reverses (a release or ship names its reserve). */
  reversesId: z.string().nullable(),
  /** The product's balance right after this movement; only when listing one product (`productId`). */
  balanceAfter: z.object({ onHand: z.number(), reserved: z.number() }).nullable(),
  reason: z.string().nullable(),
  actor: z.string().nullable(),
  createdAt: z.string(),
});
export type MovementView = z.infer<typeof MovementView>;
export const MovementList = z.object({ items: z.array(MovementView), nextCursor: z.string().nullable() });
export type MovementList = z.infer<typeof MovementList>;
