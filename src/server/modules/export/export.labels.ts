import { ORDER_EXPORT_COLUMNS } from '../../../contracts/export.js';
import type { OrderStatus } from '../../../contracts/orders.js';

/**
 * How the CSV and XLSX files speak to the person who asked for them: headers and status labels in the user's
 * language, times as wall-clock times in the company time zone. Chosen once per export; the row formatters
 * only call `status` and `time`, so the hot loop pays one map lookup and one cached-offset sum per value.
 * `raw=true` exports skip all of this (English keys, status codes, UTC ISO times) for integrations.
 */
export type ExportLanguage = 'zh-CN' | 'en';

export interface ExportLabels {
  /** The header line's cells, in file order. */
  header: readonly string[];
  status: (code: string) => string;
  /** An ISO/UTC time as `2026-03-14 17:30:00+08:00` in the company time zone. */
  time: (iso: string) => string;
  /** For XLSX cells, which hold no zone: a Date whose UTC fields are the company wall-clock time. */
  wallClock: (iso: string) => Date;
}

const HEADERS: Record<ExportLanguage, readonly string[]> = {
  en: ['Number', 'Status', 'Customer', 'Owner', 'Total', 'Paid', 'Created at', 'Confirmed at', 'Lines', 'Note'],
  'zh-CN': ['订单号', '状态', '客户', '负责人', '金额', '已付', '创建时间', '确认时间', '行数', '备注'],
};

/** Status labels as the app shows them; the printed documents (modules/documents) say them the same way. */
export const STATUS_LABELS: Record<ExportLanguage, Record<OrderStatus, string>> = {
  en: { draft: 'Draft', confirmed: 'Confirmed', shipped: 'Shipped', completed: 'Completed', cancelled: 'Cancelled' },
  'zh-CN': { draft: '草稿', confirmed: '已确认', shipped: '已发货', completed: '已完成', cancelled: '已取消' },
};

/** Every zone changes its offset on a quarter hour, so one lookup per quarter hour of time is exact. */
const QUARTER_HOUR = 900_000;

/** `+08:00` from Intl's `GMT+08:00` (or `GMT` for UTC itself). */
function offsetMinutes(zone: Intl.DateTimeFormat, at: number): number {
  const name = zone.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
}

/** The zone's offset in minutes, cached per quarter hour: Intl is far too slow to call once per row. */
function offsetCache(timeZone: string): (ms: number) => number {
  const zone = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
  const cache = new Map<number, number>();
  return (ms) => {
    const quarter = Math.floor(ms / QUARTER_HOUR);
    let offset = cache.get(quarter);
    if (offset === undefined) {
      if (cache.size > 10_000) cache.clear();
      offset = offsetMinutes(zone, quarter * QUARTER_HOUR);
      cache.set(quarter, offset);
    }
    return offset;
  };
}

const pad = (n: number) => String(n).padStart(2, '0');

export function exportLabels(language: ExportLanguage, timeZone: string): ExportLabels {
  const offsetOf = offsetCache(timeZone);
  const statuses: Record<string, string> = STATUS_LABELS[language];
  return {
    header: HEADERS[language],
    status: (code) => statuses[code] ?? code,
    time: (iso) => {
      const ms = Date.parse(iso);
      const offset = offsetOf(ms);
      const local = new Date(ms + offset * 60_000).toISOString();
      const sign = offset < 0 ? '-' : '+';
      const abs = Math.abs(offset);
      return `${local.slice(0, 10)} ${local.slice(11, 19)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
    },
    wallClock: (iso) => {
      const ms = Date.parse(iso);
      return new Date(ms + offsetOf(ms) * 60_000);
    },
  };
}

/** What a `raw=true` file has on its first line: the column keys integrations already parse. */
export const RAW_HEADER: readonly string[] = ORDER_EXPORT_COLUMNS;
