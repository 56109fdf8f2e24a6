import { PassThrough, Readable } from 'node:stream';
import { fromMinor } from '../../../contracts/common.js';
import { ORDER_EXPORT_COLUMNS, type ExportFormat, type OrderExportRecord } from '../../../contracts/export.js';
import { textCell } from '../../platform/csv.js';
import { toOrderView } from '../orders/orders.queries.js';
import type { ExportLabels } from './export.labels.js';
import type { ExportOrder, ExportOrderDetail } from './export.rows.js';

/** Called after each page is handed on, with the number of orders written so far. */
export type OnRows = (rows: number) => void;

/** `orders-20260314-0930.csv`, in UTC like every time Orderly shows. */
export function exportFilename(format: ExportFormat, at = new Date()): string {
  const iso = at.toISOString();
  return `orders-${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 13)}${iso.slice(14, 16)}.${format}`;
}

function csvRow(o: ExportOrder): string {
  // One template rather than an array join: at a million rows the intermediate arrays show up in the profile.
  return `${textCell(o.number)},${o.status},${textCell(o.customer_name)},${textCell(o.owner_name)},${fromMinor(o.total)},${fromMinor(o.paid)},${o.created_at},${o.confirmed_at ?? ''},${o.line_count},${textCell(o.note)}`;
}

/** The same line in the reader's language and time zone: a separate function so the raw one stays as it was. */
function labelledCsvRow(o: ExportOrder, l: ExportLabels): string {
  return `${textCell(o.number)},${l.status(o.status)},${textCell(o.customer_name)},${textCell(o.owner_name)},${fromMinor(o.total)},${fromMinor(o.paid)},${l.time(o.created_at)},${o.confirmed_at ? l.time(o.confirmed_at) : ''},${o.line_count},${textCell(o.note)}`;
}

/** UTF-8 with a BOM (so Excel reads Chinese names correctly), then the header; CRLF line ends. */
export function csvHeader(labels?: ExportLabels): string {
  return `\uFEFF${(labels?.header ?? ORDER_EXPORT_COLUMNS).map(textCell).join(',')}\r\n`;
}
const CSV_HEADER = csvHeader();

/** A page of orders written as CSV lines, each ending in CRLF. */
export interface CsvPage {
  text: string;
  rows: number;
}

/** Each page of orders as its CSV lines; on PostgreSQL export.csv-pg.ts writes the same pages with the database's help. */
export async function* csvPages(pages: AsyncIterable<ExportOrder[]>, labels?: ExportLabels): AsyncGenerator<CsvPage> {
  for await (const page of pages) {
    let text = '';
    if (labels) for (const o of page) text += `${labelledCsvRow(o, labels)}\r\n`;
    else for (const o of page) text += `${csvRow(o)}\r\n`;
    yield { text, rows: page.length };
  }
}

/** The CSV file, one chunk per page. */
export async function* csvChunks(pages: AsyncIterable<CsvPage>, onRows?: OnRows, header = CSV_HEADER): AsyncGenerator<string> {
  yield header;
  let rows = 0;
  for await (const page of pages) {
    yield page.text;
    rows += page.rows;
    onRows?.(rows);
  }
}

export function exportRecord(o: ExportOrderDetail): OrderExportRecord {
  return toOrderView(o, o.lines);
}

/** One JSON array, written element by element, so it never exists whole in memory. */
export async function* jsonChunks(pages: AsyncIterable<ExportOrderDetail[]>, onRows?: OnRows): AsyncGenerator<string> {
  yield '[';
  let rows = 0;
  for await (const page of pages) {
    let chunk = '';
    for (const o of page) chunk += `${rows++ === 0 ? '\n' : ',\n'}${JSON.stringify(exportRecord(o))}`;
    yield chunk;
    onRows?.(rows);
  }
  yield '\n]\n';
}

/** Bytes allowed to wait inside the zip and the output before the next page is read. */
const XLSX_MAX_PENDING = 4 << 20;
const XLSX_COLUMN_WIDTHS = [17, 11, 32, 18, 13, 13, 20, 20, 7, 40];
const MONEY_FORMAT = '#,##0.00';
const TIME_FORMAT = 'yyyy-mm-dd hh:mm:ss';

function labelledXlsxRow(o: ExportOrder, l: ExportLabels): unknown[] {
  return [o.number, l.status(o.status), o.customer_name, o.owner_name, o.total / 100, o.paid / 100, l.wallClock(o.created_at), o.confirmed_at ? l.wallClock(o.confirmed_at) : null, o.line_count, o.note];
}

function xlsxRow(o: ExportOrder): unknown[] {
  // Numbers and times as real cells, so the sheet sums and sorts; an XLSX cell is never a formula unless
  // written as one, so free text needs no guard here.
  return [
    o.number,
    o.status,
    o.customer_name,
    o.owner_name,
    o.total / 100,
    o.paid / 100,
    new Date(o.created_at),
    o.confirmed_at ? new Date(o.confirmed_at) : null,
    o.line_count,
    o.note,
  ];
}

/** Bytes waiting in the zip's input behind an exceljs worksheet (exceljs and readable-stream internals; 0 if they change). */
type StreamState = { length?: number };
type ZipInput = { _writableState?: StreamState; _readableState?: StreamState };
export function zipBacklog(sheet: unknown): number {
  const input = (sheet as { stream?: { pipes?: ZipInput[] } }).stream?.pipes?.[0];
  return (input?._writableState?.length ?? 0) + (input?._readableState?.length ?? 0);
}

/**
 * exceljs's worksheet stream ignores backpressure: it hands every committed row to the zip at once, and the
 * compressor (or a slow reader behind it) falls behind by as much as the export is large. Wait until both the
 * compressor's input and our output have caught up before the next page is read from the database.
 */
async function caughtUp(sheet: unknown, out: PassThrough): Promise<void> {
  for (;;) {
    if (out.destroyed) return;
    const pending = zipBacklog(sheet) + out.readableLength;
    if (pending <= XLSX_MAX_PENDING) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * Streams one worksheet through exceljs's WorkbookWriter. After each page it waits until the zip and the reader
 * have taken what was written, so a slow client holds back the database paging instead of filling memory.
 */
export function xlsxStream(pages: AsyncIterable<ExportOrder[]>, onRows?: OnRows, labels?: ExportLabels): Readable {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const write = async () => {
    // Loaded on first use: exceljs weighs ~30 MB of memory that CSV and JSON exports never need.
    const { default: ExcelJS } = await import('exceljs');
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
    workbook.creator = 'Orderly';
    const sheet = workbook.addWorksheet('Orders', { views: [{ state: 'frozen', ySplit: 1 }] });
    sheet.columns = (labels?.header ?? ORDER_EXPORT_COLUMNS).map((header, i) => ({
      header,
      width: XLSX_COLUMN_WIDTHS[i],
      style: i === 4 || i === 5 ? { numFmt: MONEY_FORMAT } : i === 6 || i === 7 ? { numFmt: TIME_FORMAT } : {},
    }));
    let rows = 0;
    for await (const page of pages) {
      if (out.destroyed) return;
      if (labels) for (const o of page) sheet.addRow(labelledXlsxRow(o, labels)).commit();
      else for (const o of page) sheet.addRow(xlsxRow(o)).commit();
      rows += page.length;
      onRows?.(rows);
      await caughtUp(sheet, out);
    }
    sheet.commit();
    await workbook.commit();
  };
  write().catch((error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))));
  return out;
}
