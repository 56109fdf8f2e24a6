/**
 * Browser journey through notifications (issue 12): a sales rep's bell counts up without a reload when a
 * manager deletes their order, and the inbox and the webhook deliveries page are captured in Chinese and
 * English under /tmp/shots-notify/. The server runs its delivery worker here (jobs on), as in production.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/server/app.js';
import type { App } from '../src/server/platform/http.js';
import { ADMIN_PASSWORD, Client, createTestDatabase, makeCustomer, makeOrder, makeProduct, type TestDatabase } from '../test/helpers.js';
import { launchChromium, newStillContext, recordTraffic, signInPage, WEB_ROOT } from './harness.js';

const SHOTS = '/tmp/shots-notify';

describe('notifications in the browser', () => {
  let db: TestDatabase;
  let app: App;
  let baseUrl: string;
  let admin: Client;
  let manager: Client;
  let browser: Browser;
  let receiver: http.Server;
  let receiverUrl: string;
  let customerId: string;
  let productId: string;
  const REP_PASSWORD = 'rep1-password-1';

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    db = await createTestDatabase('sqlite');
    app = await buildApp({ ...db.config, webRoot: WEB_ROOT, jobs: true, webhookAllowPrivate: true, webhookTimeoutMs: 2000 }, db.ctx, { logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    // An ERP that is down: every delivery fails with 503 and is retried.
    receiver = http.createServer((_req, res) => res.writeHead(503).end('maintenance'));
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/erp`;

    admin = await new Client(app).login('admin', ADMIN_PASSWORD);
    expect((await admin.post('/api/users', { username: 'rep1', password: REP_PASSWORD, displayName: '李销售', roles: ['sales_rep'] })).status).toBe(201);
    expect((await admin.post('/api/users', { username: 'wang', password: 'wang-password-1', displayName: '王经理', roles: ['sales_manager'] })).status).toBe(201);
    manager = await new Client(app).login('wang', 'wang-password-1');
    expect((await admin.post('/api/webhooks', { url: receiverUrl, topics: ['order.deleted', 'order.confirmed'], description: 'ERP' })).status).toBe(201);
    customerId = (await makeCustomer(admin, '宁波海景贸易')).id;
    productId = (await makeProduct(admin, { stock: 100 })).id;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    receiver?.closeAllConnections();
    await new Promise((resolve) => receiver?.close(resolve));
    await db?.drop();
  });

  const repId = async () => ((await admin.get('/api/users')).body.items as Array<{ id: string; username: string }>).find((u) => u.username === 'rep1')!.id;

  async function deleteOrderOf(ownerId: string, reason = 'duplicate') {
    const order = await makeOrder(manager, customerId, [{ productId, quantity: 1 }], { ownerId });
    const preview = await manager.post('/api/orders/delete-preview', { ids: [order.id] });
    expect((await manager.post('/api/orders/delete', { ids: [order.id], reason: { code: reason }, previewToken: preview.body.previewToken })).status).toBe(200);
    return order;
  }

  async function pageIn(locale: 'zh-CN' | 'en-US'): Promise<{ page: Page; traffic: () => string }> {
    const context = await newStillContext(browser, { locale, viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    return { page, traffic: recordTraffic(page) };
  }

  it('the bell’s count rises without a reload when another user deletes an order', async () => {
    const ownerId = await repId();
    const { page, traffic } = await pageIn('zh-CN');
    await signInPage(page, baseUrl, 'rep1', REP_PASSWORD);
    const bell = page.getByTestId('notification-bell');
    await expect.poll(() => bell.getAttribute('data-unread'), { message: traffic() }).toBe('0');
    const url = page.url();

    await deleteOrderOf(ownerId);
    await expect.poll(() => bell.getAttribute('data-unread'), { message: traffic() }).toBe('1');
    await deleteOrderOf(ownerId, 'entry_error');
    await expect.poll(() => bell.getAttribute('data-unread'), { message: traffic() }).toBe('2');
    // Same page, no navigation happened.
    expect(page.url()).toBe(url);

    await bell.click();
    const drawer = page.getByTestId('notification-drawer');
    await expect.poll(() => drawer.getByTestId('notification-item').count()).toBe(2);
    expect(await drawer.textContent()).toContain('王经理删除了');
    await page.screenshot({ path: `${SHOTS}/bell-drawer-zh.png` });
    await page.context().close();
  });

  it('the inbox page in Chinese and English', async () => {
    for (const [locale, suffix, text] of [
      ['zh-CN', 'zh', '王经理删除了'],
      ['en-US', 'en', 'deleted by 王经理'],
    ] as const) {
      const { page, traffic } = await pageIn(locale);
      await signInPage(page, baseUrl, 'rep1', REP_PASSWORD);
      await page.goto(`${baseUrl}/notifications`);
      const list = page.getByTestId('notification-list');
      await expect
        .poll(() => list.getByTestId('notification-item').count())
        .toBeGreaterThanOrEqual(2)
        .catch(async (error) => {
          await page.screenshot({ path: `${SHOTS}/failed-inbox-${suffix}.png` });
          throw new Error(`${String(error)}\n${traffic()}`);
        });
      expect(await list.textContent()).toContain(text);
      await page.screenshot({ path: `${SHOTS}/inbox-${suffix}.png`, fullPage: true });
      await page.context().close();
    }
  });

  it('the webhook deliveries page shows failed deliveries with their response code, in Chinese and English, and redelivers', async () => {
    // The worker has tried the ERP by now: the deliveries failed with 503.
    const hookId = ((await admin.get('/api/webhooks')).body.items[0] as { id: string }).id;
    await expect.poll(async () => ((await admin.get(`/api/webhooks/${hookId}/deliveries`)).body.items as Array<{ lastStatusCode: number | null }>).filter((d) => d.lastStatusCode === 503).length).toBeGreaterThanOrEqual(2);
    for (const [locale, suffix, failed] of [
      ['zh-CN', 'zh', '重试中'],
      ['en-US', 'en', 'Retrying'],
    ] as const) {
      const { page, traffic } = await pageIn(locale);
      await signInPage(page, baseUrl, 'admin', ADMIN_PASSWORD);
      await page.goto(`${baseUrl}/webhooks`);
      await page.getByTestId(`deliveries-${hookId}`).click();
      const drawer = page.getByTestId('deliveries-drawer');
      await expect.poll(() => drawer.getByTestId('delivery-status').count(), { message: traffic() }).toBeGreaterThanOrEqual(2);
      expect(await drawer.textContent()).toContain(failed);
      expect(await drawer.textContent()).toContain('503');
      await page.screenshot({ path: `${SHOTS}/webhook-deliveries-${suffix}.png` });
      if (suffix === 'en') {
        const first = ((await admin.get(`/api/webhooks/${hookId}/deliveries`)).body.items as Array<{ id: string }>)[0];
        const request = page.waitForResponse((r) => r.url().endsWith(`/deliveries/${first.id}/redeliver`));
        await page.getByTestId(`redeliver-${first.id}`).click();
        expect((await request).status()).toBe(200);
      }
      await page.goto(`${baseUrl}/webhooks`);
      await page.screenshot({ path: `${SHOTS}/webhooks-${suffix}.png` });
      await page.context().close();
    }
  });
});
