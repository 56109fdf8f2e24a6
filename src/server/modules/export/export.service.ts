import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EXPORT_CONTENT_TYPES, OrderExportQuery, type ExportFormat, type OrderExportQueryInput } from '../../../contracts/export.js';
import { streamsThroughCursor } from '../../db/connect.js';
import type { Ctx } from '../../db/context.js';
import { ownerFilter, type Actor } from '../../platform/actor.js';
import { recordAudit } from '../../platform/audit.js';
import { getSetting } from '../settings/settings.service.js';
import { postgresCsvPages } from './export.csv-pg.js';
import { sqliteCsvPages } from './export.csv-sqlite.js';
import { csvChunks, csvHeader, csvPages, exportFilename, jsonChunks, xlsxStream, type OnRows } from './export.formats.js';
import { exportLabels, type ExportLabels, type ExportLanguage } from './export.labels.js';
import { detailPages, measureSelection, summaryPages } from './export.rows.js';

export interface OrderExport {
  format: ExportFormat;
  filename: string;
  contentType: string;
  /** Orders the file holds when it streams to the end (counted, and audited, before the first byte). */
  rows: number;
  body: Readable;
}

export interface ExportOutcome {
  /** Orders handed to the file. */
  rows: number;
  /** False when the export stopped early: the client hung up or the signal aborted. */
  completed: boolean;
}

export interface ExportOptions {
  /** Aborting stops the database paging before the next page. */
  signal?: AbortSignal;
  onRows?: OnRows;
  /** Called once, when the body has ended or was abandoned. */
  onEnd?: (outcome: ExportOutcome) => void;
  /** Where the orders are read from (a read replica); the primary `ctx` when absent. */
  reader?: Ctx;
  /** The request's Accept-Language: the file's language for a user who has not chosen one. */
  acceptLanguage?: string;
}

/** Counts the orders handed on (`sizeOf` a page) and reports, once, how the export ended. */
async function* trackPages<P>(pages: AsyncGenerator<P>, sizeOf: (page: P) => number, signal: AbortSignal | undefined, onEnd: ExportOptions['onEnd']): AsyncGenerator<P> {
  let rows = 0;
  let completed = false;
  try {
    for await (const page of pages) {
      yield page;
      rows += sizeOf(page);
    }
    completed = !signal?.aborted;
  } finally {
    onEnd?.({ rows, completed });
  }
}

/**
 * Counts the matching orders, records the export in the audit log, and returns the file as a stream.
 *
 * The audit entry is written first, in its own transaction, with the filter and the count: an export that
 * is started and then abandoned has still disclosed data, and a failure to record it stops the export
 * before any data leaves. The same count bounds the file (orders created while it streams are left out) and
 * travels in the X-Export-Rows header for the client's progress bar.
 */
export async function openOrderExport(ctx: Ctx, actor: Actor, query: OrderExportQuery, options: ExportOptions = {}): Promise<OrderExport> {
  const scope = { ownerId: ownerFilter(actor, 'orders.export') };
  // The rows may come from a read replica; the audit entry is a write and always goes to the primary.
  const reader = options.reader ?? ctx;
  const { rows, upToId } = await measureSelection(reader.kysely, query, scope);
  const labels = query.raw || query.format === 'json' ? undefined : await labelsFor(ctx, actor, options.acceptLanguage);
  const { format, ids, raw: _raw, ...filter } = query;
  const given = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined));
  await ctx.kysely.transaction().execute((trx) =>
    recordAudit(trx, ctx.dialect, actor, {
      action: 'orders.export',
      entityType: 'order',
      entityLabel: `${format.toUpperCase()} export of ${rows} orders`,
      diff: { format, ...(query.raw ? { raw: true } : {}), ...(ids ? { ids } : { filter: given }), scope: scope.ownerId === undefined ? 'all' : 'own', rows, upToId: String(upToId) },
    }),
  );
  const track = <T>(pages: AsyncGenerator<T[]>) => trackPages(pages, (page) => page.length, options.signal, options.onEnd);
  const csv = () =>
    streamsThroughCursor(reader.dialect) ? postgresCsvPages(reader, query, scope, upToId, options.signal, undefined, labels)
      : reader.readArrays ? sqliteCsvPages(reader, query, scope, upToId, options.signal, labels)
        : csvPages(summaryPages(reader.kysely, query, scope, upToId, options.signal), labels);
  const body =
    format === 'json'
      ? Readable.from(jsonChunks(track(detailPages(reader.kysely, query, scope, upToId, options.signal)), options.onRows), { objectMode: false })
      : format === 'csv'
        ? Readable.from(csvChunks(trackPages(csv(), (page) => page.rows, options.signal, options.onEnd), options.onRows, csvHeader(labels)), { objectMode: false })
        : xlsxStream(track(summaryPages(reader.kysely, query, scope, upToId, options.signal)), options.onRows, labels);
  return { format, filename: exportFilename(format), contentType: EXPORT_CONTENT_TYPES[format], rows, body };
}

/**
 * The requesting user's chosen language, else the browser's first choice (the web app starts in it too), else
 * Chinese; and the company time zone.
 */
export async function labelsFor(ctx: Ctx, actor: Actor, acceptLanguage: string | undefined): Promise<ExportLabels & { language: ExportLanguage }> {
  const user = actor.userId === null ? undefined : await ctx.kysely.selectFrom('users').select('language').where('id', '=', actor.userId).executeTakeFirst();
  const chosen = (user?.language ?? acceptLanguage ?? 'zh-CN').trim().toLowerCase();
  const language = chosen.startsWith('en') ? 'en' : 'zh-CN';
  return { ...exportLabels(language, await getSetting(ctx.kysely, 'companyTimeZone')), language };
}

export interface ExportRun extends ExportOutcome {
  format: ExportFormat;
  filename: string;
  /** Orders counted up front. */
  expectedRows: number;
  bytes: number;
  ms: number;
}

/**
 * Writes one export into `sink` (a file, a socket, a counter) and resolves when it is flushed: the same code
 * path as the HTTP route, for the bench (rows per second, peak memory) and for scripts.
 */
export async function exportOrders(ctx: Ctx, actor: Actor, query: OrderExportQueryInput, sink: Writable, options: ExportOptions = {}): Promise<ExportRun> {
  const started = performance.now();
  let outcome: ExportOutcome = { rows: 0, completed: false };
  const run = await openOrderExport(ctx, actor, OrderExportQuery.parse(query), {
    ...options,
    onEnd: (o) => {
      outcome = o;
      options.onEnd?.(o);
    },
  });
  let bytes = 0;
  // Counted beside the pipe, not as a stage in it: a generator stage would buffer 16 pages on its own.
  run.body.on('data', (chunk: Buffer | string) => {
    bytes += Buffer.byteLength(chunk);
  });
  await pipeline(run.body, sink);
  return { format: run.format, filename: run.filename, expectedRows: run.rows, ...outcome, bytes, ms: performance.now() - started };
}
