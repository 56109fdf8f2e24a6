/**
 * The names cache of db/names.ts (issue 16): lists and the order page show customer and user names from a
 * per-process cache, so a rename made by another server process (or straight in the database) must show at once.
 * Two apps on their own connections to one database stand for two instances.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import type { App } from '../platform/http.js';
import { buildTestApp, Client, DIALECTS, makeCustomer, makeOrder, makeProduct, type TestApp } from '../../../test/helpers.js';
import { connect, type Db } from './connect.js';

describe.each(DIALECTS)('names in lists across instances (%s)', (dialect) => {
  let t: TestApp;
  let other: { ctx: Db; app: App; client: Client };
  let customerId: string;
  let orderId: string;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    const ctx = connect(t.db.config.database);
    const app = await buildApp(t.db.config, ctx, { logger: false });
    await app.ready();
    const client = new Client(app);
    client.cookie = t.admin.cookie;
    client.csrf = t.admin.csrf;
    other = { ctx, app, client };
    customerId = (await makeCustomer(t.admin, 'Alpha Trading')).id;
    const productId = (await makeProduct(t.admin)).id;
    orderId = (await makeOrder(t.admin, customerId, [{ productId, quantity: 1 }])).id;
  });
  afterAll(async () => {
    await other?.app.close();
    await other?.ctx.close();
    await t?.close();
  });

  const shown = async (client: Client) => {
    const list = await client.get(`/api/orders?customerId=${customerId}`);
    const one = await client.get(`/api/orders/${orderId}`);
    expect(list.status).toBe(200);
    expect(one.status).toBe(200);
    return { list: { customer: list.body.items[0].customer.name, owner: list.body.items[0].ownerName }, one: { customer: one.body.customer.name, owner: one.body.ownerName } };
  };

  it('a customer renamed through one instance shows renamed on the other, whose cache held the old name', async () => {
    expect(await shown(other.client)).toEqual({ list: { customer: 'Alpha Trading', owner: 'Administrator' }, one: { customer: 'Alpha Trading', owner: 'Administrator' } });
    expect((await shown(t.admin)).list.customer).toBe('Alpha Trading');
    const renamed = await t.admin.patch(`/api/customers/${customerId}`, { name: 'Beta Trading' }, { 'if-match': '"1"' });
    expect(renamed.status).toBe(200);
    for (const client of [other.client, t.admin]) {
      expect(await shown(client)).toEqual({ list: { customer: 'Beta Trading', owner: 'Administrator' }, one: { customer: 'Beta Trading', owner: 'Administrator' } });
    }
  });

  it('a user renamed straight in the database (no instance told) shows renamed on both', async () => {
    await shown(other.client);
    await sql`update users set display_name = ${'Ada Admin'} where username = 'admin'`.execute(t.db.ctx.kysely);
    for (const client of [other.client, t.admin]) expect((await shown(client)).list.owner).toBe('Ada Admin');
    // The name a legal hold shows is its holder's, from the same cache.
    expect((await t.admin.post(`/api/orders/${orderId}/hold`, { reason: 'audit request' })).status).toBe(200);
    await sql`update users set display_name = ${'Ada Lovelace'} where username = 'admin'`.execute(other.ctx.kysely);
    const list = await t.admin.get(`/api/orders?customerId=${customerId}`);
    expect(list.body.items[0]).toMatchObject({ ownerName: 'Ada Lovelace', legalHold: { reason: 'audit request', heldBy: { name: 'Ada Lovelace' } } });
    expect((await other.client.get(`/api/orders/${orderId}`)).body.legalHold.heldBy.name).toBe('Ada Lovelace');
  });

  it('a new customer needs no invalidation: its name is read when first listed', async () => {
    const gamma = await makeCustomer(t.admin, 'Gamma Foods');
    const productId = (await makeProduct(t.admin)).id;
    await makeOrder(t.admin, gamma.id, [{ productId, quantity: 1 }]);
    const list = await other.client.get(`/api/orders?customerId=${gamma.id}`);
    expect(list.body.items.map((o: { customer: { name: string } }) => o.customer.name)).toEqual(['Gamma Foods']);
  });
});
