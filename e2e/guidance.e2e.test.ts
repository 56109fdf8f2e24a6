/**
 * Guidance and training in the browser (issue #15): a new sales rep, with deletionRequiresTraining on, gets the
 * welcome tour on first sign-in; trying to delete leads to the safe-deletion course; after passing its quiz the
 * deletion goes through; the tour, seen once, does not start again after signing out and in, on this browser or
 * another (the account keeps it), until the rep resets it from the help menu. Screenshots of a tour step, the
 * dashboard, the help centre, the course and the practice workspace, in English and Chinese, go to
 * test-results/guidance/.
 */
import fs from 'node:fs';
import { type Browser, type Page, type Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/server/platform/http.js';
import { en } from '../src/web/i18n/en.js';
import { zhCN } from '../src/web/i18n/zh-CN.js';
import { launchChromium, newStillContext, recordTraffic, serveBuiltApp, signInPage } from './harness.js';
import { ADMIN_PASSWORD, Client, makeCustomer, makeProduct, type TestDatabase } from '../test/helpers.js';

const RIGHT: Record<string, string> = { confirmed: 'release', shipped: 'instead', reason: 'other', bin: 'bin', restore: 'request' };

describe('guidance and training in the browser', () => {
  let db: TestDatabase;
  let app: App;
  let browser: Browser;
  let baseUrl: string;
  let traffic: () => string;
  let page: Page;
  let admin: Client;
  let draft: { id: string; number: string };

  const shot = (name: string) => page.screenshot({ path: `test-results/guidance/${name}.png`, fullPage: false });
  const isAccount = (r: Response) => new URL(r.url()).pathname === '/api/me' && r.request().method() === 'GET';
  /** What the first-sign-in check decided: started, seen (the account says so), off. */
  const autostart = (on: Page = page) => on.locator('[data-testid=welcome-tour-autostart]');
  /** A menu item by its exact label (one label may be part of another). */
  const menuItem = (label: string) => page.locator('.ant-dropdown-menu-item:visible').filter({ has: page.getByText(label, { exact: true }) });
  const signOut = async (label: string) => {
    // The deletion's "Undo" notification stays for its whole undo window, over the user menu.
    for (const close of await page.locator('.ant-notification-notice-close').all()) await close.click();
    await page.locator('.ant-notification-notice').first().waitFor({ state: 'detached' });
    await page.locator('.user-button').click();
    await menuItem(label).click();
    await page.waitForURL(/\/sign-in/).catch((error: Error) => {
      throw new Error(`${error.message}\n${page.url()}\n${traffic()}`);
    });
  };

  /** Opens the practice workspace from the help menu, shows its order list, and leaves it again. */
  const practiceShot = async (label: string, name: string) => {
    await page.goto(`${baseUrl}/orders`);
    await page.locator('[data-testid=help-menu]').click();
    await menuItem(label).click();
    // Opening seeds a fresh demo database: tens of seconds on a loaded machine.
    await page.locator('[data-testid=practice-banner]').waitFor({ timeout: 120_000 });
    await page.locator('[data-testid=orders-table] tbody tr.ant-table-row').first().waitFor();
    // The "you are in practice" message would sit over the header in the picture.
    await page.locator('.ant-message-notice').first().waitFor({ state: 'detached' });
    await shot(name);
    await page.locator('[data-testid=practice-banner] button').click();
    await page.locator('[data-testid=practice-banner]').waitFor({ state: 'detached' });
  };

  beforeAll(async () => {
    fs.mkdirSync('test-results/guidance', { recursive: true });
    ({ db, app, baseUrl } = await serveBuiltApp());
    admin = await new Client(app).login('admin', ADMIN_PASSWORD);
    expect((await admin.patch('/api/settings', { deletionRequiresTraining: true })).status).toBe(200);
    const rep = await admin.post('/api/users', { username: 'new_rep', password: 'new_rep-password-1', roles: ['sales_rep'] });
    expect(rep.status).toBe(201);
    const customer = await makeCustomer(admin, '上海明辉贸易有限公司');
    const product = await makeProduct(admin, { price: '120.00', stock: 100 });
    for (const quantity of [1, 2, 3]) {
      const order = await admin.post('/api/orders', { customerId: customer.id, items: [{ productId: product.id, quantity }], ownerId: rep.body.id });
      expect(order.status).toBe(201);
      if (quantity > 1) expect((await admin.post(`/api/orders/${order.body.id}/confirm`)).status).toBe(200);
      else draft = order.body;
    }
    browser = await launchChromium();
    const context = await newStillContext(browser, { locale: 'en-US', viewport: { width: 1366, height: 860 } });
    page = await context.newPage();
    traffic = recordTraffic(page);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.drop();
  });

  it('starts the welcome tour on first sign-in, pointing at the dashboard', async () => {
    await signInPage(page, baseUrl, 'new_rep', 'new_rep-password-1', { tour: true, stay: true });
    const tour = page.locator('.ant-tour:visible');
    await tour.waitFor();
    expect(await tour.locator('.ant-tour-title').textContent(), traffic()).toBe(en.guidance.tour.welcome[0].title);
    await page.locator('[data-testid=chart-status] .recharts-bar-rectangle').first().waitFor();
    await shot('tour-en');
    await tour.locator('.ant-tour-next-btn').click();
    await expect.poll(() => tour.locator('.ant-tour-title').textContent()).toBe(en.guidance.tour.welcome[1].title);
    await tour.locator('.ant-tour-close').click();
    await tour.waitFor({ state: 'hidden' });
    expect(await autostart().getAttribute('data-state')).toBe('started');
    await expect.poll(async () => (await new Client(app).login('new_rep', 'new_rep-password-1').then((c) => c.get('/api/me'))).body.toursSeen).toContain('welcome');
    await shot('dashboard-en');
  });

  it('sends a rep who has not passed to the course instead of deleting, and deletes after the quiz', async () => {
    await page.goto(`${baseUrl}/orders`);
    const row = page.locator('[data-testid=orders-table] tbody tr.ant-table-row', { hasText: draft.number });
    await row.locator('.ant-checkbox-input').check();
    await page.locator('[data-testid=delete-selected]').click();
    await page.waitForURL(/\/training\/safe-deletion\?gate=1$/);
    await page.locator('[data-testid=training-gate-notice]').waitFor();
    expect((await admin.get(`/api/orders/${draft.id}`)).body.status).toBe('draft');

    await shot('course-en');
    const quiz = page.locator('[data-testid=quiz]');
    for (const [question, option] of Object.entries(RIGHT)) await quiz.locator(`[data-question=${question}] input[value=${option}]`).check();
    await quiz.locator('button[type=submit]').click();
    await expect.poll(() => page.locator('[data-testid=quiz-result]').getAttribute('data-passed')).toBe('true');

    await page.goto(`${baseUrl}/orders`);
    await page.locator('[data-testid=orders-table] tbody tr.ant-table-row', { hasText: draft.number }).locator('.ant-checkbox-input').check();
    await page.locator('[data-testid=delete-selected]').click();
    const dialog = page.locator('.ant-modal').filter({ has: page.locator('[data-testid=delete-dialog-body]') });
    await dialog.locator('[data-testid=deletion-impact]').waitFor();
    await dialog.locator('[data-testid=deletion-reason]').click();
    await page.locator('.ant-select-item-option:visible', { hasText: en.deletion.reasons.entry_error }).click();
    await page.locator('[data-testid=confirm-delete]').click();
    await expect.poll(async () => (await admin.get(`/api/orders/${draft.id}`)).status).toBe(404);
  });

  it('does not start the tour again after signing out and in, on this browser or on another one', async () => {
    // From the dashboard, where signing in again returns to and where the tour would start.
    await page.goto(`${baseUrl}/`);
    await signOut(en.user.signOut);
    const account = page.waitForResponse(isAccount);
    await signInPage(page, baseUrl, 'new_rep', 'new_rep-password-1', { tour: true, stay: true });
    expect((await (await account).json()).toursSeen, traffic()).toContain('welcome');
    await expect.poll(() => autostart().getAttribute('data-state')).toBe('seen');
    expect(await page.locator('.ant-tour:visible').count()).toBe(0);

    // Another browser: nothing stored locally, the account alone says the tour was seen.
    const elsewhere = await (await newStillContext(browser, { locale: 'en-US', viewport: { width: 1366, height: 860 } })).newPage();
    await signInPage(elsewhere, baseUrl, 'new_rep', 'new_rep-password-1', { tour: true, stay: true });
    await expect.poll(() => autostart(elsewhere).getAttribute('data-state')).toBe('seen');
    expect(await elsewhere.locator('.ant-tour:visible').count()).toBe(0);
    await elsewhere.context().close();
  });

  it('shows the help centre with search, and every risky action has a named help button', async () => {
    await page.goto(`${baseUrl}/help`);
    await page.locator('[data-testid=help-guides]').waitFor();
    await shot('help-en');
    await page.getByRole('textbox', { name: en.guidance.help.search }).fill('recycle');
    await expect.poll(() => page.locator('[data-testid=help-guides] .ant-list-item a').first().textContent()).toBe('The recycle bin');
    await page.goto(`${baseUrl}/help/problems/training-required`);
    expect(await page.locator('[data-testid=help-article]').getAttribute('data-slug')).toBe('problems/training-required');
    await page.goto(`${baseUrl}/orders`);
    await page.locator('[data-testid=orders-table] tbody tr.ant-table-row').first().locator('.ant-checkbox-input').check();
    const help = page.getByRole('button', { name: en.guidance.risk.label(en.guidance.risk.delete.action) });
    await help.focus();
    await page.locator('.ant-popover:visible a[href="/help/deleting-safely"]').waitFor();
  });

  it('marks the practice workspace with a banner', async () => {
    await practiceShot(en.guidance.menu.practice, 'practice-en');
  }, 240_000);

  it('shows the same pages in Chinese', async () => {
    await page.locator('[data-lang=zh-CN]').click();
    await page.goto(`${baseUrl}/`);
    await page.locator('[data-testid=chart-status] .recharts-bar-rectangle').first().waitFor();
    await expect.poll(() => page.locator('.page-header h3').first().textContent()).toBe(zhCN.guidance.dashboard.title);
    await shot('dashboard-zh');
    await page.locator('[data-testid=help-menu]').click();
    await menuItem(zhCN.guidance.menu.welcomeTour).click();
    const tour = page.locator('.ant-tour:visible');
    await expect.poll(() => tour.locator('.ant-tour-title').textContent()).toBe(zhCN.guidance.tour.welcome[0].title);
    await shot('tour-zh');
    await tour.locator('.ant-tour-close').click();
    await page.goto(`${baseUrl}/help`);
    await page.locator('[data-testid=help-guides]').waitFor();
    await shot('help-zh');
    await page.goto(`${baseUrl}/training/safe-deletion`);
    await page.locator('[data-testid=quiz]').waitFor();
    expect(await page.locator('.page-header h3').first().textContent()).toBe('安全删除');
    await shot('course-zh');
    await practiceShot(zhCN.guidance.menu.practice, 'practice-zh');
  }, 240_000);

  it('starts the welcome tour again at the next sign-in after a reset from the help menu', async () => {
    await page.goto(`${baseUrl}/`);
    await page.locator('[data-testid=help-menu]').click();
    const reset = page.waitForResponse((r) => r.url().endsWith('/api/me/tours/welcome') && r.request().method() === 'DELETE');
    await menuItem(zhCN.guidance.menu.resetTours).click();
    expect((await reset).status(), traffic()).toBe(204);
    await page.locator('.ant-message', { hasText: zhCN.guidance.menu.toursReset }).waitFor();
    // Not now, mid-session: at the next sign-in.
    expect(await page.locator('.ant-tour:visible').count()).toBe(0);
    await signOut(zhCN.user.signOut);
    await signInPage(page, baseUrl, 'new_rep', 'new_rep-password-1', { tour: true, stay: true });
    const tour = page.locator('.ant-tour:visible');
    await expect.poll(() => tour.locator('.ant-tour-title').textContent()).toBe(zhCN.guidance.tour.welcome[0].title);
    expect(await autostart().getAttribute('data-state')).toBe('started');
    await tour.locator('.ant-tour-close').click();
  });

  it("draws the admin's dashboard and the finance revenue chart with the same chart library", async () => {
    const context = await newStillContext(browser, { locale: 'en-US', viewport: { width: 1366, height: 860 } });
    page = await context.newPage();
    await signInPage(page, baseUrl, 'admin', ADMIN_PASSWORD);
    // The admin's dashboard also shows the cleanup reviews and the data-quality findings.
    await page.goto(`${baseUrl}/`);
    await page.locator('[data-testid=tile-data-quality]').waitFor();
    await page.locator('[data-testid=chart-status] .recharts-bar-rectangle').first().waitFor();
    await page.screenshot({ path: 'test-results/guidance/dashboard-admin-en.png', fullPage: true });
    await page.goto(`${baseUrl}/finance`);
    await page.locator('[data-testid=revenue-chart] .recharts-bar-rectangle').first().waitFor();
    await shot('finance-revenue-en');
  });
});
