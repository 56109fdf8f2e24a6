import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DIALECTS, makeCustomer, makeProduct, type TestApp } from '../../../../test/helpers.js';
import { isKeptPrepared } from '../../db/connect.js';
import { createOrder } from '../deletion/deletion.test-support.js';

/**
 * Which reads PostgreSQL keeps prepared (planned once per connection, db/compiled.ts `prepared`): those whose plan
 * is the same for every value they bind — an order and its lines by key, the years of the order numbers. A list
 * page's best plan depends on its values (a rare status, a wide date range), so it is planned per request. SQLite
 * keeps every statement prepared anyway and registers none.
 */
describe.each(DIALECTS)('reads kept prepared on PostgreSQL (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect, { recordStatements: true });
  });
  afterAll(async () => t?.close());

  /** The statements one request issued that read `table`, as run (compiled once, so raw SQL with values). */
  async function readsOf(path: string, table: string): Promise<string[]> {
    t.issued.length = 0;
    const res = await t.admin.get(path);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const reads = t.issued.filter((q) => q.query.kind === 'RawNode' && q.sql.includes(`from "${table}"`)).map((q) => q.sql);
    expect(reads.length, path).toBeGreaterThan(0);
    return reads;
  }

  it('reads an order and its lines by key and the numbers\' years prepared, a list page planned per request', async () => {
    const customer = await makeCustomer(t.admin, 'Prepared Reads Ltd');
    const product = await makeProduct(t.admin, { stock: 10 });
    const order = await createOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }]);
    const kept = dialect === 'postgres';

    for (let run = 0; run < 7; run++) {
      // Past PostgreSQL's five custom plans, the generic one answers: the same order, lines and number.
      const res = await t.admin.get(`/api/orders/${order.id}`);
      expect(res.body).toMatchObject({ id: order.id, number: order.number, items: [{ productId: product.id, quantity: 1 }] });
    }
    const found = await readsOf(`/api/orders/${order.id}`, 'orders');
    const lines = await readsOf(`/api/orders/${order.id}`, 'order_items');
    for (const text of [...found, ...lines]) expect(isKeptPrepared(text), text).toBe(kept);

    const serial = Number(order.number.slice(8));
    const typed = await readsOf(`/api/orders?q=${serial}`, 'orders');
    const years = typed.filter((text) => /max\("number"\)/.test(text));
    expect(years).toHaveLength(1);
    expect(isKeptPrepared(years[0])).toBe(kept);

    const page = await readsOf('/api/orders?status=draft&limit=50', 'orders');
    for (const text of page) expect(isKeptPrepared(text), text).toBe(false);

    // A column added meanwhile (a migration run by another instance) leaves the kept statements running: they name
    // their columns, where a prepared `select *` fails with "cached plan must not change result type".
    const before = (await t.admin.get(`/api/orders/${order.id}`)).body;
    await sql`alter table orders add column prepared_probe text`.execute(t.db.ctx.kysely);
    await sql`alter table order_items add column prepared_probe text`.execute(t.db.ctx.kysely);
    try {
      const after = await t.admin.get(`/api/orders/${order.id}`);
      expect(after.status, JSON.stringify(after.body)).toBe(200);
      expect(after.body).toEqual(before);
    } finally {
      await sql`alter table orders drop column prepared_probe`.execute(t.db.ctx.kysely);
      await sql`alter table order_items drop column prepared_probe`.execute(t.db.ctx.kysely);
    }
  });
});
