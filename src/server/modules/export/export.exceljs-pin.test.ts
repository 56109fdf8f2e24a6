/**
 * The XLSX export's back-pressure poll (caughtUp in export.formats.ts) reads how far the zip has fallen behind
 * from exceljs and readable-stream internals, and reads 0 if they move: the export would then run unthrottled
 * and a slow download would fill memory again, with nothing failing. This test fails first.
 */
import ExcelJS from 'exceljs';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { zipBacklog } from './export.formats.js';

const UPGRADE = 'exceljs upgrade: a worksheet no longer exposes stream.pipes[0] (the zip input) with _writableState/_readableState.length; zipBacklog in src/server/modules/export/export.formats.ts reads them for back-pressure';

describe('pinned: the exceljs internals the XLSX back-pressure poll reads', () => {
  it('a committed sheet reports a growing backlog while nobody reads, and it drains when the reader catches up', async () => {
    const out = new PassThrough({ highWaterMark: 1 << 10 });
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
    const sheet = workbook.addWorksheet('Orders');
    const input = (sheet as unknown as { stream?: { pipes?: Array<{ _writableState?: { length?: unknown }; _readableState?: { length?: unknown } }> } }).stream?.pipes?.[0];
    expect(input, UPGRADE).toBeDefined();
    expect(typeof input?._writableState?.length, UPGRADE).toBe('number');
    expect(typeof input?._readableState?.length, UPGRADE).toBe('number');

    const idle = zipBacklog(sheet);
    for (let i = 0; i < 2_000; i++) sheet.addRow([`SO-2026-${String(i).padStart(6, '0')}`, 'confirmed', 'x'.repeat(200), i]).commit();
    // Nobody reads `out`, so what the sheet committed waits in front of the zip: the poll must see it.
    const backlog = zipBacklog(sheet);
    expect(backlog, UPGRADE).toBeGreaterThan(idle + 100_000);

    // Reading the output lets the zip take its input: the poll must see the backlog go down.
    out.resume();
    const drained = new Promise<void>((resolve) => {
      const check = () => (zipBacklog(sheet) < backlog / 2 ? resolve() : setImmediate(check));
      check();
    });
    await drained;
    sheet.commit();
    await workbook.commit();
  });
});
