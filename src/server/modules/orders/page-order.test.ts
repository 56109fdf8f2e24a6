import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DIALECTS, makeCustomer, makeProduct, queryPlan, type TestApp } from '../../../../test/helpers.js';
import { createOrder, previewAndDelete } from '../deletion/deletion.test-support.js';

/**
 * A list page and the recycle bin's page read their ids in order from an index, then join the full rows; ordered
 * by the ids' own sort keys, SQLite joins the rows in that order instead of sorting the page again in a temporary
 * B-tree (orders.queries.ts listOrders). Every sort, both directions and a cursor's second page still come out in
 * order on both databases.
 */
describe.each(DIALECTS)('list pages in their order without a second sort (%s)', (dialect) => {
  let t: TestApp;
  let numbers: string[];
  beforeAll(async () => {
    t = await buildTestApp(dialect, { recordStatements: true });
    const customer = await makeCustomer(t.admin, 'Page Order Ltd');
    const product = await makeProduct(t.admin, { stock: 1000, price: '1.00' });
    numbers = [];
    // Totals out of step with creation and numbers, so each sort gives another order.
    for (const quantity of [5, 2, 9, 1, 7, 3, 8]) numbers.push((await createOrder(t.admin, customer.id, [{ productId: product.id, quantity }])).number);
  });
  afterAll(async () => t?.close());

  /** The items of one request and the plans of the page statements it issued. */
  async function page(path: string): Promise<{ items: Array<{ id: string; number: string; total: string }>; next: string | null; plans: string[] }> {
    t.issued.length = 0;
    const res = await t.admin.get(path);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const pages = t.issued.filter((q) => q.query.kind === 'RawNode' && /\) as "page"/.test(q.sql));
    expect(pages.length, path).toBe(1);
    return { items: res.body.items, next: res.body.nextCursor, plans: await Promise.all(pages.map((q) => queryPlan(t.db.ctx.kysely, dialect, q))) };
  }

  const expectNoSecondSort = (plans: string[]) => {
    if (dialect === 'sqlite') for (const plan of plans) expect(plan).not.toMatch(/TEMP B-TREE/);
  };

  it('gives every sort in order, both ways, across a cursor', async () => {
    const all = (await page('/api/orders?limit=100&sort=createdAt')).items.filter((o) => numbers.includes(o.number));
    expect(all.map((o) => o.number)).toEqual(numbers);
    const cents = (o: { total: string }) => Math.round(Number(o.total) * 100);
    for (const sort of ['createdAt', '-createdAt', 'total', '-total', 'number', '-number']) {
      const first = await page(`/api/orders?limit=4&sort=${sort}`);
      expectNoSecondSort(first.plans);
      expect(first.next).not.toBeNull();
      const second = await page(`/api/orders?limit=4&sort=${sort}&cursor=${encodeURIComponent(first.next!)}`);
      expectNoSecondSort(second.plans);
      const got = [...first.items, ...second.items].map((o) => o.number);
      const key = sort.replace('-', '');
      const expected = [...all].sort((a, b) => {
        const byKey = key === 'total' ? cents(a) - cents(b) : key === 'number' ? a.number.localeCompare(b.number) : numbers.indexOf(a.number) - numbers.indexOf(b.number);
        return byKey || Number(a.id) - Number(b.id);
      });
      if (sort.startsWith('-')) expected.reverse();
      expect(got, sort).toEqual(expected.map((o) => o.number));
    }
    const byStatus = await page('/api/orders?limit=50&status=draft');
    expectNoSecondSort(byStatus.plans);
    expect(byStatus.items.map((o) => o.number)).toEqual([...numbers].reverse());
  });

  it('gives the recycle bin newest deletion first, across a cursor', async () => {
    const listed = (await page('/api/orders?limit=100&sort=createdAt')).items.filter((o) => numbers.includes(o.number));
    // Deleted one by one, so each has its own deletion time.
    for (const order of listed.slice(0, 5)) expect((await previewAndDelete(t.admin, { ids: [order.id] })).status).toBe(200);
    const first = await page('/api/recycle-bin?limit=3');
    expectNoSecondSort(first.plans);
    const second = await page(`/api/recycle-bin?limit=3&cursor=${encodeURIComponent(first.next!)}`);
    expectNoSecondSort(second.plans);
    expect([...first.items, ...second.items].map((o) => o.number)).toEqual(listed.slice(0, 5).map((o) => o.number).reverse());
  });
});
