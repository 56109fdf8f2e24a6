/**
 * Browser journey through periodic cleanup (issue 13): an admin creates a rule, runs it, excludes one candidate
 * and approves; the review page and the data-quality page are captured in Chinese and English under
 * test-results/cleanup/.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/server/app.js';
import type { App } from '../src/server/platform/http.js';
import { ADMIN_PASSWORD, Client, createTestDatabase, makeCustomer, makeOrder, makeProduct, type TestDatabase } from '../test/helpers.js';
import { launchChromium, newStillContext, recordTraffic, signInPage, WEB_ROOT } from './harness.js';

const SHOTS = 'test-results/cleanup';
const DAY = 86_400_000;

describe('cleanup in the browser', () => {
  let db: TestDatabase;
  let app: App;
  let baseUrl: string;
  let admin: Client;
  let browser: Browser;
  const stale: Array<{ id: string; number: string }> = [];

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    db = await createTestDatabase('sqlite');
    app = await buildApp({ ...db.config, webRoot: WEB_ROOT }, db.ctx, { logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    admin = await new Client(app).login('admin', ADMIN_PASSWORD);
    const product = await makeProduct(admin, { stock: 500, price: '88.00' });
    for (const [i, name] of ['宁波海景贸易', 'Harbour Lights Ltd', '杭州青山文具', 'Northwind Supplies'].entries()) {
      const customer = await makeCustomer(admin, name);
      stale.push(await makeOrder(admin, customer.id, [{ productId: product.id, quantity: i + 1 }]));
    }
    // Nobody touched these drafts for six weeks; one customer's order was also entered twice.
    await db.ctx.kysely.updateTable('orders').set({ updated_at: new Date(Date.now() - 42 * DAY).toISOString(), created_at: new Date(Date.now() - 42 * DAY).toISOString() }).where('id', 'in', stale.map((o) => Number(o.id))).execute();
    const twice = await makeCustomer(admin, '上海东方百货');
    await makeOrder(admin, twice.id, [{ productId: product.id, quantity: 7 }]);
    await makeOrder(admin, twice.id, [{ productId: product.id, quantity: 7 }]);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.drop();
  });

  async function pageIn(locale: 'zh-CN' | 'en-US'): Promise<{ page: Page; traffic: () => string }> {
    const context = await newStillContext(browser, { locale, viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    const traffic = recordTraffic(page);
    await signInPage(page, baseUrl, 'admin', ADMIN_PASSWORD);
    return { page, traffic };
  }

  it('creates a rule, runs it, excludes one order and approves the rest (zh-CN)', async () => {
    const { page, traffic } = await pageIn('zh-CN');
    try {
      await page.goto(`${baseUrl}/cleanup/rules`);
      await page.getByTestId('new-rule').click();
      await page.getByTestId('rule-name').fill('六周未动的草稿');
      await page.getByTestId('preview-rule').click();
      await expect.poll(() => page.getByTestId('preview-count').textContent()).toContain('4');
      await page.getByTestId('save-rule').click();
      await page.getByText('六周未动的草稿').waitFor();
      await page.screenshot({ path: `${SHOTS}/rules-zh.png` });

      const ruleId = ((await admin.get('/api/cleanup/rules')).body.items as Array<{ id: string }>)[0].id;
      await page.getByTestId(`run-rule-${ruleId}`).click();
      await page.waitForURL(/\/cleanup\/reviews\/\d+$/);
      const excluded = stale[1];
      await page.getByTestId(`exclude-${excluded.number}`).check();
      await page.getByText('清理日期').first().waitFor();
      await page.screenshot({ path: `${SHOTS}/review-zh.png`, fullPage: true });

      const approved = page.waitForResponse((r) => /\/api\/cleanup\/reviews\/\d+\/approve$/.test(r.url()));
      await page.getByTestId('approve-review').click();
      await page.getByTestId('confirm-approve').click();
      const response = await approved;
      expect(response.status()).toBe(200);
      const body = (await response.json()) as { deleted: Array<{ id: string }>; excluded: Array<{ id: string }>; batchId: string };
      expect(body.excluded.map((e) => e.id)).toEqual([excluded.id]);
      expect(body.deleted.map((d) => d.id).sort()).toEqual(stale.filter((o) => o.id !== excluded.id).map((o) => o.id).sort());
      await page.getByTestId('approve-result').waitFor();
      await page.screenshot({ path: `${SHOTS}/review-approved-zh.png`, fullPage: true });
      expect((await admin.get(`/api/orders/${excluded.id}`)).status).toBe(200);
      const bin = (await admin.get(`/api/recycle-bin?batchId=${body.batchId}`)).body.items as Array<{ reason: { code: string } }>;
      expect(bin.map((i) => i.reason.code)).toEqual(['cleanup', 'cleanup', 'cleanup']);
    } catch (error) {
      throw new Error(`${String(error)}\n${traffic()}`, { cause: error });
    }
  });

  it('shows an open review in English and the data-quality page in both languages', async () => {
    // A fresh review of the excluded draft, for the English review page.
    const rule = (await admin.post('/api/cleanup/rules', { name: 'Stale drafts', match: { status: ['draft'], untouchedDays: 30 }, schedule: '0 9 1 * *', enabled: true })).body as { id: string };
    const review = (await admin.post(`/api/cleanup/rules/${rule.id}/run`)).body as { id: string };
    const { page, traffic } = await pageIn('en-US');
    try {
      await page.goto(`${baseUrl}/cleanup/reviews/${review.id}`);
      await page.getByText('Cleanup date').first().waitFor();
      await page.screenshot({ path: `${SHOTS}/review-en.png`, fullPage: true });
      await page.goto(`${baseUrl}/cleanup`);
      await page.getByTestId(`review-link-${review.id}`).waitFor();
      await page.screenshot({ path: `${SHOTS}/reviews-en.png` });

      await page.goto(`${baseUrl}/data-quality`);
      const ran = page.waitForResponse((r) => r.url().endsWith('/api/data-quality/runs'));
      await page.getByTestId('run-data-quality').click();
      expect((await ran).status()).toBe(201);
      await page.getByTestId('check-duplicate_orders').getByText('Cancel this duplicate').waitFor();
      await page.screenshot({ path: `${SHOTS}/data-quality-en.png`, fullPage: true });
    } catch (error) {
      throw new Error(`${String(error)}\n${traffic()}`, { cause: error });
    }
    const zh = await pageIn('zh-CN');
    await zh.page.goto(`${baseUrl}/data-quality`);
    await zh.page.getByTestId('run-data-quality').click();
    await zh.page.getByTestId('check-duplicate_orders').getByText('取消这张重复订单').waitFor();
    await zh.page.screenshot({ path: `${SHOTS}/data-quality-zh.png`, fullPage: true });
  });
});
