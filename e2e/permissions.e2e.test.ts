/**
 * Roles in the browser: a warehouse user is offered no order creation or deletion and no administration;
 * an admin composes a custom role in the roles grid, gives it to a user in the users page, and the change
 * reaches that user's next page load without a restart — both ways.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/server/app.js';
import type { App } from '../src/server/platform/http.js';
import { ADMIN_PASSWORD, Client, createTestDatabase, makeCustomer, makeOrder, makeProduct, type TestDatabase } from '../test/helpers.js';

const WEB_ROOT = path.resolve('dist/web');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = path.resolve('test-results');

describe('roles and permissions in the browser', () => {
  let db: TestDatabase;
  let app: App;
  let browser: Browser;
  let baseUrl: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    if (!fs.existsSync(path.join(WEB_ROOT, 'index.html'))) throw new Error(`${WEB_ROOT}/index.html is missing: build the web app first (npx vite build).`);
    fs.mkdirSync(SHOTS, { recursive: true });
    db = await createTestDatabase('sqlite');
    app = await buildApp({ ...db.config, webRoot: WEB_ROOT }, db.ctx, { logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('server did not report a port');
    baseUrl = `http://127.0.0.1:${address.port}`;
    const admin = await new Client(app).login('admin', ADMIN_PASSWORD);
    const customer = await makeCustomer(admin, 'Harbour Supplies');
    const product = await makeProduct(admin, { stock: 20 });
    await makeOrder(admin, customer.id, [{ productId: product.id, quantity: 1 }]);
    for (const [username, roles] of [['store_keeper', ['warehouse']], ['clerk', ['auditor']]] as const) {
      const res = await admin.post('/api/users', { username, password: `${username}-password-1`, roles });
      expect(res.status).toBe(201);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.drop();
  });

  async function signIn(username: string, password: string): Promise<Page> {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${baseUrl}/sign-in`);
    await page.locator('#username').fill(username);
    await page.locator('#password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/orders$/);
    await page.locator('[data-testid=orders-table] tbody tr.ant-table-row').first().waitFor();
    return page;
  }

  it('a warehouse user sees orders but no create, no delete and no administration', async () => {
    const page = await signIn('store_keeper', 'store_keeper-password-1');
    await page.locator('[data-testid=orders-table] tbody tr.ant-table-row .ant-checkbox-input').first().check().catch(() => undefined);
    expect(await page.locator('[data-testid=new-order]').count()).toBe(0);
    expect(await page.locator('[data-testid=delete-selected]').count()).toBe(0);
    expect(await page.getByRole('button', { name: /delete/i }).count()).toBe(0);
    expect(await page.getByRole('menuitem', { name: 'Users' }).count()).toBe(0);
    expect(await page.getByText('Administration', { exact: true }).count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'permissions-warehouse-orders.png') });
  });

  it('a custom role built in the roles grid takes effect for its user at once, and so does taking a permission away', async () => {
    const admin = await signIn('admin', ADMIN_PASSWORD);
    await admin.goto(`${baseUrl}/roles`);
    await admin.locator('[data-testid=new-role]').click();
    const modal = admin.locator('[data-testid=role-modal]');
    await modal.locator('#name').fill('order_clerk');
    await modal.locator('#description').fill('Enters orders for the team');
    await admin.getByRole('button', { name: 'Create' }).click();
    const cell = (permission: string) => admin.locator(`[data-testid="cell-order_clerk-${permission}"]`);
    await cell('orders.read').waitFor();
    // One open dropdown at a time: pick, then wait for it to close before opening the next.
    const choose = async (permission: string, option: RegExp) => {
      await cell(permission).click();
      await admin.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: option }).click();
      await expect.poll(() => admin.locator('.ant-select-dropdown:visible').count()).toBe(0);
    };
    await choose('orders.read', /^All$/);
    await choose('orders.create', /^All$/);
    await admin.locator('[data-testid=save-roles]').click();
    await expect.poll(async () => (await new Client(app).login('admin', ADMIN_PASSWORD).then((c) => c.get('/api/roles'))).body.items.find((r: { name: string }) => r.name === 'order_clerk')?.grants).toEqual(['orders.create', 'orders.read']);
    await admin.screenshot({ path: path.join(SHOTS, 'permissions-roles-grid.png'), fullPage: true });

    await admin.goto(`${baseUrl}/users`);
    await admin.locator('[data-testid=edit-user-clerk]').click();
    const roles = admin.locator('[data-testid=user-modal] [data-testid=user-roles]');
    await roles.click();
    await admin.locator('.ant-select-item-option:visible', { hasText: 'order_clerk' }).click();
    await admin.keyboard.press('Escape');
    await admin.locator('[data-testid=user-modal]').getByRole('button', { name: 'Save changes' }).click();
    await admin.locator('[data-testid=user-modal]').waitFor({ state: 'detached' });
    await admin.screenshot({ path: path.join(SHOTS, 'permissions-users.png') });

    const clerk = await signIn('clerk', 'clerk-password-1');
    await clerk.locator('[data-testid=new-order]').waitFor();

    await admin.goto(`${baseUrl}/roles`);
    await choose('orders.create', /^None$/);
    await admin.locator('[data-testid=save-roles]').click();
    await expect.poll(async () => (await new Client(app).login('admin', ADMIN_PASSWORD).then((c) => c.get('/api/roles'))).body.items.find((r: { name: string }) => r.name === 'order_clerk')?.grants).toEqual(['orders.read']);

    await clerk.reload();
    await clerk.locator('[data-testid=orders-table] tbody tr.ant-table-row').first().waitFor();
    expect(await clerk.locator('[data-testid=new-order]').count()).toBe(0);
  });

  it('shows the admin pages in Chinese', async () => {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1440, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${baseUrl}/sign-in`);
    await page.locator('#username').fill('admin');
    await page.locator('#password').fill(ADMIN_PASSWORD);
    await page.locator('button[type=submit]').click();
    await page.waitForURL(/\/orders$/);
    await page.goto(`${baseUrl}/roles`);
    await page.locator('[data-testid="cell-order_clerk-orders.read"]').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'permissions-roles-grid-zh-CN.png'), fullPage: true });
    await page.goto(`${baseUrl}/tokens`);
    await page.locator('[data-testid=new-token]').click();
    await page.locator('#name').fill('ERP 同步');
    await page.locator('.ant-modal-footer .ant-btn-primary:visible').click();
    const token = await page.locator('[data-testid=token-value]').textContent();
    expect(token).toMatch(/^ord_/);
    await page.screenshot({ path: path.join(SHOTS, 'permissions-token-zh-CN.png') });
  });
});
