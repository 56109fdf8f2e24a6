import ExcelJS from 'exceljs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_EXPORT_COLUMNS } from '../../../contracts/export.js';
import { buildApp } from '../../app.js';
import { systemActor, type Actor } from '../../platform/actor.js';
import { ADMIN_PASSWORD, buildTestApp, Client, DIALECTS, makeCustomer, makeProduct, type TestApp } from '../../../../test/helpers.js';
import { orderIn, previewAndDelete } from '../deletion/deletion.test-support.js';
import { bulkReadPageSize, streamsThroughCursor } from '../../db/connect.js';
import { CURSOR_CHUNK_ROWS } from './export.csv-pg.js';
import { exportLabels } from './export.labels.js';
import { exportOrders } from './export.service.js';

/** RFC 4180: quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  if (cell !== '' || row.length) rows.push([...row, cell]);
  return rows;
}

const NUMBER = 0;
const CUSTOMER = 2;
const TOTAL = 4;
const LINES = 8;
const NOTE = 9;

describe.each(DIALECTS)('order export (%s)', (dialect) => {
  let t: TestApp;
  let rep1: Client & { userId: string };
  let rep2: Client & { userId: string };
  let warehouse: Client & { userId: string };
  const orders: Record<string, { id: string; number: string }> = {};
  let productA: { id: string; sku: string };

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    rep1 = await t.userWithRoles('rep1', ['sales_rep']);
    rep2 = await t.userWithRoles('rep2', ['sales_rep']);
    warehouse = await t.userWithRoles('store', ['warehouse']);
    const star = await makeCustomer(t.admin, '北京星辰贸易有限公司');
    const pearl = await makeCustomer(t.admin, '上海明珠电子');
    const sneaky = await makeCustomer(t.admin, '=HYPERLINK("http://evil.example","click")');
    productA = await makeProduct(t.admin, { price: '19.99', stock: 1000, sku: `EXP-A-${dialect}` });
    const productB = await makeProduct(t.admin, { price: '5.00', stock: 1000, sku: `EXP-B-${dialect}` });
    const items = [
      { productId: productA.id, quantity: 3 },
      { productId: productB.id, quantity: 1 },
    ];
    orders.rep1Draft = await orderIn(rep1, 'draft', star.id, items, { note: 'ring first, then "knock", twice\nsecond line' });
    orders.rep1Confirmed = await orderIn(rep1, 'confirmed', pearl.id, [{ productId: productA.id, quantity: 1 }]);
    orders.rep2Draft = await orderIn(rep2, 'draft', star.id, items);
    orders.adminShipped = await orderIn(t.admin, 'shipped', pearl.id, items);
    orders.adminSneaky = await orderIn(t.admin, 'draft', sneaky.id, items, { note: '-2+3' });
    orders.deleted = await orderIn(t.admin, 'draft', star.id, items);
    const deleted = await previewAndDelete(t.admin, { ids: [orders.deleted.id] }, { code: 'entry_error' });
    expect(deleted.status).toBe(200);
  });
  afterAll(async () => t?.close());

  it('CSV: BOM, header, Chinese names, quoting, formula guard, deleted orders absent, audited with the count', async () => {
    const res = await t.admin.get('/api/orders/export?format=csv&raw=true');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="orders-\d{8}-\d{4}\.csv"$/);
    const text = res.body as string;
    expect(text.startsWith('\uFEFF')).toBe(true);
    const [header, ...rows] = parseCsv(text.slice(1));
    expect(header).toEqual([...ORDER_EXPORT_COLUMNS]);
    expect(rows).toHaveLength(5);
    expect(res.headers['x-export-rows']).toBe('5');
    const byNumber = new Map(rows.map((r) => [r[NUMBER], r]));
    expect(byNumber.has(orders.deleted.number)).toBe(false);

    const draft = byNumber.get(orders.rep1Draft.number)!;
    expect(draft[CUSTOMER]).toBe('北京星辰贸易有限公司');
    expect(draft[TOTAL]).toBe('64.97');
    expect(draft[LINES]).toBe('2');
    expect(draft[NOTE]).toBe('ring first, then "knock", twice\nsecond line');
    const sneaky = byNumber.get(orders.adminSneaky.number)!;
    expect(sneaky[CUSTOMER]).toBe(`'=HYPERLINK("http://evil.example","click")`);
    expect(sneaky[NOTE]).toBe(`'-2+3`);

    const audit = await t.admin.get('/api/audit?action=orders.export');
    expect(audit.status).toBe(200);
    const entry = audit.body.items.find((e: { diff: { format: string } }) => e.diff.format === 'csv');
    expect(entry.diff).toMatchObject({ format: 'csv', raw: true, filter: {}, rows: 5, scope: 'all' });
    expect(entry.actor.name).toBe('admin');
  });

  it('respects the list filters, and ids select exactly those orders', async () => {
    const confirmed = parseCsv(((await t.admin.get('/api/orders/export?status=confirmed')).body as string).slice(1)).slice(1);
    expect(confirmed.map((r) => r[NUMBER])).toEqual([orders.rep1Confirmed.number]);

    const star = parseCsv(((await t.admin.get(`/api/orders/export?customer=${encodeURIComponent('星辰')}`)).body as string).slice(1)).slice(1);
    expect(star.map((r) => r[NUMBER]).sort()).toEqual([orders.rep1Draft.number, orders.rep2Draft.number].sort());

    // The selection wins over the filter fields: the file holds exactly the ticked rows (deleted ones excepted).
    const picked = await t.admin.get(`/api/orders/export?status=confirmed&ids=${orders.rep2Draft.id},${orders.adminShipped.id},${orders.deleted.id}`);
    expect(picked.headers['x-export-rows']).toBe('2');
    const pickedRows = parseCsv((picked.body as string).slice(1)).slice(1);
    expect(pickedRows.map((r) => r[NUMBER]).sort()).toEqual([orders.rep2Draft.number, orders.adminShipped.number].sort());

    const bad = await t.admin.get('/api/orders/export?format=pdf&ids=1,x');
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['format', 'ids.1']));
  });

  it("a sales rep exports only their own orders, even when naming another rep's", async () => {
    const res = await rep1.get(`/api/orders/export?ids=${orders.rep1Draft.id},${orders.rep2Draft.id},${orders.adminShipped.id}`);
    expect(res.status).toBe(200);
    const numbers = parseCsv((res.body as string).slice(1)).slice(1).map((r) => r[NUMBER]);
    expect(numbers).toEqual([orders.rep1Draft.number]);
    const all = parseCsv(((await rep1.get('/api/orders/export')).body as string).slice(1)).slice(1).map((r) => r[NUMBER]);
    expect(all.sort()).toEqual([orders.rep1Draft.number, orders.rep1Confirmed.number].sort());
    expect(all).not.toContain(orders.rep2Draft.number);
  });

  it('warehouse has no orders.export: 403', async () => {
    const res = await warehouse.get('/api/orders/export?format=csv');
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('XLSX opens with exceljs and holds the rows, with money and times as real cells', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/orders/export?format=xlsx&raw=true&status=draft,shipped', headers: { cookie: t.admin.cookie! } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.headers['content-disposition']).toMatch(/filename="orders-\d{8}-\d{4}\.xlsx"/);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('Orders')!;
    const values = sheet.getSheetValues().filter(Boolean).map((r) => (r as unknown[]).slice(1));
    expect(values[0]).toEqual([...ORDER_EXPORT_COLUMNS]);
    const rows = values.slice(1);
    expect(rows.map((r) => r[NUMBER]).sort()).toEqual([orders.rep1Draft.number, orders.rep2Draft.number, orders.adminShipped.number, orders.adminSneaky.number].sort());
    const draft = rows.find((r) => r[NUMBER] === orders.rep1Draft.number)!;
    expect(draft[CUSTOMER]).toBe('北京星辰贸易有限公司');
    expect(draft[TOTAL]).toBe(64.97);
    expect(draft[6]).toBeInstanceOf(Date);
    expect(draft[NOTE]).toBe('ring first, then "knock", twice\nsecond line');
  });

  it("speaks the user's language: Chinese headers, status labels and +08:00 times for a zh-CN user; raw=true for integrations", async () => {
    const k = t.db.ctx.kysely;
    await k.updateTable('users').set({ language: 'zh-CN' }).where('id', '=', Number(rep1.userId)).execute();
    await k.updateTable('users').set({ language: 'en' }).where('id', '=', Number(rep2.userId)).execute();
    const stored = await k.selectFrom('orders').select(['created_at', 'confirmed_at']).where('id', '=', Number(orders.rep1Confirmed.id)).executeTakeFirstOrThrow();
    // Asia/Shanghai (the default companyTimeZone) is UTC+8 all year.
    const shanghai = (iso: string) => `${new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ')}+08:00`;

    const zh = parseCsv(((await rep1.get('/api/orders/export?format=csv')).body as string).slice(1));
    expect(zh[0]).toEqual(['订单号', '状态', '客户', '负责人', '金额', '已付', '创建时间', '确认时间', '行数', '备注']);
    const confirmed = zh.find((r) => r[NUMBER] === orders.rep1Confirmed.number)!;
    expect(confirmed[1]).toBe('已确认');
    expect(confirmed[6]).toBe(shanghai(stored.created_at));
    expect(confirmed[7]).toBe(shanghai(stored.confirmed_at!));
    expect(zh.find((r) => r[NUMBER] === orders.rep1Draft.number)![1]).toBe('草稿');

    const en = parseCsv(((await rep2.get('/api/orders/export?format=csv')).body as string).slice(1));
    expect(en[0]).toEqual(['Number', 'Status', 'Customer', 'Owner', 'Total', 'Paid', 'Created at', 'Confirmed at', 'Lines', 'Note']);
    expect(en.find((r) => r[NUMBER] === orders.rep2Draft.number)![1]).toBe('Draft');

    // A user who has not chosen a language gets the browser's, like the web app's first screen.
    await k.updateTable('users').set({ language: null }).where('username', '=', 'admin').execute();
    const browser = await t.app.inject({ method: 'GET', url: '/api/orders/export?format=csv', headers: { cookie: t.admin.cookie!, 'accept-language': 'en-US,en;q=0.9' } });
    expect(parseCsv(browser.body.slice(1))[0][0]).toBe('Number');
    const noHint = await t.app.inject({ method: 'GET', url: '/api/orders/export?format=csv', headers: { cookie: t.admin.cookie! } });
    expect(parseCsv(noHint.body.slice(1))[0][0]).toBe('订单号');

    const raw = parseCsv(((await rep1.get('/api/orders/export?format=csv&raw=true')).body as string).slice(1));
    expect(raw[0]).toEqual([...ORDER_EXPORT_COLUMNS]);
    const rawConfirmed = raw.find((r) => r[NUMBER] === orders.rep1Confirmed.number)!;
    expect(rawConfirmed[1]).toBe('confirmed');
    expect(rawConfirmed[6]).toBe(stored.created_at);

    const res = await t.app.inject({ method: 'GET', url: '/api/orders/export?format=xlsx', headers: { cookie: rep1.cookie! } });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const values = workbook.getWorksheet('Orders')!.getSheetValues().filter(Boolean).map((r) => (r as unknown[]).slice(1));
    expect(values[0]).toEqual(zh[0]);
    const cell = values.find((r) => r[NUMBER] === orders.rep1Confirmed.number)!;
    expect(cell[1]).toBe('已确认');
    // A spreadsheet cell holds no zone: it shows the Shanghai wall-clock time.
    expect((cell[6] as Date).toISOString().slice(0, 19).replace('T', ' ')).toBe(shanghai(stored.created_at).slice(0, 19));
  });

  it('JSON is one array of orders with their lines, as GET /api/orders/:id shows them', async () => {
    const res = await t.admin.get('/api/orders/export?format=json');
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/filename="orders-\d{8}-\d{4}\.json"/);
    const list = res.body as Array<Record<string, unknown>>;
    expect(list).toHaveLength(5);
    const one = await t.admin.get(`/api/orders/${orders.rep1Draft.id}`);
    const exported = list.find((o) => o.id === orders.rep1Draft.id)!;
    const { warnings: _w, ...expected } = one.body;
    expect(exported).toEqual(expected);
    expect((exported.items as unknown[]).length).toBe(2);
  });

  it('pages through more orders than one page holds, and stops paging when the reader goes away', async () => {
    // Bulk rows straight into the tables: the API would take minutes for this many.
    const db = t.db.ctx.kysely;
    const owner = Number(rep2.userId);
    const customer = (await db.selectFrom('customers').select('id').where('name', '=', '上海明珠电子').executeTakeFirstOrThrow()).id;
    // Enough JSON (~9 MB) that a reader who stops reading holds the server back: socket buffers take a few MB.
    const bulk = 20_500;
    const now = new Date().toISOString();
    for (let start = 0; start < bulk; start += 500) {
      const batch = Array.from({ length: 500 }, (_, i) => ({
        number: `SO-2099-${String(start + i + 1).padStart(6, '0')}`,
        customer_id: customer,
        owner_id: owner,
        status: 'draft',
        total: 100,
        paid: 0,
        signature: `bulk-${start + i}`,
        version: 1,
        created_at: now,
        updated_at: now,
      }));
      await db.insertInto('orders').values(batch).execute();
    }
    const actor: Actor = { ...systemActor('export test'), permissions: { 'orders.export': 'all' } };

    const seen: number[] = [];
    let bytes = 0;
    const counter = new Writable({
      write(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        done();
      },
    });
    const full = await exportOrders(t.db.ctx, actor, { format: 'csv', number: 'SO-2099' }, counter, { onRows: (n) => seen.push(n) });
    expect(full).toMatchObject({ expectedRows: bulk, rows: bulk, completed: true });
    expect(full.bytes).toBe(bytes);
    // The CSV on PostgreSQL reads cursor chunks of its own size (export.csv-pg.ts); elsewhere the export pages.
    const pageSize = streamsThroughCursor(dialect) ? CURSOR_CHUNK_ROWS : bulkReadPageSize(dialect);
    expect(seen).toEqual(Array.from({ length: Math.ceil(bulk / pageSize) }, (_, i) => Math.min(bulk, (i + 1) * pageSize)));

    // Aborting (what a hang-up does) stops the paging before the next page.
    const stop = new AbortController();
    const stopped = await exportOrders(t.db.ctx, actor, { format: 'csv', number: 'SO-2099' }, new Writable({ write: (_c, _e, done) => done() }), {
      signal: stop.signal,
      onRows: () => stop.abort(),
    });
    expect(stopped).toMatchObject({ expectedRows: bulk, rows: pageSize, completed: false });

    // A client that hangs up after the first bytes: the server logs the export as cancelled, short of the total.
    const logs: Array<Record<string, any>> = [];
    const logStream = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line));
        done();
      },
    });
    const app = await buildApp({ ...t.db.config, jobs: false }, t.db.ctx, { logger: { level: 'info', stream: logStream } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const port = (app.server.address() as AddressInfo).port;
      const admin = await new Client(app).login('admin', ADMIN_PASSWORD);
      await new Promise<void>((resolve, reject) => {
        const req = http.get({ port, host: '127.0.0.1', path: '/api/orders/export?format=json&number=SO-2099', headers: { cookie: admin.cookie! } }, (res) => {
          expect(res.statusCode).toBe(200);
          expect(res.headers['x-export-rows']).toBe(String(bulk));
          // A reader that stops reading and then hangs up: the server is held back by the full socket meanwhile.
          res.pause();
          setTimeout(() => {
            req.destroy();
            resolve();
          }, 300);
        });
        req.on('error', (error) => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(error)));
      });
      const ended = await waitFor(() => logs.find((l) => l.msg === 'order export cancelled' || l.msg === 'order export finished'));
      expect(ended.msg).toBe('order export cancelled');
      expect(ended.export.completed).toBe(false);
      expect(ended.export.rows).toBeLessThan(bulk);
    } finally {
      await app.close();
    }
  });
});

async function waitFor<T>(probe: () => T | undefined, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('export time formatter', () => {
  it('follows daylight saving in the company time zone', () => {
    const ny = exportLabels('en', 'America/New_York');
    expect(ny.time('2026-07-01T12:00:00.000Z')).toBe('2026-07-01 08:00:00-04:00');
    expect(ny.time('2026-01-15T03:30:00.000Z')).toBe('2026-01-14 22:30:00-05:00');
    expect(exportLabels('zh-CN', 'Asia/Kolkata').time('2026-01-15T00:00:00Z')).toBe('2026-01-15 05:30:00+05:30');
    expect(exportLabels('zh-CN', 'UTC').time('2026-01-15T00:00:00Z')).toBe('2026-01-15 00:00:00+00:00');
  });
});
