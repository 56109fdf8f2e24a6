import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DIALECTS, makeCustomer, makeOrder, makeProduct, type TestApp } from '../../../../test/helpers.js';

describe.each(DIALECTS)('order book over HTTP (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('walks sign-in → customer → product → draft → confirm → list → stale PATCH → bad input', async () => {
    const customer = await makeCustomer(t.admin, '北京星辰贸易有限公司');
    const product = await makeProduct(t.admin, { price: '19.99', stock: 10 });
    const order = await makeOrder(t.admin, customer.id, [{ productId: product.id, quantity: 3 }]);
    expect(order.number).toMatch(/^SO-\d{4}-\d{6}$/);
    expect(order.status).toBe('draft');
    expect(order.total).toBe('59.97');

    const confirmed = await t.admin.post(`/api/orders/${order.id}/confirm`);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('confirmed');

    const list = await t.admin.get('/api/orders?status=confirmed');
    expect(list.status).toBe(200);
    expect(list.body.items.map((o: { id: string }) => o.id)).toContain(order.id);
    const byName = await t.admin.get(`/api/orders?q=${encodeURIComponent('星辰')}`);
    expect(byName.body.items.map((o: { id: string }) => o.id)).toEqual([order.id]);

    const stale = await t.admin.patch(`/api/orders/${order.id}`, { note: 'late edit' }, { 'if-match': '1' });
    expect(stale.status).toBe(412);
    expect(stale.headers['content-type']).toContain('application/problem+json');

    const before = await t.admin.get('/api/orders?limit=500');
    const bad = await t.admin.post('/api/orders', { items: [{ productId: product.id, quantity: 0 }] });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    const fields = bad.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['customerId', 'items.0.quantity']));
    const after = await t.admin.get('/api/orders?limit=500');
    expect(after.body.items.length).toBe(before.body.items.length);
  });
});
