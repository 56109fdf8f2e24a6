/**
 * Browser journey for exports: filter the order list by status with the UI, export it as XLSX from the
 * "Export" menu, and open the downloaded workbook to check it holds exactly the filtered orders; then export
 * two ticked rows as JSON. Runs the built web app (dist/web) against an in-process server on a throw-away
 * SQLite database.
 */
import ExcelJS from 'exceljs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportLabels } from '../src/server/modules/export/export.labels.js';
import type { OrderSummaryView } from '../src/contracts/orders.js';
import type { App } from '../src/server/platform/http.js';
import { launchChromium, newStillContext, serveBuiltApp, signInPage } from './harness.js';
import { ADMIN_PASSWORD, Client, makeCustomer, makeOrder, makeProduct, type TestDatabase } from '../test/helpers.js';


describe('order export in the browser', () => {
  let db: TestDatabase;
  let app: App;
  let browser: Browser;
  let page: Page;
  let baseUrl: string;
  let admin: Client;
  let downloads: string;

  beforeAll(async () => {
    downloads = fs.mkdtempSync(path.join(os.tmpdir(), 'orderly-export-e2e-'));

    ({ db, app, baseUrl } = await serveBuiltApp());

    admin = await new Client(app).login('admin', ADMIN_PASSWORD);
    const tea = await makeCustomer(admin, '杭州茶叶贸易有限公司');
    const acme = await makeCustomer(admin, 'Acme "Quoted", Ltd');
    const product = await makeProduct(admin, { sku: 'EXP-E2E-1', price: '12.50', stock: 500 });
    // Five confirmed orders (the filter), three drafts and a cancelled one that the filter must leave out.
    for (let i = 1; i <= 9; i++) {
      const order = await makeOrder(admin, i % 2 ? tea.id : acme.id, [{ productId: product.id, quantity: i }], { note: i === 1 ? '=SUM(A1:A2) not a formula' : undefined });
      if (i <= 6) expect((await admin.post(`/api/orders/${order.id}/confirm`, {}, { 'if-match': String(order.version) })).status).toBe(200);
      if (i === 6) expect((await admin.post(`/api/orders/${order.id}/cancel`, {}, { 'if-match': String(order.version + 1) })).status).toBe(200);
    }

    browser = await launchChromium();
    const context = await newStillContext(browser, { locale: 'en-US', viewport: { width: 1366, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.drop();
    if (downloads) fs.rmSync(downloads, { recursive: true, force: true });
  });

  const orderRows = () => page.locator('[data-testid=orders-table] tbody tr.ant-table-row');

  /** Opens the Export menu and picks a format; resolves with the browser download it starts. */
  async function exportAs(format: 'csv' | 'xlsx' | 'json') {
    await page.locator('[data-testid=export-menu]').click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`[data-testid=export-${format}]`).click()]);
    const file = path.join(downloads, download.suggestedFilename());
    await download.saveAs(file);
    return { file, name: download.suggestedFilename() };
  }

  it('exports the status-filtered list as XLSX whose rows are exactly the filtered orders', async () => {
    await signInPage(page, baseUrl, 'admin', ADMIN_PASSWORD);
    await expect.poll(() => orderRows().count()).toBe(9);

    await page.locator('[data-testid=status-filter]').click();
    await page.locator('.ant-select-item-option:visible', { hasText: 'Confirmed' }).click();
    await page.keyboard.press('Escape');
    await page.locator('[data-testid=order-filters]').getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/[?&]status=confirmed(&|$)/);
    await expect.poll(() => orderRows().count()).toBe(5);

    const { file, name } = await exportAs('xlsx');
    // Named by the server's Content-Disposition, not by the blob URL.
    expect(name).toMatch(/^orders-\d{8}-\d{4}\.xlsx$/);

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    const sheet = workbook.worksheets[0];
    const rows: unknown[][] = [];
    sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    // The browser speaks English and the admin chose no language: the file's headers and labels are English.
    const english = exportLabels('en', 'Asia/Shanghai');
    expect(rows[0]).toEqual([...english.header]);
    const data = rows.slice(1);

    // The same orders the list API returns for that filter: numbers, statuses, customers and totals.
    const listed = (await admin.get<{ items: OrderSummaryView[] }>('/api/orders?status=confirmed&limit=100')).body.items;
    expect(listed).toHaveLength(5);
    const col = (name: string) => english.header.indexOf(name);
    const fromSheet = data.map((r) => ({ number: r[col('Number')], status: r[col('Status')], customer: r[col('Customer')], total: Number(r[col('Total')]).toFixed(2) }));
    const fromApi = listed.map((o) => ({ number: o.number, status: english.status(o.status), customer: o.customer.name, total: o.total }));
    const byNumber = (a: { number: unknown }, b: { number: unknown }) => String(a.number).localeCompare(String(b.number));
    expect(fromSheet.sort(byNumber)).toEqual(fromApi.sort(byNumber));
  });

  it('exports only the ticked rows when rows are selected', async () => {
    await expect.poll(() => orderRows().count()).toBe(5);
    const picked: string[] = [];
    for (const i of [0, 2]) {
      await orderRows().nth(i).locator('.ant-checkbox-input').check();
      picked.push((await orderRows().nth(i).locator('.order-number').textContent())!);
    }
    await expect.poll(() => page.locator('[data-testid=export-menu]').textContent()).toContain('(2)');

    const { file, name } = await exportAs('json');
    expect(name).toMatch(/\.json$/);
    const records = JSON.parse(fs.readFileSync(file, 'utf8')) as Array<{ number: string; items: unknown[] }>;
    expect(records.map((r) => r.number).sort()).toEqual(picked.sort());
    expect(records.every((r) => r.items.length === 1)).toBe(true);
  });

  it('records each export in the audit log with its format and row count', async () => {
    const audit = await admin.get<{ items: Array<{ action: string; diff: { format: string; rows: number } }> }>('/api/audit?action=orders.export');
    expect(audit.status).toBe(200);
    expect(audit.body.items.map((e) => [e.diff.format, e.diff.rows])).toEqual([
      ['json', 2],
      ['xlsx', 5],
    ]);
  });
});
