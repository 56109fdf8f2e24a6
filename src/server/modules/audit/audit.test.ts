import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_CSV_COLUMNS } from '../../../contracts/audit.js';
import { buildTestApp, DIALECTS, makeCustomer, makeOrder, makeProduct, type Client, type TestApp } from '../../../../test/helpers.js';
import { hashAuditRow, recordAudit } from '../../platform/audit.js';
import { systemActor } from '../../platform/actor.js';
import { auditVerifyCommand } from './audit.cli.js';

type Entry = { id: string; action: string; actor: { type: string; id: string | null; name: string | null }; diff: any; reason: string | null; entityLabel: string | null };

async function allPages(client: Client, url: string): Promise<Entry[]> {
  const items: Entry[] = [];
  let cursor: string | null = null;
  do {
    const res: { status: number; body: { items: Entry[]; nextCursor: string | null } } = await client.get(`${url}${url.includes('?') ? '&' : '?'}limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status).toBe(200);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return items;
}

function captured() {
  let text = '';
  return { write: (s: string) => (text += s), get text() { return text; } };
}

describe.each(DIALECTS)('audit log over HTTP (%s)', (dialect) => {
  let t: TestApp;
  let rep: Client & { userId: string };
  let otherRep: Client & { userId: string };
  let manager: Client & { userId: string };
  let auditor: Client & { userId: string };
  let warehouse: Client & { userId: string };

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    rep = await t.userWithRoles('rep_bob', ['sales_rep']);
    otherRep = await t.userWithRoles('rep_carol', ['sales_rep']);
    manager = await t.userWithRoles('mgr_ann', ['sales_manager']);
    auditor = await t.userWithRoles('aud_dan', ['auditor']);
    warehouse = await t.userWithRoles('wh_eve', ['warehouse']);
  });
  afterAll(async () => t?.close());

  it("an order's timeline lists create, edit, confirm and cancel in order, with actors, field diffs and the reason", async () => {
    const customer = await makeCustomer(rep, 'Timeline Trading');
    const widget = await makeProduct(t.admin, { price: '10.00', stock: 50 });
    const gadget = await makeProduct(t.admin, { price: '2.50', stock: 50 });
    const order = await makeOrder(rep, customer.id, [{ productId: widget.id, quantity: 2 }]);

    const edited = await rep.patch(`/api/orders/${order.id}`, { note: 'call before delivery', items: [{ productId: widget.id, quantity: 3 }, { productId: gadget.id, quantity: 4 }] }, { 'if-match': String(order.version) });
    expect(edited.status).toBe(200);
    expect((await manager.post(`/api/orders/${order.id}/confirm`)).status).toBe(200);
    expect((await t.admin.post(`/api/orders/${order.id}/cancel`, { reason: 'customer changed their mind' })).status).toBe(200);

    const res = await rep.get(`/api/orders/${order.id}/timeline`);
    expect(res.status).toBe(200);
    const items = res.body.items as Entry[];
    expect(items.map((e) => [e.action, e.actor.name])).toEqual([
      ['order.create', 'rep_bob'],
      ['order.update', 'rep_bob'],
      ['order.confirm', 'mgr_ann'],
      ['order.cancel', 'admin'],
    ]);
    expect(items.map((e) => Number(e.id))).toEqual([...items.map((e) => Number(e.id))].sort((a, b) => a - b));
    expect(items[0].actor).toEqual({ type: 'user', id: rep.userId, name: 'rep_bob', displayName: null });

    expect(items[1].diff).toEqual({
      note: { from: null, to: 'call before delivery' },
      items: { from: [`${widget.sku} x 2 @ 10.00`], to: [`${widget.sku} x 3 @ 10.00`, `${gadget.sku} x 4 @ 2.50`] },
      total: { from: '20.00', to: '40.00' },
    });
    expect(items[2].diff).toEqual({ status: { from: 'draft', to: 'confirmed' } });
    expect(items[3].diff).toEqual({ status: { from: 'confirmed', to: 'cancelled' } });
    expect(items[3].reason).toBe('customer changed their mind');
    // The timeline is for order readers: no addresses or hashes.
    expect(Object.keys(items[0]).sort()).toEqual(['action', 'actor', 'at', 'diff', 'id', 'reason']);

    // Same scope as reading the order: another rep's order does not exist for them.
    expect((await otherRep.get(`/api/orders/${order.id}/timeline`)).status).toBe(404);
    expect((await warehouse.get(`/api/orders/${order.id}/timeline`)).status).toBe(200);
    expect((await t.anonymous().get(`/api/orders/${order.id}/timeline`)).status).toBe(401);
    expect((await auditor.get('/api/orders/999999/timeline')).status).toBe(404);

    // Deleted: gone from the order book, its history still readable by those who may restore or audit.
    await t.db.ctx.kysely.updateTable('orders').set({ deleted_at: new Date().toISOString(), deleted_by: 1, delete_reason: 'test_data' }).where('id', '=', Number(order.id)).execute();
    expect((await rep.get(`/api/orders/${order.id}`)).status).toBe(404);
    expect((await rep.get(`/api/orders/${order.id}/timeline`)).status).toBe(404);
    expect((await warehouse.get(`/api/orders/${order.id}/timeline`)).status).toBe(404);
    const forManager = await manager.get(`/api/orders/${order.id}/timeline`);
    expect(forManager.status).toBe(200);
    expect(forManager.body.items).toHaveLength(4);
    expect((await auditor.get(`/api/orders/${order.id}/timeline`)).body.items).toHaveLength(4);
  });

  it('only audit.read may read, verify or export the log', async () => {
    for (const url of ['/api/audit', '/api/audit/verify', '/api/audit/export']) {
      expect((await rep.get(url)).status, url).toBe(403);
      expect((await warehouse.get(url)).status, url).toBe(403);
      expect((await t.anonymous().get(url)).status, url).toBe(401);
      expect((await auditor.get(url)).status, url).toBe(200);
    }
    const list = await auditor.get('/api/audit?limit=5');
    expect(list.body.items).toHaveLength(5);
    expect(list.body.items[0]).toEqual(
      expect.objectContaining({ id: expect.any(String), at: expect.any(String), hash: expect.stringMatching(/^[0-9a-f]{64}$/), requestId: expect.any(String) }),
    );
  });

  it('filters by entity, action, actor, time and free text, newest first, and pages without gaps', async () => {
    const searcher = await t.userWithRoles('search_sam', ['sales_manager']);
    const acme = await makeCustomer(searcher, 'ACME Widgets');
    await makeCustomer(searcher, 'Sale 50% Off Ltd');
    await makeCustomer(searcher, 'Sale 50 Off Ltd');
    const product = await makeProduct(t.admin);
    const order = await makeOrder(searcher, acme.id, [{ productId: product.id, quantity: 1 }]);
    await searcher.post(`/api/orders/${order.id}/confirm`);
    await searcher.post(`/api/orders/${order.id}/cancel`, { reason: 'Customer changed their mind (search test)' });

    const mine = await allPages(auditor, `/api/audit?actorId=${searcher.userId}`);
    expect(mine.map((e) => e.action)).toEqual(['order.cancel', 'order.confirm', 'order.create', 'customer.create', 'customer.create', 'customer.create', 'auth.login']);
    expect(new Set(mine.map((e) => e.id)).size).toBe(mine.length);

    const everything = await allPages(auditor, '/api/audit');
    const ids = everything.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const { n } = await t.db.ctx.kysely.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(ids.length).toBe(Number(n));

    const ofOrder = await auditor.get(`/api/audit?entityType=order&entityId=${order.id}`);
    expect(ofOrder.body.items.map((e: Entry) => e.action)).toEqual(['order.cancel', 'order.confirm', 'order.create']);
    const family = await auditor.get(`/api/audit?actorId=${searcher.userId}&action=order.*`);
    expect(family.body.items.map((e: Entry) => e.action)).toEqual(['order.cancel', 'order.confirm', 'order.create']);
    const several = await auditor.get(`/api/audit?actorId=${searcher.userId}&action=auth.login,order.confirm`);
    expect(several.body.items.map((e: Entry) => e.action)).toEqual(['order.confirm', 'auth.login']);

    // Case-insensitive, and LIKE wildcards in the text are taken literally.
    const byText = await auditor.get(`/api/audit?q=${encodeURIComponent('acme')}`);
    expect(byText.body.items.map((e: Entry) => e.entityLabel)).toEqual(['ACME Widgets']);
    const percent = await auditor.get(`/api/audit?q=${encodeURIComponent('50%')}`);
    expect(percent.body.items.map((e: Entry) => e.entityLabel)).toEqual(['Sale 50% Off Ltd']);
    // Their own entries by actor name, and the admin's user.create entry by its label.
    const byActorName = await auditor.get('/api/audit?q=SEARCH_SAM&limit=100');
    expect(byActorName.body.items.map((e: Entry) => e.action)).toEqual([...mine.map((e) => e.action), 'user.create']);
    const byReason = await auditor.get(`/api/audit?q=${encodeURIComponent('CHANGED THEIR MIND (search')}`);
    expect(byReason.body.items.map((e: Entry) => [e.action, e.reason])).toEqual([['order.cancel', 'Customer changed their mind (search test)']]);

    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    expect((await auditor.get(`/api/audit?actorId=${searcher.userId}&from=${today}&to=${today}`)).body.items).toHaveLength(mine.length);
    expect((await auditor.get(`/api/audit?from=${tomorrow}`)).body.items).toEqual([]);
    expect((await auditor.get(`/api/audit?to=${yesterday}`)).body.items).toEqual([]);

    const bad = await auditor.get('/api/audit?actorId=abc&cursor=nonsense&from=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['actorId', 'from']));
    expect((await auditor.get('/api/audit?cursor=nonsense')).status).toBe(400);
  });

  it('exports CSV for Excel: BOM, header, Chinese text intact, formulas defused, and the export itself recorded', async () => {
    await makeCustomer(t.admin, '北京星辰贸易有限公司');
    await makeCustomer(t.admin, '=HYPERLINK("http://evil.example")');
    const customers = await allPages(auditor, '/api/audit?entityType=customer');
    const exportsBefore = (await auditor.get('/api/audit?action=audit.export')).body.items.length;

    const res = await t.app.inject({ method: 'GET', url: '/api/audit/export?entityType=customer', headers: { cookie: auditor.cookie! } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="orderly-audit-\d{8}-\d{6}\.csv"$/);
    expect([...res.rawPayload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);

    const lines = res.rawPayload.toString('utf8').slice(1).split('\r\n');
    expect(lines.pop()).toBe('');
    expect(lines[0]).toBe(AUDIT_CSV_COLUMNS.join(','));
    const rows = lines.slice(1);
    expect(rows).toHaveLength(customers.length);
    expect(rows.map((r) => r.split(',')[0])).toEqual(customers.map((e) => e.id));
    const chinese = rows.find((r) => r.includes('北京星辰贸易有限公司'))!;
    const cells = chinese.split(',');
    expect([cells[4], cells[5], cells[6], cells[8]]).toEqual(['admin', 'customer.create', 'customer', '北京星辰贸易有限公司']);
    expect(rows.some((r) => r.includes(`"'=HYPERLINK(""http://evil.example"")"`))).toBe(true);

    const exports = await auditor.get('/api/audit?action=audit.export');
    expect(exports.body.items).toHaveLength(exportsBefore + 1);
    expect(exports.body.items[0]).toEqual(expect.objectContaining({ actor: expect.objectContaining({ name: 'aud_dan' }), entityType: 'audit' }));
    expect(exports.body.items[0].diff).toEqual(expect.objectContaining({ format: 'csv', filter: { entityType: 'customer' } }));
  });

  it('streams an export larger than one page, newest first, each entry once', async () => {
    const entries = Array.from({ length: 2345 }, (_, i) => ({ action: 'bulk.test', entityType: 'bulk', entityId: i + 1, entityLabel: `bulk ${i + 1}` }));
    await t.db.ctx.kysely.transaction().execute((trx) => recordAudit(trx, t.db.ctx.dialect, systemActor('bulk-test'), entries));
    const res = await t.app.inject({ method: 'GET', url: '/api/audit/export?entityType=bulk', headers: { cookie: auditor.cookie! } });
    const rows = res.rawPayload.toString('utf8').split('\r\n').slice(1, -1);
    expect(rows).toHaveLength(2345);
    const labels = rows.map((r) => r.split(',')[8]);
    expect(labels[0]).toBe('bulk 2345');
    expect(labels[2344]).toBe('bulk 1');
    expect(new Set(labels).size).toBe(2345);
    expect((await auditor.get('/api/audit/verify')).body.ok).toBe(true);
  });
});

describe.each(DIALECTS)('audit chain tamper evidence (%s)', (dialect) => {
  let t: TestApp;
  let auditor: Client;
  let ids: number[];

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    auditor = await t.userWithRoles('aud_fay', ['auditor']);
    const customer = await makeCustomer(t.admin);
    const product = await makeProduct(t.admin);
    for (let i = 0; i < 3; i++) await makeOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }]);
    ids = (await t.db.ctx.kysely.selectFrom('audit_log').select('id').orderBy('id').execute()).map((r) => r.id);
  });
  afterAll(async () => t?.close());

  const verify = async () => (await auditor.get('/api/audit/verify')).body;

  it('an untouched log verifies ok, over HTTP and from the CLI', async () => {
    const head = await t.db.ctx.kysely.selectFrom('audit_log').select(['id', 'hash']).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(await verify()).toEqual(expect.objectContaining({ ok: true, checked: ids.length, lastId: String(head.id), lastHash: head.hash, problems: [] }));
    const out = captured();
    expect(await auditVerifyCommand(t.db.ctx, t.db.config, out, captured())).toBe(0);
    expect(out.text).toContain(`${ids.length} entries verified`);
    expect(out.text).toContain(head.hash);
  });

  it('an edited entry is named as the first broken one; re-hashing it moves the break to the next', async () => {
    const db = t.db.ctx.kysely;
    const middle = ids[Math.floor(ids.length / 2)];
    const original = await db.selectFrom('audit_log').selectAll().where('id', '=', middle).executeTakeFirstOrThrow();

    await db.updateTable('audit_log').set({ reason: 'nothing to see here' }).where('id', '=', middle).execute();
    expect(await verify()).toEqual(expect.objectContaining({ ok: false, firstBrokenId: String(middle), checked: ids.indexOf(middle) }));
    const out = captured();
    const err = captured();
    expect(await auditVerifyCommand(t.db.ctx, t.db.config, out, err)).toBe(1);
    expect(err.text).toContain(`BROKEN at entry ${middle}`);

    // A forger who also fixes the edited entry's own hash still breaks the link from the entry after it.
    const forged = { ...original, reason: 'nothing to see here' };
    await db.updateTable('audit_log').set({ hash: hashAuditRow(forged) }).where('id', '=', middle).execute();
    const next = ids[ids.indexOf(middle) + 1];
    expect(await verify()).toEqual(expect.objectContaining({ ok: false, firstBrokenId: String(next) }));

    await db.updateTable('audit_log').set({ reason: original.reason, hash: original.hash }).where('id', '=', middle).execute();
    expect((await verify()).ok).toBe(true);
  });

  it('a deleted entry breaks the link of the entry after it', async () => {
    const middle = ids[Math.floor(ids.length / 2)];
    const next = ids[ids.indexOf(middle) + 1];
    await t.db.ctx.kysely.deleteFrom('audit_log').where('id', '=', middle).execute();
    expect(await verify()).toEqual(expect.objectContaining({ ok: false, firstBrokenId: String(next), checked: ids.indexOf(middle) }));
  });
});
