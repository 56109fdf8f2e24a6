import { z } from 'zod';
import { Id } from './common.js';
import { amountRange, OrderFilterFields } from './orders.js';

/** The lists a view can be saved for: only the order list so far, whose filter schema `filters` is checked with. */
export const SAVED_VIEW_PAGES = ['orders'] as const;
export const SavedViewPage = z.enum(SAVED_VIEW_PAGES);
export type SavedViewPage = z.infer<typeof SavedViewPage>;

export const ORDER_FILTER_KEYS = OrderFilterFields.keyof().options;
export type OrderFilterKey = (typeof ORDER_FILTER_KEYS)[number];

/**
 * A view's filters as the list's query string spells them (`status: "draft,confirmed"`), so applying a view is
 * setting URL parameters. Checked with the list's own filter fields, strictly: a key the list does not know is a
 * mistake to name, not something to keep. Stored and returned in this spelling, without empty values.
 */
export const OrderViewFilters = OrderFilterFields.strict().superRefine(amountRange);
export type OrderViewFilters = z.infer<typeof OrderViewFilters>;
export const SavedViewFilterParams = z.partialRecord(z.enum(ORDER_FILTER_KEYS), z.string());
export type SavedViewFilterParams = z.infer<typeof SavedViewFilterParams>;

const ViewName = z.string().trim().min(1, 'required').max(80);

export const CreateSavedViewInput = z.object({
  name: ViewName,
  page: SavedViewPage,
  filters: OrderViewFilters,
  /** Shared with everyone holding this role; absent or null: only the owner sees it. */
  roleId: Id.nullable().optional(),
});
export type CreateSavedViewInput = z.infer<typeof CreateSavedViewInput>;

export const UpdateSavedViewInput = z
  .object({ name: ViewName, filters: OrderViewFilters, roleId: Id.nullable() })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'nothing to change');
export type UpdateSavedViewInput = z.infer<typeof UpdateSavedViewInput>;

export const SavedViewQuery = z.object({ page: SavedViewPage });

export const SavedViewView = z.object({
  id: z.string(),
  name: z.string(),
  page: SavedViewPage,
  filters: SavedViewFilterParams,
  shared: z.object({ roleId: z.string().nullable(), roleName: z.string().nullable() }),
  ownerId: z.string(),
  owner: z.object({ id: z.string(), displayName: z.string() }),
  /** The caller's own view; the others are shared with one of the caller's roles. */
  mine: z.boolean(),
  /** The caller may rename, re-share or delete it: their own, or any view for an admin. */
  editable: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SavedViewView = z.infer<typeof SavedViewView>;

export const SavedViewList = z.object({
  items: z.array(SavedViewView),
  /** The roles the caller may share a view with: their own, every role for an admin. */
  shareableRoles: z.array(z.object({ id: z.string(), name: z.string() })),
});
export type SavedViewList = z.infer<typeof SavedViewList>;
