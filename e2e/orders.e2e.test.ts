/**
 * Browser journey through the order book: sign in, filter the list by status with the UI controls, open an
 * order, read its lines, switch to Chinese. Runs the built web app (dist/web) against an in-process server
 * on a throw-away SQLite database; it builds nothing itself (`npm test` builds first).
 */
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/server/platform/http.js';
import { launchChromium, newStillContext, serveBuiltApp } from './harness.js';
import { ADMIN_PASSWORD, Client, makeCustomer, makeOrder, makeProduct, type TestDatabase } from '../test/helpers.js';


describe('order book in the browser', () => {
  let db: TestDatabase;
  let app: App;
  let browser: Browser;
  let page: Page;
  let baseUrl: string;
  let confirmed: { id: string; number: string };
  let draft: { id: string; number: string };
  let product: { sku: string; name: string };

  beforeAll(async () => {

    ({ db, app, baseUrl } = await serveBuiltApp());

    const admin = await new Client(app).login('admin', ADMIN_PASSWORD);
    const customer = await makeCustomer(admin, '杭州茶叶贸易');
    const created = await makeProduct(admin, { sku: 'TEA-E2E-1', price: '25.00', stock: 50 });
    product = { sku: created.sku, name: `Product ${created.sku}` };
    confirmed = await makeOrder(admin, customer.id, [{ productId: created.id, quantity: 3 }]);
    draft = await makeOrder(admin, customer.id, [{ productId: created.id, quantity: 1 }]);
    const confirm = await admin.post(`/api/orders/${confirmed.id}/confirm`);
    expect(confirm.status).toBe(200);

    browser = await launchChromium();
    // An English browser: the app picks its language from navigator.language until the user chooses.
    const context = await newStillContext(browser, { locale: 'en-US', viewport: { width: 1366, height: 900 } });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.drop();
  });

  const orderRows = () => page.locator('[data-testid=orders-table] tbody tr.ant-table-row');

  it('signs in and lists both orders', async () => {
    await page.goto(`${baseUrl}/orders`);
    // Not signed in yet: the app sends us to the sign-in page.
    await page.waitForURL(/\/sign-in$/);
    await page.locator('#username').fill('admin');
    await page.locator('#password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/orders$/);
    await expect.poll(() => orderRows().count()).toBe(2);
    const listed = await orderRows().locator('.order-number').allTextContents();
    expect(listed.sort()).toEqual([confirmed.number, draft.number].sort());
  });

  it('filters by status through the filter controls and keeps the filter in the URL', async () => {
    await page.locator('[data-testid=status-filter]').click();
    await page.locator('.ant-select-item-option:visible', { hasText: 'Confirmed' }).click();
    await page.keyboard.press('Escape');
    await page.locator('[data-testid=order-filters]').getByRole('button', { name: 'Search' }).click();

    await page.waitForURL(/[?&]status=confirmed(&|$)/);
    await expect.poll(() => orderRows().count()).toBe(1);
    await expect.poll(() => orderRows().first().locator('.order-number').textContent()).toBe(confirmed.number);
    expect(await orderRows().first().locator('[data-status]').getAttribute('data-status')).toBe('confirmed');

    // A reload keeps the filter: it lives in the query string, and the control shows it again.
    await page.reload();
    await expect.poll(() => orderRows().count()).toBe(1);
    const chosenStatuses = async () => (await page.locator('[data-testid=status-filter] .ant-select-selection-item').allTextContents()).filter((text) => !text.startsWith('+'));
    await expect.poll(chosenStatuses).toEqual(['Confirmed']);
  });

  it('opens the order from its row and shows its number and lines', async () => {
    // A click anywhere on the row (not only on the number link) opens the order.
    await orderRows().first().locator('td').nth(2).click();
    await page.waitForURL(new RegExp(`/orders/${confirmed.id}$`));
    await expect.poll(() => page.locator('[data-testid=order-number]').textContent()).toBe(confirmed.number);

    const lines = page.locator('[data-testid=order-lines] tbody tr.ant-table-row');
    await expect.poll(() => lines.count()).toBe(1);
    const cells = await lines.first().locator('td').allTextContents();
    expect(cells).toEqual(['1', product.sku, product.name, '3', '25.00', '75.00']);
    // Confirming reserved the stock: the order's own stock movement is on the page.
    await expect.poll(() => page.locator('[data-testid=order-effects] tbody tr.ant-table-row').first().textContent()).toContain(product.sku);
    // Confirmed orders can be shipped or cancelled, not confirmed again.
    expect(await page.locator('[data-testid^=action-]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')))).toEqual(['action-ship', 'action-cancel']);
  });

  it('switches every label to Chinese and remembers the choice', async () => {
    await page.locator('[data-lang=zh-CN]').click();
    await expect.poll(() => page.getByText('订单明细').count()).toBeGreaterThan(0);
    expect(await page.getByText('库存与财务').count()).toBe(1);
    expect(await page.locator('[data-status=confirmed]').first().textContent()).toBe('已确认');
    expect(await page.locator('[data-testid=action-ship]').textContent()).toContain('发货');

    await page.reload();
    await expect.poll(() => page.getByText('订单明细').count()).toBeGreaterThan(0);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
  });
});
