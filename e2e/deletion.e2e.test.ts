/**
 * Browser journey through safe deletion (issue 5): a shipped order in the selection blocks the batch and says
 * what to do instead; three orders (one confirmed) are deleted with a reason through the dialog, whose English
 * and Chinese versions are saved as screenshots under test-results/; they show up in the recycle bin; one is
 * restored and is back in the order list, with its stock reserved again. Runs the built web app (dist/web)
 * against an in-process server on a throw-away SQLite database.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/server/platform/http.js';
import { launchChromium, newStillContext, serveBuiltApp } from './harness.js';
import { ADMIN_PASSWORD, Client, makeCustomer, makeOrder, makeProduct, type TestDatabase } from '../test/helpers.js';

const SHOTS = path.resolve('test-results');

type Placed = { id: string; number: string; version: number };

describe('safe deletion in the browser', () => {
  let db: TestDatabase;
  let app: App;
  let admin: Client;
  let browser: Browser;
  let page: Page;
  let baseUrl: string;
  let productId: string;
  let sku: string;
  let draftA: Placed;
  let draftB: Placed;
  let confirmed: Placed;
  let shipped: Placed;

  const reservedStock = async () => ((await admin.get(`/api/products/${productId}`)).body as { stock: { reserved: number } }).stock.reserved;

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });

    ({ db, app, baseUrl } = await serveBuiltApp());

    admin = await new Client(app).login('admin', ADMIN_PASSWORD);
    const customer = await makeCustomer(admin, '宁波海景贸易');
    const product = await makeProduct(admin, { sku: 'DEL-E2E-1', price: '40.00', stock: 50 });
    productId = product.id;
    sku = product.sku;
    draftA = await makeOrder(admin, customer.id, [{ productId, quantity: 1 }]);
    draftB = await makeOrder(admin, customer.id, [{ productId, quantity: 2 }]);
    confirmed = await makeOrder(admin, customer.id, [{ productId, quantity: 3 }]);
    shipped = await makeOrder(admin, customer.id, [{ productId, quantity: 4 }]);
    expect((await admin.post(`/api/orders/${confirmed.id}/confirm`, {}, { 'if-match': String(confirmed.version) })).status).toBe(200);
    expect((await admin.post(`/api/orders/${shipped.id}/confirm`, {}, { 'if-match': String(shipped.version) })).status).toBe(200);
    expect((await admin.post(`/api/orders/${shipped.id}/ship`, {}, { 'if-match': String(shipped.version + 1) })).status).toBe(200);
    // Only the confirmed order holds stock now: the shipped one took its units out of the warehouse.
    expect(await reservedStock()).toBe(3);

    browser = await launchChromium();
    const context = await newStillContext(browser, { locale: 'en-US', viewport: { width: 1366, height: 1000 } });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.drop();
  });

  const orderRows = () => page.locator('[data-testid=orders-table] tbody tr.ant-table-row');
  const orderRow = (number: string) => orderRows().filter({ hasText: number });
  const dialog = () => page.locator('.ant-modal').filter({ has: page.locator('[data-testid=delete-dialog-body]') });
  const confirmButton = () => page.locator('[data-testid=confirm-delete]');

  async function selectOrders(orders: Placed[]): Promise<void> {
    for (const o of orders) await orderRow(o.number).locator('.ant-checkbox-input').check();
    await expect.poll(() => page.locator('[data-testid=delete-selected]').textContent()).toContain(`(${orders.length})`);
  }

  async function openDeleteDialog(): Promise<void> {
    await page.locator('[data-testid=delete-selected]').click();
    await dialog().locator('[data-testid=deletion-impact]').waitFor();
  }

  it('signs in and lists the four orders', async () => {
    await page.goto(`${baseUrl}/orders`);
    await page.waitForURL(/\/sign-in$/);
    await page.locator('#username').fill('admin');
    await page.locator('#password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/orders$/);
    await expect.poll(() => orderRows().count()).toBe(4);
  });

  it('shows a shipped order in the selection as blocked, with what to do instead, and disables confirm', async () => {
    await selectOrders([shipped, draftA]);
    await openDeleteDialog();

    const blocked = dialog().locator('[data-testid=deletion-blocked]');
    await blocked.waitFor();
    expect(await blocked.textContent()).toContain('Nothing will be deleted: 1 of 2 orders cannot be deleted');
    const blocker = blocked.locator('[data-blocker=shipped]');
    expect(await blocker.count()).toBe(1);
    expect(await blocker.textContent()).toContain('Record a return');
    expect(await blocked.locator('tbody tr.ant-table-row').first().textContent()).toContain(shipped.number);
    expect(await confirmButton().isDisabled()).toBe(true);

    // Taking the blocked order out previews the rest, which may go.
    await blocked.locator('[data-testid=deselect-blocked]').click();
    await expect.poll(() => dialog().locator('[data-testid=impact-count] .ant-statistic-content-value').textContent()).toBe('1');
    expect(await dialog().locator('[data-testid=deletion-blocked]').count()).toBe(0);
    await dialog().getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Clear selection' }).click();

    // Nothing was deleted: the shipped order is still listed and nothing moved.
    await expect.poll(() => orderRows().count()).toBe(4);
    expect(await reservedStock()).toBe(3);
  });

  it('deletes three orders (one confirmed) with a reason through the dialog, in English and in Chinese', async () => {
    await selectOrders([draftA, draftB, confirmed]);
    await openDeleteDialog();

    // The preview: three orders, the confirmed one's 3 units released and its receivable reversed, who is told.
    const impact = dialog().locator('[data-testid=deletion-impact]');
    expect(await impact.locator('[data-testid=impact-count] .ant-statistic-content-value').textContent()).toBe('3');
    expect(await impact.locator('[data-testid=impact-stock] tbody tr.ant-table-row').first().textContent()).toBe(`${sku}+3`);
    expect(await impact.locator('[data-testid=impact-finance] tbody tr.ant-table-row').first().textContent()).toBe(`${confirmed.number}-120.00`);
    expect(await impact.locator('[data-department]').evaluateAll((els) => els.map((e) => e.getAttribute('data-department')))).toEqual(['sales', 'warehouse', 'finance']);
    expect(await dialog().locator('[data-testid=deletion-help]').textContent()).toContain('restored for 30 days');

    // A reason is required; "Other" requires a note (the shared schema says so).
    await confirmButton().click();
    await expect.poll(() => dialog().locator('.ant-form-item-explain-error').first().textContent()).toBe('Choose a reason');
    await dialog().locator('[data-testid=deletion-reason]').click();
    await page.locator('.ant-select-item-option:visible', { hasText: 'Other' }).click();
    await confirmButton().click();
    await expect.poll(() => dialog().locator('.ant-form-item-explain-error').first().textContent()).toBe('Describe the reason when you choose Other');
    await page.waitForTimeout(300);
    await dialog().screenshot({ path: path.join(SHOTS, 'deletion-dialog-en.png') });

    // The same dialog in Chinese: close it, switch the language, open it again.
    await dialog().getByRole('button', { name: 'Cancel' }).click();
    await dialog().waitFor({ state: 'detached' });
    await page.locator('[data-lang=zh-CN]').click();
    await expect.poll(() => page.locator('[data-testid=delete-selected]').textContent()).toContain('删除');
    await openDeleteDialog();
    expect(await dialog().locator('[data-testid=delete-dialog-title]').textContent()).toBe('删除 3 个订单');
    expect(await dialog().locator('[data-testid=deletion-help]').textContent()).toContain('删除是软删除');
    await dialog().locator('[data-testid=deletion-reason]').click();
    await page.locator('.ant-select-item-option:visible', { hasText: '重复订单' }).click();
    await dialog().locator('[data-testid=deletion-note]').fill('客户重复下单');
    await page.waitForTimeout(300);
    await dialog().screenshot({ path: path.join(SHOTS, 'deletion-dialog-zh-CN.png') });

    await confirmButton().click();
    const done = page.locator('[data-testid=deletion-done]');
    await done.waitFor();
    expect(await done.locator('[data-testid=undo-deletion]').textContent()).toMatch(/^撤销（\d+ 秒）$/);
    await page.waitForTimeout(600); // let the notification finish sliding in
    await page.screenshot({ path: path.join(SHOTS, 'deletion-done-zh-CN.png') });

    // Gone from the list and from the API; the confirmed order's stock went back.
    await expect.poll(() => orderRows().count()).toBe(1);
    expect(await orderRows().first().textContent()).toContain(shipped.number);
    for (const o of [draftA, draftB, confirmed]) expect((await admin.get(`/api/orders/${o.id}`)).status).toBe(404);
    expect(await reservedStock()).toBe(0);
  });

  it('shows the three orders in the recycle bin with the reason, and restores one', async () => {
    await page.locator('.app-menu').getByText('回收站').click();
    await page.waitForURL(/\/recycle-bin/);
    const rows = page.locator('[data-testid=recycle-bin-table] tbody tr.ant-table-row');
    await expect.poll(() => rows.count()).toBe(3);
    const numbers = await rows.locator('.order-number').allTextContents();
    expect(numbers.filter((n) => n.startsWith('SO-')).sort()).toEqual([draftA.number, draftB.number, confirmed.number].sort());
    const confirmedRow = rows.filter({ hasText: confirmed.number });
    expect(await confirmedRow.locator('[data-reason=duplicate]').textContent()).toBe('重复订单客户重复下单');
    expect(await confirmedRow.locator('[data-testid=purge-countdown]').textContent()).toMatch(/^(29|30) 天后$/);

    await confirmedRow.locator('.ant-checkbox-input').check();
    await page.locator('[data-testid=restore-selected]').click();
    await page.locator('.ant-modal-confirm-btns .ant-btn-primary').click();
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.filter({ hasText: confirmed.number }).count()).toBe(0);

    // Back exactly as it was: confirmed, its 3 units reserved again.
    const restored = await admin.get(`/api/orders/${confirmed.id}`);
    expect(restored.status).toBe(200);
    expect(restored.body.status).toBe('confirmed');
    expect(await reservedStock()).toBe(3);
  });

  it('lists the restored order in the order list again', async () => {
    await page.locator('.app-menu').getByText('订单', { exact: true }).click();
    await page.waitForURL(/\/orders$/);
    await expect.poll(() => orderRows().count()).toBe(2);
    const listed = await orderRows().locator('.order-number').allTextContents();
    expect(listed.sort()).toEqual([confirmed.number, shipped.number].sort());
    expect(await orderRow(confirmed.number).locator('[data-status]').getAttribute('data-status')).toBe('confirmed');
  });
  it('lists a restore request with its orders, note and requester, and approving it brings the orders back', async () => {
    const filed = await admin.post('/api/restore-requests', { ids: [draftA.id, draftB.id], note: 'deleted by mistake' });
    expect(filed.status).toBe(201);
    const requestId = (filed.body as { id: string }).id;
    await page.goto(`${baseUrl}/restore-requests?status=pending`);
    const row = page.locator('[data-testid=restore-requests-table] tbody tr.ant-table-row').filter({ hasText: `#${requestId}` });
    await row.waitFor();
    expect((await row.locator('.order-number').allTextContents()).sort()).toEqual([draftA.number, draftB.number].sort());
    expect(await row.textContent()).toContain('deleted by mistake');
    expect(await row.locator('[data-request-status]').getAttribute('data-request-status')).toBe('pending');
    fs.mkdirSync(path.join(SHOTS, 'deletion'), { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'deletion', 'restore-requests.png') });

    await row.locator(`[data-testid=approve-${requestId}]`).click();
    await page.locator('[data-testid=confirm-decision]').click();
    await page.locator(`[data-testid=decision-${requestId}]`).or(page.locator('[data-testid=restore-requests-table] .ant-empty')).first().waitFor();
    await expect.poll(async () => (await admin.get(`/api/restore-requests/${requestId}`)).body.status).toBe('approved');
    expect((await admin.get(`/api/orders/${draftA.id}`)).status).toBe(200);
    expect((await admin.get(`/api/orders/${draftB.id}`)).status).toBe(200);
  });
});
