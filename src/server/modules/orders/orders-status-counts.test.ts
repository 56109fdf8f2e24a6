/**
 * The status tabs of the order list (issue 18): GET /api/orders/status-counts answers, for the list's filters,
 * how many orders each status holds and how many the whole filter lists. Each count must equal what the list
 * itself returns with that status chosen, for the caller's record scope, so it is checked against the list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_STATUSES } from '../../../contracts/orders.js';
import { buildTestApp, DIALECTS, makeCustomer, makeOrder, makeProduct, type Client, type TestApp } from '../../../../test/helpers.js';

const STEPS: Record<string, string[]> = { draft: [], confirmed: ['confirm'], shipped: ['confirm', 'ship'], completed: ['confirm', 'ship', 'complete'], cancelled: ['cancel'] };

async function listedCount(client: Client, filter: Record<string, string>): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const res: { status: number; body: { items: unknown[]; nextCursor: string | null } } = await client.get(`/api/orders?${new URLSearchParams({ ...filter, limit: '500', ...(cursor ? { cursor } : {}) })}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    count += res.body.items.length;
    cursor = res.body.nextCursor;
  } while (cursor);
  return count;
}

/** Every tab's count and the total, each against the list with the same filter. */
async function expectCountsMatchList(client: Client, filter: Record<string, string>) {
  const res = await client.get(`/api/orders/status-counts?${new URLSearchParams(filter)}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const { status: _ignored, ...others } = filter;
  for (const status of ORDER_STATUSES) expect(res.body.counts[status], `${status} of ${JSON.stringify(filter)}`).toBe(await listedCount(client, { ...others, status }));
  expect(res.body.total, `total of ${JSON.stringify(filter)}`).toBe(await listedCount(client, filter));
  return res.body as { counts: Record<string, number>; total: number };
}

describe.each(DIALECTS)('order status counts (%s)', (dialect) => {
  let t: TestApp;
  let rep: Client & { userId: string };
  const numbers: string[] = [];
  beforeAll(async () => {
    t = await buildTestApp(dialect);
    rep = await t.userWithRoles('counts_rep', ['sales_rep']);
    const acme = await makeCustomer(t.admin, 'Acme Trading');
    const star = await makeCustomer(t.admin, '北京星辰贸易有限公司');
    const product = await makeProduct(t.admin, { price: '10.00', stock: 1000 });
    const plan: Array<[string, string, number, string | undefined]> = [
      ['draft', acme.id, 1, undefined],
      ['draft', star.id, 3, rep.userId],
      ['confirmed', acme.id, 5, rep.userId],
      ['confirmed', star.id, 2, undefined],
      ['shipped', star.id, 4, undefined],
      ['completed', acme.id, 6, rep.userId],
      ['cancelled', star.id, 1, rep.userId],
      ['cancelled', acme.id, 8, undefined],
      ['draft', acme.id, 2, rep.userId],
    ];
    for (const [status, customerId, quantity, ownerId] of plan) {
      const order = await makeOrder(t.admin, customerId, [{ productId: product.id, quantity }], ownerId ? { ownerId } : {});
      numbers.push(order.number);
      for (const step of STEPS[status]) expect((await t.admin.post(`/api/orders/${order.id}/${step}`)).status).toBe(200);
    }
    // A deleted order is counted nowhere.
    const gone = await makeOrder(t.admin, acme.id, [{ productId: product.id, quantity: 1 }]);
    const preview = await t.admin.post('/api/orders/delete-preview', { ids: [gone.id] });
    expect((await t.admin.post('/api/orders/delete', { ids: [gone.id], reason: { code: 'test_data' }, previewToken: preview.body.previewToken })).status).toBe(200);
  });
  afterAll(async () => t?.close());

  it('counts every status and the total with no filter', async () => {
    const all = await expectCountsMatchList(t.admin, {});
    expect(all).toEqual({ counts: { draft: 3, confirmed: 2, shipped: 1, completed: 1, cancelled: 2 }, total: 9 });
  });

  it('counts agree with the list for customer, amount, number, date and status filters', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const filters: Array<Record<string, string>> = [{ customer: 'acme' }, { q: '星辰' }, { minTotal: '30.00' }, { minTotal: '20.00', maxTotal: '50.00' }, { q: numbers[2] }, { from: today, to: today }, { status: 'draft,cancelled' }, { status: 'shipped', customer: '星辰' }];
    for (const filter of filters) {
      await expectCountsMatchList(t.admin, filter);
    }
    expect((await t.admin.get('/api/orders/status-counts?status=draft,cancelled')).body.total).toBe(5);
  });

  it("a sales rep's counts are their own orders only", async () => {
    const mine = await expectCountsMatchList(rep, {});
    expect(mine).toEqual({ counts: { draft: 2, confirmed: 1, shipped: 0, completed: 1, cancelled: 1 }, total: 5 });
    await expectCountsMatchList(rep, { customer: 'acme' });
    await expectCountsMatchList(rep, { status: 'confirmed', minTotal: '40.00' });
  });

  it('the recycle bin and stock lists report the total of their filter across pages', async () => {
    const bin = await t.admin.get('/api/recycle-bin?limit=1');
    expect(bin.body).toMatchObject({ total: 1, nextCursor: null });
    expect((await t.admin.get('/api/recycle-bin?q=nobody-like-this')).body).toMatchObject({ items: [], total: 0 });
    expect((await rep.get('/api/recycle-bin')).body.total).toBe(0);
    await makeProduct(t.admin, { stock: 5 });
    const firstPage = await t.admin.get('/api/inventory/stock?limit=1');
    expect(firstPage.body.items).toHaveLength(1);
    expect(firstPage.body.total).toBe(2);
    expect((await t.admin.get(`/api/inventory/stock?limit=1&cursor=${encodeURIComponent(firstPage.body.nextCursor)}`)).body.total).toBe(2);
    expect((await t.admin.get('/api/inventory/stock?lowOnly=true&threshold=10')).body).toMatchObject({ total: 1 });
  });

  it('a bad filter is 400 naming the field', async () => {
    const res = await t.admin.get('/api/orders/status-counts?minTotal=50.00&maxTotal=10.00');
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain('minTotal');
    expect((await t.admin.get('/api/orders/status-counts?status=lost')).body.errors[0].field).toMatch(/^status/);
  });
});
