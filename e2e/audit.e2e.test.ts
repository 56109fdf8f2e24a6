/**
 * Browser journey for the audit log: an order is created and edited, then confirmed from its page; its History
 * card lists who did what with the edit's before → after; the audit page, reached from that card, shows the
 * order's entries and verifies the hash chain. Runs the built web app (dist/web) against an in-process server
 * on a throw-away SQLite database.
 */
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/server/platform/http.js';
import { launchChromium, newStillContext, serveBuiltApp, signInPage } from './harness.js';
import { ADMIN_PASSWORD, Client, makeCustomer, makeOrder, makeProduct, type TestDatabase } from '../test/helpers.js';


describe('audit log in the browser', () => {
  let db: TestDatabase;
  let app: App;
  let browser: Browser;
  let page: Page;
  let baseUrl: string;
  let order: { id: string; number: string };

  beforeAll(async () => {

    ({ db, app, baseUrl } = await serveBuiltApp());

    const admin = await new Client(app).login('admin', ADMIN_PASSWORD);
    const customer = await makeCustomer(admin, '苏州锦绣丝绸有限公司');
    const product = await makeProduct(admin, { sku: 'AUD-E2E-1', price: '30.00', stock: 20 });
    const created = await makeOrder(admin, customer.id, [{ productId: product.id, quantity: 2 }], { note: 'first note' });
    const edited = await admin.patch(`/api/orders/${created.id}`, { note: 'deliver to gate 3' }, { 'if-match': String(created.version) });
    expect(edited.status).toBe(200);
    order = created;

    browser = await launchChromium();
    const context = await newStillContext(browser, { locale: 'en-US', viewport: { width: 1366, height: 900 } });
    page = await context.newPage();
    await signInPage(page, baseUrl, 'admin', ADMIN_PASSWORD);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.drop();
  });

  const historyEntries = () => page.locator('[data-testid=order-history] [data-testid=history-entry]');

  it('confirms the order from its page and shows create, edit and confirm in its History', async () => {
    await page.goto(`${baseUrl}/orders/${order.id}`);
    await expect.poll(() => page.locator('[data-testid=order-number]').textContent()).toBe(order.number);
    await expect.poll(() => historyEntries().count()).toBe(2);

    await page.locator('[data-testid=action-confirm]').click();
    await page.locator('.ant-popconfirm .ant-btn-primary').click();
    await expect.poll(() => page.locator('[data-status]').first().getAttribute('data-status')).toBe('confirmed');

    // The history reloads with the order: three entries, oldest first, each with its actor.
    await expect.poll(() => historyEntries().count()).toBe(3);
    const actions = await historyEntries().evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));
    expect(actions).toEqual(['order.create', 'order.update', 'order.confirm']);
    const texts = await historyEntries().allTextContents();
    expect(texts[0]).toContain('Created order');
    expect(texts[2]).toContain('Confirmed order');
    // People are shown by their display name (the bootstrap admin is "Administrator"), not their username.
    for (const text of texts) expect(text).toContain('Administrator');

    // The edit shows the note's old and new value side by side.
    const noteRow = historyEntries().nth(1).locator('[data-testid=audit-changes] tbody tr', { hasText: 'Note' });
    const cells = await noteRow.locator('td').allTextContents();
    expect(cells.filter(Boolean)).toEqual(['Note', 'first note', 'deliver to gate 3']);
    // The confirmation shows the status step.
    expect(await historyEntries().nth(2).locator('[data-status]').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))).toEqual(['draft', 'confirmed']);
  });

  it('opens the order’s entries in the audit log and verifies the chain', async () => {
    await page.locator('[data-testid=order-history]').getByRole('link', { name: 'Open in audit log' }).click();
    await page.waitForURL(new RegExp(`/audit\\?entityType=order&entityId=${order.id}$`));
    const rows = page.locator('[data-testid=audit-table] tbody tr.ant-table-row');
    await expect.poll(() => rows.count()).toBe(3);
    // Newest first, each linking back to the order.
    expect(await rows.locator('[data-action]').evaluateAll((els) => els.map((e) => e.getAttribute('data-action')))).toEqual(['order.confirm', 'order.update', 'order.create']);
    expect(await rows.first().getByRole('link', { name: order.number }).count()).toBe(1);

    // Expanding the edit shows its diff.
    await rows.nth(1).locator('td').nth(1).click();
    await expect.poll(() => page.locator('[data-testid=audit-entry-details] [data-testid=audit-changes]').textContent()).toContain('deliver to gate 3');

    await page.locator('[data-testid=verify-chain]').click();
    const result = page.locator('[data-testid=verify-result]');
    await expect.poll(() => result.getAttribute('data-ok')).toBe('true');
    expect(await result.textContent()).toMatch(/Chain intact: \d+ entries checked/);
  });

  it('names the first broken entry when a row was edited behind the application’s back', async () => {
    const victim = await db.ctx.kysely.selectFrom('audit_log').select('id').where('action', '=', 'order.update').executeTakeFirstOrThrow();
    await db.ctx.kysely.updateTable('audit_log').set({ reason: 'tampered' }).where('id', '=', victim.id).execute();

    await page.locator('[data-testid=verify-chain]').click();
    const result = page.locator('[data-testid=verify-result]');
    await expect.poll(() => result.getAttribute('data-ok')).toBe('false');
    expect(await result.textContent()).toContain(`Chain broken at entry #${victim.id}`);
  });
});
