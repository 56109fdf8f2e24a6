import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, buildTestApp, Client, DIALECTS, makeProduct, type TestApp } from '../../../../test/helpers.js';
import { dispatchOutbox } from '../notifications/notifications.dispatcher.js';
import { orderIn, previewAndDelete } from '../deletion/deletion.test-support.js';
import { auditVerifyCommand } from '../audit/audit.cli.js';
import { restoreBackup, locateBackup } from '../backup/backup.service.js';

const PROBLEMS = 'https://orderly.dev/problems/';

function ok<T = any>(res: { status: number; body: T }, status = 200): T {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Every text a backup folder holds, gzip'd table files opened. */
function backupText(dir: string): string {
  return fs
    .readdirSync(dir)
    .map((file) => {
      const bytes = fs.readFileSync(path.join(dir, file));
      return file.endsWith('.gz') ? zlib.gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
    })
    .join('\n');
}

async function xlsxText(app: TestApp['app'], admin: Client, url: string): Promise<string> {
  const res = await app.inject({ method: 'GET', url, headers: { cookie: admin.cookie! } });
  expect(res.statusCode).toBe(200);
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
  const cells: string[] = [];
  book.eachSheet((sheet) => sheet.eachRow((row) => row.eachCell((cell) => cells.push(String(cell.text)))));
  expect(cells.length).toBeGreaterThan(0);
  return cells.join('\n');
}

describe.each(DIALECTS)('personal-data erasure (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('after erasing customer X no API answer, export, backup or audit row holds X’s name or phone, and the chain verifies', async () => {
    const { admin } = t;
    const tag = randomInt(1e9, 1e10 - 1);
    const name = `Zhou Erasable 周可删 ${tag}`;
    const phone = `+86 139 ${String(tag).slice(0, 4)} ${String(tag).slice(4, 8)}`;
    const other = ok(await admin.post('/api/customers', { name: `Kept Customer ${tag}`, phone: '+86 10 1111 2222' }), 201);
    const x = ok(await admin.post('/api/customers', { name, phone }), 201);
    ok(await admin.patch(`/api/customers/${x.id}`, { note: `calls after 5pm, ${phone}` }, { 'if-match': '1' }));
    const product = await makeProduct(admin, { stock: 100 });
    const items = [{ productId: product.id, quantity: 2 }];

    // A life of orders: confirmed, a draft deleted and restored, a confirmed one deleted and left in the bin.
    const confirmed = await orderIn(admin, 'confirmed', x.id, items);
    const draft = await orderIn(admin, 'draft', x.id, items);
    const binned = await orderIn(admin, 'confirmed', x.id, items);
    await orderIn(admin, 'draft', other.id, items);
    ok(await previewAndDelete(admin, { ids: [draft.id] }));
    ok(await admin.post('/api/recycle-bin/restore', { ids: [draft.id] }));
    ok(await previewAndDelete(admin, { ids: [binned.id] }));
    ok(await admin.post('/api/webhooks', { url: 'https://hooks.example.com/orderly', topics: ['order.created', 'order.deleted', 'order.restored'] }), 201);
    await dispatchOutbox(t.db.ctx);
    // The customer lacks an e-mail the settings now require: data quality names them in its samples.
    ok(await admin.patch('/api/settings', { requiredCustomerFields: ['email'] }));
    ok(await admin.post('/api/data-quality/runs'), 201);
    const rule = ok(await admin.post('/api/cleanup/rules', { name: `drafts of ${tag}`, match: { status: ['draft'], filter: { customerId: x.id } }, schedule: '0 9 * * 1', enabled: false }), 201);
    const review = ok(await admin.post(`/api/cleanup/rules/${rule.id}/run`), 201);
    ok(await admin.get(`/api/orders/export?format=csv&customerId=${x.id}`));
    const before = ok(await admin.post('/api/backups'), 201);

    const reachable = async () => {
      const urls = [
        '/api/orders?limit=100',
        `/api/orders/${confirmed.id}`,
        `/api/orders/${draft.id}`,
        `/api/orders/${confirmed.id}/timeline`,
        `/api/orders/${binned.id}/timeline`,
        `/api/customers?includeInactive=true&limit=200`,
        `/api/customers/${x.id}`,
        `/api/customers/${x.id}/orders`,
        `/api/customers/${x.id}/statement`,
        '/api/recycle-bin',
        '/api/audit?limit=200',
        `/api/audit?entityType=customer&entityId=${x.id}`,
        '/api/notifications?limit=100',
        '/api/data-quality',
        '/api/dashboard',
        `/api/cleanup/reviews/${review.id}`,
        '/api/cleanup/rules',
        `/api/orders/export?format=csv&customerId=${x.id}`,
        `/api/orders/export?format=json&customerId=${x.id}`,
        '/api/orders/export?format=csv&raw=true',
        '/api/audit/export',
      ];
      const texts: Record<string, string> = {};
      for (const url of urls) {
        const res = await admin.get(url);
        expect(res.status, url).toBe(200);
        texts[url] = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
      }
      texts.xlsx = await xlsxText(t.app, admin, `/api/orders/export?format=xlsx&customerId=${x.id}`);
      const rows = await t.db.ctx.kysely.selectFrom('audit_log').selectAll().execute();
      texts['audit_log table'] = JSON.stringify(rows);
      const hooks = await t.db.ctx.kysely.selectFrom('webhook_deliveries').select('body').execute();
      texts['webhook_deliveries table'] = JSON.stringify(hooks);
      return texts;
    };
    const holding = (texts: Record<string, string>) => Object.entries(texts).filter(([, text]) => text.includes(name) || text.includes(phone)).map(([where]) => where);

    // The search is real: before erasure the customer's own pages, the readable audit entries, data quality,
    // the cleanup review and the backup hold the name. The raw audit table never does: it holds ciphertext.
    const seen = holding(await reachable());
    expect(seen).toEqual(expect.arrayContaining([`/api/customers/${x.id}`, '/api/audit?limit=200', '/api/data-quality', `/api/cleanup/reviews/${review.id}`, '/api/orders?limit=100', 'xlsx']));
    expect(seen).not.toContain('audit_log table');
    expect(backupText(path.join(t.db.config.backupDir, before.name))).toContain(name);

    // Erasure is an admin's, after a step-up, with the id or name typed.
    const manager = await t.userWithRoles(`mgr${tag}`, ['sales_manager']);
    expect((await manager.post(`/api/customers/${x.id}/erase`, { confirm: x.id })).status).toBe(403);
    const noStepUp = await admin.post(`/api/customers/${x.id}/erase`, { confirm: x.id });
    expect(noStepUp.status).toBe(403);
    expect(noStepUp.body.type).toBe(`${PROBLEMS}step-up-required`);
    ok(await admin.post('/api/auth/step-up', { password: ADMIN_PASSWORD }));
    const wrong = await admin.post(`/api/customers/${x.id}/erase`, { confirm: 'someone else' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors[0].field).toBe('confirm');
    const summary = ok(await admin.post(`/api/customers/${x.id}/erase`, { confirm: name }));
    expect(summary).toMatchObject({ customerId: x.id, name: `Erased customer #${x.id}`, orders: 3, auditEntriesInClear: 0, reapplied: false });
    expect(summary.auditEntriesShredded).toBeGreaterThanOrEqual(2);
    expect(summary.scrubbed['data_quality_runs.results']).toBe(1);
    expect(summary.scrubbed['cleanup_candidates.customer_name']).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(summary)).not.toContain(name);
    const again = await admin.post(`/api/customers/${x.id}/erase`, { confirm: x.id });
    expect(again.status).toBe(409);
    expect(again.body.type).toBe(`${PROBLEMS}customer_erased`);

    const after = await reachable();
    const newBackup = ok(await admin.post('/api/backups'), 201);
    after['new backup'] = backupText(path.join(t.db.config.backupDir, newBackup.name));
    expect(holding(after)).toEqual([]);

    // The orders stay, with their money, under the placeholder; the other customer is untouched.
    const order = ok(await admin.get(`/api/orders/${confirmed.id}`));
    expect(order.customer.name).toBe(`Erased customer #${x.id}`);
    expect(order.total).toBe(confirmed.total);
    expect(ok(await admin.get(`/api/customers/${other.id}`)).name).toBe(`Kept Customer ${tag}`);
    const created = ok(await admin.get(`/api/audit?entityType=customer&entityId=${x.id}&action=customer.create`)).items[0];
    expect(created.diff).toEqual({ name: '[erased]', phone: '[erased]', email: null });
    const erasure = ok(await admin.get(`/api/audit?entityType=customer&entityId=${x.id}&action=customer.erase`)).items[0];
    expect(erasure.actor.name).toBe('admin');

    const verify = ok(await admin.get('/api/audit/verify'));
    expect(verify).toMatchObject({ ok: true });
    const out: string[] = [];
    const err: string[] = [];
    const code = await auditVerifyCommand(t.db.ctx, t.db.config, { write: (s: string) => out.push(s) }, { write: (s: string) => err.push(s) });
    expect(code, err.join('')).toBe(0);

    // Restoring the backup taken before the erasure erases the customer again in the restored data.
    const restored = await restoreBackup(t.db.ctx, locateBackup(t.db.config, before.name), { force: true });
    expect(restored.reappliedErasures).toEqual([x.id]);
    expect(restored.auditChain.ok).toBe(true);
    const signedIn = await new Client(t.app).login('admin', ADMIN_PASSWORD);
    const back = ok(await signedIn.get(`/api/customers/${x.id}`));
    expect(back).toMatchObject({ name: `Erased customer #${x.id}`, phone: null, note: null });
    expect(JSON.stringify(ok(await signedIn.get('/api/audit?limit=200')))).not.toContain(name);
    expect(ok(await signedIn.get('/api/audit/verify')).ok).toBe(true);
  });
});
