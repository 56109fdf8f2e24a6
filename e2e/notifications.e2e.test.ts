/**
 * Browser journey through notifications (issue 12): a sales rep's bell counts up without a reload when a
 * manager deletes their order, and the inbox and the webhook deliveries page are captured in Chinese and
 * English under test-results/notifications/. The server runs its delivery worker here (jobs on), as in production.
 */
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/server/app.js';
import type { App } from '../src/server/platform/http.js';
import { ADMIN_PASSWORD, Client, createTestDatabase, makeCustomer, makeOrder, makeProduct, type TestDatabase } from '../test/helpers.js';
import { MAX_ATTEMPTS } from '../src/server/modules/notifications/retry-schedule.js';
import { launchChromium, newStillContext, recordTraffic, signInPage, WEB_ROOT } from './harness.js';

const SHOTS = path.resolve('test-results/notifications');

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
  let erpUp = false;

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    db = await createTestDatabase('sqlite');
    app = await buildApp({ ...db.config, webRoot: WEB_ROOT, jobs: true, webhookAllowPrivate: true, webhookTimeoutMs: 2000 }, db.ctx, { logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    // An ERP that is down (every delivery fails with 503 and is retried) until the test brings it back.
    receiver = http.createServer((_req, res) => (erpUp ? res.writeHead(200).end('ok') : res.writeHead(503).end('maintenance')));
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

  it('the webhook deliveries page shows retrying and dead deliveries with their response code, in Chinese and English; a dead one is redelivered from the UI', async () => {
    // The worker has tried the ERP by now: the deliveries failed with 503.
    const hookId = ((await admin.get('/api/webhooks')).body.items[0] as { id: string }).id;
    const deliveries = async () => (await admin.get(`/api/webhooks/${hookId}/deliveries`)).body.items as Array<{ id: string; status: string; lastStatusCode: number | null }>;
    await expect.poll(async () => (await deliveries()).filter((d) => d.lastStatusCode === 503).length).toBeGreaterThanOrEqual(2);
    // The oldest one as it stands after its last failed attempt, 38 h later (webhooks.test.ts walks it there on a
    // clock of its own; this journey is about what the page shows and does with it).
    const oldest = (await deliveries()).at(-1)!;
    await db.ctx.kysely.updateTable('webhook_deliveries').set({ status: 'dead', attempts: MAX_ATTEMPTS, next_attempt_at: null }).where('id', '=', Number(oldest.id)).execute();
    for (const [locale, suffix, failed, dead] of [
      ['zh-CN', 'zh', '重试中', '已放弃'],
      ['en-US', 'en', 'Retrying', 'Gave up'],
    ] as const) {
      const { page, traffic } = await pageIn(locale);
      await signInPage(page, baseUrl, 'admin', ADMIN_PASSWORD);
      await page.goto(`${baseUrl}/webhooks`);
      await page.getByTestId(`deliveries-${hookId}`).click();
      const drawer = page.getByTestId('deliveries-drawer');
      await expect.poll(() => drawer.getByTestId('delivery-status').count(), { message: traffic() }).toBeGreaterThanOrEqual(2);
      await expect.poll(() => drawer.textContent()).toContain(dead);
      expect(await drawer.textContent()).toContain(failed);
      expect(await drawer.textContent()).toContain('503');
      await page.screenshot({ path: `${SHOTS}/webhook-deliveries-${suffix}.png` });
      if (suffix === 'en') {
        // The ERP is back: the admin sends the dead delivery again and watches it arrive.
        erpUp = true;
        const request = page.waitForResponse((r) => r.url().endsWith(`/deliveries/${oldest.id}/redeliver`));
        await page.getByTestId(`redeliver-${oldest.id}`).click();
        expect((await request).status()).toBe(200);
        await expect.poll(async () => (await deliveries()).find((d) => d.id === oldest.id), { message: traffic() }).toMatchObject({ status: 'delivered', lastStatusCode: 200 });
        await page.goto(`${baseUrl}/webhooks`);
        await page.getByTestId(`deliveries-${hookId}`).click();
        await expect.poll(() => page.getByTestId('deliveries-drawer').textContent(), { message: traffic() }).toContain('Delivered');
        await page.screenshot({ path: `${SHOTS}/webhook-redelivered-en.png` });
      }
      await page.goto(`${baseUrl}/webhooks`);
      await page.screenshot({ path: `${SHOTS}/webhooks-${suffix}.png` });
      await page.context().close();
    }
  });
});
