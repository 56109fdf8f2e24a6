/**
 * Saved views (issue 18): named order-list filters, personal or shared with a role. Only filters: a view shared
 * with sales reps never widens what a rep sees.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DIALECTS, makeCustomer, makeOrder, makeProduct, type TestApp } from '../../../../test/helpers.js';

describe.each(DIALECTS)('saved views (%s)', (dialect) => {
  let t: TestApp;
  let roleIds: Record<string, string>;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
    const roles = (await t.admin.get('/api/roles')).body.items as Array<{ id: string; name: string }>;
    roleIds = Object.fromEntries(roles.map((r) => [r.name, r.id]));
  });
  afterAll(async () => t?.close());

  it('saves filters in the list spelling, lists mine and those shared with my roles, never others', async () => {
    const rep = await t.userWithRoles('sv_rep', ['sales_rep']);
    const colleague = await t.userWithRoles('sv_colleague', ['sales_rep']);
    const finance = await t.userWithRoles('sv_finance', ['finance']);

    const mine = await rep.post('/api/saved-views', { name: '  My drafts ', page: 'orders', filters: { status: 'draft,confirmed', minTotal: '10.00', q: '' } });
    expect(mine.status, JSON.stringify(mine.body)).toBe(201);
    expect(mine.body).toMatchObject({ name: 'My drafts', page: 'orders', filters: { status: 'draft,confirmed', minTotal: '10.00' }, shared: { roleId: null }, ownerId: rep.userId, mine: true, editable: true });
    expect(mine.body.filters).not.toHaveProperty('q');

    const shared = await rep.post('/api/saved-views', { name: 'Team big ones', page: 'orders', filters: { minTotal: '1000' }, roleId: roleIds.sales_rep });
    expect(shared.status, JSON.stringify(shared.body)).toBe(201);
    expect(shared.body.shared).toEqual({ roleId: roleIds.sales_rep, roleName: 'sales_rep' });
    expect((await colleague.post('/api/saved-views', { name: 'Private', page: 'orders', filters: {} })).status).toBe(201);

    const repList = (await rep.get('/api/saved-views?page=orders')).body;
    expect(repList.items.map((v: { name: string }) => v.name)).toEqual(['My drafts', 'Team big ones']);
    expect(repList.shareableRoles).toEqual([{ id: roleIds.sales_rep, name: 'sales_rep' }]);

    const colleagueList = (await colleague.get('/api/saved-views?page=orders')).body;
    expect(colleagueList.items.map((v: { name: string; mine: boolean; editable: boolean }) => [v.name, v.mine, v.editable])).toEqual([
      ['Private', true, true],
      ['Team big ones', false, false],
    ]);
    expect(colleagueList.items[1].owner).toEqual({ id: rep.userId, displayName: 'sv_rep' });
    expect((await finance.get('/api/saved-views?page=orders')).body.items).toEqual([]);
    // The admin may share with any role.
    expect((await t.admin.get('/api/saved-views?page=orders')).body.shareableRoles.length).toBeGreaterThanOrEqual(6);

    const bad = await rep.get('/api/saved-views?page=products');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('page');
  });

  it('refuses invalid filters with the field named, and a duplicate name per owner and list with 409', async () => {
    const rep = await t.userWithRoles('sv_validate', ['sales_rep']);
    const badFilters = await rep.post('/api/saved-views', { name: 'Bad', page: 'orders', filters: { status: 'draft,lost', minTotal: '12.345', from: 'yesterday' } });
    expect(badFilters.status).toBe(400);
    expect(badFilters.headers['content-type']).toContain('application/problem+json');
    expect(badFilters.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['filters.from', 'filters.minTotal', 'filters.status.1']);

    const range = await rep.post('/api/saved-views', { name: 'Bad', page: 'orders', filters: { minTotal: '50', maxTotal: '10' } });
    expect(range.status).toBe(400);
    expect(range.body.errors).toEqual([expect.objectContaining({ field: 'filters.minTotal', message: 'must not be more than the maximum amount' })]);

    const unknown = await rep.post('/api/saved-views', { name: 'Bad', page: 'orders', filters: { colour: 'red' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0]).toMatchObject({ field: 'filters', code: 'unrecognized_keys' });

    const noName = await rep.post('/api/saved-views', { name: '   ', page: 'orders', filters: {} });
    expect(noName.status).toBe(400);
    expect(noName.body.errors[0].field).toBe('name');

    expect((await rep.post('/api/saved-views', { name: 'Mine', page: 'orders', filters: { status: 'draft' } })).status).toBe(201);
    const again = await rep.post('/api/saved-views', { name: 'Mine', page: 'orders', filters: { status: 'cancelled' } });
    expect(again.status).toBe(409);
    expect(again.body.errors).toEqual([{ field: 'name', message: 'is taken' }]);
    // Another user may use the same name.
    const other = await t.userWithRoles('sv_validate_2', ['sales_rep']);
    expect((await other.post('/api/saved-views', { name: 'Mine', page: 'orders', filters: {} })).status).toBe(201);

    const second = await rep.post('/api/saved-views', { name: 'Second', page: 'orders', filters: {} });
    const rename = await rep.patch(`/api/saved-views/${second.body.id}`, { name: 'Mine' });
    expect(rename.status).toBe(409);
    const badPatch = await rep.patch(`/api/saved-views/${second.body.id}`, { filters: { maxTotal: '-1' } });
    expect(badPatch.status).toBe(400);
    expect(badPatch.body.errors[0].field).toBe('filters.maxTotal');
    expect((await rep.patch(`/api/saved-views/${second.body.id}`, {})).status).toBe(400);
  });

  it('only the owner or an admin changes a view; sharing needs holding the role', async () => {
    const owner = await t.userWithRoles('sv_owner', ['sales_rep']);
    const teammate = await t.userWithRoles('sv_teammate', ['sales_rep']);
    const outsider = await t.userWithRoles('sv_outsider', ['warehouse']);

    const notMyRole = await owner.post('/api/saved-views', { name: 'For finance', page: 'orders', filters: {}, roleId: roleIds.finance });
    expect(notMyRole.status).toBe(403);
    expect(notMyRole.body.errors[0].field).toBe('roleId');
    const noRole = await owner.post('/api/saved-views', { name: 'Nowhere', page: 'orders', filters: {}, roleId: '999999' });
    expect(noRole.status).toBe(400);
    expect(noRole.body.errors[0].field).toBe('roleId');

    const view = (await owner.post('/api/saved-views', { name: 'Shared', page: 'orders', filters: { status: 'draft' }, roleId: roleIds.sales_rep })).body;
    // The teammate sees it but may not change it; the outsider does not even see it.
    expect((await teammate.patch(`/api/saved-views/${view.id}`, { name: 'Hijacked' })).status).toBe(403);
    expect((await teammate.delete(`/api/saved-views/${view.id}`)).status).toBe(403);
    expect((await outsider.patch(`/api/saved-views/${view.id}`, { name: 'Hijacked' })).status).toBe(404);
    expect((await outsider.delete(`/api/saved-views/${view.id}`)).status).toBe(404);

    const renamed = await owner.patch(`/api/saved-views/${view.id}`, { name: 'Team drafts', roleId: null, filters: { status: 'draft,cancelled' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Team drafts', shared: { roleId: null }, filters: { status: 'draft,cancelled' } });
    const teammateSees = (await teammate.get('/api/saved-views?page=orders')).body.items.map((v: { id: string }) => v.id);
    expect(teammateSees).not.toContain(view.id);

    // An admin may rename or delete anyone's view, and share it with any role.
    const byAdmin = await t.admin.patch(`/api/saved-views/${view.id}`, { roleId: roleIds.warehouse });
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body).toMatchObject({ ownerId: owner.userId, mine: false, editable: true, shared: { roleName: 'warehouse' } });
    expect((await outsider.get('/api/saved-views?page=orders')).body.items.map((v: { name: string }) => v.name)).toEqual(['Team drafts']);
    expect((await t.admin.delete(`/api/saved-views/${view.id}`)).status).toBe(204);
    expect((await owner.get('/api/saved-views?page=orders')).body.items.filter((v: { mine: boolean }) => v.mine)).toEqual([]);

    const audit = (await t.admin.get(`/api/audit?entityType=saved_view&entityId=${view.id}`)).body.items.map((e: { action: string }) => e.action);
    expect(audit.sort()).toEqual(['saved_view.create', 'saved_view.delete', 'saved_view.update', 'saved_view.update']);
  });

  it('a view shared with reps is only filters: each rep still sees only their own orders', async () => {
    const customer = await makeCustomer(t.admin, 'Scope Check Ltd');
    const product = await makeProduct(t.admin);
    const repA = await t.userWithRoles('sv_scope_a', ['sales_rep']);
    const repB = await t.userWithRoles('sv_scope_b', ['sales_rep']);
    const ofA = await makeOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }], { ownerId: repA.userId });
    const ofB = await makeOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }], { ownerId: repB.userId });

    const view = (await t.admin.post('/api/saved-views', { name: 'Scope check', page: 'orders', filters: { customer: 'Scope Check', status: 'draft' }, roleId: roleIds.sales_rep })).body;
    const seenByB = (await repB.get('/api/saved-views?page=orders')).body.items.find((v: { id: string }) => v.id === view.id);
    expect(seenByB.filters).toEqual({ customer: 'Scope Check', status: 'draft' });
    const listed = await repB.get(`/api/orders?${new URLSearchParams(seenByB.filters)}`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((o: { id: string }) => o.id)).toEqual([ofB.id]);
    const byAdmin = await t.admin.get(`/api/orders?${new URLSearchParams(seenByB.filters)}`);
    expect(byAdmin.body.items.map((o: { id: string }) => o.id).sort()).toEqual([ofA.id, ofB.id].sort());
  });
});
