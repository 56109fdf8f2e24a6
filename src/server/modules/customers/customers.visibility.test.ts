/**
 * Data minimisation (SPEC §5): a sales rep sees the contact details of the customers of their own orders and
 * only the names of the rest; `customers.read` (every other built-in role) sees every customer's details.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_ROLE_GRANTS } from '../../../contracts/permissions.js';
import { buildTestApp, DIALECTS, makeProduct, type Client, type TestApp } from '../../../../test/helpers.js';
import { up as grantCustomersRead } from '../../db/migrations/0007_customers_read.js';

type Rep = Client & { userId: string };
const CONTACT = { phone: '+86 138 0013 8000', email: 'buyer@example.com', note: 'prefers WeChat' };

describe.each(DIALECTS)('customer contact details by role (%s)', (dialect) => {
  let t: TestApp;
  let rep1: Rep;
  let rep2: Rep;
  let productId: string;
  const customer: Record<'mine' | 'theirs' | 'nobodys', { id: string; name: string }> = {} as never;

  const createCustomer = async (name: string) => {
    const res = await t.admin.post('/api/customers', { name, ...CONTACT });
    expect(res.status).toBe(201);
    return { id: res.body.id as string, name };
  };
  const orderFor = async (client: Client, customerId: string, ownerId?: string) => {
    const res = await client.post('/api/orders', { customerId, items: [{ productId, quantity: 1 }], ...(ownerId ? { ownerId } : {}) });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string };
  };
  const searchAs = async (client: Client, q = '可见性') => {
    const res = await client.get(`/api/customers?q=${encodeURIComponent(q)}&limit=200`);
    expect(res.status).toBe(200);
    return new Map<string, Record<string, unknown>>(res.body.items.map((c: { id: string }) => [c.id, c]));
  };
  const record = { createdAt: expect.any(String), updatedAt: expect.any(String), version: 1, active: true, mergedIntoId: null };
  const full = (c: { id: string; name: string }) => ({ id: c.id, name: c.name, ...CONTACT, ...record });
  const nameOnly = (c: { id: string; name: string }) => ({ id: c.id, name: c.name, phone: null, email: null, note: null, ...record, contactHidden: true });

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    rep1 = await t.userWithRoles('vis_rep1', ['sales_rep']);
    rep2 = await t.userWithRoles('vis_rep2', ['sales_rep']);
    productId = (await makeProduct(t.admin, { stock: 1000 })).id;
    customer.mine = await createCustomer('可见性 Mine Co');
    customer.theirs = await createCustomer('可见性 Theirs Co');
    customer.nobodys = await createCustomer('可见性 Nobody Co');
    await orderFor(t.admin, customer.mine.id, rep1.userId);
    await orderFor(t.admin, customer.theirs.id, rep2.userId);
  });
  afterAll(async () => t?.close());

  it('a sales rep sees the details of the customers of their own orders and only the names of the rest', async () => {
    const seen = await searchAs(rep1);
    expect(seen.get(customer.mine.id)).toEqual(full(customer.mine));
    expect(seen.get(customer.theirs.id)).toEqual(nameOnly(customer.theirs));
    expect(seen.get(customer.nobodys.id)).toEqual(nameOnly(customer.nobodys));
    const other = await searchAs(rep2);
    expect(other.get(customer.theirs.id)).toEqual(full(customer.theirs));
    expect(other.get(customer.mine.id)).toEqual(nameOnly(customer.mine));
  });

  it('by id, the customer of another rep\'s order is a directory entry: 200 with the name, no contact details', async () => {
    const theirs = await rep1.get(`/api/customers/${customer.theirs.id}`);
    expect(theirs.status).toBe(200);
    expect(theirs.body).toEqual(nameOnly(customer.theirs));
    expect(JSON.stringify(theirs.body)).not.toContain(CONTACT.phone);
    const mine = await rep1.get(`/api/customers/${customer.mine.id}`);
    expect(mine.body).toEqual(full(customer.mine));
    expect((await rep1.get('/api/customers/999999')).status).toBe(404);
  });

  it('every role with customers.read sees every customer in full', async () => {
    for (const role of ['sales_manager', 'warehouse', 'finance', 'auditor'] as const) {
      expect(BUILTIN_ROLE_GRANTS[role]).toContain('customers.read');
      const client = await t.userWithRoles(`vis_${role}`, [role]);
      const seen = await searchAs(client);
      for (const c of Object.values(customer)) expect(seen.get(c.id), role).toEqual(full(c));
      expect((await client.get(`/api/customers/${customer.theirs.id}`)).body, role).toEqual(full(customer.theirs));
    }
    const seen = await searchAs(t.admin);
    for (const c of Object.values(customer)) expect(seen.get(c.id)).toEqual(full(c));
    expect(BUILTIN_ROLE_GRANTS.sales_rep).not.toContain('customers.read');
  });

  it('a name-only entry can be chosen for a new order, and from then on it is the rep\'s customer', async () => {
    const late = await createCustomer('可见性 Later Co');
    expect((await searchAs(rep1)).get(late.id)).toEqual(nameOnly(late));
    const order = await orderFor(rep1, late.id);
    expect((await rep1.get(`/api/orders/${order.id}`)).body.customer).toEqual({ id: late.id, name: late.name });
    expect((await searchAs(rep1)).get(late.id)).toEqual(full(late));
    // Only live orders count: once that order is in the recycle bin, the details are withheld again.
    const deleted = await rep1.delete(`/api/orders/${order.id}`, { reason: { code: 'entry_error' } });
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    expect((await searchAs(rep1)).get(late.id)).toEqual(nameOnly(late));
  });

  it('an API token carries the same rule as its user', async () => {
    const token = await rep1.post('/api/tokens', { name: 'visibility' });
    expect(token.status).toBe(201);
    const res = await t.anonymous().request('GET', `/api/customers/${customer.theirs.id}`, undefined, { authorization: `Bearer ${token.body.token}` });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(nameOnly(customer.theirs));
  });

  it('migration 0007 gives customers.read to the roles that saw every customer before it, and to no sales rep', async () => {
    const db = t.db.ctx.kysely;
    const now = new Date().toISOString();
    const withoutIt = (grants: string[]) => JSON.stringify(grants.filter((g) => g !== 'customers.read'));
    for (const [name, grants] of Object.entries(BUILTIN_ROLE_GRANTS)) await db.updateTable('roles').set({ grants: withoutIt(grants) }).where('name', '=', name).execute();
    await db
      .insertInto('roles')
      .values([
        { name: 'vis_reads_all', description: null, builtin: 0, grants: JSON.stringify(['orders.read', 'orders.export']), created_at: now, updated_at: now },
        { name: 'vis_reads_own', description: null, builtin: 0, grants: JSON.stringify(['orders.read:own', 'orders.create:own']), created_at: now, updated_at: now },
      ])
      .execute();
    await grantCustomersRead(db as never, { dialect } as never);
    const grants = new Map((await db.selectFrom('roles').select(['name', 'grants']).execute()).map((r) => [r.name, JSON.parse(r.grants) as string[]]));
    for (const name of ['admin', 'sales_manager', 'warehouse', 'finance', 'auditor', 'vis_reads_all']) expect(grants.get(name), name).toContain('customers.read');
    for (const name of ['sales_rep', 'vis_reads_own']) expect(grants.get(name), name).not.toContain('customers.read');
    expect(grants.get('sales_manager')!.filter((g) => g === 'customers.read')).toHaveLength(1);
    // Run twice (as on a database migrated by two instances at once): nothing doubles.
    await grantCustomersRead(db as never, { dialect } as never);
    const again = JSON.parse((await db.selectFrom('roles').select('grants').where('name', '=', 'warehouse').executeTakeFirstOrThrow()).grants) as string[];
    expect(again.filter((g) => g === 'customers.read')).toHaveLength(1);
  });
});
