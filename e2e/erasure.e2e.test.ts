/**
 * Personal-data erasure in the browser: the admin opens the danger action on a customer page, reads what will
 * happen, types the id, confirms their password in the step-up prompt over the dialog, and the page then shows the
 * placeholder — in English and in Chinese.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/server/platform/http.js';
import { en } from '../src/web/i18n/en.js';
import { zhCN } from '../src/web/i18n/zh-CN.js';
import { launchChromium, newStillContext, recordTraffic, serveBuiltApp, signInPage } from './harness.js';
import { ADMIN_PASSWORD, Client, makeProduct, type TestDatabase } from '../test/helpers.js';

const SHOTS = process.env.ORDERLY_SHOTS ?? path.resolve('test-results');

describe('personal-data erasure in the browser', () => {
  let db: TestDatabase;
  let app: App;
  let browser: Browser;
  let baseUrl: string;
  let admin: Client;
  const customers: Record<string, string> = {};

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    ({ db, app, baseUrl } = await serveBuiltApp());
    admin = await new Client(app).login('admin', ADMIN_PASSWORD);
    const product = await makeProduct(admin, { stock: 20 });
    for (const [name, phone] of [
      ['Erin Example', '+44 20 7946 0958'],
      ['王小明', '+86 139 0000 7777'],
    ] as const) {
      const customer = await admin.post('/api/customers', { name, phone });
      expect(customer.status).toBe(201);
      customers[name] = customer.body.id;
      expect((await admin.post('/api/orders', { customerId: customer.body.id, items: [{ productId: product.id, quantity: 1 }] })).status).toBe(201);
    }
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.drop();
  });

  async function eraseThroughDialog(page: Page, id: string, language: 'en' | 'zh-CN') {
    const t = language === 'en' ? en : zhCN;
    await page.goto(`${baseUrl}/customers/${id}`);
    await page.locator('[data-testid=erase-customer]').click();
    const modal = page.locator('[data-testid=erase-customer-modal]');
    await modal.getByText(t.crm.customer.eraseWhat[1]).waitFor();
    expect(await page.locator('[data-testid=erase-customer-confirm]').isDisabled()).toBe(true);
    await page.locator('[data-testid=erase-customer-input]').fill(id);
    await page.screenshot({ path: path.join(SHOTS, `erasure-dialog-${language}.png`) });
    await page.locator('[data-testid=erase-customer-confirm]').click();
    // No step-up yet: the server says so and the prompt opens over the dialog; the erase is then sent again.
    await page.locator('[data-testid=step-up-password]').fill(ADMIN_PASSWORD);
    await page.screenshot({ path: path.join(SHOTS, `erasure-step-up-${language}.png`) });
    const erased = page.waitForResponse((r) => r.url().endsWith(`/api/customers/${id}/erase`) && r.status() === 200);
    await page.locator('[data-testid=step-up-confirm]').click();
    await erased;
    await modal.waitFor({ state: 'detached' });
    await page.getByRole('heading', { name: t.crm.customer.erasedName(id) }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, `erasure-done-${language}.png`) });
  }

  it('erases in English and in Chinese, each after the password prompt, and the page shows the placeholder', async () => {
    const context = await newStillContext(browser, { locale: 'en-US', viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    const traffic = recordTraffic(page);
    await signInPage(page, baseUrl, 'admin', ADMIN_PASSWORD);
    try {
      await eraseThroughDialog(page, customers['Erin Example'], 'en');
      expect(await page.locator('body').textContent()).not.toContain('7946');
      // The language switch is remembered for the user; a second session (a browser in Chinese) must step up again.
      await page.locator('[data-lang=zh-CN]').click();
      const zh = await newStillContext(browser, { locale: 'zh-CN', viewport: { width: 1366, height: 900 } });
      const zhPage = await zh.newPage();
      await signInPage(zhPage, baseUrl, 'admin', ADMIN_PASSWORD);
      await eraseThroughDialog(zhPage, customers['王小明'], 'zh-CN');
      expect(await zhPage.locator('body').textContent()).not.toContain('王小明');
      // Lists show the placeholder in the reader's language, not the stored English one.
      await zhPage.goto(`${baseUrl}/orders`);
      await zhPage.locator('[data-testid=orders-table] tbody tr.ant-table-row').filter({ hasText: zhCN.crm.customer.erasedName(customers['王小明']) }).waitFor();
      await zh.close();
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${traffic()}`, { cause: error });
    } finally {
      await context.close();
    }
    const check = await admin.get(`/api/customers/${customers['王小明']}`);
    expect(check.body).toMatchObject({ phone: null, name: `Erased customer #${customers['王小明']}` });
  });
});
