/**
 * Every page of the app, as an admin with data present, in both languages, through axe-core: any violation of
 * impact serious or critical fails, named by rule, page and element. The route list is read from the router
 * itself (src/web/App.tsx), so a page added there without a place in this walk fails the walk. A few pages run
 * again with the system in dark mode, and the order list is walked by keyboard for a visible focus ring.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previewAndDelete } from '../src/server/modules/deletion/deletion.test-support.js';
import type { App } from '../src/server/platform/http.js';
import { launchChromium, newStillContext, recordTraffic, serveBuiltApp, signInPage } from './harness.js';
import { ADMIN_PASSWORD, Client, makeCustomer, makeOrder, makeProduct, type TestDatabase } from '../test/helpers.js';

// axe is injected as a script tag, which the app's Content-Security-Policy forbids: the axe contexts bypass it.
const AXE_SCRIPT = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** The router's paths, as written in App.tsx. */
function routerPaths(): string[] {
  const source = fs.readFileSync(path.resolve('src/web/App.tsx'), 'utf8');
  return [...source.matchAll(/<Route\s+path="([^"]+)"/g)].map((m) => m[1]);
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

/** Runs axe in the page and returns the serious and critical findings, one line each. */
async function seriousViolations(page: Page, where: string): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE_SCRIPT });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  }) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${where}: ${v.id} (${v.impact}) ${v.help} — ${JSON.stringify(n.target)}`));
}

/** A page has arrived when its heading (or a result's title) is there and nothing is still loading. */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const loading = document.querySelector('.page-spinner, .ant-spin-spinning, .ant-skeleton, .ant-btn-loading');
    return document.querySelector('h1, h2, h3, h4, .ant-result-title') !== null && loading === null;
  }, undefined, { timeout: 15_000 });
}

/** Opens `url` and checks it; a page that never settles is a finding too, not the end of the walk. */
async function checkPage(page: Page, url: string, label = url): Promise<string[]> {
  await page.goto(url);
  try {
    await settled(page);
  } catch {
    const loading = await page.evaluate(() => [...document.querySelectorAll('.page-spinner, .ant-spin-spinning, .ant-skeleton, .ant-btn-loading')].map((e) => e.className).join(' | '));
    return [`${label}: never settled (still loading: ${loading || 'nothing'}; no heading)`];
  }
  return seriousViolations(page, label);
}

describe('accessibility (axe-core) on every page', () => {
  let db: TestDatabase;
  let app: App;
  let browser: Browser;
  let baseUrl: string;
  const ids = { order: '', customer: '', product: '', review: '' };

  beforeAll(async () => {
    ({ db, app, baseUrl } = await serveBuiltApp());
    const admin = await new Client(app).login('admin', ADMIN_PASSWORD);
    const customer = await makeCustomer(admin, '杭州西湖国际贸易有限公司');
    await makeCustomer(admin, 'Harbour Lights Ltd');
    const product = await makeProduct(admin, { sku: 'A11Y-1', price: '1234.50', stock: 500 });
    const orders = [];
    for (let i = 0; i < 3; i++) orders.push(await makeOrder(admin, customer.id, [{ productId: product.id, quantity: i + 1 }]));
    expect((await admin.post(`/api/orders/${orders[2].id}/confirm`, {}, { 'if-match': String(orders[2].version) })).status).toBe(200);
    expect((await previewAndDelete(admin, { ids: [orders[0].id] }, { code: 'duplicate' })).status).toBe(200);
    const rule = await admin.post('/api/cleanup/rules', { name: 'Stale drafts', match: { status: ['draft'] }, schedule: '0 9 1 * *', enabled: true });
    expect(rule.status).toBe(201);
    const review = await admin.post(`/api/cleanup/rules/${rule.body.id}/run`);
    expect(review.status).toBe(201);
    Object.assign(ids, { order: orders[1].id, customer: customer.id, product: product.id, review: review.body.id });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.drop();
  });

  /** Each router path as a URL with real records in it. */
  const urlFor = (route: string): string | undefined =>
    ({
      '/sign-in': '/sign-in',
      '/help': '/help',
      '/help/*': '/help/deleting-safely',
      '/training': '/training',
      '/training/:courseId': '/training/safe-deletion',
      '/orders': '/orders',
      '/orders/new': '/orders/new',
      '/orders/:id': `/orders/${ids.order}`,
      '/orders/:id/edit': `/orders/${ids.order}/edit`,
      '/customers': '/customers',
      '/customers/:id': `/customers/${ids.customer}`,
      '/account': '/account',
      '/products': '/products',
      '/products/:id': `/products/${ids.product}`,
      '/recycle-bin': '/recycle-bin',
      '/restore-requests': '/restore-requests',
      '/stock': '/stock',
      '/finance': '/finance',
      '/audit': '/audit',
      '/backups': '/backups',
      '/users': '/users',
      '/roles': '/roles',
      '/tokens': '/tokens',
      '/notifications': '/notifications',
      '/webhooks': '/webhooks',
      '/cleanup': '/cleanup',
      '/cleanup/reviews/:id': `/cleanup/reviews/${ids.review}`,
      '/cleanup/rules': '/cleanup/rules',
      '/data-quality': '/data-quality',
      '/settings': '/settings',
      '/purge-requests': '/purge-requests',
      '*': '/no-such-page',
    })[route];

  it('knows a URL for every route of the router', () => {
    const routes = routerPaths();
    expect(routes.length).toBeGreaterThan(25);
    expect(routes.filter((r) => urlFor(r) === undefined)).toEqual([]);
  });

  for (const locale of ['zh-CN', 'en-US'] as const) {
    it(`finds no serious or critical violation on any page (${locale})`, async () => {
      const context = await newStillContext(browser, { locale, viewport: { width: 1440, height: 900 }, bypassCSP: true });
      const page = await context.newPage();
      const traffic = recordTraffic(page);
      const found: string[] = [];
      try {
        found.push(...(await checkPage(page, `${baseUrl}/sign-in`, '/sign-in (signed out)')));
        await signInPage(page, baseUrl, 'admin', ADMIN_PASSWORD, { stay: true });
        for (const url of [...new Set(routerPaths().filter((r) => r !== '/sign-in').map((r) => urlFor(r)!)), '/']) {
          found.push(...(await checkPage(page, `${baseUrl}${url}`, url)));
        }
      } catch (error) {
        throw new Error(`${String(error)}\n${traffic()}`, { cause: error });
      } finally {
        await context.close();
      }
      expect(found).toEqual([]);
    }, 540_000);
  }

  it('finds none in dark mode either (system setting), on a few pages', async () => {
    const context = await newStillContext(browser, { locale: 'zh-CN', viewport: { width: 1440, height: 900 }, colorScheme: 'dark', bypassCSP: true });
    const page = await context.newPage();
    const found: string[] = [];
    try {
      await signInPage(page, baseUrl, 'admin', ADMIN_PASSWORD, { stay: true });
      // The app really follows the system: antd's dark algorithm paints the layout dark.
      const background = await page.locator('.ant-layout').first().evaluate((el) => getComputedStyle(el).backgroundColor);
      const [r, g, b] = background.match(/\d+/g)!.map(Number);
      expect(r + g + b, background).toBeLessThan(150);
      for (const url of ['/', '/orders', `/orders/${ids.order}`, '/recycle-bin', `/customers/${ids.customer}`, '/account']) {
        found.push(...(await checkPage(page, `${baseUrl}${url}`, `${url} (dark)`)));
      }
    } finally {
      await context.close();
    }
    expect(found).toEqual([]);
  }, 120_000);

  it('reaches the order list actions by keyboard, each with a visible focus ring', async () => {
    const context = await newStillContext(browser, { locale: 'en-US', viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    try {
      await signInPage(page, baseUrl, 'admin', ADMIN_PASSWORD);
      await page.locator('[data-testid=orders-table] tbody tr.ant-table-row').first().waitFor();
      const reached = new Set<string>();
      const unringed: string[] = [];
      for (let i = 0; i < 60; i++) {
        await page.keyboard.press('Tab');
        const focus = await page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          if (!el || el === document.body) return null;
          const style = getComputedStyle(el);
          // A ring is an outline or a box-shadow on the element, or on the antd wrapper that draws it for inputs.
          const ringOf = (s: CSSStyleDeclaration) => (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
          const wrapper = el.closest('.ant-checkbox, .ant-select, .ant-input-affix-wrapper, .ant-input-search, .ant-picker');
          const wrapperRing = wrapper ? [wrapper, ...wrapper.querySelectorAll('*')].some((w) => ringOf(getComputedStyle(w))) : false;
          return { name: el.getAttribute('data-testid') ?? el.getAttribute('aria-label') ?? (el.textContent ?? '').trim().slice(0, 30) ?? el.tagName, ring: ringOf(style) || wrapperRing };
        });
        if (!focus) continue;
        reached.add(focus.name);
        if (!focus.ring) unringed.push(focus.name);
      }
      expect(reached).toContain('new-order');
      expect([...reached].some((n) => /^SO-/.test(n)), [...reached].join(', ')).toBe(true);
      expect(unringed).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
