import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, Client, createTestDatabase, DIALECTS, makeCustomer, makeProduct, type TestDatabase } from '../../../../test/helpers.js';
import { buildApp } from '../../app.js';
import { connect, type Db } from '../../db/connect.js';
import type { App } from '../../platform/http.js';
import { createOrder, previewAndDelete } from '../deletion/deletion.test-support.js';

/**
 * On PostgreSQL each server process keeps the customers a name matched (orders.queries.ts `matchedCustomers`) and
 * trusts them only while the token the page reads is the one they were matched under (migrations 0025, 0031).
 * Two server processes on one database: one keeps its matches while the other adds, renames and deletes, and every
 * answer must be what a fresh match gives. SQLite matches inside the page's statement and keeps nothing; the same
 * answers hold there.
 */
describe.each(DIALECTS)('a name search kept per process answers as a fresh one (%s)', (dialect) => {
  let db: TestDatabase;
  let processB: Db;
  let appA: App;
  let appB: App;
  let a: Client;
  let b: Client;

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    appA = await buildApp(db.config, db.ctx, { logger: false });
    // The second process: its own connections and its own keep, as another instance behind a load balancer.
    processB = connect(db.config.database);
    appB = await buildApp(db.config, processB, { logger: false });
    a = await new Client(appA).login('admin', ADMIN_PASSWORD);
    b = await new Client(appB).login('admin', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await appB?.close();
    await processB?.close();
    await appA?.close();
    await db?.drop();
  });

  const numbers = async (client: Client, path: string) => {
    const res = await client.get(path);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return (res.body.items as Array<{ number: string }>).map((o) => o.number).sort();
  };

  it('sees customers added, renamed and deleted by another process, in the list and in the recycle bin', async () => {
    const product = await makeProduct(a, { stock: 100 });
    const line = [{ productId: product.id, quantity: 1 }];
    const alpha = await makeCustomer(a, 'Kepttest Alpha Ltd');
    const first = await createOrder(a, alpha.id, line);

    // B matches (and keeps) the name, in the list and in the bin, where it finds nothing yet.
    expect(await numbers(b, '/api/orders?q=kepttest')).toEqual([first.number]);
    expect(await numbers(b, '/api/orders?q=kepttest')).toEqual([first.number]);
    expect((await b.get('/api/recycle-bin?q=kepttest')).body).toMatchObject({ items: [], total: 0 });

    // A customer added elsewhere matches at once.
    const beta = await makeCustomer(a, 'Kepttest Beta');
    const betaOrder = await createOrder(a, beta.id, line);
    expect(await numbers(b, '/api/orders?q=kepttest')).toEqual([first.number, betaOrder.number].sort());

    // Renamed elsewhere, it no longer matches.
    expect((await a.patch(`/api/customers/${beta.id}`, { name: 'Elsewhere Gamma' })).status).toBe(200);
    expect(await numbers(b, '/api/orders?q=kepttest')).toEqual([first.number]);
    expect(await numbers(b, '/api/orders?q=elsewhere')).toEqual([betaOrder.number]);

    // The bin: its page and count take the kept match too.
    expect((await previewAndDelete(a, { ids: [first.id] })).status).toBe(200);
    expect((await b.get('/api/recycle-bin?q=kepttest')).body).toMatchObject({ items: [{ number: first.number }], total: 1 });
    const delta = await makeCustomer(a, 'Kepttest Delta');
    const third = await createOrder(a, delta.id, line);
    expect((await previewAndDelete(a, { ids: [third.id] })).status).toBe(200);
    const bin = await b.get('/api/recycle-bin?q=kepttest');
    expect(bin.body.total).toBe(2);
    expect((bin.body.items as Array<{ number: string }>).map((o) => o.number).sort()).toEqual([first.number, third.number].sort());
  });

  it('a name that matched nobody finds the customer added since, though its empty page carried no token', async () => {
    const product = await makeProduct(a, { stock: 100 });
    expect(await numbers(b, '/api/orders?q=keptnone')).toEqual([]);
    expect(await numbers(b, '/api/orders?q=keptnone')).toEqual([]);
    const customer = await makeCustomer(a, 'Keptnone Trading');
    const order = await createOrder(a, customer.id, [{ productId: product.id, quantity: 1 }]);
    expect(await numbers(b, '/api/orders?q=keptnone')).toEqual([order.number]);
  });
});
