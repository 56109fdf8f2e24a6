import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DIALECTS, makeCustomer, makeOrder, makeProduct, type Client, type TestApp } from '../../../../test/helpers.js';
import { systemActor, type Actor } from '../../platform/actor.js';
import { AppError } from '../../platform/errors.js';
import { listLedger } from '../finance/finance.service.js';
import { checkInvariants } from '../integrity/invariants.js';
import { listBackups } from '../backup/backup.service.js';
import { purgeOrders, purgeRows } from '../recycle-bin/recycle-bin.service.js';
import { heldStock, openReceivables, postReceivables, releaseStock, reserveStock, reverseReceivables, shipStock } from './journals.service.js';

describe.each(DIALECTS)('journals: one batch-first writer for stock and ledger (%s)', (dialect) => {
  let t: TestApp;
  let customer: { id: string };
  let finance: Client;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    customer = await makeCustomer(t.admin, 'Journal Trading');
    finance = await t.userWithRoles('journal_finance', ['finance']);
  });
  afterAll(async () => t?.close());

  const db = () => t.db.ctx.kysely;
  const productRow = (id: string) => db().selectFrom('products').select(['on_hand', 'reserved']).where('id', '=', Number(id)).executeTakeFirstOrThrow();
  const movementsOf = (ids: number[]) =>
    db().selectFrom('stock_movements').select(['order_id', 'product_id', 'kind', 'on_hand_delta', 'reserved_delta', 'reverses_id']).where('order_id', 'in', ids).orderBy('id').execute();

  it('reserves, ships and releases many orders in one call: one movement per order and product, each reversal naming its reserve', async () => {
    const p1 = await makeProduct(t.admin, { stock: 20, price: '2.50' });
    const p2 = await makeProduct(t.admin, { stock: 20, price: '4.00' });
    const a = await makeOrder(t.admin, customer.id, [{ productId: p1.id, quantity: 2 }, { productId: p1.id, quantity: 1 }, { productId: p2.id, quantity: 4 }]);
    const b = await makeOrder(t.admin, customer.id, [{ productId: p2.id, quantity: 5 }]);
    const ids = [Number(a.id), Number(b.id)];

    // Confirming two orders at once, exactly as confirm does for one: reserve, post, change status.
    await db().transaction().execute(async (trx) => {
      await reserveStock(trx, dialect, ids, null, 'batch confirm');
      const rows = await trx.selectFrom('orders').select(['id', 'customer_id', 'total']).where('id', 'in', ids).execute();
      await postReceivables(trx, rows, null, 'batch confirm');
      await trx.updateTable('orders').set({ status: 'confirmed' }).where('id', 'in', ids).execute();
    });
    expect(await productRow(p1.id)).toEqual({ on_hand: 20, reserved: 3 });
    expect(await productRow(p2.id)).toEqual({ on_hand: 20, reserved: 9 });
    const reserves = await movementsOf(ids);
    expect(reserves.map((m) => [m.order_id, m.product_id, m.kind, m.reserved_delta])).toEqual(
      [
        [ids[0], Number(p1.id), 'reserve', 3],
        [ids[0], Number(p2.id), 'reserve', 4],
        [ids[1], Number(p2.id), 'reserve', 5],
      ].sort((x, y) => Number(x[0]) - Number(y[0]) || Number(x[1]) - Number(y[1])),
    );
    expect((await openReceivables(db(), ids)).map((e) => [e.orderId, e.amount])).toEqual([
      [ids[0], 2350],
      [ids[1], 2000],
    ]);
    expect(await checkInvariants(db())).toEqual([]);

    // Ship the first, release (cancel) the second: each reverses exactly the reserves still open.
    await db().transaction().execute(async (trx) => {
      const shipped = await shipStock(trx, dialect, [ids[0]], null);
      expect(shipped.map((h) => h.quantity)).toEqual([3, 4]);
      await trx.updateTable('orders').set({ status: 'shipped' }).where('id', '=', ids[0]).execute();
      const released = await releaseStock(trx, dialect, [ids[1]], null, 'order cancelled');
      expect(released.map((h) => [h.productId, h.quantity])).toEqual([[Number(p2.id), 5]]);
      const reversed = await reverseReceivables(trx, [ids[1]], null, 'order cancelled');
      expect(reversed.map((e) => e.amount)).toEqual([2000]);
      await trx.updateTable('orders').set({ status: 'cancelled' }).where('id', '=', ids[1]).execute();
    });
    expect(await productRow(p1.id)).toEqual({ on_hand: 17, reserved: 0 });
    expect(await productRow(p2.id)).toEqual({ on_hand: 16, reserved: 0 });
    const after = await movementsOf(ids);
    const byId = new Map((await db().selectFrom('stock_movements').select(['id', 'kind', 'order_id']).where('order_id', 'in', ids).execute()).map((m) => [m.id, m]));
    for (const m of after.filter((x) => x.kind !== 'reserve')) {
      expect(byId.get(m.reverses_id!)).toMatchObject({ kind: 'reserve', order_id: m.order_id });
    }
    expect(await heldStock(db(), ids)).toEqual([]);
    // Shipping leaves the receivable open (the customer still owes it); cancelling reversed the other.
    expect((await openReceivables(db(), ids)).map((e) => [e.orderId, e.amount])).toEqual([[ids[0], 2350]]);

    // Nothing is held or owed any more, so repeating writes nothing.
    await db().transaction().execute(async (trx) => {
      expect(await releaseStock(trx, dialect, ids, null, 'again')).toEqual([]);
      expect(await reverseReceivables(trx, [ids[1]], null, 'again')).toEqual([]);
    });
    expect(await movementsOf(ids)).toEqual(after);
    expect(await checkInvariants(db())).toEqual([]);
  });

  it('a batch reserve is all or nothing: a 409 lists what the orders together ask for, and no unit or row is written', async () => {
    const scarce = await makeProduct(t.admin, { stock: 5 });
    const plenty = await makeProduct(t.admin, { stock: 50 });
    const a = await makeOrder(t.admin, customer.id, [{ productId: plenty.id, quantity: 1 }, { productId: scarce.id, quantity: 3 }]);
    const b = await makeOrder(t.admin, customer.id, [{ productId: scarce.id, quantity: 3 }]);
    const ids = [Number(a.id), Number(b.id)];
    const error = await db()
      .transaction()
      .execute((trx) => reserveStock(trx, dialect, ids, null, null))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).extra).toMatchObject({ code: 'insufficient_stock', shortages: [{ productId: scarce.id, requested: 6, available: 5 }] });
    expect(await productRow(scarce.id)).toEqual({ on_hand: 5, reserved: 0 });
    expect(await productRow(plenty.id)).toEqual({ on_hand: 50, reserved: 0 });
    expect(await movementsOf(ids)).toEqual([]);
  });

  it('purge removes only orders the journals are done with: one still holding stock is refused and nothing is purged', async () => {
    const product = await makeProduct(t.admin, { stock: 10 });
    const settled = await makeOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }]);
    const holding = await makeOrder(t.admin, customer.id, [{ productId: product.id, quantity: 2 }]);
    expect((await t.admin.post(`/api/orders/${holding.id}/confirm`)).status).toBe(200);
    // Marked deleted around the journals (as a faulty import would): its reserve and receivable stay open.
    const deletedAt = new Date().toISOString();
    await db()
      .updateTable('orders')
      .set({ deleted_at: deletedAt, delete_batch_id: 'stray', delete_reason: 'other', purge_after: deletedAt })
      .where('id', 'in', [Number(settled.id), Number(holding.id)])
      .execute();
    const rows = await db().selectFrom('orders').selectAll().where('id', 'in', [Number(settled.id), Number(holding.id)]).execute();
    const error = await db()
      .transaction()
      .execute((trx) => purgeRows(trx, dialect, systemActor('journals-test'), rows, 'test'))
      .catch((e: unknown) => e);
    expect((error as AppError).extra).toMatchObject({ code: 'journal_not_settled', orderIds: [holding.id] });
    const left = await db().selectFrom('orders').select('id').where('id', 'in', [Number(settled.id), Number(holding.id)]).execute();
    expect(left).toHaveLength(2);
    // Put back as it was, so the invariant checks of the other tests see a sound database.
    await db().updateTable('orders').set({ deleted_at: null, delete_batch_id: null, delete_reason: null, purge_after: null }).where('id', 'in', [Number(settled.id), Number(holding.id)]).execute();
  });

  it('purgeOrders itself takes a verified backup first, whoever calls it', async () => {
    const product = await makeProduct(t.admin, { stock: 10 });
    const order = await makeOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }]);
    const preview = await t.admin.post('/api/orders/delete-preview', { ids: [order.id] });
    expect((await t.admin.post('/api/orders/delete', { ids: [order.id], reason: { code: 'test_data' }, previewToken: preview.body.previewToken })).status).toBe(200);
    const before = listBackups(t.db.config).items.length;
    const result = await purgeOrders(t.db.ctx, t.db.config, systemActor('journals-test'), { ids: [order.id], confirm: 'PURGE' });
    expect('purged' in result && result.purged).toEqual([{ id: order.id, number: order.number }]);
    const backups = listBackups(t.db.config).items;
    expect(backups.length).toBe(before + 1);
    expect(backups[0].verification?.ok).toBe(true);
  });

  it("the ledger's access rule lives in the finance service: own scope reads only its own orders' ledgers (404 otherwise), and no statement", async () => {
    const product = await makeProduct(t.admin, { stock: 10 });
    const rep = await t.userWithRoles('journal_rep', ['sales_rep']);
    const mine = await makeOrder(rep, customer.id, [{ productId: product.id, quantity: 1 }]);
    const theirs = await makeOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }]);
    const repActor: Actor = { type: 'user', userId: Number(rep.userId), name: 'journal_rep', permissions: { 'orders.read': 'own' }, ip: null, userAgent: null, requestId: null };
    expect(await listLedger(t.db.ctx, repActor, { orderId: Number(mine.id), limit: 10 })).toEqual([]);
    await expect(listLedger(t.db.ctx, repActor, { orderId: Number(theirs.id), limit: 10 })).rejects.toMatchObject({ code: 'not_found' });
    await expect(listLedger(t.db.ctx, repActor, { customerId: Number(customer.id), limit: 10 })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(listLedger(t.db.ctx, { ...repActor, permissions: {} }, { orderId: Number(mine.id), limit: 10 })).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('payments and refunds honour Idempotency-Key: a repeat returns the first response and takes no money twice; another body is 422', async () => {
    const product = await makeProduct(t.admin, { stock: 10, price: '10.00' });
    const order = await makeOrder(t.admin, customer.id, [{ productId: product.id, quantity: 3 }]);
    expect((await t.admin.post(`/api/orders/${order.id}/confirm`)).status).toBe(200);
    const url = `/api/orders/${order.id}`;

    const first = await finance.post(`${url}/payments`, { amount: '12.00' }, { 'idempotency-key': 'pay-1' });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.paid).toBe('12.00');
    const repeat = await finance.post(`${url}/payments`, { amount: '12.00' }, { 'idempotency-key': 'pay-1' });
    expect(repeat.status).toBe(201);
    expect(repeat.headers['idempotent-replayed']).toBe('true');
    expect(repeat.body).toEqual(first.body);
    const reused = await finance.post(`${url}/payments`, { amount: '13.00' }, { 'idempotency-key': 'pay-1' });
    expect(reused.status).toBe(422);
    expect(reused.headers['content-type']).toContain('application/problem+json');
    // The same key on the refund route is another request: 422, not a replay of the payment.
    expect((await finance.post(`${url}/refunds`, { amount: '12.00' }, { 'idempotency-key': 'pay-1' })).status).toBe(422);

    const refund = await finance.post(`${url}/refunds`, { amount: '5.00' }, { 'idempotency-key': 'refund-1' });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    expect((await finance.post(`${url}/refunds`, { amount: '5.00' }, { 'idempotency-key': 'refund-1' })).body).toEqual(refund.body);
    // Without a key, a second payment is a second payment.
    expect((await finance.post(`${url}/payments`, { amount: '1.00' })).status).toBe(201);
    expect((await finance.post(`${url}/payments`, { amount: '1.00' })).body.paid).toBe('9.00');

    const ledger = (await finance.get(`/api/finance/ledger?orderId=${order.id}`)).body.items as Array<{ kind: string; amount: string }>;
    expect(ledger.map((e) => [e.kind, e.amount])).toEqual([
      ['receivable', '30.00'],
      ['payment', '-12.00'],
      ['refund', '5.00'],
      ['payment', '-1.00'],
      ['payment', '-1.00'],
    ]);
    // A refused payment (over the outstanding) rolls its key back, so the corrected retry with a new body runs.
    expect((await finance.post(`${url}/payments`, { amount: '99.00' }, { 'idempotency-key': 'pay-2' })).status).toBe(409);
    expect((await finance.post(`${url}/payments`, { amount: '21.00' }, { 'idempotency-key': 'pay-2' })).status).toBe(201);
    expect(await checkInvariants(db())).toEqual([]);
  });
});
