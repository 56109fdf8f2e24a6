import { z } from 'zod';
import { Id, optionalText, emptyToUndefined } from './common.js';
import { LegalHold, OrderFilter, OrderStatus } from './orders.js';

/** SPEC §3 and §4: deletion, recycle bin, restore requests and purge. Shared by server, web and tests. */

export const DELETE_REASON_CODES = ['customer_cancelled', 'duplicate', 'entry_error', 'test_data', 'cleanup', 'other'] as const;
export const DeleteReasonCode = z.enum(DELETE_REASON_CODES);
export type DeleteReasonCode = z.infer<typeof DeleteReasonCode>;

/** Orders one request may name by id, and the largest set "select all N matching" may delete. */
export const MAX_DELETE_IDS = 1000;
export const MAX_DELETE_BY_FILTER = 10_000;
/** How long the user who deleted a batch may undo it without `orders.restore`. */
export const UNDO_WINDOW_MS = 60_000;
export const DEFAULT_RETENTION_DAYS = 30;
/** How long a preview may be confirmed before it must be taken again. */
export const PREVIEW_TTL_MS = 15 * 60_000;
export const PURGE_CONFIRMATION = 'PURGE';

export const DeleteReason = z
  .object({ code: DeleteReasonCode, note: optionalText(500) })
  .superRefine((reason, ctx) => {
    if (reason.code === 'other' && !reason.note) ctx.addIssue({ code: 'custom', path: ['note'], message: 'required when the reason is "other"' });
  });
export type DeleteReason = z.infer<typeof DeleteReason>;

/** A list of distinct order ids (duplicates are dropped, so the same order is never counted twice). */
const idList = (max: number) =>
  z
    .array(Id)
    .min(1, 'name at least one order')
    .max(max, `at most ${max.toLocaleString('en')} orders per request`)
    .transform((ids) => [...new Set(ids)]);

/** The list filters of GET /api/orders; `status` may also be an array here, since this travels as JSON. */
export const DeletionFilter = z.preprocess(
  (v) => (v && typeof v === 'object' && Array.isArray((v as { status?: unknown }).status) ? { ...v, status: (v as { status: string[] }).status.join(',') } : v),
  OrderFilter,
);
export type DeletionFilter = z.infer<typeof DeletionFilter>;

const targetShape = { ids: idList(MAX_DELETE_IDS).optional(), filter: DeletionFilter.optional() };
/** Exactly one of `ids` or `filter` names the orders. */
function oneTarget(value: { ids?: unknown; filter?: unknown }, ctx: z.RefinementCtx): void {
  if ((value.ids === undefined) === (value.filter === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['ids'], message: 'give either ids or filter' });
  }
}

export const DeletePreviewInput = z.object(targetShape).superRefine(oneTarget);
export type DeletePreviewInput = z.infer<typeof DeletePreviewInput>;

export const DeleteOrdersInput = z
  .object({ ...targetShape, reason: DeleteReason, previewToken: z.string().min(1).max(2000) })
  .superRefine(oneTarget);
export type DeleteOrdersInput = z.infer<typeof DeleteOrdersInput>;

/** `DELETE /api/orders/:id`: the same operation for one order, previewed internally. */
export const DeleteOneOrderInput = z.object({ reason: DeleteReason });
export type DeleteOneOrderInput = z.infer<typeof DeleteOneOrderInput>;

export const BLOCKER_CODES = ['has_payments', 'shipped', 'completed', 'missing_permission', 'legal_hold'] as const;
/** What the user can do instead of deleting. */
export const BLOCKER_ACTIONS = ['refund', 'cancel', 'return', 'ask_manager', 'release_hold'] as const;
export const Blocker = z.object({
  code: z.enum(BLOCKER_CODES),
  message: z.string(),
  action: z.enum(BLOCKER_ACTIONS),
  permission: z.string().optional(),
});
export type Blocker = z.infer<typeof Blocker>;

export const DEPARTMENTS = ['sales', 'warehouse', 'finance'] as const;
export const Department = z.enum(DEPARTMENTS);
export type Department = z.infer<typeof Department>;

export const PreviewOrder = z.object({
  id: z.string(),
  number: z.string(),
  status: OrderStatus,
  total: z.string(),
  ownerId: z.string(),
  deletable: z.boolean(),
  blockers: z.array(Blocker),
});
export type PreviewOrder = z.infer<typeof PreviewOrder>;

export const DeletePreview = z.object({
  previewToken: z.string(),
  expiresAt: z.string(),
  /** How many orders the deletion would take: the length of `orders`. */
  count: z.number(),
  deletable: z.boolean(),
  orders: z.array(PreviewOrder),
  /** Reserved units given back, per product. */
  inventory: z.array(z.object({ productId: z.string(), sku: z.string(), release: z.number() })),
  /** Receivables reversed, per order. */
  finance: z.array(z.object({ orderId: z.string(), number: z.string(), reverse: z.string() })),
  /** The departments told by the deletion: sales always, warehouse when stock moves, finance when money does. */
  notify: z.array(Department),
});
export type DeletePreview = z.infer<typeof DeletePreview>;

export const OrderRef = z.object({ id: z.string(), number: z.string() });
export type OrderRef = z.infer<typeof OrderRef>;

export const DeleteResult = z.object({ batchId: z.string(), deleted: z.array(OrderRef), purgeAfter: z.string() });
export type DeleteResult = z.infer<typeof DeleteResult>;

// ---- recycle bin ----

export const RecycleBinQuery = z.object({
  q: z.preprocess(emptyToUndefined, z.string().trim().max(200).optional()),
  number: z.preprocess(emptyToUndefined, z.string().trim().max(32).optional()),
  reason: z.preprocess(emptyToUndefined, DeleteReasonCode.optional()),
  batchId: z.preprocess(emptyToUndefined, z.string().max(100).optional()),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.preprocess(emptyToUndefined, z.string().max(200).optional()),
});
export type RecycleBinQuery = z.infer<typeof RecycleBinQuery>;

export const UserRef = z.object({ id: z.string(), name: z.string() });

export const RecycleBinItem = z.object({
  id: z.string(),
  number: z.string(),
  status: OrderStatus,
  total: z.string(),
  customer: z.object({ id: z.string(), name: z.string() }),
  ownerId: z.string(),
  deletedAt: z.string(),
  deletedBy: UserRef.nullable(),
  reason: z.object({ code: DeleteReasonCode, note: z.string().nullable() }),
  batchId: z.string(),
  /** While the order is held this date does not come: the countdown resumes, with the held time added, on release. */
  purgeAfter: z.string(),
  legalHold: LegalHold.nullable().optional(),
});
export type RecycleBinItem = z.infer<typeof RecycleBinItem>;
/** `total`: every deleted order the filter matches, on all pages (the list's "N items"). */
export const RecycleBinPage = z.object({ items: z.array(RecycleBinItem), nextCursor: z.string().nullable(), total: z.number().int() });
export type RecycleBinPage = z.infer<typeof RecycleBinPage>;

export const RestoreInput = z
  .object({ ids: idList(MAX_DELETE_BY_FILTER).optional(), batchId: z.string().min(1).max(100).optional() })
  .superRefine((value, ctx) => {
    if ((value.ids === undefined) === (value.batchId === undefined)) ctx.addIssue({ code: 'custom', path: ['ids'], message: 'give either ids or batchId' });
  });
export type RestoreInput = z.infer<typeof RestoreInput>;
export const RestoreResult = z.object({ restored: z.array(OrderRef) });
export type RestoreResult = z.infer<typeof RestoreResult>;

export const PurgeInput = z.object({
  ids: idList(MAX_DELETE_IDS),
  confirm: z.literal(PURGE_CONFIRMATION, { error: `type ${PURGE_CONFIRMATION} to confirm` }),
});
export type PurgeInput = z.infer<typeof PurgeInput>;
export const PurgeResult = z.object({ purged: z.array(OrderRef) });
export type PurgeResult = z.infer<typeof PurgeResult>;

// ---- restore requests ----

export const RESTORE_REQUEST_STATUSES = ['pending', 'approved', 'rejected'] as const;
export const RestoreRequestStatus = z.enum(RESTORE_REQUEST_STATUSES);

export const CreateRestoreRequestInput = z.object({
  ids: idList(MAX_DELETE_IDS),
  note: z.string().trim().min(1, 'say why the orders should come back').max(1000),
});
export type CreateRestoreRequestInput = z.infer<typeof CreateRestoreRequestInput>;

export const DecideRestoreRequestInput = z.object({ note: optionalText(1000) }).optional();
export type DecideRestoreRequestInput = z.infer<typeof DecideRestoreRequestInput>;

export const RestoreRequestQuery = z.object({
  status: z.preprocess(emptyToUndefined, RestoreRequestStatus.optional()),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.preprocess(emptyToUndefined, z.string().regex(/^[1-9][0-9]{0,15}$/, 'is not a cursor returned by this list').optional()),
});
export type RestoreRequestQuery = z.infer<typeof RestoreRequestQuery>;

export const RestoreRequestView = z.object({
  id: z.string(),
  status: RestoreRequestStatus,
  orders: z.array(OrderRef),
  note: z.string(),
  requestedBy: UserRef,
  createdAt: z.string(),
  decidedBy: UserRef.nullable(),
  decidedAt: z.string().nullable(),
  decisionNote: z.string().nullable(),
});
export type RestoreRequestView = z.infer<typeof RestoreRequestView>;

// ---- retention ----

export const RetentionSetting = z.object({ days: z.number().int('must be a whole number of days').min(1, 'at least 1 day').max(3650, 'at most 3650 days') });
export type RetentionSetting = z.infer<typeof RetentionSetting>;

export const RestoreRequestList = z.object({ items: z.array(RestoreRequestView), nextCursor: z.string().nullable() });
