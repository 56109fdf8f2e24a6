import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DIALECTS, makeCustomer, makeProduct, type TestApp } from '../../../../test/helpers.js';
import { checkInvariants } from '../integrity/invariants.js';
import { createOrder, orderIn, preview, previewAndDelete, receivable, stockOf } from './deletion.test-support.js';

describe.each(DIALECTS)('safe deletion over HTTP (%s)', (dialect) => {
  let t: TestApp;
  let customer: { id: string };
  beforeAll(async () => {
    t = await buildTestApp(dialect);
    customer = await makeCustomer(t.admin, '深圳蓝海电子 Blue Sea');
  });
  afterAll(async () => t?.close());

  const movementsOf = async (orderId: string, kind: string) =>
    Number((await t.db.ctx.kysely.selectFrom('stock_movements').select((eb) => eb.fn.countAll<number>().as('n')).where('order_id', '=', Number(orderId)).where('kind', '=', kind).executeTakeFirstOrThrow()).n);

  it('a sales manager deletes a confirmed order: stock released, receivable reversed, gone from lists, in the bin; restore brings all of it back exactly', async () => {
    const manager = await t.userWithRoles('manager1', ['sales_manager']);
    const product = await makeProduct(t.admin, { price: '25.00', stock: 40 });
    const stockBefore = await stockOf(t.admin, product.id);
    const receivableBefore = await receivable(t.admin);
    const order = await orderIn(manager, 'confirmed', customer.id, [{ productId: product.id, quantity: 6 }]);
    const orderBefore = (await manager.get(`/api/orders/${order.id}`)).body;
    expect(await stockOf(t.admin, product.id)).toEqual({ onHand: 40, reserved: stockBefore.reserved + 6, available: stockBefore.available - 6 });
    expect(await receivable(t.admin)).not.toBe(receivableBefore);

    const p = await preview(manager, { ids: [order.id] });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({
      count: 1,
      deletable: true,
      orders: [{ id: order.id, number: order.number, status: 'confirmed', deletable: true, blockers: [] }],
      inventory: [{ productId: product.id, sku: product.sku, release: 6 }],
      finance: [{ orderId: order.id, reverse: '150.00' }],
      notify: ['sales', 'warehouse', 'finance'],
    });

    const deleted = await manager.post('/api/orders/delete', { ids: [order.id], reason: { code: 'customer_cancelled', note: 'called to cancel' }, previewToken: p.body.previewToken });
    expect(deleted.status).toBe(200);
    expect(deleted.body.deleted).toEqual([{ id: order.id, number: order.number }]);
    expect(deleted.body.batchId).toEqual(expect.any(String));
    const days = (Date.parse(deleted.body.purgeAfter) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);

    expect(await stockOf(t.admin, product.id)).toEqual(stockBefore);
    expect(await receivable(t.admin)).toBe(receivableBefore);
    expect((await manager.get(`/api/orders/${order.id}`)).status).toBe(404);
    const list = await manager.get('/api/orders?limit=500');
    expect(list.body.items.map((o: { id: string }) => o.id)).not.toContain(order.id);
    expect((await manager.get(`/api/orders?q=${order.number}`)).body.items).toEqual([]);
    expect((await manager.patch(`/api/orders/${order.id}`, { note: 'x' })).status).toBe(404);

    const bin = await manager.get(`/api/recycle-bin?batchId=${deleted.body.batchId}`);
    expect(bin.status).toBe(200);
    expect(bin.body.items).toEqual([
      expect.objectContaining({
        id: order.id,
        number: order.number,
        status: 'confirmed',
        total: '150.00',
        deletedBy: { id: manager.userId, name: 'manager1' },
        reason: { code: 'customer_cancelled', note: 'called to cancel' },
        batchId: deleted.body.batchId,
        purgeAfter: deleted.body.purgeAfter,
      }),
    ]);
    expect(Date.parse(bin.body.items[0].deletedAt)).toBeLessThanOrEqual(Date.now());

    const audit = await t.db.ctx.kysely.selectFrom('audit_log').selectAll().where('action', '=', 'order.delete').where('entity_id', '=', order.id).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0].actor_id).toBe(Number(manager.userId));
    const events = await t.db.ctx.kysely.selectFrom('outbox').selectAll().where('topic', '=', 'order.deleted').execute();
    const event = events.map((e) => JSON.parse(e.payload)).find((e) => e.orderId === order.id);
    expect(event).toMatchObject({ number: order.number, batchId: deleted.body.batchId, departments: ['sales', 'warehouse', 'finance'] });

    const restored = await manager.post('/api/recycle-bin/restore', { batchId: deleted.body.batchId });
    expect(restored.status).toBe(200);
    expect(restored.body.restored).toEqual([{ id: order.id, number: order.number }]);
    const orderAfter = (await manager.get(`/api/orders/${order.id}`)).body;
    const { version: vBefore, updatedAt: _u1, ...restBefore } = orderBefore;
    const { version: vAfter, updatedAt: _u2, ...restAfter } = orderAfter;
    expect(restAfter).toEqual(restBefore);
    expect(vAfter).toBe(vBefore + 2);
    expect(await stockOf(t.admin, product.id)).toEqual({ onHand: 40, reserved: stockBefore.reserved + 6, available: stockBefore.available - 6 });
    expect(await receivable(t.admin)).not.toBe(receivableBefore);
    expect((await manager.get(`/api/recycle-bin?batchId=${deleted.body.batchId}`)).body.items).toEqual([]);
    expect(await checkInvariants(t.db.ctx.kysely)).toEqual([]);
  });

  it('permissions: a sales rep may delete their own draft, gets 403 on a confirmed order and 404 on someone else’s', async () => {
    const rep = await t.userWithRoles('rep1', ['sales_rep']);
    const product = await makeProduct(t.admin, { stock: 20 });
    const confirmed = await orderIn(rep, 'confirmed', customer.id, [{ productId: product.id, quantity: 2 }]);
    const stock = await stockOf(t.admin, product.id);

    const p = await preview(rep, { ids: [confirmed.id] });
    expect(p.status).toBe(200);
    expect(p.body.orders[0]).toMatchObject({ deletable: false, blockers: [{ code: 'missing_permission', permission: 'orders.delete_confirmed' }] });
    const denied = await rep.post('/api/orders/delete', { ids: [confirmed.id], reason: { code: 'duplicate' }, previewToken: p.body.previewToken });
    expect(denied.status).toBe(403);
    expect(denied.headers['content-type']).toContain('application/problem+json');
    expect(denied.body.permission).toBe('orders.delete_confirmed');
    expect(denied.body.detail).toContain('orders.delete_confirmed');
    expect((await rep.delete(`/api/orders/${confirmed.id}`, { reason: { code: 'duplicate' } })).status).toBe(403);
    expect(await stockOf(t.admin, product.id)).toEqual(stock);
    expect((await rep.get(`/api/orders/${confirmed.id}`)).status).toBe(200);

    const othersDraft = await createOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }]);
    expect((await preview(rep, { ids: [othersDraft.id] })).status).toBe(404);
    expect((await rep.delete(`/api/orders/${othersDraft.id}`, { reason: { code: 'duplicate' } })).status).toBe(404);

    const ownDraft = await createOrder(rep, customer.id, [{ productId: product.id, quantity: 1 }]);
    const own = await previewAndDelete(rep, { ids: [ownDraft.id] }, { code: 'entry_error' });
    expect(own.status).toBe(200);
    expect((await rep.get(`/api/orders/${ownDraft.id}`)).status).toBe(404);

    const warehouse = await t.userWithRoles('wh1', ['warehouse']);
    const noPermission = await preview(warehouse, { ids: [othersDraft.id] });
    expect(noPermission.status).toBe(403);
    expect(noPermission.body.permission).toBe('orders.delete');
  });

  it('a shipped order is blocked with what to do instead; a batch with one blocked order deletes nothing', async () => {
    const product = await makeProduct(t.admin, { stock: 50 });
    const shipped = await orderIn(t.admin, 'shipped', customer.id, [{ productId: product.id, quantity: 3 }]);
    const paid = await orderIn(t.admin, 'paid', customer.id, [{ productId: product.id, quantity: 1 }]);
    const draft = await createOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }]);
    const confirmed = await orderIn(t.admin, 'confirmed', customer.id, [{ productId: product.id, quantity: 4 }]);
    const stock = await stockOf(t.admin, product.id);
    const money = await receivable(t.admin);

    const single = await previewAndDelete(t.admin, { ids: [shipped.id] });
    expect(single.status).toBe(409);
    expect(single.headers['content-type']).toContain('application/problem+json');
    expect(single.body.blocked).toEqual([{ id: shipped.id, number: shipped.number, status: 'shipped', blockers: [expect.objectContaining({ code: 'shipped', action: 'return' })] }]);

    const ids = [draft.id, confirmed.id, shipped.id, paid.id];
    const p = await preview(t.admin, { ids });
    expect(p.body.deletable).toBe(false);
    const byId = Object.fromEntries(p.body.orders.map((o: { id: string }) => [o.id, o]));
    expect(byId[draft.id]).toMatchObject({ deletable: true, blockers: [] });
    expect(byId[confirmed.id]).toMatchObject({ deletable: true });
    expect(byId[shipped.id].blockers[0]).toMatchObject({ code: 'shipped', action: 'return' });
    expect(byId[paid.id].blockers[0]).toMatchObject({ code: 'has_payments', action: 'refund' });

    const batch = await t.admin.post('/api/orders/delete', { ids, reason: { code: 'cleanup' }, previewToken: p.body.previewToken });
    expect(batch.status).toBe(409);
    expect(batch.body.blocked.map((b: { id: string }) => b.id).sort()).toEqual([shipped.id, paid.id].sort());
    for (const id of ids) expect((await t.admin.get(`/api/orders/${id}`)).status).toBe(200);
    expect(await stockOf(t.admin, product.id)).toEqual(stock);
    expect(await receivable(t.admin)).toBe(money);
    const deletedRows = await t.db.ctx.kysely.selectFrom('orders').select('id').where('id', 'in', ids.map(Number)).where('deleted_at', 'is not', null).execute();
    expect(deletedRows).toEqual([]);
  });

  it('a stale preview token (order edited after the preview) is a 409 with a fresh preview', async () => {
    const product = await makeProduct(t.admin, { stock: 10 });
    const order = await createOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }]);
    const p = await preview(t.admin, { ids: [order.id] });
    const edited = await t.admin.patch(`/api/orders/${order.id}`, { note: 'edited after the preview' });
    expect(edited.status).toBe(200);

    const stale = await t.admin.post('/api/orders/delete', { ids: [order.id], reason: { code: 'duplicate' }, previewToken: p.body.previewToken });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('stale_preview');
    expect(stale.body.preview.orders).toEqual([expect.objectContaining({ id: order.id, deletable: true })]);
    expect(stale.body.preview.previewToken).not.toBe(p.body.previewToken);
    expect((await t.admin.get(`/api/orders/${order.id}`)).status).toBe(200);

    const other = await createOrder(t.admin, customer.id, [{ productId: product.id, quantity: 2 }]);
    const wrongSet = await t.admin.post('/api/orders/delete', { ids: [order.id, other.id], reason: { code: 'duplicate' }, previewToken: stale.body.preview.previewToken });
    expect(wrongSet.status).toBe(409);
    const forged = await t.admin.post('/api/orders/delete', { ids: [order.id], reason: { code: 'duplicate' }, previewToken: `${stale.body.preview.previewToken}x` });
    expect(forged.status).toBe(400);
    expect(forged.body.errors[0].field).toBe('previewToken');

    const fresh = await t.admin.post('/api/orders/delete', { ids: [order.id], reason: { code: 'duplicate' }, previewToken: stale.body.preview.previewToken });
    expect(fresh.status).toBe(200);
  });

  it('Idempotency-Key: a repeat releases stock once and returns the first response; the same key with another body is 422', async () => {
    const product = await makeProduct(t.admin, { stock: 30 });
    const order = await orderIn(t.admin, 'confirmed', customer.id, [{ productId: product.id, quantity: 5 }]);
    const p = await preview(t.admin, { ids: [order.id] });
    const body = { ids: [order.id], reason: { code: 'test_data' }, previewToken: p.body.previewToken };
    const first = await t.admin.post('/api/orders/delete', body, { 'idempotency-key': 'delete-once-1' });
    const second = await t.admin.post('/api/orders/delete', body, { 'idempotency-key': 'delete-once-1' });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(await movementsOf(order.id, 'release')).toBe(1);
    expect(await stockOf(t.admin, product.id)).toEqual({ onHand: 30, reserved: 0, available: 30 });
    const audits = await t.db.ctx.kysely.selectFrom('audit_log').select('id').where('action', '=', 'order.delete').where('entity_id', '=', order.id).execute();
    expect(audits).toHaveLength(1);

    const different = await t.admin.post('/api/orders/delete', { ...body, reason: { code: 'duplicate' } }, { 'idempotency-key': 'delete-once-1' });
    expect(different.status).toBe(422);
    expect(different.headers['content-type']).toContain('application/problem+json');

    // Twins sent at once (a double click, a retry racing the original): one deletion, one answer for both.
    const twin = await orderIn(t.admin, 'confirmed', customer.id, [{ productId: product.id, quantity: 4 }]);
    const twinPreview = await preview(t.admin, { ids: [twin.id] });
    const twinBody = { ids: [twin.id], reason: { code: 'duplicate' }, previewToken: twinPreview.body.previewToken };
    const racing = await Promise.all([1, 2, 3].map(() => t.admin.post('/api/orders/delete', twinBody, { 'idempotency-key': 'delete-race-1' })));
    expect(racing.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(racing[1].body).toEqual(racing[0].body);
    expect(racing[2].body).toEqual(racing[0].body);
    expect(await movementsOf(twin.id, 'release')).toBe(1);

    // Keys are per user: another user's identical key is a different key.
    const manager = await t.userWithRoles('manager-idem', ['sales_manager']);
    const draft = await createOrder(manager, customer.id, [{ productId: product.id, quantity: 1 }]);
    const theirs = await manager.delete(`/api/orders/${draft.id}`, { reason: { code: 'duplicate' } }, { 'idempotency-key': 'delete-once-1' });
    expect(theirs.status).toBe(200);
    const again = await manager.delete(`/api/orders/${draft.id}`, { reason: { code: 'duplicate' } }, { 'idempotency-key': 'delete-once-1' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(theirs.body);
  });

  it('deletes by filter exactly the previewed set; an order that starts matching after the preview makes it a 409 with a fresh preview', async () => {
    const filterCustomer = await makeCustomer(t.admin, 'Filter Test Trading 过滤');
    const product = await makeProduct(t.admin, { stock: 100 });
    const a = await createOrder(t.admin, filterCustomer.id, [{ productId: product.id, quantity: 1 }]);
    const b = await orderIn(t.admin, 'confirmed', filterCustomer.id, [{ productId: product.id, quantity: 2 }]);
    const shipped = await orderIn(t.admin, 'shipped', filterCustomer.id, [{ productId: product.id, quantity: 1 }]);
    const filter = { customerId: filterCustomer.id, status: ['draft', 'confirmed'] };

    const p = await preview(t.admin, { filter });
    expect(p.status).toBe(200);
    expect(p.body.count).toBe(2);
    expect(p.body.orders.map((o: { id: string }) => o.id).sort()).toEqual([a.id, b.id].sort());

    const late = await createOrder(t.admin, filterCustomer.id, [{ productId: product.id, quantity: 3 }]);
    const stale = await t.admin.post('/api/orders/delete', { filter, reason: { code: 'cleanup' }, previewToken: p.body.previewToken });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('stale_preview');
    expect(stale.body.preview.count).toBe(3);
    expect((await t.admin.get(`/api/orders/${a.id}`)).status).toBe(200);

    // An ids token does not stand in for a filter one, even for the same orders.
    const idsPreview = await preview(t.admin, { ids: [a.id, b.id, late.id] });
    expect((await t.admin.post('/api/orders/delete', { filter, reason: { code: 'cleanup' }, previewToken: idsPreview.body.previewToken })).status).toBe(409);

    const done = await t.admin.post('/api/orders/delete', { filter, reason: { code: 'cleanup' }, previewToken: stale.body.preview.previewToken });
    expect(done.status).toBe(200);
    expect(done.body.deleted.map((o: { id: string }) => o.id).sort()).toEqual([a.id, b.id, late.id].sort());
    expect((await t.admin.get(`/api/orders/${shipped.id}`)).status).toBe(200);
    expect(await stockOf(t.admin, product.id)).toEqual({ onHand: 99, reserved: 0, available: 99 });
    const count = await t.admin.get(`/api/orders?customerId=${filterCustomer.id}`);
    expect(count.body.items.map((o: { id: string }) => o.id)).toEqual([shipped.id]);
  });

  it('validates input: reason codes, a note for "other", at most 1,000 ids, ids or filter', async () => {
    const product = await makeProduct(t.admin, { stock: 10 });
    const order = await createOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }]);
    const p = await preview(t.admin, { ids: [order.id] });
    const noNote = await t.admin.post('/api/orders/delete', { ids: [order.id], reason: { code: 'other' }, previewToken: p.body.previewToken });
    expect(noNote.status).toBe(400);
    expect(noNote.body.errors.map((e: { field: string }) => e.field)).toContain('reason.note');
    const badCode = await t.admin.delete(`/api/orders/${order.id}`, { reason: { code: 'bored' } });
    expect(badCode.status).toBe(400);
    expect(badCode.body.errors.map((e: { field: string }) => e.field)).toContain('reason.code');
    const tooMany = await preview(t.admin, { ids: Array.from({ length: 1001 }, (_, i) => String(i + 1)) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0].field).toBe('ids');
    expect((await t.admin.post('/api/orders/delete-preview', {})).status).toBe(400);
    expect((await t.admin.post('/api/orders/delete-preview', { ids: [order.id], filter: {} })).status).toBe(400);
    expect((await t.admin.get(`/api/orders/${order.id}`)).status).toBe(200);

    const withNote = await t.admin.delete(`/api/orders/${order.id}`, { reason: { code: 'other', note: 'sample order from the trade fair' } }, { 'if-match': String(order.version) });
    expect(withNote.status).toBe(200);
    expect(withNote.body.deleted).toEqual([{ id: order.id, number: order.number }]);
    expect((await t.admin.delete(`/api/orders/${order.id}`, { reason: { code: 'duplicate' } })).status).toBe(404);
  });

  it('a deleted order keeps its number: new orders never reuse it', async () => {
    const product = await makeProduct(t.admin, { stock: 10 });
    const order = await createOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }]);
    expect((await t.admin.delete(`/api/orders/${order.id}`, { reason: { code: 'entry_error' } })).status).toBe(200);
    const next = await createOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }]);
    expect(next.number).not.toBe(order.number);
    expect(next.number > order.number).toBe(true);
  });
});
