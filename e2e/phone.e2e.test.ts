/**
 * The app on a phone (390×844) and on a desktop (1440×900), in both languages: the menu is a drawer on the
 * phone, the header fits, the order list, recycle bin and customer list are cards whose every element stays
 * inside the list, and nothing in the delete dialog runs out of its box — every element stays inside the
 * dialog and no text is cut. Screenshots of the order list, the delete dialog, the recycle bin, the customer
 * list and page and the account page go to test-results/phone-*.png and test-results/desktop-*.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previewAndDelete } from '../src/server/modules/deletion/deletion.test-support.js';
import type { App } from '../src/server/platform/http.js';
import { launchChromium, newStillContext, recordTraffic, serveBuiltApp, signInPage } from './harness.js';
import { ADMIN_PASSWORD, Client, makeCustomer, makeOrder, makeProduct, type TestDatabase } from '../test/helpers.js';

const SHOTS = path.resolve('test-results');
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };

/**
 * What in `root` does not fit: an element sticking out of it, a box whose content is wider than the box (text
 * cut or hidden behind a scrollbar), or a table cell whose content runs into the next cell. Only a table's own
 * horizontal scroller may be narrower than its content: it scrolls, nothing is cut.
 */
async function overflowing(page: Page, rootSelector: string): Promise<string[]> {
  return page.locator(rootSelector).evaluate((root) => {
    const box = root.getBoundingClientRect();
    const found: string[] = [];
    const name = (el: Element) => `${el.tagName.toLowerCase()}${el.getAttribute('data-testid') ? `[data-testid=${el.getAttribute('data-testid')}]` : ''}.${[...el.classList].join('.')} "${(el.textContent ?? '').trim().slice(0, 40)}"`;
    const tableScroller = (el: Element) => /\bant-table-(content|body|header)\b/.test(el.className) || el.classList.contains('ant-table-container');
    const walk = (el: Element, inScroller: boolean) => {
      const r = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      const visible = r.width > 0 && r.height > 0 && style.visibility !== 'hidden' && style.display !== 'none';
      if (!visible) return;
      if (!inScroller && (r.left < box.left - 1 || r.right > box.right + 1)) found.push(`outside its container: ${name(el)} (${Math.round(r.left)}–${Math.round(r.right)} of ${Math.round(box.left)}–${Math.round(box.right)})`);
      if (!tableScroller(el) && style.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1) {
        const inner = el.getBoundingClientRect().left + el.clientLeft + el.clientWidth;
        const culprits = [...el.querySelectorAll('*')].filter((c) => c.getBoundingClientRect().right > inner + 1).map((c) => name(c)).slice(0, 3);
        found.push(`content wider than its box (${el.scrollWidth} > ${el.clientWidth}): ${name(el)} — ${culprits.join('; ')}`);
      }
      if (el.tagName === 'TD' || el.tagName === 'TH') {
        for (const child of el.children) if (child.getBoundingClientRect().right > r.right + 1) found.push(`runs out of its cell: ${name(child)}`);
      }
      for (const child of el.children) walk(child, inScroller || tableScroller(el));
    };
    walk(root, false);
    return found;
  });
}

describe('phone and desktop layout', () => {
  let db: TestDatabase;
  let app: App;
  let browser: Browser;
  let baseUrl: string;
  let customerId: string;

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    ({ db, app, baseUrl } = await serveBuiltApp());
    const admin = await new Client(app).login('admin', ADMIN_PASSWORD);
    const customer = await makeCustomer(admin, '杭州西湖国际贸易股份有限公司华东区销售服务中心');
    const product = await makeProduct(admin, { sku: 'PHONE-E2E-1', price: '1234567.89', stock: 500 });
    const orders = [];
    for (let i = 0; i < 4; i++) orders.push(await makeOrder(admin, customer.id, [{ productId: product.id, quantity: 7 }]));
    customerId = customer.id;
    const confirmed = orders[3];
    expect((await admin.post(`/api/orders/${confirmed.id}/confirm`, {}, { 'if-match': String(confirmed.version) })).status).toBe(200);
    // Something for the recycle bin to show.
    expect((await previewAndDelete(admin, { ids: [orders[0].id] }, { code: 'duplicate' })).status).toBe(200);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.drop();
  });

  async function openAs(viewport: { width: number; height: number }, locale: 'zh-CN' | 'en-US'): Promise<{ page: Page; traffic: () => string }> {
    const context = await newStillContext(browser, { locale, viewport });
    const page = await context.newPage();
    const traffic = recordTraffic(page);
    await signInPage(page, baseUrl, 'admin', ADMIN_PASSWORD);
    return { page, traffic };
  }

  /** The customer page and the account page, which must fit as well (no sideways scrolling of the page). */
  async function shootPages(page: Page, device: 'phone' | 'desktop', lang: string) {
    for (const [name, url, ready] of [
      ['customer', `/customers/${customerId}`, '[data-testid=edit-customer]'],
      ['account', '/account', '[data-testid=save-profile]'],
    ] as const) {
      await page.goto(`${baseUrl}${url}`);
      await page.locator(ready).first().waitFor();
      await page.locator('.ant-spin-spinning').waitFor({ state: 'detached' });
      expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name} fits`).toBeLessThanOrEqual(device === 'phone' ? PHONE.width : DESKTOP.width);
      if (device === 'phone' && name === 'customer') {
        // The customer's orders are cards on a phone too.
        await page.locator('[data-testid=customer-order-cards] .card-list-item').first().waitFor();
        expect(await overflowing(page, '[data-testid=customer-order-cards]')).toEqual([]);
      }
      await page.screenshot({ path: path.join(SHOTS, `${device}-${name}-${lang}.png`), fullPage: true });
    }
  }

  const dialogContent = '.ant-modal:has([data-testid=delete-dialog-body]) .ant-modal-container';

  for (const locale of ['zh-CN', 'en-US'] as const) {
    const lang = locale === 'zh-CN' ? 'zh' : 'en';

    it(`on a phone (${locale}): the menu is a drawer, the header fits, the delete dialog fits 390 px`, async () => {
      const { page, traffic } = await openAs(PHONE, locale);
      const cards = page.locator('[data-testid=order-cards] .card-list-item');
      await cards.first().waitFor();
      // Cards, not a table squeezed into 390 px: each with its number, status and total, nothing sticking out.
      expect(await page.locator('[data-testid=orders-table]').count()).toBe(0);
      expect(await cards.count()).toBe(3);
      await expect.poll(() => cards.first().locator('[data-field=total] .money').textContent()).toBe('8,641,975.23');
      expect(await cards.first().locator('[data-status]').count()).toBe(1);
      expect(await overflowing(page, '[data-testid=order-cards]'), traffic()).toEqual([]);
      expect(await page.locator('[data-testid=pager]').count()).toBe(1);
      // No side menu taking a third of the screen; a button opens the drawer.
      expect(await page.locator('.app-sider').count()).toBe(0);
      const header = await page.locator('.app-header').evaluate((h) => ({ scroll: h.scrollWidth, client: h.clientWidth, right: h.getBoundingClientRect().right }));
      expect(header.scroll, traffic()).toBeLessThanOrEqual(header.client);
      expect(header.right).toBeLessThanOrEqual(PHONE.width);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
      await page.screenshot({ path: path.join(SHOTS, `phone-orders-${lang}.png`) });

      await page.locator('[data-testid=menu-drawer-button]').click();
      await page.locator('.app-drawer .app-menu').waitFor();
      await page.screenshot({ path: path.join(SHOTS, `phone-menu-${lang}.png`) });
      await page.keyboard.press('Escape');
      await page.locator('.app-drawer .app-menu').waitFor({ state: 'hidden' });

      // Selecting works as on the table: one card at a time, or the whole page.
      await page.locator('[data-testid=order-cards-select-page] .ant-checkbox-input').check();
      await expect.poll(() => page.locator('[data-testid=order-cards] .card-list-check.ant-checkbox-wrapper-checked').count()).toBe(3);
      await page.locator('[data-testid=order-cards-select-page] .ant-checkbox-input').uncheck();
      await cards.nth(0).locator('.ant-checkbox-input').check();
      await cards.nth(1).locator('.ant-checkbox-input').check();
      await page.locator('[data-testid=selection-summary]').getByText(/2/).first().waitFor();
      await page.locator('[data-testid=delete-selected]').click();
      await page.locator(`${dialogContent} [data-testid=deletion-impact]`).waitFor();
      const box = await page.locator(dialogContent).boundingBox();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
      expect(await overflowing(page, dialogContent), traffic()).toEqual([]);
      await page.locator(dialogContent).screenshot({ path: path.join(SHOTS, `phone-delete-dialog-${lang}.png`) });
      await page.keyboard.press('Escape');

      await page.goto(`${baseUrl}/recycle-bin`);
      await page.locator('[data-testid=recycle-bin-cards] [data-reason=duplicate]').first().waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
      expect(await overflowing(page, '[data-testid=recycle-bin-cards]'), traffic()).toEqual([]);
      // The card's checkbox selects the order for the same actions as the table's.
      await page.locator('[data-testid=recycle-bin-cards] .card-list-item .ant-checkbox-input').first().check();
      await page.locator('[data-testid=restore-selected]:not([disabled])').waitFor();
      await page.screenshot({ path: path.join(SHOTS, `phone-recycle-bin-${lang}.png`), fullPage: true });

      await page.goto(`${baseUrl}/customers`);
      await page.locator('[data-testid=customer-cards] .card-list-item').first().waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
      expect(await overflowing(page, '[data-testid=customer-cards]'), traffic()).toEqual([]);
      await page.screenshot({ path: path.join(SHOTS, `phone-customers-${lang}.png`) });
      await shootPages(page, 'phone', lang);
      await page.context().close();
    });

    it(`on a desktop (${locale}): the side menu, the order list, the delete dialog and the recycle bin`, async () => {
      const { page, traffic } = await openAs(DESKTOP, locale);
      await page.locator('[data-testid=orders-table] tbody tr.ant-table-row').first().waitFor();
      expect(await page.locator('.app-sider').count()).toBe(1);
      expect(await page.locator('[data-testid=menu-drawer-button]').count()).toBe(0);
      await page.screenshot({ path: path.join(SHOTS, `desktop-orders-${lang}.png`) });
      await page.locator('[data-testid=orders-table] tbody tr.ant-table-row').nth(0).locator('.ant-checkbox-input').check();
      await page.locator('[data-testid=delete-selected]').click();
      await page.locator(`${dialogContent} [data-testid=deletion-impact]`).waitFor();
      expect(await overflowing(page, dialogContent), traffic()).toEqual([]);
      await page.locator(dialogContent).screenshot({ path: path.join(SHOTS, `desktop-delete-dialog-${lang}.png`) });
      await page.keyboard.press('Escape');
      await page.goto(`${baseUrl}/recycle-bin`);
      await page.locator('[data-reason=duplicate]').first().waitFor();
      expect(await page.locator('[data-testid=recycle-bin-cards]').count()).toBe(0);
      await page.screenshot({ path: path.join(SHOTS, `desktop-recycle-bin-${lang}.png`) });
      await shootPages(page, 'desktop', lang);
      await page.context().close();
    });
  }
});
