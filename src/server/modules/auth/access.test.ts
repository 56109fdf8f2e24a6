import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, buildTestApp, DIALECTS, makeCustomer, makeOrder, makeProduct, type TestApp } from '../../../../test/helpers.js';

describe.each(DIALECTS)('accounts and data permissions (%s)', (dialect) => {
  let t: TestApp;
  let productId: string;
  let customerId: string;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
    productId = (await makeProduct(t.admin, { stock: 1000 })).id;
    customerId = (await makeCustomer(t.admin)).id;
  });
  afterAll(async () => t?.close());

  it('a sales_rep sees, counts and changes only their own orders', async () => {
    const rep = await t.userWithRoles('rep_a', ['sales_rep']);
    const other = await t.userWithRoles('rep_b', ['sales_rep']);
    const mine = await makeOrder(rep, customerId, [{ productId, quantity: 1 }]);
    const theirs = await makeOrder(other, customerId, [{ productId, quantity: 2 }]);
    const byAdmin = await makeOrder(t.admin, customerId, [{ productId, quantity: 3 }]);

    const list = await rep.get('/api/orders?limit=500');
    expect(list.status).toBe(200);
    const ids = list.body.items.map((o: { id: string }) => o.id);
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(theirs.id);
    expect(ids).not.toContain(byAdmin.id);
    // Even asking for another owner explicitly finds nothing.
    expect((await rep.get(`/api/orders?ownerId=${other.userId}`)).body.items).toEqual([]);

    for (const res of [
      await rep.get(`/api/orders/${theirs.id}`),
      await rep.patch(`/api/orders/${theirs.id}`, { note: 'mine now' }),
      await rep.post(`/api/orders/${theirs.id}/confirm`),
      await rep.get(`/api/finance/ledger?orderId=${theirs.id}`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    expect((await rep.get(`/api/orders/${mine.id}`)).status).toBe(200);
    expect((await rep.patch(`/api/orders/${mine.id}`, { note: 'updated' })).status).toBe(200);

    // A rep cannot hand an order to someone else, nor create one in another's name.
    const handOver = await rep.patch(`/api/orders/${mine.id}`, { ownerId: other.userId });
    expect(handOver.status).toBe(403);
    const inTheirName = await rep.post('/api/orders', { customerId, items: [{ productId, quantity: 1 }], ownerId: other.userId });
    expect(inTheirName.status).toBe(403);
  });

  it('an auditor can read but every write is 403 naming the permission', async () => {
    const auditor = await t.userWithRoles('auditor_a', ['auditor']);
    const order = await makeOrder(t.admin, customerId, [{ productId, quantity: 1 }]);
    expect((await auditor.get(`/api/orders/${order.id}`)).status).toBe(200);
    const writes = [
      await auditor.post('/api/orders', { customerId, items: [{ productId, quantity: 1 }] }),
      await auditor.patch(`/api/orders/${order.id}`, { note: 'x' }),
      await auditor.post(`/api/orders/${order.id}/confirm`),
      await auditor.post('/api/customers', { name: 'Nope Ltd' }),
      await auditor.post('/api/products', { sku: 'NOPE-1', name: 'Nope', price: '1.00', stock: 1 }),
      await auditor.post('/api/users', { username: 'sneaky', password: 'sneaky-password', roles: ['admin'] }),
    ];
    for (const res of writes) {
      expect(res.status).toBe(403);
      expect(res.body.detail).toMatch(/Missing permission [a-z_.]+/);
    }
  });

  it("a disabled user's open session is refused on the next request", async () => {
    const rep = await t.userWithRoles('rep_disabled', ['sales_rep']);
    expect((await rep.get('/api/auth/me')).status).toBe(200);
    const disabled = await t.admin.patch(`/api/users/${rep.userId}`, { disabled: true });
    expect(disabled.status).toBe(200);
    expect((await rep.get('/api/auth/me')).status).toBe(401);
    expect((await t.anonymous().post('/api/auth/login', { username: 'rep_disabled', password: 'rep_disabled-password-1' })).status).toBe(401);
  });

  it('ten wrong passwords lock the account; the answer never reveals whether the user exists', async () => {
    await t.userWithRoles('rep_locked', ['sales_rep']);
    const anon = t.anonymous();
    const unknown = await anon.post('/api/auth/login', { username: 'no_such_user', password: 'whatever-password' });
    const wrong = await anon.post('/api/auth/login', { username: 'rep_locked', password: 'wrong-password-0' });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(wrong.body.detail).toBe(unknown.body.detail);
    // ORDERLY_LOCKOUT_FAILURES, 10 by default: the tenth wrong password in a row locks.
    expect(t.db.config.login.lockoutFailures).toBe(10);
    for (let i = 1; i < 9; i++) expect((await anon.post('/api/auth/login', { username: 'rep_locked', password: `wrong-password-${i}` })).status).toBe(401);
    // Nine failures do not lock yet: the right password still works, and starts the count afresh.
    expect((await anon.post('/api/auth/login', { username: 'rep_locked', password: 'rep_locked-password-1' })).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await anon.post('/api/auth/login', { username: 'rep_locked', password: `wrong-password-${i}` })).status).toBe(401);
    const locked = await anon.post('/api/auth/login', { username: 'rep_locked', password: 'rep_locked-password-1' });
    expect(locked.status).toBe(401);
    expect(locked.body.detail).toBe(unknown.body.detail);
    // An admin's password reset lifts the lock.
    const users = (await t.admin.get('/api/users')).body.items as Array<{ id: string; username: string }>;
    const id = users.find((u) => u.username === 'rep_locked')!.id;
    expect((await t.admin.patch(`/api/users/${id}`, { password: 'a-brand-new-password' })).status).toBe(200);
    expect((await anon.post('/api/auth/login', { username: 'rep_locked', password: 'a-brand-new-password' })).status).toBe(200);
  });

  it('a custom role takes effect at once, without signing in again', async () => {
    const user = await t.userWithRoles('custom_user', ['auditor']);
    expect((await user.post('/api/customers', { name: 'Custom Co' })).status).toBe(403);
    await t.admin.post('/api/auth/step-up', { password: ADMIN_PASSWORD });
    const role = await t.admin.post('/api/roles', { name: 'order_clerk', description: 'Enters orders', grants: ['orders.read:own', 'orders.create:own'] });
    expect(role.status).toBe(201);
    expect((await t.admin.post('/api/auth/step-up', { password: ADMIN_PASSWORD })).status).toBe(200);
    expect((await t.admin.patch(`/api/users/${user.userId}`, { roles: ['auditor', 'order_clerk'] })).status).toBe(200);
    expect((await user.post('/api/customers', { name: 'Custom Co' })).status).toBe(201);
    const me = await user.get('/api/auth/me');
    expect(me.body.roles).toEqual(['auditor', 'order_clerk']);
    // Permissions add up across roles; the widest scope wins.
    expect(me.body.permissions['orders.read']).toBe('all');
    expect(me.body.permissions['orders.create']).toBe('own');
    expect((await t.admin.patch(`/api/roles/${role.body.id}`, { grants: ['orders.read:own'] })).status).toBe(200);
    expect((await user.post('/api/customers', { name: 'Custom Co 2' })).status).toBe(403);
    expect((await t.admin.patch(`/api/roles/1`, { grants: [] })).status).toBe(409);
  });

  it('API tokens act with their creator\'s permissions and stop working when revoked', async () => {
    const rep = await t.userWithRoles('rep_token', ['sales_rep']);
    const created = await rep.post('/api/tokens', { name: 'ERP sync' });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^ord_/);
    const bot = t.anonymous();
    bot.bearer = created.body.token;
    expect((await bot.get('/api/auth/me')).body.username).toBe('rep_token');
    expect((await bot.post('/api/customers', { name: 'Token Customer' })).status).toBe(201); // no CSRF needed
    expect((await bot.post('/api/products', { sku: 'TOK-1', name: 'x', price: '1.00', stock: 1 })).status).toBe(403);
    const listed = await rep.get('/api/tokens');
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token);
    expect((await rep.delete(`/api/tokens/${created.body.id}`)).status).toBe(204);
    expect((await bot.get('/api/auth/me')).status).toBe(401);
  });

  it('cookie writes need the CSRF header; logout really ends the session', async () => {
    const rep = await t.userWithRoles('rep_csrf', ['sales_rep']);
    const csrf = rep.csrf;
    rep.csrf = undefined;
    const res = await rep.post('/api/customers', { name: 'No CSRF' });
    expect(res.status).toBe(403);
    rep.csrf = csrf;
    expect((await rep.post('/api/auth/logout')).status).toBe(204);
    expect((await rep.get('/api/auth/me')).status).toBe(401);
  });
});
