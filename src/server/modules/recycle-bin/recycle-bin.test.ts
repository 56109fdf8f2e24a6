import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, buildTestApp, DIALECTS, makeCustomer, makeProduct, type TestApp } from '../../../../test/helpers.js';
import { createOrder, orderIn, previewAndDelete, receivable, stockOf } from '../deletion/deletion.test-support.js';
import { checkInvariants } from '../integrity/invariants.js';
import { encodeKeysetCursor } from '../../db/cursor.js';

describe.each(DIALECTS)('recycle bin, restore, purge and restore requests over HTTP (%s)', (dialect) => {
  let t: TestApp;
  let customer: { id: string; name: string };
  beforeAll(async () => {
    t = await buildTestApp(dialect);
    customer = await makeCustomer(t.admin, '王小明 Wang Xiaoming');
  });
  afterAll(async () => t?.close());

  /** Moves a deletion into the past, as if the clock had run on. */
  const backdateDeletion = (orderId: string, ms: number) =>
    t.db.ctx.kysely
      .updateTable('orders')
      .set({ deleted_at: new Date(Date.now() - ms).toISOString() })
      .where('id', '=', Number(orderId))
      .execute();

  it('the deleting user may undo their own batch within 60 seconds without orders.restore; others and latecomers get 403', async () => {
    const rep = await t.userWithRoles('rep-undo', ['sales_rep']);
    const otherRep = await t.userWithRoles('rep-other', ['sales_rep']);
    const product = await makeProduct(t.admin, { stock: 10 });
    const a = await createOrder(rep, customer.id, [{ productId: product.id, quantity: 1 }]);
    const b = await createOrder(rep, customer.id, [{ productId: product.id, quantity: 2 }]);

    const deleted = await previewAndDelete(rep, { ids: [a.id, b.id] });
    expect(deleted.status).toBe(200);
    const undo = await rep.post('/api/recycle-bin/restore', { batchId: deleted.body.batchId });
    expect(undo.status).toBe(200);
    expect(undo.body.restored.map((o: { id: string }) => o.id)).toEqual([a.id, b.id]);
    expect((await rep.get(`/api/orders/${a.id}`)).body.status).toBe('draft');

    const again = await previewAndDelete(rep, { ids: [a.id] });
    expect(again.status).toBe(200);
    // Another rep cannot see the order at all; a manager who did not delete it needs orders.restore (which they have).
    expect((await otherRep.post('/api/recycle-bin/restore', { ids: [a.id] })).status).toBe(404);
    await backdateDeletion(a.id, 61_000);
    const late = await rep.post('/api/recycle-bin/restore', { batchId: again.body.batchId });
    expect(late.status).toBe(403);
    expect(late.body.permission).toBe('orders.restore');
    expect((await rep.get(`/api/orders/${a.id}`)).status).toBe(404);

    // A user with restore_requests.create but who did not delete the batch: 403 even within the window.
    const draft = await createOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }]);
    const byAdmin = await previewAndDelete(t.admin, { ids: [draft.id] });
    const helper = await t.userWithRoles('helper-undo', ['warehouse', 'sales_rep']);
    await t.db.ctx.kysely.updateTable('orders').set({ owner_id: Number(helper.userId) }).where('id', '=', Number(draft.id)).execute();
    const notTheirs = await helper.post('/api/recycle-bin/restore', { batchId: byAdmin.body.batchId });
    expect(notTheirs.status).toBe(403);
    expect(notTheirs.body.permission).toBe('orders.restore');
  });

  it('restore is all or nothing: when the stock is gone it is a 409 listing the short products, and nothing comes back', async () => {
    const scarce = await makeProduct(t.admin, { stock: 5 });
    const plenty = await makeProduct(t.admin, { stock: 50 });
    const order = await orderIn(t.admin, 'confirmed', customer.id, [
      { productId: scarce.id, quantity: 4 },
      { productId: plenty.id, quantity: 1 },
    ]);
    const draft = await createOrder(t.admin, customer.id, [{ productId: plenty.id, quantity: 1 }]);
    const deleted = await previewAndDelete(t.admin, { ids: [order.id, draft.id] });
    expect(deleted.status).toBe(200);
    expect(await stockOf(t.admin, scarce.id)).toEqual({ onHand: 5, reserved: 0, available: 5 });
    await orderIn(t.admin, 'confirmed', customer.id, [{ productId: scarce.id, quantity: 3 }]);
    const money = await receivable(t.admin);

    const refused = await t.admin.post('/api/recycle-bin/restore', { batchId: deleted.body.batchId });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('insufficient_stock');
    expect(refused.body.shortages).toEqual([{ productId: scarce.id, sku: scarce.sku, requested: 4, available: 2 }]);
    expect((await t.admin.get(`/api/orders/${draft.id}`)).status).toBe(404);
    expect((await t.admin.get(`/api/orders/${order.id}`)).status).toBe(404);
    expect(await stockOf(t.admin, plenty.id)).toEqual({ onHand: 50, reserved: 0, available: 50 });
    expect(await receivable(t.admin)).toBe(money);
  });

  it('purge needs confirm "PURGE" and orders.purge; it hard-deletes order and lines, keeps the journals, and its audit entry holds no personal data', async () => {
    const product = await makeProduct(t.admin, { stock: 20 });
    const order = await orderIn(t.admin, 'confirmed', customer.id, [{ productId: product.id, quantity: 2 }]);
    const deleted = await previewAndDelete(t.admin, { ids: [order.id] }, { code: 'test_data' });
    expect(deleted.status).toBe(200);
    const manager = await t.userWithRoles('manager-purge', ['sales_manager']);

    const unconfirmed = await t.admin.post('/api/recycle-bin/purge', { ids: [order.id] });
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.body.errors.map((e: { field: string }) => e.field)).toContain('confirm');
    expect((await t.admin.post('/api/recycle-bin/purge', { ids: [order.id], confirm: 'purge' })).status).toBe(400);
    const forbidden = await manager.post('/api/recycle-bin/purge', { ids: [order.id], confirm: 'PURGE' });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.permission).toBe('orders.purge');
    // Purging asks for the password again (SPEC §5 step-up); a single admin purges without a second one.
    expect((await t.admin.post('/api/recycle-bin/purge', { ids: [order.id], confirm: 'PURGE' })).body.type).toMatch(/step-up-required$/);
    expect((await t.admin.post('/api/auth/step-up', { password: ADMIN_PASSWORD })).status).toBe(200);
    const live = await createOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }]);
    expect((await t.admin.post('/api/recycle-bin/purge', { ids: [live.id], confirm: 'PURGE' })).status).toBe(404);

    const journalBefore = await t.db.ctx.kysely.selectFrom('stock_movements').select('id').where('order_id', '=', Number(order.id)).execute();
    const purged = await t.admin.post('/api/recycle-bin/purge', { ids: [order.id], confirm: 'PURGE' }, { 'idempotency-key': 'purge-1' });
    expect(purged.status).toBe(200);
    expect(purged.body.purged).toEqual([{ id: order.id, number: order.number }]);
    const repeat = await t.admin.post('/api/recycle-bin/purge', { ids: [order.id], confirm: 'PURGE' }, { 'idempotency-key': 'purge-1' });
    expect(repeat.status).toBe(200);
    expect(repeat.body).toEqual(purged.body);
    // A verified backup taken before the purge holds the purged order.
    const backups = (await t.admin.get('/api/backups')).body.items;
    expect(backups.length).toBeGreaterThan(0);
    expect(backups[0].verification?.ok).toBe(true);
    expect(backups[0].rowsByTable.orders).toBeGreaterThan(0);

    const db = t.db.ctx.kysely;
    expect(await db.selectFrom('orders').select('id').where('id', '=', Number(order.id)).execute()).toEqual([]);
    expect(await db.selectFrom('order_items').select('id').where('order_id', '=', Number(order.id)).execute()).toEqual([]);
    expect(await db.selectFrom('stock_movements').select('id').where('order_id', '=', Number(order.id)).execute()).toEqual(journalBefore);
    expect((await t.admin.get(`/api/recycle-bin?q=${order.number}`)).body.items).toEqual([]);

    const audits = await db.selectFrom('audit_log').selectAll().where('action', '=', 'order.purge').where('entity_id', '=', order.id).execute();
    expect(audits).toHaveLength(1);
    const entry = JSON.stringify(audits[0]);
    expect(entry).not.toContain('王小明');
    expect(entry).not.toContain('Wang');
    expect(entry).not.toContain('buyer@example.com');
    expect(entry).not.toContain('555 0100');
    const diff = JSON.parse(audits[0].diff!);
    expect(diff).toMatchObject({ number: order.number, total: '20.00', deleteReason: { code: 'test_data' } });
    expect(diff.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(audits[0].actor_name).toBe('admin');
    const events = await db.selectFrom('outbox').select('payload').where('topic', '=', 'order.purged').execute();
    expect(events.filter((e) => JSON.parse(e.payload).orderId === order.id)).toHaveLength(1);
    expect(await checkInvariants(db)).toEqual([]);
  });

  it('restore requests: a rep asks, sees only their own; a manager sees all pending, approves (restoring) or rejects; a decision is final', async () => {
    const rep = await t.userWithRoles('rep-request', ['sales_rep']);
    const manager = await t.userWithRoles('manager-request', ['sales_manager']);
    const product = await makeProduct(t.admin, { stock: 10 });
    const a = await createOrder(rep, customer.id, [{ productId: product.id, quantity: 1 }]);
    const b = await createOrder(rep, customer.id, [{ productId: product.id, quantity: 1 }]);
    expect((await previewAndDelete(rep, { ids: [a.id] })).status).toBe(200);
    expect((await previewAndDelete(rep, { ids: [b.id] })).status).toBe(200);
    await backdateDeletion(a.id, 120_000);
    expect((await rep.post('/api/recycle-bin/restore', { ids: [a.id] })).status).toBe(403);

    expect((await rep.post('/api/restore-requests', { ids: [a.id] })).status).toBe(400);
    const created = await rep.post('/api/restore-requests', { ids: [a.id], note: 'deleted the wrong order' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'pending', orders: [{ id: a.id, number: a.number }], note: 'deleted the wrong order', requestedBy: { id: rep.userId }, decidedBy: null });
    const second = await rep.post('/api/restore-requests', { ids: [b.id], note: 'this one too' });
    expect(second.status).toBe(201);
    const foreign = await createOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }]);
    await previewAndDelete(t.admin, { ids: [foreign.id] });
    expect((await rep.post('/api/restore-requests', { ids: [foreign.id], note: 'not mine' })).status).toBe(404);
    const managersOwn = await manager.post('/api/restore-requests', { ids: [foreign.id], note: 'manager asks too' });
    expect(managersOwn.status).toBe(201);

    const repList = await rep.get('/api/restore-requests?status=pending');
    expect(repList.body.items.map((r: { id: string }) => r.id).sort()).toEqual([created.body.id, second.body.id].sort());
    const managerList = await manager.get('/api/restore-requests?status=pending');
    expect(managerList.body.items.map((r: { id: string }) => r.id)).toEqual(expect.arrayContaining([created.body.id, second.body.id, managersOwn.body.id]));
    expect((await rep.post(`/api/restore-requests/${created.body.id}/approve`, {})).status).toBe(403);
    const warehouse = await t.userWithRoles('wh-request', ['warehouse']);
    expect((await warehouse.get('/api/restore-requests')).status).toBe(403);

    const approved = await manager.post(`/api/restore-requests/${created.body.id}/approve`, { note: 'ok' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', decidedBy: { id: manager.userId }, decisionNote: 'ok' });
    expect(approved.body.decidedAt).toEqual(expect.any(String));
    expect((await rep.get(`/api/orders/${a.id}`)).body.status).toBe('draft');
    const twice = await manager.post(`/api/restore-requests/${created.body.id}/reject`, { note: 'changed my mind' });
    expect(twice.status).toBe(409);

    const rejected = await manager.post(`/api/restore-requests/${second.body.id}/reject`, { note: 'keep it deleted' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', decisionNote: 'keep it deleted' });
    expect((await rep.get(`/api/orders/${b.id}`)).status).toBe(404);
    expect((await manager.post(`/api/restore-requests/${second.body.id}/approve`, {})).status).toBe(409);
    expect((await rep.get('/api/restore-requests?status=pending')).body.items).toEqual([]);

    const actions = (await t.db.ctx.kysely.selectFrom('audit_log').select('action').where('entity_type', '=', 'restore_request').execute()).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['restore_request.create', 'restore_request.approve', 'restore_request.reject']));
  });

  it('lists the bin newest first with search by number or customer, reason and batch filters, and a keyset cursor; reps see their own', async () => {
    const binCustomer = await makeCustomer(t.admin, 'Recycle Search 回收站客户');
    const product = await makeProduct(t.admin, { stock: 10 });
    const rep = await t.userWithRoles('rep-bin', ['sales_rep']);
    const orders = [];
    for (let i = 0; i < 5; i++) orders.push(await createOrder(t.admin, binCustomer.id, [{ productId: product.id, quantity: 1 }]));
    const repOrder = await createOrder(rep, binCustomer.id, [{ productId: product.id, quantity: 1 }]);
    const first = await previewAndDelete(t.admin, { ids: orders.slice(0, 3).map((o) => o.id) }, { code: 'duplicate' });
    const second = await previewAndDelete(t.admin, { ids: [...orders.slice(3).map((o) => o.id), repOrder.id] }, { code: 'other', note: 'fair samples' });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);

    const pages: string[] = [];
    let cursor: string | null = null;
    let last: { id: string; deletedAt: string } | undefined;
    do {
      const page: { status: number; body: { items: Array<{ id: string; deletedAt: string }>; nextCursor: string | null; total: number } } = await t.admin.get(
        `/api/recycle-bin?q=${encodeURIComponent('回收站')}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      // Every page counts the whole filtered bin, not what is left after its cursor.
      expect(page.body.total).toBe(6);
      pages.push(...page.body.items.map((i) => i.id));
      last = page.body.items.at(-1) ?? last;
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(pages).toHaveLength(6);
    // A page past the last one (a cursor made of the last item) is empty and still counts the six.
    const beyond = await t.admin.get(`/api/recycle-bin?q=${encodeURIComponent('回收站')}&limit=2&cursor=${encodeKeysetCursor(last!.deletedAt, Number(last!.id))}`);
    expect(beyond.body).toMatchObject({ items: [], nextCursor: null, total: 6 });
    expect(new Set(pages).size).toBe(6);
    expect(pages.slice(0, 3).sort()).toEqual([...orders.slice(3).map((o) => o.id), repOrder.id].sort());

    const byReason = await t.admin.get(`/api/recycle-bin?reason=other&batchId=${second.body.batchId}`);
    expect(byReason.body.items.map((i: { reason: { note: string } }) => i.reason.note)).toEqual(['fair samples', 'fair samples', 'fair samples']);
    const byNumber = await t.admin.get(`/api/recycle-bin?number=${orders[0].number}`);
    expect(byNumber.body.items.map((i: { id: string }) => i.id)).toEqual([orders[0].id]);
    const repView = await rep.get(`/api/recycle-bin?q=${encodeURIComponent('回收站')}`);
    expect(repView.body.items.map((i: { id: string }) => i.id)).toEqual([repOrder.id]);
    expect((await t.admin.get('/api/recycle-bin?cursor=garbage')).status).toBe(400);
  });

  it('retention is a setting (1–3650 days, settings.manage) that sets purgeAfter of later deletions', async () => {
    expect((await t.admin.get('/api/settings/retention')).body).toEqual({ days: 30 });
    expect((await t.admin.request('PUT', '/api/settings/retention', { days: 0 })).status).toBe(400);
    expect((await t.admin.request('PUT', '/api/settings/retention', { days: 3651 })).status).toBe(400);
    const manager = await t.userWithRoles('manager-retention', ['sales_manager']);
    expect((await manager.request('PUT', '/api/settings/retention', { days: 7 })).status).toBe(403);
    expect((await t.admin.request('PUT', '/api/settings/retention', { days: 7 })).body).toEqual({ days: 7 });
    expect((await manager.get('/api/settings/retention')).body).toEqual({ days: 7 });

    const product = await makeProduct(t.admin, { stock: 10 });
    const order = await createOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }]);
    const deleted = await previewAndDelete(t.admin, { ids: [order.id] });
    const days = (Date.parse(deleted.body.purgeAfter) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThanOrEqual(7);
    expect((await t.admin.request('PUT', '/api/settings/retention', { days: 30 })).status).toBe(200);
  });

  it('restore honours Idempotency-Key: a repeat re-reserves once', async () => {
    const product = await makeProduct(t.admin, { stock: 10 });
    const order = await orderIn(t.admin, 'confirmed', customer.id, [{ productId: product.id, quantity: 3 }]);
    await previewAndDelete(t.admin, { ids: [order.id] });
    const first = await t.admin.post('/api/recycle-bin/restore', { ids: [order.id] }, { 'idempotency-key': 'restore-1' });
    const second = await t.admin.post('/api/recycle-bin/restore', { ids: [order.id] }, { 'idempotency-key': 'restore-1' });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(await stockOf(t.admin, product.id)).toEqual({ onHand: 10, reserved: 3, available: 7 });
    expect((await t.admin.post('/api/recycle-bin/restore', { ids: [order.id] })).status).toBe(404);
  });
});
