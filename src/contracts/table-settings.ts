import { z } from 'zod';

/**
 * Per-user settings of the admin-style lists (issue 18): which columns show, in which order and how wide, and
 * the row density. Stored on the server so they follow the user to another browser. The column keys of each
 * list are named here once: the server refuses a key the list does not have, and the web app types its
 * columns with the same names.
 */
export const TABLE_COLUMNS = {
  orders: ['number', 'customer', 'status', 'owner', 'total', 'createdAt'],
  'recycle-bin': ['number', 'customer', 'status', 'total', 'deleted', 'reason', 'batch', 'purge'],
  audit: ['at', 'actor', 'action', 'entity', 'reason', 'ip'],
  customers: ['name', 'phone', 'email', 'note', 'createdAt'],
  stock: ['sku', 'name', 'onHand', 'reserved', 'available', 'last'],
} as const satisfies Record<string, readonly string[]>;

export type TableId = keyof typeof TABLE_COLUMNS;
export const TABLE_IDS = Object.keys(TABLE_COLUMNS) as TableId[];
export type TableColumnKey<T extends TableId> = (typeof TABLE_COLUMNS)[T][number];

/** Ant Design Pro's names: `default` is antd's roomy size ("large"), `middle` the lists' own, `small` compact. */
export const TABLE_DENSITIES = ['default', 'middle', 'small'] as const;
export const TableDensity = z.enum(TABLE_DENSITIES);
export type TableDensity = z.infer<typeof TableDensity>;

export const MIN_COLUMN_WIDTH = 60;
export const MAX_COLUMN_WIDTH = 800;

export const TableColumnSetting = z.object({
  key: z.string().min(1).max(64),
  visible: z.boolean(),
  /** Pixels; absent: the list's own width for the column. */
  width: z.number().int().min(MIN_COLUMN_WIDTH).max(MAX_COLUMN_WIDTH).optional(),
});
export type TableColumnSetting = z.infer<typeof TableColumnSetting>;

/** Columns in display order. A list's column missing here shows after the named ones (a column added later). */
export const TableSettings = z
  .object({
    columns: z.array(TableColumnSetting).max(50),
    density: TableDensity,
  })
  .superRefine((v, ctx) => {
    const seen = new Set<string>();
    v.columns.forEach((c, i) => {
      if (seen.has(c.key)) ctx.addIssue({ code: 'custom', path: ['columns', i, 'key'], message: `column ${c.key} is named twice` });
      seen.add(c.key);
    });
    if (v.columns.length > 0 && v.columns.every((c) => !c.visible)) ctx.addIssue({ code: 'custom', path: ['columns'], message: 'at least one column must stay visible' });
  });
export type TableSettings = z.infer<typeof TableSettings>;

/** The list's own layout: every column in its order at its own width, default density. */
export function defaultTableSettings(table: TableId): TableSettings {
  return { columns: TABLE_COLUMNS[table].map((key) => ({ key, visible: true })), density: 'middle' };
}

export const TableParams = z.object({ table: z.string().max(64) });
