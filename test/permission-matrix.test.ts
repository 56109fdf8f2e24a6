/**
 * Every /api route × every built-in role × own/other record, against SPEC §2.
 * The table below is the contract, written out independently of the server's own declarations; a route the
 * server declares but this table does not classify fails the test, so no route ships without a decision.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_ROLE_GRANTS, BUILTIN_ROLES, type BuiltinRole, type Permission } from '../src/contracts/permissions.js';
import { dispatchOutbox } from '../src/server/modules/notifications/notifications.dispatcher.js';
import { buildTestApp, DIALECTS, makeCustomer, makeProduct, type Client, type TestApp } from './helpers.js';

type Requirement = Permission | `${Permission}:all`;
type Need = Permission | 'authenticated' | 'public' | { anyOf: Requirement[] };

/** SPEC §2 as printed: ✓ = "all", "own only" = "own". */
const SPEC_TABLE: Record<Permission, Partial<Record<BuiltinRole, 'all' | 'own'>>> = {
  'orders.read': { admin: 'all', sales_manager: 'all', sales_rep: 'own', warehouse: 'all', finance: 'all', auditor: 'all' },
  'orders.create': { admin: 'all', sales_manager: 'all', sales_rep: 'own' },
  'orders.update': { admin: 'all', sales_manager: 'all', sales_rep: 'own' },
  'orders.delete': { admin: 'all', sales_manager: 'all', sales_rep: 'own' },
  'orders.delete_confirmed': { admin: 'all', sales_manager: 'all' },
  'orders.restore': { admin: 'all', sales_manager: 'all' },
  'restore_requests.create': { admin: 'all', sales_manager: 'all', sales_rep: 'all' },
  'restore_requests.approve': { admin: 'all', sales_manager: 'all' },
  'orders.purge': { admin: 'all' },
  'orders.export': { admin: 'all', sales_manager: 'all', sales_rep: 'own', finance: 'all', auditor: 'all' },
  'inventory.manage': { admin: 'all', warehouse: 'all' },
  'finance.manage': { admin: 'all', finance: 'all' },
  'audit.read': { admin: 'all', auditor: 'all' },
  'users.manage': { admin: 'all' },
  'settings.manage': { admin: 'all' },
  'backups.manage': { admin: 'all' },
  'cleanup.manage': { admin: 'all' },
  'notifications.manage': { admin: 'all' },
};

interface Fixture {
  productId: string;
  customerId: string;
  spareUserId: string;
  admin: Client;
  /** Soft-deletes a fresh order as the admin and returns its id. */
  deletedOrder(ownerId: string): Promise<string>;
  /** A pending restore request, made by the admin, for a deleted order. */
  restoreRequest(ownerId: string): Promise<string>;
  backupName(): Promise<string>;
  /** A webhook with one delivery, for the webhook routes. */
  webhookId: string;
  deliveryId: string;
}
interface Call {
  caller: Client & { userId: string };
  /** Owner of the record this call is about: the caller, or another sales rep. */
  ownerId: string;
  /** A fresh draft order owned by the caller ("own") or by another sales rep ("other"). */
  orderId: string;
}
interface RouteCase {
  need: Need;
  /** Acts on one order: checked with the caller's own order and with another owner's. */
  order?: boolean;
  url?: (f: Fixture, c: Call) => string | Promise<string>;
  body?: (f: Fixture, c: Call) => unknown | Promise<unknown>;
  /** Where the contract says more than the declared access (a service rule), the expected answer per role. */
  expect?: (role: BuiltinRole, ownership: 'own' | 'other') => 'allowed' | 403 | 404;
}

const has = (role: BuiltinRole, permission: Permission) => SPEC_TABLE[permission][role] !== undefined;
const reason = { code: 'test_data' };

const ROUTES: Record<string, RouteCase> = {
  'POST /api/auth/login': { need: 'public' },
  'GET /api/health': { need: 'public' },
  'POST /api/auth/logout': { need: 'authenticated' },
  'GET /api/auth/me': { need: 'authenticated' },
  'POST /api/tokens': { need: 'authenticated', body: () => ({ name: 'matrix' }) },
  'GET /api/tokens': { need: 'authenticated' },
  'DELETE /api/tokens/:id': {
    need: 'authenticated',
    url: async (_f, c) => `/api/tokens/${(await c.caller.post('/api/tokens', { name: 'to revoke' })).body.id}`,
  },
  'GET /api/permissions': { need: 'authenticated' },
  'GET /api/users': { need: 'users.manage' },
  'GET /api/users/directory': { need: 'authenticated' },
  'GET /api/users/:id': { need: 'users.manage', url: (f) => `/api/users/${f.spareUserId}` },
  'POST /api/users': { need: 'users.manage' },
  'PATCH /api/users/:id': { need: 'users.manage', url: (f) => `/api/users/${f.spareUserId}`, body: () => ({ displayName: 'Spare' }) },
  'GET /api/roles': { need: 'users.manage' },
  'POST /api/roles': { need: 'users.manage' },
  'PATCH /api/roles/:id': { need: 'users.manage', url: () => '/api/roles/1', body: () => ({ description: 'x' }) },
  'DELETE /api/roles/:id': { need: 'users.manage', url: () => '/api/roles/1' },
  'GET /api/customers': { need: 'authenticated' },
  'GET /api/customers/:id': { need: 'authenticated', url: (f) => `/api/customers/${f.customerId}` },
  // Whoever may sell may add the customer they sell to.
  'POST /api/customers': { need: 'orders.create', body: () => ({ name: 'Matrix Customer' }) },
  'GET /api/products': { need: 'authenticated' },
  'GET /api/products/:id': { need: 'authenticated', url: (f) => `/api/products/${f.productId}` },
  // The product catalogue and its stock are the warehouse's.
  'POST /api/products': { need: 'inventory.manage' },
  'POST /api/products/:id/stock': { need: 'inventory.manage', url: (f) => `/api/products/${f.productId}/stock`, body: () => ({ kind: 'receive', quantity: 1, reason: 'matrix' }) },
  'GET /api/inventory/movements': { need: 'authenticated' },
  'GET /api/orders': { need: 'orders.read' },
  'POST /api/orders': { need: 'orders.create', body: (f) => ({ customerId: f.customerId, items: [{ productId: f.productId, quantity: 1 }] }) },
  'GET /api/orders/:id': { need: 'orders.read', order: true },
  'PATCH /api/orders/:id': { need: 'orders.update', order: true, body: () => ({ note: 'matrix' }) },
  'POST /api/orders/:id/confirm': { need: 'orders.update', order: true },
  'POST /api/orders/:id/cancel': { need: 'orders.update', order: true },
  'POST /api/orders/:id/ship': { need: 'inventory.manage', order: true },
  'POST /api/orders/:id/complete': { need: 'inventory.manage', order: true },
  'POST /api/orders/:id/payments': { need: 'finance.manage', order: true, body: () => ({ amount: '1.00' }) },
  'POST /api/orders/:id/refunds': { need: 'finance.manage', order: true, body: () => ({ amount: '1.00' }) },
  'GET /api/finance/ledger': { need: 'orders.read', order: true, url: (_f, c) => `/api/finance/ledger?orderId=${c.orderId}` },
  // Company-wide money: the finance team or whoever reads every order; a rep ("own") may not.
  'GET /api/finance/summary': { need: { anyOf: ['finance.manage', 'orders.read:all'] } },
  'GET /api/finance/customers': { need: { anyOf: ['finance.manage', 'orders.read:all'] } },
  'GET /api/finance/revenue': { need: { anyOf: ['finance.manage', 'orders.read:all'] } },
  'GET /api/inventory/stock': { need: { anyOf: ['orders.read', 'inventory.manage'] } },
  'GET /api/integrity': { need: { anyOf: ['settings.manage', 'audit.read'] } },
  'GET /api/orders/export': { need: 'orders.export', url: (_f, c) => `/api/orders/export?format=json&ids=${c.orderId}` },
  'GET /api/orders/:id/timeline': { need: 'orders.read', order: true },
  'POST /api/orders/delete-preview': { need: 'orders.delete', order: true, body: (_f, c) => ({ ids: [c.orderId] }) },
  'POST /api/orders/delete': {
    need: 'orders.delete',
    order: true,
    body: async (f, c) => {
      // A caller who may not preview these orders borrows a genuine token, so scope is what gets tested.
      const own = await c.caller.post('/api/orders/delete-preview', { ids: [c.orderId] });
      const token = own.body.previewToken ?? (await f.admin.post('/api/orders/delete-preview', { ids: [c.orderId] })).body.previewToken;
      return { ids: [c.orderId], reason, previewToken: token };
    },
  },
  'DELETE /api/orders/:id': { need: 'orders.delete', order: true, body: () => ({ reason }) },
  'GET /api/recycle-bin': { need: 'orders.read' },
  // Declared for every signed-in user because the deleter may undo their own batch; otherwise orders.restore.
  'POST /api/recycle-bin/restore': {
    need: 'authenticated',
    order: true,
    body: async (f, c) => ({ ids: [await f.deletedOrder(c.ownerId)] }),
    expect: (role, ownership) => (ownership === 'other' && SPEC_TABLE['orders.read'][role] === 'own' ? 404 : has(role, 'orders.restore') ? 'allowed' : 403),
  },
  'POST /api/recycle-bin/purge': { need: 'orders.purge', body: async (f, c) => ({ ids: [await f.deletedOrder(c.ownerId)], confirm: 'PURGE' }) },
  'POST /api/restore-requests': {
    need: 'restore_requests.create',
    order: true,
    body: async (f, c) => ({ ids: [await f.deletedOrder(c.ownerId)], note: 'needed again' }),
  },
  // Requesters see their own requests, approvers every request; roles that can do neither get 403.
  'GET /api/restore-requests': {
    need: 'authenticated',
    expect: (role) => (has(role, 'restore_requests.create') || has(role, 'restore_requests.approve') ? 'allowed' : 403),
  },
  'GET /api/restore-requests/:id': {
    need: 'authenticated',
    url: async (f, c) => `/api/restore-requests/${await f.restoreRequest(c.ownerId)}`,
    expect: (role) => (has(role, 'restore_requests.approve') ? 'allowed' : has(role, 'restore_requests.create') ? 404 : 403),
  },
  'POST /api/restore-requests/:id/approve': { need: 'restore_requests.approve', url: async (f, c) => `/api/restore-requests/${await f.restoreRequest(c.ownerId)}/approve` },
  'POST /api/restore-requests/:id/reject': { need: 'restore_requests.approve', url: async (f, c) => `/api/restore-requests/${await f.restoreRequest(c.ownerId)}/reject` },
  'GET /api/settings/retention': { need: 'authenticated' },
  'PUT /api/settings/retention': { need: 'settings.manage', body: () => ({ days: 30 }) },
  'GET /api/audit': { need: 'audit.read' },
  'GET /api/audit/verify': { need: 'audit.read' },
  'GET /api/audit/export': { need: 'audit.read' },
  'POST /api/backups': { need: 'backups.manage' },
  'GET /api/backups': { need: 'backups.manage' },
  'GET /api/notifications': { need: 'authenticated' },
  'POST /api/notifications/read': { need: 'authenticated', body: () => ({ all: true }) },
  'GET /api/notifications/stream': { need: 'authenticated', url: () => '/api/notifications/stream?maxSeconds=0' },
  'GET /api/me/notification-preferences': { need: 'authenticated' },
  'PUT /api/me/notification-preferences': { need: 'authenticated', body: () => ({ topics: { 'order.created': { inApp: true, email: false } } }) },
  'GET /api/departments': { need: { anyOf: ['notifications.manage', 'users.manage'] } },
  'POST /api/departments': { need: 'notifications.manage', body: (_f, c) => ({ code: `dept-${c.caller.userId}`, nameZh: '部门', nameEn: 'Dept' }) },
  'GET /api/webhooks': { need: 'notifications.manage' },
  'POST /api/webhooks': { need: 'notifications.manage', body: () => ({ url: 'https://example.com/hook', topics: ['order.deleted'] }) },
  'GET /api/webhooks/:id': { need: 'notifications.manage', url: (f) => `/api/webhooks/${f.webhookId}` },
  'PATCH /api/webhooks/:id': { need: 'notifications.manage', url: (f) => `/api/webhooks/${f.webhookId}`, body: () => ({ description: 'matrix' }) },
  'DELETE /api/webhooks/:id': {
    need: 'notifications.manage',
    url: async (f) => `/api/webhooks/${(await f.admin.post('/api/webhooks', { url: 'https://example.com/gone', topics: ['order.deleted'] })).body.id}`,
  },
  'GET /api/webhooks/:id/deliveries': { need: 'notifications.manage', url: (f) => `/api/webhooks/${f.webhookId}/deliveries` },
  'POST /api/webhooks/:id/deliveries/:deliveryId/redeliver': { need: 'notifications.manage', url: (f) => `/api/webhooks/${f.webhookId}/deliveries/${f.deliveryId}/redeliver` },
  'POST /api/backups/:name/verify': { need: 'backups.manage', url: async (f) => `/api/backups/${encodeURIComponent(await f.backupName())}/verify` },
};

function expected(role: BuiltinRole, route: RouteCase, ownership: 'own' | 'other'): 'allowed' | 403 | 404 {
  if (route.expect) return route.expect(role, ownership);
  if (route.need === 'public' || route.need === 'authenticated') return 'allowed';
  if (typeof route.need === 'object') {
    const met = route.need.anyOf.some((r) => {
      const [permission, all] = r.split(':') as [Permission, string | undefined];
      return all ? SPEC_TABLE[permission][role] === 'all' : has(role, permission);
    });
    return met ? 'allowed' : 403;
  }
  const scope = SPEC_TABLE[route.need][role];
  if (!scope) return 403;
  if (route.order && ownership === 'other') {
    // Out of read scope is invisible (404) before any other rule applies.
    if (SPEC_TABLE['orders.read'][role] === 'own' || scope === 'own') return 404;
  }
  return 'allowed';
}

describe.each(DIALECTS)('permission matrix (%s)', (dialect) => {
  let t: TestApp;
  let fixture: Fixture;
  const callers = {} as Record<BuiltinRole, Client & { userId: string }>;
  let otherRep: Client & { userId: string };

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    const productId = (await makeProduct(t.admin, { stock: 100_000 })).id;
    const customerId = (await makeCustomer(t.admin)).id;
    const deletedOrder = async (ownerId: string) => {
      const order = await t.admin.post('/api/orders', { customerId, items: [{ productId, quantity: 1 }], ownerId });
      const deleted = await t.admin.delete(`/api/orders/${order.body.id}`, { reason });
      if (deleted.status !== 200) throw new Error(`fixture delete: ${deleted.status} ${JSON.stringify(deleted.body)}`);
      return order.body.id as string;
    };
    let backup: string | undefined;
    const webhookId = (await t.admin.post('/api/webhooks', { url: 'https://example.com/hook', topics: ['order.deleted'] })).body.id as string;
    await deletedOrder((await t.userWithRoles('matrix_hook_rep', ['sales_rep'])).userId);
    await dispatchOutbox(t.db.ctx);
    const deliveryId = (await t.admin.get(`/api/webhooks/${webhookId}/deliveries`)).body.items[0].id as string;
    fixture = {
      webhookId,
      deliveryId,
      productId,
      customerId,
      spareUserId: (await t.userWithRoles('spare_user', ['auditor'])).userId,
      admin: t.admin,
      deletedOrder,
      async restoreRequest(ownerId) {
        const created = await t.admin.post('/api/restore-requests', { ids: [await deletedOrder(ownerId)], note: 'fixture' });
        if (created.status !== 201) throw new Error(`fixture restore request: ${created.status} ${JSON.stringify(created.body)}`);
        return created.body.id as string;
      },
      async backupName() {
        if (!backup) {
          const created = await t.admin.post('/api/backups');
          if (created.status !== 201) throw new Error(`fixture backup: ${created.status} ${JSON.stringify(created.body)}`);
          backup = created.body.name as string;
        }
        return backup;
      },
    };
    for (const role of BUILTIN_ROLES) callers[role] = await t.userWithRoles(`matrix_${role}`, [role]);
    otherRep = await t.userWithRoles('matrix_other_rep', ['sales_rep']);
  });
  afterAll(async () => t?.close());

  it('the built-in roles are exactly SPEC §2', () => {
    for (const role of BUILTIN_ROLES) {
      const fromSpec = Object.entries(SPEC_TABLE)
        .filter(([, byRole]) => byRole[role])
        .map(([permission, byRole]) => (byRole[role] === 'own' ? `${permission}:own` : permission))
        .sort();
      expect([...BUILTIN_ROLE_GRANTS[role]].sort(), role).toEqual(fromSpec);
    }
  });

  it('every route declares the access the contract gives it', () => {
    const declared = t.app.declaredRoutes.map((r) => `${r.method} ${r.url}`);
    const unclassified = declared.filter((key) => !ROUTES[key]);
    expect(unclassified, 'routes missing from the matrix table').toEqual([]);
    for (const r of t.app.declaredRoutes) expect(r.access, `${r.method} ${r.url}`).toEqual(ROUTES[`${r.method} ${r.url}`].need);
    const stale = Object.keys(ROUTES).filter((key) => !declared.includes(key));
    expect(stale, 'table rows for routes that do not exist').toEqual([]);
  });

  it('every route answers every role as SPEC §2 implies, for own and other records', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const [key, route] of Object.entries(ROUTES)) {
      if (route.need === 'public') continue;
      const [method, path] = key.split(' ') as [string, string];
      for (const role of BUILTIN_ROLES) {
        for (const ownership of route.order ? (['own', 'other'] as const) : (['own'] as const)) {
          const caller = callers[role];
          const owner = ownership === 'own' ? caller.userId : otherRep.userId;
          // A fresh draft per call, made by the admin, so earlier calls never change what later ones see.
          const created = await t.admin.post('/api/orders', { customerId: fixture.customerId, items: [{ productId: fixture.productId, quantity: 1 }], ownerId: owner });
          const call: Call = { caller, ownerId: owner, orderId: created.body.id };
          const url = route.url ? await route.url(fixture, call) : path.replace(':id', call.orderId);
          const body = method === 'GET' || method === 'DELETE' ? await route.body?.(fixture, call) : ((await route.body?.(fixture, call)) ?? {});
          const res = await caller.request(method as 'GET', url, body);
          const want = expected(role, route, ownership);
          const ok = want === 'allowed' ? ![401, 403, 404].includes(res.status) : res.status === want;
          checked++;
          if (!ok) failures.push(`${key} as ${role} (${ownership}): got ${res.status}, want ${want} — ${JSON.stringify(res.body).slice(0, 160)}`);
          if (key === 'POST /api/auth/logout' && res.status === 204) await caller.login(`matrix_${role}`, `matrix_${role}-password-1`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(200);
  });
});
