/**
 * Customers as records of their own (issue 18): edit with If-Match, deactivate instead of delete, merge two
 * duplicates (orders move, totals unchanged, audited), a customer's orders with the list's filters, and a
 * statement in date order with a running balance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DIALECTS, makeCustomer, makeOrder, makeProduct, type Client, type TestApp } from '../../../../test/helpers.js';
import { checkInvariants } from '../integrity/invariants.js';

type Rep = Client & { userId: string };

describe.each(DIALECTS)('customer records (%s)', (dialect) => {
  let t: TestApp;
  let rep: Rep;
  let productId: string;

  const order = async (customerId: string, quantity: number, extra: Record<string, unknown> = {}) => makeOrder(t.admin, customerId, [{ productId, quantity }], extra);
  const audit = async (entityType: string, entityId: string) => (await t.admin.get(`/api/audit?entityType=${entityType}&entityId=${entityId}`)).body.items as Array<{ action: string; diff: unknown }>;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    rep = await t.userWithRoles('records_rep', ['sales_rep']);
    productId = (await makeProduct(t.admin, { price: '10.00', stock: 1000 })).id;
  });
  afterAll(async () => t?.close());

  it('edits a customer with If-Match: a stale version is 412, a bad field 400, and the change is audited', async () => {
    const c = await makeCustomer(t.admin, 'Edit Me Ltd');
    const edited = await t.admin.patch(`/api/customers/${c.id}`, { name: 'Edited Ltd', phone: '+86 10 6552 9988', email: null }, { 'if-match': '"1"' });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body).toMatchObject({ name: 'Edited Ltd', phone: '+86 10 6552 9988', email: null, version: 2 });
    expect(edited.headers.etag).toBe('"2"');

    const stale = await t.admin.patch(`/api/customers/${c.id}`, { note: 'late' }, { 'if-match': '1' });
    expect(stale.status).toBe(412);
    const bad = await t.admin.patch(`/api/customers/${c.id}`, { phone: 'call me', name: '' });
    expect(bad.status).toBe(400);
    expect([...new Set(bad.body.errors.map((e: { field: string }) => e.field))].sort()).toEqual(['name', 'phone']);
    expect((await t.admin.get(`/api/customers/${c.id}`)).body).toMatchObject({ name: 'Edited Ltd', note: null, version: 2 });

    expect((await t.admin.get('/api/customers?q=Edited')).body.items.map((x: { id: string }) => x.id)).toEqual([c.id]);
    const [entry] = await audit('customer', c.id);
    expect(entry).toMatchObject({ action: 'customer.update', diff: { name: { from: 'Edit Me Ltd', to: 'Edited Ltd' }, email: { from: 'buyer@example.com', to: null } } });
  });

  it('a sales rep edits the customers of their own orders only', async () => {
    const mine = await makeCustomer(t.admin, 'Rep Sells Here');
    const theirs = await makeCustomer(t.admin, 'Rep Never Sold Here');
    await order(mine.id, 1, { ownerId: rep.userId });
    expect((await rep.patch(`/api/customers/${mine.id}`, { note: 'met at the fair' })).status).toBe(200);
    expect((await rep.patch(`/api/customers/${theirs.id}`, { note: 'nope' })).status).toBe(403);
    expect((await rep.post(`/api/customers/${theirs.id}/merge`, { intoId: mine.id })).status).toBe(403);
  });

  it('deactivates a customer that has orders instead of deleting it: kept, not offered, no new orders', async () => {
    const c = await makeCustomer(t.admin, 'Dormant Trading');
    const existing = await order(c.id, 2);
    const off = await t.admin.patch(`/api/customers/${c.id}`, { active: false });
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);

    expect((await t.admin.get('/api/customers?q=Dormant')).body.items).toEqual([]);
    expect((await t.admin.get('/api/customers?q=Dormant&includeInactive=true')).body.items.map((x: { id: string }) => x.id)).toEqual([c.id]);
    const refused = await t.admin.post('/api/orders', { customerId: c.id, items: [{ productId, quantity: 1 }] });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'customerId' })]);
    expect((await t.admin.get(`/api/orders/${existing.id}`)).body.customer).toEqual({ id: c.id, name: 'Dormant Trading' });
    expect((await audit('customer', c.id))[0].action).toBe('customer.deactivate');

    expect((await t.admin.patch(`/api/customers/${c.id}`, { active: true })).body.active).toBe(true);
    expect((await t.admin.post('/api/orders', { customerId: c.id, items: [{ productId, quantity: 1 }] })).status).toBe(201);
  });

  it('merges a duplicate: every order (also in the recycle bin) moves, totals and balances are unchanged, all audited', async () => {
    const keep = await makeCustomer(t.admin, '华南贸易有限公司');
    const dupe = await makeCustomer(t.admin, '华南贸易 (重复)');
    const kept = await order(keep.id, 1);
    const live = await order(dupe.id, 3);
    const confirmed = await order(dupe.id, 5);
    expect((await t.admin.post(`/api/orders/${confirmed.id}/confirm`)).status).toBe(200);
    expect((await t.admin.post(`/api/orders/${confirmed.id}/payments`, { amount: '20.00' })).status).toBe(201);
    const binned = await order(dupe.id, 1);
    expect((await t.admin.delete(`/api/orders/${binned.id}`, { reason: { code: 'duplicate' } })).status).toBe(200);
    const totalBefore = (await t.admin.get('/api/finance/summary')).body;

    const merged = await t.admin.post(`/api/customers/${dupe.id}/merge`, { intoId: keep.id });
    expect(merged.status, JSON.stringify(merged.body)).toBe(200);
    expect(merged.body).toMatchObject({ movedOrders: 3, customer: { id: keep.id, active: true } });

    const listed = (await t.admin.get(`/api/customers/${keep.id}/orders?sort=number`)).body.items as Array<{ id: string; total: string; customer: { id: string } }>;
    expect(listed.map((o) => o.id)).toEqual([kept.id, live.id, confirmed.id]);
    expect(listed.map((o) => o.total)).toEqual([kept.total, live.total, confirmed.total]);
    expect((await t.admin.get(`/api/customers/${dupe.id}/orders`)).body.items).toEqual([]);
    const bin = (await t.admin.get('/api/recycle-bin')).body.items as Array<{ id: string; customer?: { id: string } }>;
    expect(bin.find((o) => o.id === binned.id)?.customer?.id).toBe(keep.id);

    const gone = (await t.admin.get(`/api/customers/${dupe.id}`)).body;
    expect(gone).toMatchObject({ active: false, mergedIntoId: keep.id });
    expect((await t.admin.get('/api/finance/summary')).body).toEqual(totalBefore);
    const statement = (await t.admin.get(`/api/customers/${keep.id}/statement`)).body;
    expect(statement).toMatchObject({ invoiced: '50.00', paid: '20.00', balance: '30.00' });
    expect(await checkInvariants(t.db.ctx.kysely)).toEqual([]);

    expect((await audit('customer', dupe.id))[0]).toMatchObject({ action: 'customer.merge', diff: { into: { id: keep.id }, orders: [live.number, confirmed.number, binned.number] } });
    expect((await audit('customer', keep.id))[0].action).toBe('customer.merge_into');
    expect((await audit('order', live.id))[0]).toMatchObject({ action: 'order.customer_merged', diff: { customerId: { from: dupe.id, to: keep.id } } });

    // A merged customer is done: merging it again, or into it, is a conflict; into itself is a field error.
    expect((await t.admin.post(`/api/customers/${dupe.id}/merge`, { intoId: keep.id })).status).toBe(409);
    expect((await t.admin.post(`/api/customers/${keep.id}/merge`, { intoId: dupe.id })).body.type).toMatch(/customer_merged$/);
    const self = await t.admin.post(`/api/customers/${keep.id}/merge`, { intoId: keep.id });
    expect(self.status).toBe(400);
    expect(self.body.errors[0].field).toBe('intoId');
  });

  it("lists a customer's orders with the order list's filters, in the caller's scope", async () => {
    const c = await makeCustomer(t.admin, 'Filtered Orders Co');
    const small = await order(c.id, 1);
    const big = await order(c.id, 30, { ownerId: rep.userId });
    await t.admin.post(`/api/orders/${big.id}/confirm`);
    const ids = async (client: Client, query: string) => ((await client.get(`/api/customers/${c.id}/orders?${query}`)).body.items as Array<{ id: string }>).map((o) => o.id);
    expect(await ids(t.admin, 'sort=total')).toEqual([small.id, big.id]);
    expect(await ids(t.admin, 'status=confirmed')).toEqual([big.id]);
    expect(await ids(t.admin, 'minTotal=100')).toEqual([big.id]);
    expect(await ids(rep, '')).toEqual([big.id]);
    expect((await t.admin.get('/api/customers/999999/orders')).status).toBe(404);
  });

  it('the statement is in date order with a correct running balance', async () => {
    const c = await makeCustomer(t.admin, 'Statement Co');
    const first = await order(c.id, 10);
    const second = await order(c.id, 4);
    // Confirm the second order first: entry time, not order creation, decides the statement's order.
    await t.admin.post(`/api/orders/${second.id}/confirm`);
    await t.admin.post(`/api/orders/${first.id}/confirm`);
    await t.admin.post(`/api/orders/${second.id}/payments`, { amount: '15.00' });
    await t.admin.post(`/api/orders/${first.id}/cancel`);
    const res = await t.admin.get(`/api/customers/${c.id}/statement`);
    expect(res.status).toBe(200);
    const entries = res.body.entries as Array<{ at: string; kind: string; amount: string; balance: string; orderNumber: string }>;
    expect(entries.map((e) => [e.orderNumber, e.kind, e.amount, e.balance])).toEqual([
      [second.number, 'receivable', '40.00', '40.00'],
      [first.number, 'receivable', '100.00', '140.00'],
      [second.number, 'payment', '-15.00', '125.00'],
      [first.number, 'reversal', '-100.00', '25.00'],
    ]);
    expect(entries.map((e) => e.at)).toEqual([...entries.map((e) => e.at)].sort());
    expect(res.body).toMatchObject({ invoiced: '40.00', paid: '15.00', balance: '25.00' });
    expect((await rep.get(`/api/customers/${c.id}/statement`)).status).toBe(403);
  });
});
