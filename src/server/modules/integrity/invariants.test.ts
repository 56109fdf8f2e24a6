/**
 * The checker must be worth trusting: a clean history passes, and each kind of damage an off-by-one or a
 * wrong reference would do to the journals is named. Each case damages the database directly, checks, and
 * undoes the damage, so the cases stay independent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DIALECTS, makeCustomer, makeOrder, makeProduct, type TestApp } from '../../../../test/helpers.js';
import type { Violation, ViolationCode } from '../../../contracts/integrity.js';
import { checkInvariants } from './invariants.js';

describe.each(DIALECTS)('journal invariants (%s)', (dialect) => {
  let t: TestApp;
  /** A shipped and paid order, a confirmed one, a cancelled one: every kind of entry exists. */
  const ids = {} as { product: number; shipped: number; confirmed: number; cancelled: number };

  const codes = async () => (await checkInvariants(t.db.ctx.kysely)).map((v) => v.code).sort();
  const movement = (orderId: number, kind: string) =>
    t.db.ctx.kysely.selectFrom('stock_movements').selectAll().where('order_id', '=', orderId).where('kind', '=', kind).orderBy('id').executeTakeFirstOrThrow();
  const ledgerEntry = (orderId: number, kind: string) =>
    t.db.ctx.kysely.selectFrom('ledger_entries').selectAll().where('order_id', '=', orderId).where('kind', '=', kind).orderBy('id').executeTakeFirstOrThrow();

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    const customer = await makeCustomer(t.admin, 'Invariant Co');
    const product = await makeProduct(t.admin, { price: '12.34', stock: 20 });
    const order = async (quantity: number) => (await makeOrder(t.admin, customer.id, [{ productId: product.id, quantity }])).id;
    const shipped = await order(2);
    const confirmed = await order(3);
    const cancelled = await order(4);
    for (const id of [shipped, confirmed, cancelled]) expect((await t.admin.post(`/api/orders/${id}/confirm`)).status).toBe(200);
    await t.admin.post(`/api/orders/${shipped}/ship`);
    await t.admin.post(`/api/orders/${shipped}/payments`, { amount: '20.00' });
    await t.admin.post(`/api/orders/${shipped}/payments`, { amount: '4.68' });
    await t.admin.post(`/api/orders/${shipped}/refunds`, { amount: '1.00' });
    await t.admin.post(`/api/orders/${cancelled}/cancel`);
    Object.assign(ids, { product: Number(product.id), shipped: Number(shipped), confirmed: Number(confirmed), cancelled: Number(cancelled) });
  });
  afterAll(async () => t?.close());

  it('finds nothing wrong with a history made through the API, and says so over HTTP', async () => {
    expect(await checkInvariants(t.db.ctx.kysely)).toEqual([]);
    const res = await t.admin.get('/api/integrity');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, violations: [] });
    const auditor = await t.userWithRoles('inv_auditor', ['auditor']);
    expect((await auditor.get('/api/integrity')).status).toBe(200);
    for (const role of ['sales_manager', 'warehouse', 'finance', 'sales_rep']) {
      const user = await t.userWithRoles(`integrity_${role}`, [role]);
      expect((await user.get('/api/integrity')).status, role).toBe(403);
    }
    expect((await t.anonymous().get('/api/integrity')).status).toBe(401);
  });

  /** Damages, checks that exactly the expected rules break, undoes, and returns what the checker said. */
  async function expectDamage(damage: () => Promise<unknown>, undo: () => Promise<unknown>, expected: ViolationCode[]): Promise<Violation[]> {
    await damage();
    let found: Violation[];
    try {
      found = await checkInvariants(t.db.ctx.kysely);
      expect(found.map((v) => v.code).sort()).toEqual([...expected].sort());
    } finally {
      await undo();
    }
    expect(await codes()).toEqual([]);
    return found;
  }

  it('names a product balance that drifted from its journal, and negative stock', async () => {
    const db = t.db.ctx.kysely;
    await expectDamage(
      () => db.updateTable('products').set((eb) => ({ on_hand: eb('on_hand', '+', 1) })).where('id', '=', ids.product).execute(),
      () => db.updateTable('products').set((eb) => ({ on_hand: eb('on_hand', '-', 1) })).where('id', '=', ids.product).execute(),
      ['stock_balance_mismatch'],
    );
    // A manual movement that takes more than there is: the journal itself goes negative.
    const res = await db
      .insertInto('stock_movements')
      .values({ product_id: ids.product, kind: 'adjust', on_hand_delta: -1000, reserved_delta: 0, created_at: new Date().toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow();
    try {
      const found = await checkInvariants(db);
      expect(found.map((v) => v.code).sort()).toEqual(['negative_stock', 'stock_balance_mismatch']);
      expect(found.find((v) => v.code === 'negative_stock')).toMatchObject({ entity: { type: 'product', id: String(ids.product) } });
    } finally {
      await db.deleteFrom('stock_movements').where('id', '=', res.id).execute();
    }
  });

  it('names a release that is off by one unit, or that names no reserve', async () => {
    const db = t.db.ctx.kysely;
    const release = await movement(ids.cancelled, 'release');
    // Off by one, with the balance moved the same way, so only the journal rules can tell.
    const offByOne = await expectDamage(
      async () => {
        await db.updateTable('stock_movements').set({ reserved_delta: release.reserved_delta + 1 }).where('id', '=', release.id).execute();
        await db.updateTable('products').set((eb) => ({ reserved: eb('reserved', '+', 1) })).where('id', '=', ids.product).execute();
      },
      async () => {
        await db.updateTable('stock_movements').set({ reserved_delta: release.reserved_delta }).where('id', '=', release.id).execute();
        await db.updateTable('products').set((eb) => ({ reserved: eb('reserved', '-', 1) })).where('id', '=', ids.product).execute();
      },
      ['movement_invalid', 'order_reservation_mismatch'],
    );
    expect(offByOne.find((v) => v.code === 'movement_invalid')).toEqual({
      code: 'movement_invalid',
      entity: { type: 'stock_movement', id: String(release.id), label: expect.stringMatching(/^SKU-/) },
      detail: 'release: releases 3 of a reserve of 4',
    });
    expect(offByOne.find((v) => v.code === 'order_reservation_mismatch')).toMatchObject({
      entity: { type: 'order', id: String(ids.cancelled), label: expect.stringMatching(/^SO-\d{4}-\d{6}$/) },
      detail: expect.stringMatching(/: 1 reserved in the journal, 0 expected$/),
    });
    await expectDamage(
      () => db.updateTable('stock_movements').set({ reverses_id: null }).where('id', '=', release.id).execute(),
      () => db.updateTable('stock_movements').set({ reverses_id: release.reverses_id }).where('id', '=', release.id).execute(),
      ['movement_invalid'],
    );
    const ship = await movement(ids.shipped, 'ship');
    await expectDamage(
      () => db.updateTable('stock_movements').set({ reverses_id: release.reverses_id }).where('id', '=', ship.id).execute(),
      () => db.updateTable('stock_movements').set({ reverses_id: ship.reverses_id }).where('id', '=', ship.id).execute(),
      ['movement_invalid', 'movement_reversed_twice'],
    );
  });

  it('names a confirmed order whose reservation is missing and a shipped one with nothing shipped', async () => {
    const db = t.db.ctx.kysely;
    await expectDamage(
      () => db.updateTable('orders').set({ status: 'draft' }).where('id', '=', ids.confirmed).execute(),
      () => db.updateTable('orders').set({ status: 'confirmed' }).where('id', '=', ids.confirmed).execute(),
      ['order_reservation_mismatch', 'order_receivable_mismatch'],
    );
    await expectDamage(
      () => db.updateTable('orders').set({ status: 'confirmed' }).where('id', '=', ids.shipped).execute(),
      () => db.updateTable('orders').set({ status: 'shipped' }).where('id', '=', ids.shipped).execute(),
      ['order_reservation_mismatch', 'order_shipment_mismatch'],
    );
  });

  it('names an order marked confirmed that the journals know nothing about', async () => {
    // A draft has no movements and no ledger entries: the checks must look from the order's side too.
    const customer = await makeCustomer(t.admin, 'Unjournaled Co');
    const draft = Number((await makeOrder(t.admin, customer.id, [{ productId: String(ids.product), quantity: 1 }])).id);
    const db = t.db.ctx.kysely;
    const found = await expectDamage(
      () => db.updateTable('orders').set({ status: 'confirmed' }).where('id', '=', draft).execute(),
      () => db.updateTable('orders').set({ status: 'draft' }).where('id', '=', draft).execute(),
      ['order_reservation_mismatch', 'order_receivable_mismatch'],
    );
    expect(found.every((v) => v.entity.id === String(draft))).toBe(true);
    expect(found.find((v) => v.code === 'order_reservation_mismatch')?.detail).toMatch(/: 0 reserved in the journal, 1 expected$/);
  });

  it('names a reversal off by one cent, a receivable reversed twice, and a deleted order still owing', async () => {
    const db = t.db.ctx.kysely;
    const reversal = await ledgerEntry(ids.cancelled, 'reversal');
    const offByOneCent = await expectDamage(
      () => db.updateTable('ledger_entries').set({ amount: reversal.amount + 1 }).where('id', '=', reversal.id).execute(),
      () => db.updateTable('ledger_entries').set({ amount: reversal.amount }).where('id', '=', reversal.id).execute(),
      ['ledger_entry_invalid', 'order_receivable_mismatch'],
    );
    expect(offByOneCent.map((v) => v.detail).sort()).toEqual(['receivables net of reversals 0.01, expected 0.00', 'reversal of -49.35: does not negate the receivable it reverses (49.36)']);
    const { id: _id, ...copy } = reversal;
    let extra = 0;
    await expectDamage(
      async () => (extra = (await db.insertInto('ledger_entries').values(copy).returning('id').executeTakeFirstOrThrow()).id),
      () => db.deleteFrom('ledger_entries').where('id', '=', extra).execute(),
      ['ledger_reversed_twice', 'order_receivable_mismatch'],
    );
    // Deleting a confirmed order without reversing anything leaves money and stock behind.
    await expectDamage(
      () => db.updateTable('orders').set({ deleted_at: new Date().toISOString() }).where('id', '=', ids.confirmed).execute(),
      () => db.updateTable('orders').set({ deleted_at: null }).where('id', '=', ids.confirmed).execute(),
      ['order_reservation_mismatch', 'order_receivable_mismatch'],
    );
  });

  it('names paid that disagrees with the ledger, a refund beyond its payment, and a refund naming no payment', async () => {
    const db = t.db.ctx.kysely;
    await expectDamage(
      () => db.updateTable('orders').set((eb) => ({ paid: eb('paid', '+', 1) })).where('id', '=', ids.shipped).execute(),
      () => db.updateTable('orders').set((eb) => ({ paid: eb('paid', '-', 1) })).where('id', '=', ids.shipped).execute(),
      ['order_paid_mismatch'],
    );
    const refund = await ledgerEntry(ids.shipped, 'refund');
    const payment = await db.selectFrom('ledger_entries').selectAll().where('id', '=', refund.reverses_id!).executeTakeFirstOrThrow();
    // The whole payment refunded twice over, with paid moved to match: only the per-payment rule sees it.
    const more = -payment.amount * 2;
    await expectDamage(
      async () => {
        await db.updateTable('ledger_entries').set({ amount: refund.amount + more }).where('id', '=', refund.id).execute();
        await db.updateTable('orders').set((eb) => ({ paid: eb('paid', '-', more) })).where('id', '=', ids.shipped).execute();
      },
      async () => {
        await db.updateTable('ledger_entries').set({ amount: refund.amount }).where('id', '=', refund.id).execute();
        await db.updateTable('orders').set((eb) => ({ paid: eb('paid', '+', more) })).where('id', '=', ids.shipped).execute();
      },
      ['payment_over_refunded', 'order_paid_out_of_range'],
    );
    const receivable = await ledgerEntry(ids.shipped, 'receivable');
    await expectDamage(
      () => db.updateTable('ledger_entries').set({ reverses_id: receivable.id }).where('id', '=', refund.id).execute(),
      () => db.updateTable('ledger_entries').set({ reverses_id: refund.reverses_id }).where('id', '=', refund.id).execute(),
      ['ledger_entry_invalid'],
    );
    expect((await t.admin.get('/api/integrity')).body.ok).toBe(true);
  });
});
