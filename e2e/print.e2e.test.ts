/**
 * Paper in the browser: the order page and a customer's statement print without the menu, header or buttons
 * (Chromium's own print, through the print style sheet), and their "PDF" buttons download the server's document
 * in the user's language. Page 1 of each is drawn to test-results/print/ for a person to look at.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/server/platform/http.js';
import { en } from '../src/web/i18n/en.js';
import { zhCN } from '../src/web/i18n/zh-CN.js';
import { launchChromium, newStillContext, recordTraffic, serveBuiltApp, signInPage } from './harness.js';
import { ADMIN_PASSWORD, Client, makeCustomer, makeProduct, type TestDatabase } from '../test/helpers.js';

const SHOTS = 'test-results/print';
const popplerPresent = spawnSync('pdftotext', ['-v']).error === undefined && spawnSync('pdftoppm', ['-v']).error === undefined;
if (!popplerPresent && process.env.CI === 'true') throw new Error('CI=true and poppler-utils (pdftoppm, pdftotext) are missing: apt-get install -y poppler-utils');

function pdfText(file: string): string {
  const result = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`pdftotext ${file}: ${result.stderr}`);
  return result.stdout;
}

function drawFirstPage(file: string): void {
  const result = spawnSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', file, file.replace(/\.pdf$/, '')]);
  if (result.status !== 0) throw new Error(`pdftoppm ${file}: ${String(result.stderr)}`);
}

describe.skipIf(!popplerPresent)('printing and PDF in the browser', () => {
  let db: TestDatabase;
  let app: App;
  let browser: Browser;
  let baseUrl: string;
  let page: Page;
  let traffic: () => string;
  let order: { id: string; number: string };
  let customer: { id: string; name: string };

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    ({ db, app, baseUrl } = await serveBuiltApp());
    const admin = await new Client(app).login('admin', ADMIN_PASSWORD);
    customer = await makeCustomer(admin, '上海明珠电子有限公司');
    const product = await makeProduct(admin, { price: '88.80', stock: 50, sku: 'PRINT-1' });
    const created = await admin.post('/api/orders', { customerId: customer.id, items: [{ productId: product.id, quantity: 5 }] });
    expect(created.status).toBe(201);
    order = created.body;
    expect((await admin.post(`/api/orders/${order.id}/confirm`)).status).toBe(200);
    expect((await admin.post(`/api/orders/${order.id}/payments`, { amount: '100.00' })).status).toBe(201);
    browser = await launchChromium();
    const context = await newStillContext(browser, { locale: 'zh-CN', viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    traffic = recordTraffic(page);
    await signInPage(page, baseUrl, 'admin', ADMIN_PASSWORD);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.drop();
  });

  /** Clicks the PDF button and keeps the download; the file's text must say `texts`. */
  async function download(testId: string, name: string, texts: string[]): Promise<void> {
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
    const target = path.join(SHOTS, name);
    await file.saveAs(target);
    const text = pdfText(target);
    for (const t of texts) expect(text, traffic()).toContain(t);
    drawFirstPage(target);
  }

  /** Chromium's print of the page as it stands: what the print style sheet leaves on paper. */
  async function print(name: string): Promise<string> {
    await page.emulateMedia({ media: 'print' });
    for (const hidden of ['.app-header', '.app-sider', '.page-crumbs']) expect(await page.locator(hidden).first().isVisible(), hidden).toBe(false);
    expect(await page.locator('.ant-btn:visible').count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, `${name}-print-media.png`), fullPage: true });
    const target = path.join(SHOTS, `${name}-print.pdf`);
    await page.pdf({ path: target, format: 'A4', printBackground: true });
    await page.emulateMedia({ media: 'screen' });
    drawFirstPage(target);
    return pdfText(target);
  }

  it('the order page prints as a confirmation and downloads the PDF in Chinese', async () => {
    await page.goto(`${baseUrl}/orders/${order.id}`);
    await page.getByTestId('order-lines').getByText('PRINT-1', { exact: true }).waitFor();
    await expect(page.getByTestId('order-print').textContent()).resolves.toContain(zhCN.common.print);
    await page.screenshot({ path: path.join(SHOTS, 'order-zh-screen.png') });
    await download('order-pdf', 'order-zh.pdf', [order.number, customer.name, '订单确认书', '444.00', '344.00']);
    const printed = await print('order-zh');
    for (const t of [order.number, customer.name, 'PRINT-1', '444.00']) expect(printed).toContain(t);
    // The workflow (lifecycle, stock and ledger effects, history) stays on screen; the menu never prints.
    expect(printed).not.toContain(zhCN.order.lifecycle);
    expect(printed).not.toContain(zhCN.nav.orderBook);
  });

  it("a customer's statement prints and downloads, in English too", async () => {
    await page.goto(`${baseUrl}/customers/${customer.id}`);
    await page.getByRole('tab', { name: zhCN.crm.customer.statement }).click();
    await page.getByTestId('customer-statement').getByText(order.number).first().waitFor();
    await download('statement-pdf', 'statement-zh.pdf', ['客户对账单', customer.name, order.number, '收款', '344.00']);
    const printed = await print('statement-zh');
    for (const t of [customer.name, order.number, '344.00']) expect(printed).toContain(t);

    // A user who has chosen no language gets the browser's, like the web app's first screen and the exports.
    const context = await newStillContext(browser, { locale: 'en-US', viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    traffic = recordTraffic(page);
    await signInPage(page, baseUrl, 'admin', ADMIN_PASSWORD);
    await page.goto(`${baseUrl}/customers/${customer.id}`);
    await page.getByRole('tab', { name: en.crm.customer.statement }).click();
    await expect(page.getByTestId('statement-print').textContent()).resolves.toContain(en.common.print);
    await page.screenshot({ path: path.join(SHOTS, 'statement-en-screen.png') });
    await download('statement-pdf', 'statement-en.pdf', ['Customer statement', customer.name, 'Payment', 'Balance after', '344.00']);
    await print('statement-en');
  });
});
