/**
 * Correctness items of issue 18 that the server decides: a minimum amount above the maximum is a field error
 * (not an empty list); an old link to a deleted order says it is in the recycle bin, to those who may see it
 * there; people are shown by their display name in the ledger, the stock journal and the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DIALECTS, makeCustomer, makeOrder, makeProduct, type TestApp } from '../../../../test/helpers.js';

describe.each(DIALECTS)('order correctness items (%s)', (dialect) => {
  let t: TestApp;
  let customerId: string;
  let productId: string;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    customerId = (await makeCustomer(t.admin)).id;
    productId = (await makeProduct(t.admin, { price: '10.00', stock: 100 })).id;
  });
  afterAll(async () => t?.close());

  it('minTotal above maxTotal is a 400 naming minTotal on the list, a customer’s orders and the export', async () => {
    for (const url of ['/api/orders', `/api/customers/${customerId}/orders`, '/api/orders/export?format=json&x=1']) {
      const res = await t.admin.get(`${url}${url.includes('?') ? '&' : '?'}minTotal=500&maxTotal=20.00`);
      expect(res.status, url).toBe(400);
      expect(res.body.errors, url).toEqual([expect.objectContaining({ field: 'minTotal', message: 'must not be more than the maximum amount' })]);
    }
    expect((await t.admin.get('/api/orders?minTotal=20&maxTotal=20.00')).status).toBe(200);
  });

  it('a deleted order’s URL answers 404 "in the recycle bin" with its number, only within the caller’s scope', async () => {
    const rep = await t.userWithRoles('correct_rep', ['sales_rep']);
    const mine = await makeOrder(t.admin, customerId, [{ productId, quantity: 1 }], { ownerId: rep.userId });
    const theirs = await makeOrder(t.admin, customerId, [{ productId, quantity: 1 }]);
    for (const o of [mine, theirs]) expect((await t.admin.delete(`/api/orders/${o.id}`, { reason: { code: 'test_data' } })).status).toBe(200);

    const seen = await t.admin.get(`/api/orders/${theirs.id}`);
    expect(seen.status).toBe(404);
    expect(seen.body).toMatchObject({ type: expect.stringMatching(/\/in_recycle_bin$/), number: theirs.number, purgeAfter: expect.any(String) });
    expect((await rep.get(`/api/orders/${mine.id}`)).body.type).toMatch(/\/in_recycle_bin$/);
    // Another rep's deleted order is as unknown to this rep as any order outside their scope.
    const hidden = await rep.get(`/api/orders/${theirs.id}`);
    expect(hidden.status).toBe(404);
    expect(hidden.body.type).toMatch(/\/404$/);
    expect(JSON.stringify(hidden.body)).not.toContain(theirs.number);
  });

  it('shows people by display name in the ledger, the stock journal and the audit log (the recorded username stays)', async () => {
    const clerk = await t.userWithRoles('correct_clerk', ['admin']);
    expect((await clerk.patch('/api/me', { displayName: '李会计' })).status).toBe(200);
    const order = await makeOrder(clerk, customerId, [{ productId, quantity: 2 }]);
    expect((await clerk.post(`/api/orders/${order.id}/confirm`)).status).toBe(200);

    const ledger = (await t.admin.get(`/api/finance/ledger?orderId=${order.id}`)).body.items;
    expect(ledger.map((e: { actor: string }) => e.actor)).toEqual(['李会计']);
    const movements = (await t.admin.get(`/api/inventory/movements?productId=${productId}`)).body.items as Array<{ orderId: string | null; actor: string }>;
    expect(movements.filter((m) => m.orderId === order.id).map((m) => m.actor)).toEqual(['李会计']);
    const audit = (await t.admin.get(`/api/audit?entityType=order&entityId=${order.id}`)).body.items as Array<{ actor: { name: string; displayName: string } }>;
    expect(audit.map((e) => e.actor)).toContainEqual(expect.objectContaining({ name: 'correct_clerk', displayName: '李会计' }));
    const timeline = (await t.admin.get(`/api/orders/${order.id}/timeline`)).body.items as Array<{ actor: { displayName: string } }>;
    expect(timeline[0].actor.displayName).toBe('李会计');
  });
});
