import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DIALECTS, makeCustomer, makeProduct, type Client, type TestApp } from '../../../../test/helpers.js';
import { orderIn } from '../deletion/deletion.test-support.js';

/**
 * The PDFs are checked the way a person would: poppler reads the text layer (pdftotext) and draws page 1
 * (pdftoppm), and the drawing must have ink on it. Without poppler the suite is skipped locally and fails in
 * CI (`.ci/run` installs poppler-utils), so a missing tool never passes as a green run.
 */
const popplerPresent = spawnSync('pdftoppm', ['-v']).error === undefined && spawnSync('pdftotext', ['-v']).error === undefined;
if (!popplerPresent && process.env.CI === 'true') throw new Error('CI=true and poppler-utils (pdftoppm, pdftotext) are missing: apt-get install -y poppler-utils');

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'orderly-pdf-test-'));
let fileCounter = 0;

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

async function fetchPdf(client: Client, url: string): Promise<{ status: number; type: string; disposition: string; file: string }> {
  const res = await client.app.inject({ method: 'GET', url, headers: client.cookie ? { cookie: client.cookie } : {} });
  const file = path.join(work, `doc-${++fileCounter}.pdf`);
  fs.writeFileSync(file, res.rawPayload);
  return { status: res.statusCode, type: String(res.headers['content-type']), disposition: String(res.headers['content-disposition'] ?? ''), file };
}

/** Every page's text, pdftotext separating pages with a form feed. */
function pagesOf(file: string): string[] {
  return run('pdftotext', ['-layout', file, '-']).split('\f').filter((page) => page.trim() !== '');
}

/**
 * Page 1 drawn at 50 dpi: as PNG (the picture a person looks at; its header must say an A4-shaped image), and as
 * PGM, whose 8-bit grey samples are counted: the share of pixels darker than paper.
 */
function inkOnFirstPage(file: string): { png: { width: number; height: number }; inked: number } {
  const base = file.replace(/\.pdf$/, '');
  run('pdftoppm', ['-png', '-r', '50', '-f', '1', '-l', '1', '-singlefile', file, base]);
  const png = fs.readFileSync(`${base}.png`);
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  // IHDR follows the 8-byte signature and the chunk's length and type: width, then height, big-endian.
  const size = { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };

  run('pdftoppm', ['-gray', '-r', '50', '-f', '1', '-l', '1', '-singlefile', file, base]);
  const pgm = fs.readFileSync(`${base}.pgm`);
  // "P5 <width> <height> <maxval>" then one byte per pixel after a single whitespace.
  const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(pgm.subarray(0, 40).toString('latin1'));
  if (!header) throw new Error('pdftoppm wrote no binary PGM');
  const pixels = pgm.subarray(header[0].length);
  expect(pixels.length).toBe(Number(header[1]) * Number(header[2]));
  let dark = 0;
  for (const value of pixels) if (value < 160) dark++;
  return { png: size, inked: dark / pixels.length };
}

describe.skipIf(!popplerPresent).each(DIALECTS)('order confirmation and statement PDFs (%s)', (dialect) => {
  let t: TestApp;
  let zh: Client & { userId: string };
  let en: Client & { userId: string };
  let rep: Client & { userId: string };
  let order: { id: string; number: string; total: string };
  let longOrder: { id: string; number: string };
  let customer: { id: string; name: string };

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    zh = await t.userWithRoles('finance-zh', ['finance', 'sales_manager']);
    en = await t.userWithRoles('finance-en', ['finance', 'sales_manager']);
    rep = await t.userWithRoles('rep-pdf', ['sales_rep']);
    expect((await zh.patch('/api/me', { language: 'zh-CN' })).status).toBe(200);
    expect((await en.patch('/api/me', { language: 'en' })).status).toBe(200);
    customer = await makeCustomer(t.admin, '北京星辰贸易有限公司');
    const a = await makeProduct(t.admin, { price: '19.99', stock: 1000, sku: `PDF-A-${dialect}` });
    const b = await makeProduct(t.admin, { price: '1234.50', stock: 1000, sku: `PDF-B-${dialect}` });
    order = await orderIn(t.admin, 'paid', customer.id, [
      { productId: a.id, quantity: 3 },
      { productId: b.id, quantity: 2 },
    ]);
    const products = await Promise.all(Array.from({ length: 45 }, (_, i) => makeProduct(t.admin, { price: '2.00', stock: 10, sku: `PL${i}${dialect[0]}` })));
    longOrder = await orderIn(t.admin, 'draft', customer.id, products.map((p) => ({ productId: p.id, quantity: 1 })));
  });

  afterAll(async () => {
    await t?.close();
  });

  it('an order confirmation for a zh-CN user: Chinese labels, the number, the customer, the total, +08:00 times, ink on page 1', async () => {
    const pdf = await fetchPdf(zh, `/api/orders/${order.id}/pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.type).toBe('application/pdf');
    expect(pdf.disposition).toBe(`attachment; filename="${order.number}.pdf"`);
    const [page] = pagesOf(pdf.file);
    expect(order.total).toBe('2528.97');
    for (const text of ['订单确认书', order.number, customer.name, '合计', '2528.97', '已确认', '数量', '单价', '+08:00']) expect(page).toContain(text);
    // 1.00 was paid: the balance due is the total less the payment, in exact decimals.
    expect(page).toMatch(/应付余额\s+2527\.97/);
    const { png, inked } = inkOnFirstPage(pdf.file);
    expect(png.width).toBeGreaterThan(150);
    expect(png.height / png.width).toBeCloseTo(297 / 210, 1);
    expect(inked).toBeGreaterThan(0.005);
  });

  it('the same order for an en user speaks English', async () => {
    const pdf = await fetchPdf(en, `/api/orders/${order.id}/pdf`);
    expect(pdf.status).toBe(200);
    const [page] = pagesOf(pdf.file);
    for (const text of ['Order confirmation', order.number, customer.name, 'Total', '2528.97', 'Confirmed', 'Unit price']) expect(page).toContain(text);
    expect(page).not.toContain('订单确认书');
    expect(inkOnFirstPage(pdf.file).inked).toBeGreaterThan(0.005);
  });

  it('a long order breaks between lines and repeats the table header on the next page, with page numbers', async () => {
    const pages = pagesOf((await fetchPdf(en, `/api/orders/${longOrder.id}/pdf`)).file);
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(pages[1]).toMatch(/SKU\s+Product\s+Qty/);
    expect(pages[0]).toContain(`Page 1 of ${pages.length}`);
    // Every line is printed once (its SKU, and the product name that repeats it): none is lost or doubled at the break.
    for (let i = 0; i < 45; i++) expect(pages.join('\n').match(new RegExp(`\\bPL${i}${dialect[0]}\\b`, 'g'))).toHaveLength(2);
  });

  it("a customer's statement for zh-CN and en users: entries in date order with the running balance", async () => {
    const zhPdf = await fetchPdf(zh, `/api/customers/${customer.id}/statement.pdf`);
    expect(zhPdf.status).toBe(200);
    expect(zhPdf.type).toBe('application/pdf');
    const zhText = pagesOf(zhPdf.file).join('\n');
    for (const text of ['客户对账单', customer.name, order.number, '开票', '收款', '结余', '2528.97', '2527.97']) expect(zhText).toContain(text);
    expect(zhText.indexOf('开票')).toBeLessThan(zhText.indexOf('收款'));
    expect(inkOnFirstPage(zhPdf.file).inked).toBeGreaterThan(0.005);

    const enText = pagesOf((await fetchPdf(en, `/api/customers/${customer.id}/statement.pdf`)).file).join('\n');
    for (const text of ['Customer statement', customer.name, order.number, 'Invoice', 'Payment', 'Balance after', '2527.97']) expect(enText).toContain(text);
  });

  it('the same permissions and record scope as the JSON routes', async () => {
    // A sales rep reads only their own orders (404 outside) and no statement (403), like the JSON routes.
    expect((await fetchPdf(rep, `/api/orders/${order.id}/pdf`)).status).toBe(404);
    expect((await fetchPdf(rep, `/api/customers/${customer.id}/statement.pdf`)).status).toBe(403);
    expect((await fetchPdf(t.anonymous(), `/api/orders/${order.id}/pdf`)).status).toBe(401);
    expect((await fetchPdf(zh, '/api/orders/999999/pdf')).status).toBe(404);
    expect((await fetchPdf(zh, '/api/customers/999999/statement.pdf')).status).toBe(404);
  });
});
