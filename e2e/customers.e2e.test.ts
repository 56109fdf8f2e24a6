/**
 * Data minimisation in the browser: a sales rep's customer list shows the phone of their own customer and marks
 * another rep's customer as not theirs (in Chinese too), and the order form still offers that customer by name.
 */
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/server/platform/http.js';
import { en } from '../src/web/i18n/en.js';
import { zhCN } from '../src/web/i18n/zh-CN.js';
import { launchChromium, newStillContext, recordTraffic, serveBuiltApp, signInPage } from './harness.js';
import { ADMIN_PASSWORD, Client, makeProduct, type TestDatabase } from '../test/helpers.js';

describe('customer contact details for a sales rep in the browser', () => {
  let db: TestDatabase;
  let app: App;
  let browser: Browser;
  let baseUrl: string;
  let traffic: () => string;
  let page: Page;

  beforeAll(async () => {
    ({ db, app, baseUrl } = await serveBuiltApp());
    const admin = await new Client(app).login('admin', ADMIN_PASSWORD);
    const product = await makeProduct(admin, { stock: 20 });
    const ids: Record<string, string> = {};
    for (const username of ['own_rep', 'other_rep']) {
      const res = await admin.post('/api/users', { username, password: `${username}-password-1`, roles: ['sales_rep'] });
      expect(res.status).toBe(201);
      ids[username] = res.body.id;
    }
    for (const [name, phone, owner] of [
      ['Harbour Supplies', '+86 138 0000 1111', 'own_rep'],
      ['Lighthouse Traders', '+86 138 0000 2222', 'other_rep'],
    ] as const) {
      const customer = await admin.post('/api/customers', { name, phone });
      expect(customer.status).toBe(201);
      const order = await admin.post('/api/orders', { customerId: customer.body.id, items: [{ productId: product.id, quantity: 1 }], ownerId: ids[owner] });
      expect(order.status).toBe(201);
    }
    browser = await launchChromium();
    const context = await newStillContext(browser, { locale: 'en-US', viewport: { width: 1366, height: 900 } });
    page = await context.newPage();
    traffic = recordTraffic(page);
    await signInPage(page, baseUrl, 'own_rep', 'own_rep-password-1');
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.drop();
  });

  const rowOf = (name: string) => page.locator('tbody tr.ant-table-row', { hasText: name });

  it('lists the own customer with its phone and the other rep\'s customer as not theirs, in English and Chinese', async () => {
    await page.goto(`${baseUrl}/customers`);
    await rowOf('Harbour Supplies').getByText('+86 138 0000 1111').waitFor();
    await rowOf('Lighthouse Traders').getByText(en.customers.contactHidden).waitFor();
    expect(await rowOf('Lighthouse Traders').textContent(), traffic()).not.toContain('2222');
    await page.locator('[data-lang=zh-CN]').click();
    await rowOf('Lighthouse Traders').getByText(zhCN.customers.contactHidden).waitFor();
    await page.locator('[data-lang=en]').click();
  });

  it('offers the other rep\'s customer by name in the order form', async () => {
    await page.goto(`${baseUrl}/orders/new`);
    await page.locator('[data-testid=order-form]').waitFor();
    await page.locator('#customerId').click();
    await page.keyboard.type('Lighthouse');
    const option = page.locator('.ant-select-item-option:visible', { hasText: 'Lighthouse Traders' });
    await option.waitFor();
    await option.click();
    // Chosen: the closed select shows the name (antd 6 renders the value inside the select's content box).
    await expect.poll(() => page.locator('[data-testid=customer-select]').innerText(), { message: traffic() }).toBe('Lighthouse Traders');
    expect(await page.locator('.ant-select-dropdown:visible').count()).toBe(0);
  });
});
