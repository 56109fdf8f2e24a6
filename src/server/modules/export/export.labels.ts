import { ORDER_EXPORT_COLUMNS } from '../../../contracts/export.js';
import type { OrderStatus } from '../../../contracts/orders.js';

/**
 * How the CSV and XLSX files speak to the person who asked for them: headers and status labels in the user's
 * language, times as wall-clock times in the company time zone. Chosen once per export; the row formatters
 * only call `status` and `time`, so the hot loop pays a map lookup or two per value (see timeFormatter).
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
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** `+08:00` from Intl's `GMT+08:00` (or `GMT` for UTC itself). */
function offsetMinutes(zone: Intl.DateTimeFormat, at: number): number {
  const name = zone.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
}

/**
 * The zone's offset in minutes at any instant. Intl is far too slow to call once per row, and even once per
 * quarter hour it was a second of a million-order export (two years of orders are 70,000 quarter hours). A zone
 * changes its offset a few times a year at most, so a UTC day whose first and last quarter hour have the same
 * offset has it throughout (tzdb has no day with two changes that cancel out): one Intl call per day, and
 * quarter-hour lookups only on the days it changes.
 */
function offsetCache(timeZone: string): (ms: number) => number {
  const zone = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
  const days = new Map<number, number | Map<number, number>>();
  return (ms) => {
    const day = Math.floor(ms / DAY);
    let entry = days.get(day);
    if (entry === undefined) {
      if (days.size > 100_000) days.clear();
      const first = offsetMinutes(zone, day * DAY);
      entry = first === offsetMinutes(zone, day * DAY + DAY - QUARTER_HOUR) ? first : new Map<number, number>();
      days.set(day, entry);
    }
    if (typeof entry === 'number') return entry;
    const quarter = Math.floor(ms / QUARTER_HOUR);
    let offset = entry.get(quarter);
    if (offset === undefined) {
      offset = offsetMinutes(zone, quarter * QUARTER_HOUR);
      entry.set(quarter, offset);
    }
    return offset;
  };
}

const pad = (n: number) => String(n).padStart(2, '0');
const offsetText = (offset: number) => `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;

/** A stored time (`toISOString`, always 24 characters) in the shape the per-hour cache reads: …THH:MM:SS.sssZ. */
const isStoredIso = (iso: string) => iso.length === 24 && iso.charCodeAt(23) === 90 && iso.charCodeAt(10) === 84 && iso.charCodeAt(13) === 58;

const digitAt = (text: string, i: number) => {
  const d = text.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1_000_000_000;
};

/**
 * The hour 'YYYY-MM-DDTHH' of a stored time as one number (a number is a cheaper map key than the text, which would
 * be cut out and hashed for every value), or negative when those characters are not digits and dashes: each such
 * hour has its own number, so the cache maps numbers to hours exactly as it would map the texts.
 */
function hourKey(iso: string): number {
  if (iso.charCodeAt(4) !== 45 || iso.charCodeAt(7) !== 45) return -1;
  const year = digitAt(iso, 0) * 1000 + digitAt(iso, 1) * 100 + digitAt(iso, 2) * 10 + digitAt(iso, 3);
  const rest = digitAt(iso, 5) * 1_000_000 + digitAt(iso, 6) * 100_000 + digitAt(iso, 8) * 10_000 + digitAt(iso, 9) * 1_000 + digitAt(iso, 11) * 10 + digitAt(iso, 12);
  return year < 0 || rest < 0 ? -1 : year * 10_000_000 + rest;
}

/**
 * `2026-03-14 17:30:00+08:00` for an ISO time. A UTC hour in which the zone is a whole number of hours off and
 * stays so maps to one local hour: its date, hour and offset are worked out once, and each time of that hour is
 * that text around its own minutes and seconds (no Date, no parse). Other hours (a change of offset inside the
 * hour, zones such as +05:30) and times not written by toISOString take the general path.
 */
function timeFormatter(offsetOf: (ms: number) => number): (iso: string) => string {
  const general = (iso: string) => {
    const ms = Date.parse(iso);
    const offset = offsetOf(ms);
    const local = new Date(ms + offset * 60_000).toISOString();
    return `${local.slice(0, 10)} ${local.slice(11, 19)}${offsetText(offset)}`;
  };
  // UTC hour 'YYYY-MM-DDTHH' (as hourKey) → [local 'YYYY-MM-DD HH', offset text], or null when the hour takes the general path.
  const hours = new Map<number, readonly [string, string] | null>();
  const hourOf = (key: string): readonly [string, string] | null => {
    const start = Date.parse(`${key}:00:00.000Z`);
    const offset = offsetOf(start);
    if (Number.isNaN(start) || offset % 60 !== 0 || offsetOf(start + HOUR - QUARTER_HOUR) !== offset) return null;
    const local = new Date(start + offset * 60_000).toISOString();
    return [`${local.slice(0, 10)} ${local.slice(11, 13)}`, offsetText(offset)];
  };
  return (iso) => {
    const key = isStoredIso(iso) ? hourKey(iso) : -1;
    if (key < 0) return general(iso);
    let hour = hours.get(key);
    if (hour === undefined) {
      if (hours.size > 100_000) hours.clear();
      hour = hourOf(iso.slice(0, 13));
      hours.set(key, hour);
    }
    return hour === null ? general(iso) : `${hour[0]}${iso.slice(13, 19)}${hour[1]}`;
  };
}

export function exportLabels(language: ExportLanguage, timeZone: string): ExportLabels {
  const offsetOf = offsetCache(timeZone);
  const statuses: Record<string, string> = STATUS_LABELS[language];
  return {
    header: HEADERS[language],
    status: (code) => statuses[code] ?? code,
    time: timeFormatter(offsetOf),
    wallClock: (iso) => {
      const ms = Date.parse(iso);
      return new Date(ms + offsetOf(ms) * 60_000);
    },
  };
}

/** What a `raw=true` file has on its first line: the column keys integrations already parse. */
export const RAW_HEADER: readonly string[] = ORDER_EXPORT_COLUMNS;
