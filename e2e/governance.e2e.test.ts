/**
 * Browser journey through governance (issue 14): the settings page saves a policy and shows a refused value on
 * its field; a held order wears the legal-hold badge in the list, on its page and in the recycle bin (where its
 * countdown stops); a purge with two admins becomes a request — the password prompt of step-up opens inside the
 * purge dialog and the purge is retried — and the second admin approves it on the purge-requests page, again
 * after confirming their password. Screenshots in English and Chinese under test-results/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/server/platform/http.js';
import { launchChromium, newStillContext, recordTraffic, serveBuiltApp, signInPage } from './harness.js';
import { ADMIN_PASSWORD, Client, makeCustomer, makeOrder, makeProduct, type TestDatabase } from '../test/helpers.js';

const SHOTS = path.resolve('test-results');
const SECOND_PASSWORD = 'second-admin-password-1';

describe('governance in the browser', () => {
  let db: TestDatabase;
  let app: App;
  let admin: Client;
  let browser: Browser;
  let baseUrl: string;
  let held: { id: string; number: string };
  let heldDeleted: { id: string; number: string };
  let toPurge: { id: string; number: string };

  const deleteOrder = async (id: string) => expect((await admin.delete(`/api/orders/${id}`, { reason: { code: 'test_data' } })).status).toBe(200);

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    ({ db, app, baseUrl } = await serveBuiltApp());
    admin = await new Client(app).login('admin', ADMIN_PASSWORD);
    expect((await admin.post('/api/users', { username: 'admin2', password: SECOND_PASSWORD, displayName: '周管理', roles: ['admin'] })).status).toBe(201);
    const customer = await makeCustomer(admin, '杭州云栖贸易');
    const productId = (await makeProduct(admin, { sku: 'GOV-E2E-1', price: '120.00', stock: 50 })).id;
    held = await makeOrder(admin, customer.id, [{ productId, quantity: 2 }]);
    heldDeleted = await makeOrder(admin, customer.id, [{ productId, quantity: 1 }]);
    toPurge = await makeOrder(admin, customer.id, [{ productId, quantity: 3 }]);
    await makeOrder(admin, customer.id, [{ productId, quantity: 4 }]);
    expect((await admin.post(`/api/orders/${held.id}/hold`, { reason: 'Litigation 2026-17' })).status).toBe(200);
    await deleteOrder(heldDeleted.id);
    expect((await admin.post(`/api/orders/${heldDeleted.id}/hold`, { reason: 'Tax audit' })).status).toBe(200);
    await deleteOrder(toPurge.id);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.drop();
  });

  // antd puts a data-testid on the <input> itself or on its wrapper, depending on the control.
  const field = (page: Page, testId: string) => page.locator(`input[data-testid=${testId}], [data-testid=${testId}] input`).first();

  async function pageAs(locale: 'en-US' | 'zh-CN', username: string, password: string): Promise<Page> {
    const context = await newStillContext(browser, { locale, viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    await signInPage(page, baseUrl, username, password);
    return page;
  }

  it.each(['en-US', 'zh-CN'] as const)('settings page (%s): saves a policy, and a refused value is shown on its field', async (locale) => {
    const page = await pageAs(locale, 'admin', ADMIN_PASSWORD);
    await page.goto(`${baseUrl}/settings`);
    await field(page, 'retention-draft').fill(locale === 'en-US' ? '7' : '14');
    await field(page, 'approval-threshold').fill('5000.00');
    await page.locator('[data-testid=save-settings]').click();
    await expect.poll(async () => (await admin.get('/api/settings')).body.retention.draft).toBe(locale === 'en-US' ? 7 : 14);
    expect((await admin.get('/api/settings')).body.approvalThreshold).toBe('5000.00');
    // A value the shared schema refuses never leaves the page, and says why on the field.
    await field(page, 'retention-cancelled').fill('0');
    await page.locator('[data-testid=save-settings]').click();
    await page.locator('.ant-form-item-has-error').first().waitFor();
    await page.setViewportSize({ width: 1366, height: 1100 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SHOTS, `governance-settings-${locale}.png`) });
    expect((await admin.get('/api/settings')).body.retention.cancelled).toBe(30);
    await page.context().close();
  });

  it.each(['en-US', 'zh-CN'] as const)('the legal-hold badge (%s) in the list, on the order page and in the recycle bin, where the countdown stops', async (locale) => {
    const page = await pageAs(locale, 'admin', ADMIN_PASSWORD);
    const heldRow = page.locator('[data-testid=orders-table] tbody tr.ant-table-row').filter({ hasText: held.number });
    await heldRow.locator('[data-testid=legal-hold-badge]').waitFor();
    await page.screenshot({ path: path.join(SHOTS, `governance-hold-list-${locale}.png`) });

    await page.goto(`${baseUrl}/orders/${held.id}`);
    await page.locator('[data-testid=order-page] [data-testid=legal-hold-badge]').waitFor();
    await page.locator('[data-testid=release-hold]').waitFor();
    await page.locator('[data-testid=next-step] [data-responsible=sales]').waitFor();
    await page.screenshot({ path: path.join(SHOTS, `governance-hold-order-${locale}.png`) });

    await page.goto(`${baseUrl}/recycle-bin`);
    const binRow = page.locator('[data-testid=recycle-bin-table] tbody tr.ant-table-row').filter({ hasText: heldDeleted.number });
    await binRow.locator('[data-testid=legal-hold-badge]').waitFor();
    await binRow.locator('[data-testid=purge-countdown-stopped]').waitFor();
    await page.screenshot({ path: path.join(SHOTS, `governance-hold-bin-${locale}.png`) });
    await page.context().close();
  });

  it('four-eyes purge: the requester steps up inside the purge dialog and gets a request; the second admin steps up and approves it', async () => {
    const requester = await pageAs('en-US', 'admin', ADMIN_PASSWORD);
    const traffic = recordTraffic(requester);
    await requester.goto(`${baseUrl}/recycle-bin`);
    const row = requester.locator('[data-testid=recycle-bin-table] tbody tr.ant-table-row').filter({ hasText: toPurge.number });
    await row.locator('.ant-checkbox-input').check();
    await requester.locator('[data-testid=purge-selected]').click();
    await requester.locator('[data-testid=purge-type]').fill('PURGE');
    await requester.locator('[data-testid=confirm-purge]').click();
    // The server asks for the password; the prompt opens over the purge dialog.
    await requester.locator('[data-testid=step-up-password]').waitFor();
    await requester.screenshot({ path: path.join(SHOTS, 'governance-step-up-en-US.png') });
    await requester.locator('[data-testid=step-up-password]').fill('wrong-password');
    await requester.locator('[data-testid=step-up-confirm]').click();
    await requester.locator('[data-testid=step-up-dialog] .ant-form-item-explain-error').waitFor();
    await requester.locator('[data-testid=step-up-password]').fill(ADMIN_PASSWORD);
    await requester.locator('[data-testid=step-up-confirm]').click();
    await requester.locator('.ant-message-info').waitFor({ timeout: 30_000 }).catch(() => {
      throw new Error(`no purge-request message:\n${traffic()}`);
    });
    const pending = (await admin.get('/api/purge-requests?status=pending')).body.items;
    expect(pending).toHaveLength(1);
    expect(pending[0].orders[0].number).toBe(toPurge.number);
    await requester.goto(`${baseUrl}/purge-requests`);
    await requester.locator('[data-testid=own-request]').waitFor();
    await requester.context().close();

    for (const locale of ['zh-CN', 'en-US'] as const) {
      const approver = await pageAs(locale, 'admin2', SECOND_PASSWORD);
      await approver.goto(`${baseUrl}/purge-requests`);
      await approver.locator(`[data-testid=approve-purge-${pending[0].id}]`).waitFor();
      await approver.screenshot({ path: path.join(SHOTS, `governance-purge-requests-${locale}.png`) });
      if (locale === 'zh-CN') {
        await approver.context().close();
        continue;
      }
      await approver.locator(`[data-testid=approve-purge-${pending[0].id}]`).click();
      await approver.locator('[data-testid=confirm-purge-decision]').click();
      await approver.locator('[data-testid=step-up-password]').fill(SECOND_PASSWORD);
      await approver.locator('[data-testid=step-up-confirm]').click();
      await expect.poll(async () => (await admin.get(`/api/purge-requests/${pending[0].id}`)).body.status, { timeout: 30_000 }).toBe('approved');
      await approver.locator('[data-testid=purge-requests-table]').waitFor();
      await approver.locator('.ant-message-success').waitFor();
      await approver.screenshot({ path: path.join(SHOTS, 'governance-purge-approved-en-US.png') });
      await approver.context().close();
    }
    expect((await admin.get(`/api/recycle-bin?number=${toPurge.number}`)).body.items).toHaveLength(0);
  });
});
