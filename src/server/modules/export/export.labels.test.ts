import { describe, expect, it } from 'vitest';
import { exportLabels } from './export.labels.js';

const formats = new Map<string, Intl.DateTimeFormat>();
const formatOf = (timeZone: string) =>
  formats.get(timeZone) ??
  formats
    .set(timeZone, new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'longOffset' }))
    .get(timeZone)!;

/** The slow, obviously right answer: Intl's wall-clock fields and offset for each instant, nothing cached but the formatter. */
function reference(timeZone: string, ms: number): string {
  const parts = Object.fromEntries(formatOf(timeZone).formatToParts(ms).map((p) => [p.type, p.value]));
  const offset = parts.timeZoneName === 'GMT' ? '+00:00' : parts.timeZoneName.slice(3);
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}${offset}`;
}

const ZONES = ['Asia/Shanghai', 'America/New_York', 'Europe/London', 'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'America/St_Johns', 'Pacific/Chatham', 'UTC'];

describe('export time formatter against Intl', () => {
  it('agrees with Intl at every quarter hour around daylight-saving changes and at random times, in zones with odd offsets', () => {
    // Around the 2026 changes in the northern and southern hemispheres, every 7 minutes (so minutes and seconds vary).
    const windows = ['2026-03-08T00:00:00.000Z', '2026-03-29T00:00:00.000Z', '2026-04-05T00:00:00.000Z', '2026-09-27T00:00:00.000Z', '2026-10-04T00:00:00.000Z', '2026-10-25T00:00:00.000Z', '2026-11-01T00:00:00.000Z'];
    const instants: number[] = [];
    for (const start of windows) for (let ms = Date.parse(start) - 86_400_000; ms < Date.parse(start) + 2 * 86_400_000; ms += 7 * 60_000 + 13_001) instants.push(ms);
    // Spread over two years in random order, so the caches are filled out of order too.
    let seed = 42;
    for (let i = 0; i < 3_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      instants.push(Date.parse('2025-01-01T00:00:00.000Z') + (seed % (730 * 86_400)) * 1000 + (i % 1000));
    }
    for (const zone of ZONES) {
      const { time } = exportLabels('en', zone);
      for (const ms of instants) expect(time(new Date(ms).toISOString()), `${zone} ${new Date(ms).toISOString()}`).toBe(reference(zone, ms));
    }
  });

  it('reads times not written by toISOString the general way', () => {
    const { time } = exportLabels('zh-CN', 'Asia/Shanghai');
    expect(time('2026-01-15T00:00:00Z')).toBe('2026-01-15 08:00:00+08:00');
    expect(time('2026-01-15T16:30:00.000+00:00')).toBe('2026-01-16 00:30:00+08:00');
  });
});
