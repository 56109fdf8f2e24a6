/**
 * The admin-style list conventions in the browser at 1440×900 (issue 18): the status tabs of the order list show
 * the server's counts and filter the list; column settings and density are saved per user and survive a
 * reload; a column is resized from the keyboard; the total shows under the list, in English and Chinese.
 */
import fs from 'node:fs';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_STATUSES } from '../src/contracts/orders.js';
import type { App } from '../src/server/platform/http.js';
import { en } from '../src/web/i18n/en.js';
import { zhCN } from '../src/web/i18n/zh-CN.js';
import { launchChromium, newStillContext, recordTraffic, serveBuiltApp, signInPage } from './harness.js';
import { ADMIN_PASSWORD, Client, makeCustomer, makeOrder, makeProduct, type TestDatabase } from '../test/helpers.js';

const SHOTS = process.env.ORDERLY_SHOTS ?? '/work/shots/tables';
const STEPS: Record<string, string[]> = { draft: [], confirmed: ['confirm'], shipped: ['confirm', 'ship'], completed: ['confirm', 'ship', 'complete'], cancelled: ['cancel'] };

describe('order list tabs, column settings and density in the browser', () => {
  let db: TestDatabase;
  let app: App;
  let browser: Browser;
  let baseUrl: string;
  let traffic: () => string;
  let page: Page;
  let admin: Client;

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    ({ db, app, baseUrl } = await serveBuiltApp());
    admin = await new Client(app).login('admin', ADMIN_PASSWORD);
    const product = await makeProduct(admin, { stock: 500 });
    const customers = [await makeCustomer(admin, 'Harbour Supplies'), await makeCustomer(admin, '北京星辰贸易有限公司')];
    const plan = ['draft', 'draft', 'draft', 'confirmed', 'confirmed', 'shipped', 'completed', 'cancelled', 'draft', 'confirmed'];
    const made: string[] = [];
    for (const [i, status] of plan.entries()) {
      const order = await makeOrder(admin, customers[i % 2].id, [{ productId: product.id, quantity: i + 1 }]);
      for (const step of STEPS[status]) expect((await admin.post(`/api/orders/${order.id}/${step}`)).status).toBe(200);
      made.push(order.id);
    }
    // Two drafts go to the recycle bin, so it has something to show and count.
    const preview = await admin.post('/api/orders/delete-preview', { ids: [made[0], made[1]] });
    expect((await admin.post('/api/orders/delete', { ids: [made[0], made[1]], reason: { code: 'duplicate' }, previewToken: preview.body.previewToken })).status).toBe(200);

    browser = await launchChromium();
    const context = await newStillContext(browser, { locale: 'en-US', viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    traffic = recordTraffic(page);
    await signInPage(page, baseUrl, 'admin', ADMIN_PASSWORD);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.drop();
  });

  const tabCount = async (key: string) => Number((await page.locator(`.ant-tabs-tab[data-node-key="${key}"] .status-tab-count`).textContent())?.replace(/\D/g, ''));
  const headers = () => page.locator('[data-testid=orders-table] thead th').allTextContents();
  const savedSettings = () => page.waitForResponse((r) => r.url().includes('/api/me/table-settings/orders') && r.request().method() === 'PUT' && r.ok());

  it('status tabs show the server counts and filter the list; the total is under the list', async () => {
    const counts = (await admin.get('/api/orders/status-counts')).body;
    expect(counts).toEqual({ counts: { draft: 2, confirmed: 3, shipped: 1, completed: 1, cancelled: 1 }, total: 8 });
    await page.locator('[data-testid=status-tabs] .status-tab-count', { hasText: '8' }).waitFor();
    expect(await tabCount('all'), traffic()).toBe(8);
    for (const status of ORDER_STATUSES) expect(await tabCount(status)).toBe(counts.counts[status]);
    await page.locator('[data-testid=list-total]', { hasText: en.tables.total(8) }).waitFor();

    await page.locator('.ant-tabs-tab[data-node-key="confirmed"]').click();
    await page.waitForURL(/status=confirmed/);
    await page.locator('[data-testid=list-total]', { hasText: en.tables.total(3) }).waitFor();
    await page.locator('[data-testid=orders-table] tbody tr.ant-table-row').nth(2).waitFor();
    expect(await page.locator('[data-testid=orders-table] tbody tr.ant-table-row').count()).toBe(3);
    // The other tabs keep their counts while one is chosen.
    expect(await tabCount('draft')).toBe(2);
    await page.locator('.ant-tabs-tab[data-node-key="all"]').click();
    await page.locator('[data-testid=list-total]', { hasText: en.tables.total(8) }).waitFor();
  });

  it('column settings and density are saved on the server and survive a reload', async () => {
    await page.getByRole('button', { name: en.tables.columnSettings }).click();
    await page.locator('[data-testid=column-settings]').waitFor();
    let saved = savedSettings();
    await page.locator('[data-testid=column-toggle-customer]').click();
    await saved;
    saved = savedSettings();
    await page.getByRole('button', { name: en.tables.moveUp(en.orders.total) }).click();
    await saved;
    await page.screenshot({ path: `${SHOTS}/orders-column-settings-en.png` });
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: en.tables.density }).click();
    saved = savedSettings();
    await page.getByRole('menuitem', { name: en.tables.densities.small }).click();
    await saved;

    await page.reload();
    await page.locator('[data-testid=orders-table] tbody tr.ant-table-row').first().waitFor();
    const shown = (await headers()).map((h) => h.trim()).filter(Boolean);
    expect(shown, traffic()).not.toContain(en.orders.customer);
    expect(shown.indexOf(en.orders.total)).toBeLessThan(shown.indexOf(en.orders.owner));
    expect(await page.locator('.ant-table-small').count()).toBe(1);
    // The same layout is what another browser gets: it is stored for the user.
    const stored = (await admin.get('/api/me/table-settings/orders')).body;
    expect(stored.density).toBe('small');
    expect(stored.columns.find((c: { key: string }) => c.key === 'customer').visible).toBe(false);
  });

  it('a column is resized from the keyboard, and the width is kept', async () => {
    const handle = page.getByRole('separator', { name: en.tables.resizeColumn(en.orders.number) });
    await handle.focus();
    const saved = savedSettings();
    await page.keyboard.press('ArrowRight');
    await saved;
    const width = (await admin.get('/api/me/table-settings/orders')).body.columns.find((c: { key: string }) => c.key === 'number').width;
    expect(width).toBe(170 + 16);
    await page.reload();
    await expect.poll(() => page.getByRole('separator', { name: en.tables.resizeColumn(en.orders.number) }).getAttribute('aria-valuenow')).toBe(String(width));
  });

  it('in Chinese: tabs, total and column settings; the recycle bin with its total, in both languages', async () => {
    await page.locator('[data-lang=zh-CN]').click();
    await page.locator('[data-testid=list-total]', { hasText: zhCN.tables.total(8) }).waitFor();
    await page.locator('.ant-tabs-tab[data-node-key="all"]', { hasText: zhCN.tables.allStatuses }).waitFor();
    await page.getByRole('button', { name: zhCN.tables.columnSettings }).click();
    await page.locator('[data-testid=column-settings]', { hasText: zhCN.tables.columnsTitle }).waitFor();
    await page.screenshot({ path: `${SHOTS}/orders-column-settings-zh.png` });
    await page.keyboard.press('Escape');

    await page.goto(`${baseUrl}/recycle-bin`);
    await page.locator('[data-testid=list-total]', { hasText: zhCN.tables.total(2) }).waitFor();
    await page.screenshot({ path: `${SHOTS}/recycle-bin-zh.png` });
    await page.locator('[data-lang=en]').click();
    await page.locator('[data-testid=list-total]', { hasText: en.tables.total(2) }).waitFor();
    await page.screenshot({ path: `${SHOTS}/recycle-bin-en.png` });

    // The other lists of the same hook: their totals, and the same two controls.
    await page.goto(`${baseUrl}/customers`);
    await page.locator('.ant-pagination-total-text', { hasText: en.tables.total(2) }).waitFor();
    await page.getByRole('button', { name: en.tables.columnSettings }).waitFor();
    await page.screenshot({ path: `${SHOTS}/customers-en.png` });
    await page.goto(`${baseUrl}/stock`);
    await page.locator('[data-testid=list-total]', { hasText: en.tables.total(1) }).waitFor();
    await page.getByRole('button', { name: en.tables.density }).waitFor();
    await page.screenshot({ path: `${SHOTS}/stock-en.png` });
  });
});
