/**
 * Saved views and the global search box (issue 18), in a real browser in both languages: a filter saved as a
 * view survives a reload and, applied to an unfiltered list, lists what it filters; "/" focuses the header's
 * search, an order number typed there and Enter open that order. Screenshots of the open Views menu and of the
 * search results go to /work/shots/views (or ORDERLY_SHOTS_DIR).
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/server/platform/http.js';
import { launchChromium, newStillContext, recordTraffic, serveBuiltApp, signInPage } from './harness.js';
import { ADMIN_PASSWORD, Client, makeCustomer, makeOrder, makeProduct, type TestDatabase } from '../test/helpers.js';

const SHOTS = path.resolve(process.env.ORDERLY_SHOTS_DIR ?? 'test-results/views');

describe('saved views and global search', () => {
  let db: TestDatabase;
  let app: App;
  let browser: Browser;
  let baseUrl: string;
  let cancelledNumber: string;
  let draftNumbers: string[];
  let findMe: { id: string; number: string };

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    ({ db, app, baseUrl } = await serveBuiltApp());
    const admin = await new Client(app).login('admin', ADMIN_PASSWORD);
    const customer = await makeCustomer(admin, '上海浦东贸易有限公司');
    const other = await makeCustomer(admin, 'Northwind Traders');
    const product = await makeProduct(admin, { sku: 'VIEWS-E2E-1', price: '25.00', stock: 500 });
    const drafts = [await makeOrder(admin, customer.id, [{ productId: product.id, quantity: 1 }]), await makeOrder(admin, other.id, [{ productId: product.id, quantity: 2 }])];
    draftNumbers = drafts.map((o) => o.number);
    const cancelled = await makeOrder(admin, customer.id, [{ productId: product.id, quantity: 3 }]);
    expect((await admin.post(`/api/orders/${cancelled.id}/cancel`, {}, { 'if-match': String(cancelled.version) })).status).toBe(200);
    cancelledNumber = cancelled.number;
    findMe = drafts[1];
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.drop();
  });

  async function openAs(locale: 'zh-CN' | 'en-US'): Promise<{ page: Page; traffic: () => string }> {
    const context = await newStillContext(browser, { locale, viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const traffic = recordTraffic(page);
    await signInPage(page, baseUrl, 'admin', ADMIN_PASSWORD);
    return { page, traffic };
  }

  const rowNumbers = (page: Page) => page.locator('[data-testid=orders-table] tbody tr.ant-table-row .order-number').allTextContents();

  for (const locale of ['zh-CN', 'en-US'] as const) {
    const lang = locale === 'zh-CN' ? 'zh' : 'en';
    const viewName = lang === 'zh' ? '已取消的订单' : 'Cancelled orders';

    it(`saves the current filters as a view, and after a reload applying it lists what it filters (${locale})`, async () => {
      const { page, traffic } = await openAs(locale);
      await page.goto(`${baseUrl}/orders?status=cancelled`);
      await page.locator('[data-testid=orders-table] tbody tr.ant-table-row').first().waitFor();
      expect(await rowNumbers(page)).toEqual([cancelledNumber]);

      await page.getByTestId('saved-views-button').click();
      await page.locator('.ant-dropdown-menu-item').filter({ hasText: lang === 'zh' ? '将当前筛选保存为视图' : 'Save current filters as a view' }).click();
      await page.getByTestId('saved-view-name').fill(viewName);
      expect(await page.getByTestId('saved-view-filters').textContent()).toContain(lang === 'zh' ? '已取消' : 'Cancelled');
      const saved = page.waitForResponse((r) => r.url().endsWith('/api/saved-views') && r.request().method() === 'POST');
      await page.getByTestId('saved-view-submit').click();
      expect((await saved).status(), traffic()).toBe(201);

      // Reload an unfiltered list: every order is there, then the view narrows it.
      await page.goto(`${baseUrl}/orders`);
      await page.locator('[data-testid=orders-table] tbody tr.ant-table-row').nth(2).waitFor();
      expect((await rowNumbers(page)).sort()).toEqual([...draftNumbers, cancelledNumber].sort());
      await page.getByTestId('saved-views-button').click();
      const item = page.getByTestId('saved-view-item').filter({ hasText: viewName });
      await item.waitFor();
      await page.screenshot({ path: path.join(SHOTS, `views-menu-${lang}.png`) });
      const listed = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/orders' && new URL(r.url()).searchParams.get('status') === 'cancelled');
      await item.click();
      expect((await listed).status()).toBe(200);
      await page.waitForURL((url) => url.searchParams.get('status') === 'cancelled');
      await page.locator('[data-testid=orders-table] tbody tr.ant-table-row').nth(1).waitFor({ state: 'detached' });
      expect(await rowNumbers(page)).toEqual([cancelledNumber]);
      expect(await page.getByTestId('saved-views-button').textContent()).toContain(viewName);

      // Rename it, then delete it, from "Rename or delete…".
      const renamed = `${viewName} 2`;
      await page.getByTestId('saved-views-button').click();
      await page.locator('.ant-dropdown-menu-item').filter({ hasText: lang === 'zh' ? '重命名或删除' : 'Rename or delete' }).click();
      const manage = page.getByTestId('saved-views-manage');
      await manage.locator('.ant-list-item').filter({ hasText: viewName }).getByRole('button', { name: lang === 'zh' ? '编辑' : 'Edit' }).click();
      await page.getByTestId('saved-view-name').fill(renamed);
      const patched = page.waitForResponse((r) => r.url().includes('/api/saved-views/') && r.request().method() === 'PATCH');
      await page.getByTestId('saved-view-submit').click();
      expect((await patched).status(), traffic()).toBe(200);
      const row = manage.locator('.ant-list-item').filter({ hasText: renamed });
      await row.waitFor();
      await page.screenshot({ path: path.join(SHOTS, `views-manage-${lang}.png`) });
      await row.getByRole('button', { name: `${lang === 'zh' ? '删除' : 'Delete'} ${renamed}` }).click();
      const deleted = page.waitForResponse((r) => r.url().includes('/api/saved-views/') && r.request().method() === 'DELETE');
      await page.locator('.ant-popconfirm .ant-btn-dangerous').click();
      expect((await deleted).status(), traffic()).toBe(204);
      await row.waitFor({ state: 'detached' });
      await page.context().close();
    });

    it(`"/" focuses the global search; an order number and Enter open that order (${locale})`, async () => {
      const { page, traffic } = await openAs(locale);
      await page.locator('[data-testid=orders-table] tbody tr.ant-table-row').first().waitFor();
      await page.locator('body').press('/');
      const box = page.getByTestId('global-search');
      expect(await box.evaluate((el) => el === document.activeElement)).toBe(true);
      await page.keyboard.type(findMe.number);
      await page.getByTestId('global-search-order').filter({ hasText: findMe.number }).waitFor();
      expect(await page.getByTestId('global-search-results').textContent(), traffic()).toContain(lang === 'zh' ? '订单' : 'Orders');
      await page.screenshot({ path: path.join(SHOTS, `global-search-${lang}.png`) });
      await page.keyboard.press('Enter');
      await page.waitForURL((url) => url.pathname === `/orders/${findMe.id}`);
      await page.getByText(findMe.number).first().waitFor();

      // Ctrl+K from anywhere, a customer name: grouped under customers; Esc closes the results.
      await page.keyboard.press('Control+k');
      expect(await box.evaluate((el) => el === document.activeElement)).toBe(true);
      await page.keyboard.type('Northwind');
      await page.getByTestId('global-search-customer').filter({ hasText: 'Northwind Traders' }).waitFor();
      await page.keyboard.press('Escape');
      await page.getByTestId('global-search-results').waitFor({ state: 'hidden' });
      await page.context().close();
    });
  }
});
