import { z } from 'zod';
import { Id, emptyToUndefined } from './common.js';
import { OrderFilter, OrderView } from './orders.js';

export const EXPORT_FORMATS = ['csv', 'xlsx', 'json'] as const;
export const ExportFormat = z.enum(EXPORT_FORMATS);
export type ExportFormat = z.infer<typeof ExportFormat>;

/** At most this many selected ids per export; a larger selection is exported by its filter instead. */
export const MAX_EXPORT_IDS = 10_000;


/** `ids=1,2,3`: the selected orders. */
const IdList = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(Id).min(1, 'at least one id').max(MAX_EXPORT_IDS, `at most ${MAX_EXPORT_IDS} ids; export by filter instead`));

/**
 * `GET /api/orders/export`: the list filters of `GET /api/orders`, or `ids` (the selection — when given, the
 * filter fields are ignored, so the file holds exactly the rows the user ticked). Record scope always applies.
 */
export const OrderExportQuery = OrderFilter.extend({
  format: z.preprocess(emptyToUndefined, ExportFormat.default('csv')),
  ids: z.preprocess(emptyToUndefined, IdList.optional()),
  raw: z
    .preprocess(emptyToUndefined, z.enum(['true', 'false']).default('false'))
    .transform((v) => v === 'true')
    .describe(
      'CSV/XLSX only. false (default): headers and status labels in the requesting user\'s language, times as wall-clock times in the company time zone (setting companyTimeZone, e.g. 2026-03-14 17:30:00+08:00). true: for integrations, the English column keys below, status codes and ISO 8601 UTC times, whoever asks.',
    ),
});
export type OrderExportQuery = z.infer<typeof OrderExportQuery>;
export type OrderExportQueryInput = z.input<typeof OrderExportQuery>;

/**
 * Response header with the number of orders the file will hold, counted before the first byte is sent,
 * so a client can show progress (rows received / this total) while the body streams.
 */
export const EXPORT_ROWS_HEADER = 'x-export-rows';

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  json: 'application/json; charset=utf-8',
};

/** The columns of a `raw=true` CSV or XLSX file, in order. Money is a decimal amount; times are ISO 8601 UTC. */
export const ORDER_EXPORT_COLUMNS = [
  'Number',
  'Status',
  'Customer',
  'Owner',
  'Total',
  'Paid',
  'Created at (UTC)',
  'Confirmed at (UTC)',
  'Lines',
  'Note',
] as const;

/** One element of the JSON export: the order as `GET /api/orders/:id` returns it, lines included. */
export const OrderExportRecord = OrderView.omit({ warnings: true });
export type OrderExportRecord = z.infer<typeof OrderExportRecord>;

/** The 200 of `GET /api/orders/export` for OpenAPI: one body per format (streamed, so never run through a serialiser). */
export const OrderExportFile = {
  description: 'The file, streamed; X-Export-Rows carries its row count',
  content: {
    'text/csv': { schema: z.string().describe('CSV for Excel (UTF-8 with BOM), one line per order') },
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { schema: z.string().describe('XLSX workbook (binary), one row per order') },
    'application/json': { schema: z.array(OrderExportRecord) },
  },
};
