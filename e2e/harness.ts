/**
 * What every browser journey starts from: the built web app served by an in-process server on a throw-away
 * SQLite database, and Debian's Chromium with the flags this sandbox needs. Nothing is built here
 * (`npm test` builds first).
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { buildApp } from '../src/server/app.js';
import type { App } from '../src/server/platform/http.js';
import { createTestDatabase, type TestDatabase } from '../test/helpers.js';

export const WEB_ROOT = path.resolve('dist/web');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function serveBuiltApp(): Promise<{ db: TestDatabase; app: App; baseUrl: string }> {
  if (!fs.existsSync(path.join(WEB_ROOT, 'index.html'))) {
    throw new Error(`${WEB_ROOT}/index.html is missing: build the web app first (npm run build, or npx vite build).`);
  }
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH)`);
  const db = await createTestDatabase('sqlite');
  const app = await buildApp({ ...db.config, webRoot: WEB_ROOT }, db.ctx, { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('server did not report a port');
  return { db, app, baseUrl: `http://127.0.0.1:${address.port}` };
}

export const launchChromium = (): Promise<Browser> => chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });

/**
 * A browser context that asks for reduced motion, which the app honours by not animating (src/web/theme.ts).
 * An animated dialog zooms in for 0.3 s after it opens; twice in CI a click Playwright aimed at an OK button
 * that had just appeared did nothing (the token dialog sent no request, the restore confirmation stayed open),
 * which a button that is moving explains.
 */
export const newStillContext = (browser: Browser, options: BrowserContextOptions): Promise<BrowserContext> => browser.newContext({ ...options, reducedMotion: 'reduce' });

/**
 * What a page asked the server and what it said to itself, for a failure message: a step that waits for a
 * request can then tell "never sent" from "sent and not answered" from "the app threw".
 */
export function recordTraffic(page: Page): () => string {
  const lines: string[] = [];
  const at = () => new Date().toISOString().slice(11, 23);
  const api = (url: string) => new URL(url).pathname.startsWith('/api/');
  page.on('request', (r) => api(r.url()) && lines.push(`${at()} → ${r.method()} ${new URL(r.url()).pathname}`));
  page.on('response', (r) => api(r.url()) && lines.push(`${at()} ← ${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`));
  page.on('requestfailed', (r) => lines.push(`${at()} ✗ ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && lines.push(`${at()} console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => lines.push(`${at()} page error: ${e.message}`));
  return () => lines.join('\n') || '(no requests, no console messages)';
}

/**
 * Signs in through the sign-in page (in either language) and opens the orders page. Sign-in leads to the
 * dashboard, where a user's first sign-in starts the welcome tour; journeys about other things turn that off
 * (the user's own "no tours on sign-in" choice) unless they ask for it with `tour: true`.
 */
export async function signInPage(page: Page, baseUrl: string, username: string, password: string, options: { tour?: boolean; stay?: boolean } = {}): Promise<void> {
  if (!options.tour) await page.addInitScript(() => localStorage.setItem('orderly.tour.autostart', 'off'));
  await page.goto(`${baseUrl}/sign-in`);
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.locator('button[type=submit]').click();
  await page.waitForURL((url) => url.pathname === '/');
  if (!options.stay) {
    await page.goto(`${baseUrl}/orders`);
    await page.waitForURL(/\/orders$/);
  }
}
