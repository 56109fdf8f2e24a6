/**
 * The customer page and the account page in the browser (issue 18): contact details, balance, the customer's
 * orders and statement in date order; editing and merging a duplicate; changing one's display name and
 * password. Screenshots at 1440×900 and 390×844 in both languages go to test-results/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/server/platform/http.js';
import { en } from '../src/web/i18n/en.js';
import { zhCN } from '../src/web/i18n/zh-CN.js';
import { launchChromium, newStillContext, recordTraffic, serveBuiltApp, signInPage } from './harness.js';
import { ADMIN_PASSWORD, Client, makeOrder, makeProduct, type TestDatabase } from '../test/helpers.js';

const SHOTS = path.resolve('test-results');

describe('customer page and account page in the browser', () => {
  let db: TestDatabase;
  let app: App;
  let browser: Browser;
  let baseUrl: string;
  let admin: Client;
  const ids = { keep: '', dupe: '' };
  const numbers: string[] = [];

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    ({ db, app, baseUrl } = await serveBuiltApp());
    admin = await new Client(app).login('admin', ADMIN_PASSWORD);
    const product = await makeProduct(admin, { price: '128.00', stock: 500 });
    ids.keep = (await admin.post('/api/customers', { name: '杭州云栖科技有限公司', phone: '+86 571 8888 6666', email: 'buy@yunqi.cn', note: '月结 30 天' })).body.id;
    ids.dupe = (await admin.post('/api/customers', { name: '杭州云栖科技 (重复)', phone: '+86 571 8888 6666' })).body.id;
    for (const [customerId, quantity] of [[ids.keep, 3], [ids.keep, 10], [ids.dupe, 2]] as const) {
      const order = await makeOrder(admin, customerId, [{ productId: product.id, quantity }]);
      numbers.push(order.number);
      expect((await admin.post(`/api/orders/${order.id}/confirm`)).status).toBe(200);
    }
    const list = (await admin.get(`/api/customers/${ids.keep}/orders`)).body.items as Array<{ id: string; number: string }>;
    expect((await admin.post(`/api/orders/${list.find((o) => o.number === numbers[0])!.id}/payments`, { amount: '200.00' })).status).toBe(201);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.drop();
  });

  async function openAs(viewport: { width: number; height: number }, language: 'en' | 'zh-CN'): Promise<{ page: Page; traffic: () => string }> {
    const context = await newStillContext(browser, { locale: language === 'en' ? 'en-US' : 'zh-CN', viewport });
    await context.addInitScript((lang) => localStorage.setItem('orderly.language', lang), language);
    const page = await context.newPage();
    const traffic = recordTraffic(page);
    await signInPage(page, baseUrl, 'admin', ADMIN_PASSWORD);
    return { page, traffic };
  }

  it('shows contact, balance, orders and a statement whose running balance ends at the balance (both languages, two sizes)', async () => {
    for (const [language, t] of [['en', en], ['zh-CN', zhCN]] as const) {
      for (const viewport of [{ width: 1440, height: 900 }, { width: 390, height: 844 }]) {
        const { page, traffic } = await openAs(viewport, language);
        await page.goto(`${baseUrl}/customers/${ids.keep}`);
        await page.getByText('buy@yunqi.cn').waitFor();
        // A table on a desktop, cards on a phone (src/web/components/cards/).
        const orders = page.locator(viewport.width < 768 ? '[data-testid=customer-order-cards] .card-list-item' : '[data-testid=customer-orders] tbody tr.ant-table-row');
        await expect.poll(() => orders.count(), { message: traffic() }).toBe(2);
        await page.screenshot({ path: path.join(SHOTS, `customer-page-${language}-${viewport.width}.png`), fullPage: true });

        await page.getByRole('tab', { name: t.crm.customer.statement }).click();
        const rows = page.locator('[data-testid=customer-statement] tbody tr.ant-table-row');
        await expect.poll(() => rows.count(), { message: traffic() }).toBe(3);
        // Last entry's running balance: 384.00 + 1,280.00 invoiced − 200.00 paid.
        expect(await rows.nth(2).locator('td').last().innerText()).toContain('1,464.00');
        expect(await rows.nth(2).innerText()).toContain(t.crm.customer.kinds.payment);
        await page.close();
      }
    }
  });

  it('edits the customer and merges the duplicate into it from the customer page', async () => {
    const { page, traffic } = await openAs({ width: 1440, height: 900 }, 'en');
    await page.goto(`${baseUrl}/customers/${ids.keep}`);
    await page.locator('[data-testid=edit-customer]').click();
    const name = page.locator('[data-testid=edit-customer-modal] input').first();
    // Over-long input is kept as typed, counted, and refused with a message rather than cut at the limit.
    await name.fill('长'.repeat(201));
    expect((await name.inputValue()).length).toBe(201);
    await page.locator('[data-testid=edit-customer-modal]').getByText('201 / 200').waitFor();
    await page.locator('[data-testid=edit-customer-modal] .ant-btn-primary').click();
    await page.locator('[data-testid=edit-customer-modal] .ant-form-item-explain-error').first().waitFor();
    await name.fill('杭州云栖科技股份有限公司');
    await page.locator('[data-testid=edit-customer-modal] .ant-btn-primary').click();
    await page.getByRole('heading', { name: '杭州云栖科技股份有限公司' }).waitFor();

    await page.goto(`${baseUrl}/customers/${ids.dupe}`);
    await page.locator('[data-testid=merge-customer]').click();
    await page.locator('#merge-into').click();
    await page.keyboard.type('股份');
    await page.locator('.ant-select-item-option:visible', { hasText: '杭州云栖科技股份有限公司' }).click();
    await page.locator('[data-testid=merge-customer-modal] .ant-btn-dangerous').click();
    await page.waitForURL(new RegExp(`/customers/${ids.keep}$`));
    const orders = page.locator('[data-testid=customer-orders] tbody tr.ant-table-row');
    await expect.poll(() => orders.count(), { message: traffic() }).toBe(3);
    expect((await admin.get(`/api/customers/${ids.dupe}`)).body).toMatchObject({ active: false, mergedIntoId: ids.keep });
    await page.close();
  });

  it('retention outside 1–3650 is refused with a message, not clamped; a deleted order’s link points to the recycle bin', async () => {
    const { page, traffic } = await openAs({ width: 1440, height: 900 }, 'zh-CN');
    await page.goto(`${baseUrl}/recycle-bin`);
    const days = page.locator('input[data-testid=retention-days], [data-testid=retention-days] input').first();
    await days.fill('5000');
    await days.blur();
    expect(await days.inputValue()).toBe('5000');
    await page.locator('[data-testid=retention-save]').click();
    await page.locator('[data-testid=retention-card]').getByText(zhCN.deletion.validation['at most 3650 days']).waitFor();
    expect((await admin.get('/api/settings/retention')).body.days).toBe(30);

    const doomed = await makeOrder(admin, ids.keep, [{ productId: (await makeProduct(admin)).id, quantity: 1 }]);
    expect((await admin.delete(`/api/orders/${doomed.id}`, { reason: { code: 'test_data' } })).status).toBe(200);
    await page.goto(`${baseUrl}/orders/${doomed.id}`);
    const notice = page.locator('[data-testid=order-in-recycle-bin]');
    await notice.getByText(zhCN.problems.byCode.in_recycle_bin).waitFor();
    await notice.getByRole('link').click();
    await page.waitForURL(/\/recycle-bin\?q=SO-/);
    await expect.poll(() => page.locator('tbody tr.ant-table-row').count(), { message: traffic() }).toBe(1);
    await page.close();
  });

  it('the account page changes the display name and the password; other sessions end', async () => {
    const other = await new Client(app).login('admin', ADMIN_PASSWORD);
    for (const [language, viewport] of [['zh-CN', { width: 1440, height: 900 }], ['zh-CN', { width: 390, height: 844 }], ['en', { width: 390, height: 844 }], ['en', { width: 1440, height: 900 }]] as const) {
      const { page } = await openAs(viewport, language);
      await page.goto(`${baseUrl}/account`);
      await page.locator('[data-testid=save-profile]').waitFor();
      await page.screenshot({ path: path.join(SHOTS, `account-page-${language}-${viewport.width}.png`), fullPage: true });
      await page.close();
    }
    const { page, traffic } = await openAs({ width: 1440, height: 900 }, 'zh-CN');
    await page.goto(`${baseUrl}/account`);
    await page.locator('#displayName').fill('系统管理员');
    await page.locator('[data-testid=save-profile]').click();
    await page.getByText(zhCN.crm.account.saved).waitFor();
    await expect.poll(() => page.locator('.user-name').innerText(), { message: traffic() }).toBe('系统管理员');

    await page.locator('#current').fill(ADMIN_PASSWORD);
    await page.locator('#next').fill('a-new-admin-pass-1');
    await page.locator('#repeat').fill('a-new-admin-pass-1');
    await page.locator('[data-testid=change-password]').click();
    await page.getByText(zhCN.crm.account.changed).waitFor();
    expect((await other.get('/api/auth/me')).status).toBe(401);
    expect((await page.request.get(`${baseUrl}/api/auth/me`)).status()).toBe(200);
    await page.close();
  });
});
