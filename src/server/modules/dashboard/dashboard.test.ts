import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DIALECTS, makeCustomer, makeOrder, makeProduct, type Client, type TestApp } from '../../../../test/helpers.js';

const thisMonth = () => new Date().toISOString().slice(0, 7);
const statusCounts = (body: { ordersByStatus: Array<{ status: string; count: number }> }) => Object.fromEntries(body.ordersByStatus.map((s) => [s.status, s.count]));

describe.each(DIALECTS)('dashboard (%s)', (dialect) => {
  let t: TestApp;
  let repA: Client & { userId: string };
  let repB: Client & { userId: string };
  let warehouse: Client;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
    const customerId = (await makeCustomer(t.admin)).id;
    const productId = (await makeProduct(t.admin, { price: '10.00' })).id;
    repA = await t.userWithRoles('dash_a', ['sales_rep']);
    repB = await t.userWithRoles('dash_b', ['sales_rep']);
    warehouse = await t.userWithRoles('dash_wh', ['warehouse']);
    const a1 = await makeOrder(repA, customerId, [{ productId, quantity: 3 }]);
    await repA.post(`/api/orders/${a1.id}/confirm`);
    const a2 = await makeOrder(repA, customerId, [{ productId, quantity: 1 }]);
    await makeOrder(repA, customerId, [{ productId, quantity: 1 }]);
    const b1 = await makeOrder(repB, customerId, [{ productId, quantity: 5 }]);
    await repB.post(`/api/orders/${b1.id}/confirm`);
    const preview = await repA.post('/api/orders/delete-preview', { ids: [a2.id] });
    expect((await repA.post('/api/orders/delete', { ids: [a2.id], reason: { code: 'duplicate' }, previewToken: preview.body.previewToken })).status).toBe(200);
    expect((await repA.post('/api/restore-requests', { ids: [a2.id], note: 'needed' })).status).toBe(201);
  });
  afterAll(() => t.close());

  it('counts the whole company for readers of every order', async () => {
    const res = await t.admin.get('/api/dashboard');
    expect(res.status).toBe(200);
    expect(statusCounts(res.body)).toEqual({ draft: 1, confirmed: 2, shipped: 0, completed: 0, cancelled: 0 });
    expect(res.body.revenueByMonth).toHaveLength(12);
    expect(res.body.revenueByMonth.at(-1)).toEqual({ month: thisMonth(), total: '80.00', orders: 2 });
    expect(res.body.deletionsByReason).toEqual([{ month: thisMonth(), reason: 'duplicate', count: 1 }]);
    expect(res.body.recycleBin).toMatchObject({ count: 1, purgingThisWeek: 0 });
    expect(res.body.recycleBin.nextPurges).toHaveLength(1);
    expect(res.body.openRestoreRequests).toBe(1);
  });

  it("gives a sales rep their own orders only, and hides restore requests from roles that have none", async () => {
    const a = (await repA.get('/api/dashboard')).body;
    expect(statusCounts(a)).toEqual({ draft: 1, confirmed: 1, shipped: 0, completed: 0, cancelled: 0 });
    expect(a.revenueByMonth.at(-1)).toEqual({ month: thisMonth(), total: '30.00', orders: 1 });
    expect(a.recycleBin.count).toBe(1);
    expect(a.openRestoreRequests).toBe(1);
    const b = (await repB.get('/api/dashboard')).body;
    expect(statusCounts(b)).toEqual({ draft: 0, confirmed: 1, shipped: 0, completed: 0, cancelled: 0 });
    expect(b.revenueByMonth.at(-1).total).toBe('50.00');
    expect(b.deletionsByReason).toEqual([]);
    expect(b.recycleBin).toEqual({ count: 0, purgingThisWeek: 0, nextPurges: [] });
    expect(b.openRestoreRequests).toBe(0);
    const w = (await warehouse.get('/api/dashboard')).body;
    expect(statusCounts(w).confirmed).toBe(2);
    expect(w.openRestoreRequests).toBeNull();
  });
});
