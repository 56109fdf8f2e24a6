/**
 * Every /api route × every built-in role × own/other record, against SPEC §2, with the exact status each call
 * must get: the route's success status when allowed, 403 when forbidden, 404 when the record is out of scope.
 * A 400 or a 500 where the contract promises success fails it like a wrong 403 would. The same table drives
 * signed-out callers (401), API-token callers (no CSRF header needed) and the CSRF check of every cookie write.
 * The table is the contract, written out independently of the server's own declarations; a route the server
 * declares but this table does not describe fails the test, so adding a route means adding one line here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_ROLE_GRANTS, BUILTIN_ROLES, type BuiltinRole, type Permission } from '../src/contracts/permissions.js';
import { dispatchOutbox } from '../src/server/modules/notifications/notifications.dispatcher.js';
import { ADMIN_PASSWORD, buildTestApp, Client, DIALECTS, makeCustomer, makeProduct, type TestApp } from './helpers.js';

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
  // SPEC §5: every role but sales_rep (who sees the customers of their own orders, and a name-only directory).
  'customers.read': { admin: 'all', sales_manager: 'all', warehouse: 'all', finance: 'all', auditor: 'all' },
  'notifications.manage': { admin: 'all' },
  // SPEC §5: sales_manager reviews cleanups and approves orders above the threshold; the auditor holds.
  'cleanup.review': { admin: 'all', sales_manager: 'all' },
  'orders.hold': { admin: 'all', auditor: 'all' },
  'orders.approve': { admin: 'all', sales_manager: 'all' },
  'training.manage': { admin: 'all' },
  'customers.erase': { admin: 'all' },
};

interface Fixture {
  productId: string;
  customerId: string;
  spareUserId: string;
  admin: Client;
  /** A number unique within the run, for usernames, SKUs and role names. */
  next(): number;
  /** A custom role made by the admin, to edit or delete. */
  customRole(): Promise<string>;
  /** Soft-deletes a fresh order as the admin and returns its id. */
  deletedOrder(ownerId: string): Promise<string>;
  /** A pending restore request, made by the admin, for a deleted order. */
  restoreRequest(ownerId: string): Promise<string>;
  backupName(): Promise<string>;
  /** Confirms the caller's password (SPEC §5 step-up) before a purge or an approval of one. */
  stepUp(caller: Client & { userId: string }): Promise<void>;
  passwordOf(userId: string): string;
  /** A purge request filed by the admin for a deleted order; approving it is another admin's. */
  purgeRequest(ownerId: string): Promise<string>;
  /** A draft at or above the approval threshold the fixture sets, owned by `ownerId`. */
  bigOrder(ownerId: string): Promise<string>;
  /** A webhook with one delivery, for the webhook routes. */
  webhookId: string;
  deliveryId: string;
}
interface Call {
  caller: Client & { userId: string };
  /** Owner of the record this call is about: the caller, or another sales rep. */
  ownerId: string;
  /** A fresh order owned by the caller ("own") or by another sales rep ("other"), in the route's `state`. */
  orderId: string;
}
type OrderState = 'draft' | 'confirmed' | 'shipped' | 'paid';
interface RouteCase {
  need: Need;
  /** The status an allowed caller gets. */
  ok: 200 | 201 | 202 | 204;
  /** Acts on one order: checked with the caller's own order and with another owner's. */
  order?: boolean;
  /** The state the call's fresh order is brought to first (default draft). */
  state?: OrderState;
  url?: (f: Fixture, c: Call) => string | Promise<string>;
  body?: (f: Fixture, c: Call) => unknown;
  /** Only for browser sessions (the practice workspace): an API token gets 403. */
  sessionOnly?: true;
  /** Where the contract says more than the declared access (a service rule), the expected answer per role. */
  expect?: (role: BuiltinRole, ownership: 'own' | 'other') => Expectation;
}

const has = (role: BuiltinRole, permission: Permission) => SPEC_TABLE[permission][role] !== undefined;
const reason = { code: 'test_data' };

/** A disabled cleanup rule matching nothing (drafts untouched for ten years), and an empty review it opened. */
const cleanupRule = async (f: Fixture) =>
  (await f.admin.post('/api/cleanup/rules', { name: `matrix rule ${f.next()}`, match: { status: ['draft'], untouchedDays: 3650 }, schedule: '0 9 * * 1', enabled: false })).body.id as string;
const cleanupReview = async (f: Fixture) => (await f.admin.post(`/api/cleanup/rules/${await cleanupRule(f)}/run`)).body.id as string;

const ROUTES: Record<string, RouteCase> = {
  'POST /api/auth/login': { need: 'public', ok: 200, body: () => ({ username: 'admin', password: ADMIN_PASSWORD }) },
  'GET /api/health': { need: 'public', ok: 200 },
  'GET /api/settings': { need: 'settings.manage', ok: 200 },
  'PATCH /api/settings': { need: 'settings.manage', ok: 200, body: () => ({ companyTimeZone: 'Asia/Shanghai' }) },
  'GET /api/training/courses': { need: 'authenticated', ok: 200 },
  'GET /api/dashboard': { need: 'orders.read', ok: 200 },
  'GET /api/practice': { need: 'authenticated', ok: 200 },
  // Opened and left at once: a caller left in practice would have every later call answered by their sandbox.
  'POST /api/practice': { need: 'authenticated', ok: 200, sessionOnly: true },
  'DELETE /api/practice': { need: 'authenticated', ok: 200 },
  'POST /api/training/courses/:id/lessons/:lessonId/read': { need: 'authenticated', ok: 200, url: () => '/api/training/courses/safe-deletion/lessons/deleting/read' },
  'POST /api/training/courses/:id/attempts': { need: 'authenticated', ok: 200, url: () => '/api/training/courses/safe-deletion/attempts', body: () => ({ answers: {} }) },
  'GET /api/training/assignments': { need: 'training.manage', ok: 200 },
  'POST /api/training/assignments': { need: 'training.manage', ok: 201, body: () => ({ courseId: 'safe-deletion', role: 'sales_rep' }) },
  'DELETE /api/training/assignments/:id': {
    need: 'training.manage',
    ok: 204,
    url: async (f) => `/api/training/assignments/${(await f.admin.post('/api/training/assignments', { courseId: 'safe-deletion', role: 'auditor' })).body.id}`,
  },
  'GET /api/training/report': { need: 'training.manage', ok: 200 },
  'GET /api/training/report/export': { need: 'training.manage', ok: 200 },
  'POST /api/auth/logout': { need: 'authenticated', ok: 204 },
  'GET /api/auth/me': { need: 'authenticated', ok: 200 },
  'POST /api/tokens': { need: 'authenticated', ok: 201, body: () => ({ name: 'matrix' }) },
  'GET /api/tokens': { need: 'authenticated', ok: 200 },
  'DELETE /api/tokens/:id': {
    need: 'authenticated',
    ok: 204,
    url: async (_f, c) => `/api/tokens/${(await c.caller.post('/api/tokens', { name: 'to revoke' })).body.id}`,
  },
  'GET /api/permissions': { need: 'authenticated', ok: 200 },
  'GET /api/users': { need: 'users.manage', ok: 200 },
  'GET /api/users/directory': { need: 'authenticated', ok: 200 },
  'GET /api/users/:id': { need: 'users.manage', ok: 200, url: (f) => `/api/users/${f.spareUserId}` },
  'POST /api/users': { need: 'users.manage', ok: 201, body: (f) => ({ username: `matrix_new_${f.next()}`, password: 'matrix-new-password-1', roles: ['auditor'] }) },
  'PATCH /api/users/:id': { need: 'users.manage', ok: 200, url: (f) => `/api/users/${f.spareUserId}`, body: () => ({ displayName: 'Spare' }) },
  'GET /api/roles': { need: 'users.manage', ok: 200 },
  // Granting or changing permissions needs a step-up (SPEC §5), like changing a user's roles.
  'POST /api/roles': {
    need: 'users.manage',
    ok: 201,
    body: async (f, c) => {
      await f.stepUp(c.caller);
      return { name: `matrix_role_${f.next()}`, grants: ['orders.read'] };
    },
  },
  'PATCH /api/roles/:id': {
    need: 'users.manage',
    ok: 200,
    url: async (f) => `/api/roles/${await f.customRole()}`,
    body: async (f, c) => {
      await f.stepUp(c.caller);
      return { description: 'x', grants: ['orders.read', 'orders.export'] };
    },
  },
  'DELETE /api/roles/:id': {
    need: 'users.manage',
    ok: 204,
    url: async (f, c) => {
      await f.stepUp(c.caller);
      return `/api/roles/${await f.customRole()}`;
    },
  },
  'GET /api/customers': { need: 'authenticated', ok: 200 },
  'GET /api/customers/:id': { need: 'authenticated', ok: 200, url: (f) => `/api/customers/${f.customerId}` },
  // Whoever may sell may add the customer they sell to.
  'POST /api/customers': { need: 'orders.create', ok: 201, body: () => ({ name: 'Matrix Customer' }) },
  // A rep edits the customers of their own orders: every caller's fresh order is for the fixture customer.
  'PATCH /api/customers/:id': { need: 'orders.update', ok: 200, url: (f) => `/api/customers/${f.customerId}`, body: () => ({ note: 'matrix' }) },
  // Merging moves everyone's orders: orders.update for all orders (a rep's "own" is not enough).
  'POST /api/customers/:id/merge': {
    need: 'orders.update',
    ok: 200,
    url: async (f) => `/api/customers/${(await makeCustomer(f.admin, `Matrix Duplicate ${f.next()}`)).id}/merge`,
    body: (f) => ({ intoId: f.customerId }),
    expect: (role) => (SPEC_TABLE['orders.update'][role] === 'all' ? 'allowed' : 403),
  },
  // Erasure is for admins alone, after a step-up, with the id typed.
  'POST /api/customers/:id/erase': {
    need: 'customers.erase',
    ok: 200,
    url: async (f) => `/api/customers/${(await makeCustomer(f.admin, 'Matrix Erasable')).id}/erase`,
    body: async (f, c) => {
      await f.stepUp(c.caller);
      return { confirm: 'Matrix Erasable' };
    },
  },
  'GET /api/customers/:id/orders': { need: 'orders.read', ok: 200, url: (f) => `/api/customers/${f.customerId}/orders` },
  'GET /api/customers/:id/statement': { need: { anyOf: ['finance.manage', 'orders.read:all'] }, ok: 200, url: (f) => `/api/customers/${f.customerId}/statement` },
  'GET /api/customers/:id/statement.pdf': { need: { anyOf: ['finance.manage', 'orders.read:all'] }, ok: 200, url: (f) => `/api/customers/${f.customerId}/statement.pdf` },
  'GET /api/products': { need: 'authenticated', ok: 200 },
  'GET /api/products/:id': { need: 'authenticated', ok: 200, url: (f) => `/api/products/${f.productId}` },
  // The product catalogue and its stock are the warehouse's.
  'POST /api/products': { need: 'inventory.manage', ok: 201, body: (f) => ({ sku: `MATRIX-${f.next()}`, name: 'Matrix product', price: '1.00', stock: 1 }) },
  'POST /api/products/:id/stock': { need: 'inventory.manage', ok: 200, url: (f) => `/api/products/${f.productId}/stock`, body: () => ({ kind: 'receive', quantity: 1, reason: 'matrix' }) },
  'GET /api/inventory/movements': { need: 'authenticated', ok: 200 },
  'GET /api/orders': { need: 'orders.read', ok: 200 },
  'GET /api/orders/status-counts': { need: 'orders.read', ok: 200 },
  'POST /api/orders': { need: 'orders.create', ok: 201, body: (f) => ({ customerId: f.customerId, items: [{ productId: f.productId, quantity: 1 }] }) },
  'GET /api/orders/:id': { need: 'orders.read', ok: 200, order: true },
  'GET /api/orders/:id/pdf': { need: 'orders.read', ok: 200, order: true },
  'PATCH /api/orders/:id': { need: 'orders.update', ok: 200, order: true, body: () => ({ note: 'matrix' }) },
  'POST /api/orders/:id/confirm': { need: 'orders.update', ok: 200, order: true },
  'POST /api/orders/:id/cancel': { need: 'orders.update', ok: 200, order: true },
  'POST /api/orders/:id/ship': { need: 'inventory.manage', ok: 200, order: true, state: 'confirmed' },
  'POST /api/orders/:id/complete': { need: 'inventory.manage', ok: 200, order: true, state: 'shipped' },
  'POST /api/orders/:id/payments': { need: 'finance.manage', ok: 201, order: true, state: 'confirmed', body: () => ({ amount: '1.00' }) },
  'POST /api/orders/:id/refunds': { need: 'finance.manage', ok: 201, order: true, state: 'paid', body: () => ({ amount: '1.00' }) },
  'GET /api/finance/ledger': { need: 'orders.read', ok: 200, order: true, url: (_f, c) => `/api/finance/ledger?orderId=${c.orderId}` },
  // Company-wide money: the finance team or whoever reads every order; a rep ("own") may not.
  'GET /api/finance/summary': { need: { anyOf: ['finance.manage', 'orders.read:all'] }, ok: 200 },
  'GET /api/finance/customers': { need: { anyOf: ['finance.manage', 'orders.read:all'] }, ok: 200 },
  'GET /api/finance/revenue': { need: { anyOf: ['finance.manage', 'orders.read:all'] }, ok: 200 },
  'GET /api/inventory/stock': { need: { anyOf: ['orders.read', 'inventory.manage'] }, ok: 200 },
  'GET /api/integrity': { need: { anyOf: ['settings.manage', 'audit.read'] }, ok: 200 },
  'GET /api/cleanup/rules': { need: 'cleanup.manage', ok: 200 },
  'POST /api/cleanup/rules': { need: 'cleanup.manage', ok: 201, body: (f) => ({ name: `matrix rule ${f.next()}`, match: { status: ['draft'], untouchedDays: 3650 }, schedule: '0 9 * * 1', enabled: false }) },
  'POST /api/cleanup/preview': { need: 'cleanup.manage', ok: 200, body: () => ({ match: { status: ['draft'], untouchedDays: 3650 } }) },
  'GET /api/cleanup/rules/:id': { need: 'cleanup.manage', ok: 200, url: async (f) => `/api/cleanup/rules/${await cleanupRule(f)}` },
  'PATCH /api/cleanup/rules/:id': { need: 'cleanup.manage', ok: 200, url: async (f) => `/api/cleanup/rules/${await cleanupRule(f)}`, body: () => ({ name: 'matrix renamed' }) },
  'DELETE /api/cleanup/rules/:id': { need: 'cleanup.manage', ok: 204, url: async (f) => `/api/cleanup/rules/${await cleanupRule(f)}` },
  'POST /api/cleanup/rules/:id/run': { need: 'cleanup.manage', ok: 201, url: async (f) => `/api/cleanup/rules/${await cleanupRule(f)}/run` },
  'GET /api/cleanup/reviews': { need: 'cleanup.review', ok: 200 },
  'POST /api/cleanup/reviews': { need: 'cleanup.review', ok: 201, body: (_f, c) => ({ ids: [c.orderId] }) },
  'GET /api/cleanup/reviews/:id': { need: 'cleanup.review', ok: 200, url: async (f) => `/api/cleanup/reviews/${await cleanupReview(f)}` },
  'POST /api/cleanup/reviews/:id/approve': { need: 'cleanup.review', ok: 200, url: async (f) => `/api/cleanup/reviews/${await cleanupReview(f)}/approve`, body: () => ({ exclude: [] }) },
  'POST /api/cleanup/reviews/:id/reject': { need: 'cleanup.review', ok: 200, url: async (f) => `/api/cleanup/reviews/${await cleanupReview(f)}/reject`, body: () => ({ note: 'matrix' }) },
  'GET /api/data-quality': { need: { anyOf: ['cleanup.review', 'audit.read'] }, ok: 200 },
  'POST /api/data-quality/runs': { need: 'cleanup.review', ok: 201 },
  'GET /api/orders/export': { need: 'orders.export', ok: 200, url: (_f, c) => `/api/orders/export?format=json&ids=${c.orderId}` },
  'GET /api/orders/:id/timeline': { need: 'orders.read', ok: 200, order: true },
  'POST /api/orders/delete-preview': { need: 'orders.delete', ok: 200, order: true, body: (_f, c) => ({ ids: [c.orderId] }) },
  'POST /api/orders/delete': {
    need: 'orders.delete',
    ok: 200,
    order: true,
    body: async (f, c) => {
      // A caller who may not preview these orders borrows a genuine token, so scope is what gets tested.
      const own = await c.caller.post('/api/orders/delete-preview', { ids: [c.orderId] });
      const token = own.body.previewToken ?? (await f.admin.post('/api/orders/delete-preview', { ids: [c.orderId] })).body.previewToken;
      return { ids: [c.orderId], reason, previewToken: token };
    },
  },
  'DELETE /api/orders/:id': { need: 'orders.delete', ok: 200, order: true, body: () => ({ reason }) },
  'GET /api/recycle-bin': { need: 'orders.read', ok: 200 },
  // Declared for every signed-in user because the deleter may undo their own batch; otherwise orders.restore.
  'POST /api/recycle-bin/restore': {
    need: 'authenticated',
    ok: 200,
    order: true,
    body: async (f, c) => ({ ids: [await f.deletedOrder(c.ownerId)] }),
    expect: (role, ownership) => (ownership === 'other' && SPEC_TABLE['orders.read'][role] === 'own' ? 404 : has(role, 'orders.restore') ? 'allowed' : 403),
  },
  // Several admins exist, so a purge is a request a second admin approves (SPEC §5 four-eyes): 202.
  'POST /api/recycle-bin/purge': {
    need: 'orders.purge',
    ok: 202,
    body: async (f, c) => {
      await f.stepUp(c.caller);
      return { ids: [await f.deletedOrder(c.ownerId)], confirm: 'PURGE' };
    },
  },
  'GET /api/purge-requests': { need: 'orders.purge', ok: 200 },
  'GET /api/purge-requests/:id': { need: 'orders.purge', ok: 200, url: async (f, c) => `/api/purge-requests/${await f.purgeRequest(c.ownerId)}` },
  'POST /api/purge-requests/:id/approve': {
    need: 'orders.purge',
    ok: 200,
    url: async (f, c) => `/api/purge-requests/${await f.purgeRequest(c.ownerId)}/approve`,
    body: async (f, c) => {
      await f.stepUp(c.caller);
      return {};
    },
  },
  'POST /api/purge-requests/:id/reject': { need: 'orders.purge', ok: 200, url: async (f, c) => `/api/purge-requests/${await f.purgeRequest(c.ownerId)}/reject`, body: () => ({ note: 'keep' }) },
  'POST /api/auth/step-up': { need: 'authenticated', ok: 200, body: (f, c) => ({ password: f.passwordOf(c.caller.userId) }) },
  'POST /api/orders/:id/hold': { need: 'orders.hold', ok: 200, order: true, body: () => ({ reason: 'matrix' }) },
  'DELETE /api/orders/:id/hold': { need: 'orders.hold', ok: 200, order: true },
  'POST /api/orders/:id/approval-request': { need: 'orders.update', ok: 200, order: true, url: async (f, c) => `/api/orders/${await f.bigOrder(c.ownerId)}/approval-request` },
  'POST /api/restore-requests': {
    need: 'restore_requests.create',
    ok: 201,
    order: true,
    body: async (f, c) => ({ ids: [await f.deletedOrder(c.ownerId)], note: 'needed again' }),
  },
  // Requesters see their own requests, approvers every request; roles that can do neither get 403.
  'GET /api/restore-requests': {
    need: 'authenticated',
    ok: 200,
    expect: (role) => (has(role, 'restore_requests.create') || has(role, 'restore_requests.approve') ? 'allowed' : 403),
  },
  'GET /api/restore-requests/:id': {
    need: 'authenticated',
    ok: 200,
    url: async (f, c) => `/api/restore-requests/${await f.restoreRequest(c.ownerId)}`,
    expect: (role) => (has(role, 'restore_requests.approve') ? 'allowed' : has(role, 'restore_requests.create') ? 404 : 403),
  },
  'POST /api/restore-requests/:id/approve': { need: 'restore_requests.approve', ok: 200, url: async (f, c) => `/api/restore-requests/${await f.restoreRequest(c.ownerId)}/approve` },
  'POST /api/restore-requests/:id/reject': { need: 'restore_requests.approve', ok: 200, url: async (f, c) => `/api/restore-requests/${await f.restoreRequest(c.ownerId)}/reject`, body: () => ({ note: 'not needed' }) },
  'GET /api/settings/retention': { need: 'authenticated', ok: 200 },
  'PUT /api/settings/retention': { need: 'settings.manage', ok: 200, body: () => ({ days: 30 }) },
  'GET /api/audit': { need: 'audit.read', ok: 200 },
  'GET /api/audit/verify': { need: 'audit.read', ok: 200 },
  'GET /api/audit/export': { need: 'audit.read', ok: 200 },
  'POST /api/backups': { need: 'backups.manage', ok: 201 },
  'GET /api/backups': { need: 'backups.manage', ok: 200 },
  'POST /api/backups/:name/verify': { need: 'backups.manage', ok: 200, url: async (f) => `/api/backups/${encodeURIComponent(await f.backupName())}/verify` },
  'GET /api/audit/checkpoints': { need: 'audit.read', ok: 200 },
  'GET /api/notifications': { ok: 200, need: 'authenticated' },
  'POST /api/notifications/read': { ok: 200, need: 'authenticated', body: () => ({ all: true }) },
  'GET /api/notifications/stream': { ok: 200, need: 'authenticated', url: () => '/api/notifications/stream?maxSeconds=0' },
  'GET /api/me': { ok: 200, need: 'authenticated' },
  'PATCH /api/me': { ok: 200, need: 'authenticated', body: () => ({ timeZone: 'Asia/Shanghai' }) },
  // Each matrix user's password is "<username>-password-1"; setting it to itself keeps the walk repeatable.
  'POST /api/me/password': {
    ok: 204,
    need: 'authenticated',
    body: async (_f, c) => {
      const password = `${(await c.caller.get('/api/auth/me')).body.username}-password-1`;
      return { current: password, next: password };
    },
  },
  'GET /api/me/notification-preferences': { ok: 200, need: 'authenticated' },
  'PUT /api/me/notification-preferences': { ok: 200, need: 'authenticated', body: () => ({ topics: { 'order.created': { inApp: true, email: false } } }) },
  // Saved views: every role reads orders; each caller changes a view of their own (the service's owner rule is in saved-views.test.ts).
  'GET /api/saved-views': { need: 'orders.read', ok: 200, url: () => '/api/saved-views?page=orders' },
  'POST /api/saved-views': { need: 'orders.read', ok: 201, body: (f) => ({ name: `matrix view ${f.next()}`, page: 'orders', filters: { status: 'draft' } }) },
  'PATCH /api/saved-views/:id': {
    need: 'orders.read',
    ok: 200,
    url: async (f, c) => `/api/saved-views/${(await c.caller.post('/api/saved-views', { name: `matrix view ${f.next()}`, page: 'orders', filters: {} })).body.id}`,
    body: (f) => ({ name: `matrix renamed ${f.next()}` }),
  },
  'DELETE /api/saved-views/:id': {
    need: 'orders.read',
    ok: 204,
    url: async (f, c) => `/api/saved-views/${(await c.caller.post('/api/saved-views', { name: `matrix view ${f.next()}`, page: 'orders', filters: {} })).body.id}`,
  },
  'GET /api/me/table-settings/:table': { ok: 200, need: 'authenticated', url: () => '/api/me/table-settings/orders' },
  'PUT /api/me/table-settings/:table': { ok: 200, need: 'authenticated', url: () => '/api/me/table-settings/orders', body: () => ({ columns: [{ key: 'number', visible: true }], density: 'small' }) },
  'PUT /api/me/tours/:tourId': { ok: 204, need: 'authenticated', url: () => '/api/me/tours/welcome' },
  'DELETE /api/me/tours/:tourId': { ok: 204, need: 'authenticated', url: () => '/api/me/tours/welcome' },
  'GET /api/departments': { ok: 200, need: { anyOf: ['notifications.manage', 'users.manage'] } },
  'POST /api/departments': { ok: 201, need: 'notifications.manage', body: (f) => ({ code: `dept-${f.next()}`, nameZh: '部门', nameEn: 'Dept' }) },
  'GET /api/webhooks': { ok: 200, need: 'notifications.manage' },
  'POST /api/webhooks': { ok: 201, need: 'notifications.manage', body: () => ({ url: 'https://example.com/hook', topics: ['order.deleted'] }) },
  'GET /api/webhooks/:id': { ok: 200, need: 'notifications.manage', url: (f) => `/api/webhooks/${f.webhookId}` },
  'PATCH /api/webhooks/:id': { ok: 200, need: 'notifications.manage', url: (f) => `/api/webhooks/${f.webhookId}`, body: () => ({ description: 'matrix' }) },
  'DELETE /api/webhooks/:id': {
    ok: 204,
    need: 'notifications.manage',
    url: async (f) => `/api/webhooks/${(await f.admin.post('/api/webhooks', { url: 'https://example.com/gone', topics: ['order.deleted'] })).body.id}`,
  },
  'GET /api/webhooks/:id/deliveries': { ok: 200, need: 'notifications.manage', url: (f) => `/api/webhooks/${f.webhookId}/deliveries` },
  'POST /api/webhooks/:id/deliveries/:deliveryId/redeliver': { ok: 200, need: 'notifications.manage', url: (f) => `/api/webhooks/${f.webhookId}/deliveries/${f.deliveryId}/redeliver` },
};

type Expectation = 'allowed' | 403 | 404;

function expected(role: BuiltinRole, route: RouteCase, ownership: 'own' | 'other'): Expectation {
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

const SAFE_METHODS = ['GET', 'HEAD', 'OPTIONS'];
type Caller = Client & { userId: string };

describe.each(DIALECTS)('permission matrix (%s)', (dialect) => {
  let t: TestApp;
  let fixture: Fixture;
  const callers = {} as Record<BuiltinRole, Caller>;
  let otherRep: Caller;

  /** Brings a fresh order (made by the admin, owned by `ownerId`) to `state`, failing loudly if a step does. */
  async function freshOrder(ownerId: string, state: OrderState = 'draft'): Promise<string> {
    const created = await t.admin.post('/api/orders', { customerId: fixture.customerId, items: [{ productId: fixture.productId, quantity: 1 }], ownerId });
    if (created.status !== 201) throw new Error(`fixture order: ${created.status} ${JSON.stringify(created.body)}`);
    const id = created.body.id as string;
    const steps: Array<[string, unknown]> = [];
    if (state !== 'draft') steps.push([`/api/orders/${id}/confirm`, {}]);
    if (state === 'shipped') steps.push([`/api/orders/${id}/ship`, {}]);
    if (state === 'paid') steps.push([`/api/orders/${id}/payments`, { amount: '5.00' }]);
    for (const [url, body] of steps) {
      const res = await t.admin.post(url, body);
      if (res.status >= 300) throw new Error(`fixture ${url}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return id;
  }

  /**
   * Makes one call of `key` as `caller` about a fresh order owned by `ownerId`. `via` is the client that sends
   * the request (the caller itself, or the same session without its CSRF header); setup calls use `caller`.
   */
  async function call(key: string, route: RouteCase, caller: Caller, ownerId: string, via: Client = caller) {
    const [method, path] = key.split(' ') as [string, string];
    const c: Call = { caller, ownerId, orderId: await freshOrder(ownerId, route.state) };
    const url = route.url ? await route.url(fixture, c) : path.replace(':id', c.orderId);
    const body = SAFE_METHODS.includes(method) || method === 'DELETE' ? await route.body?.(fixture, c) : ((await route.body?.(fixture, c)) ?? {});
    return via.request(method, url, body);
  }

  const describeResult = (res: { status: number; body: unknown }) => JSON.stringify(res.body).slice(0, 160);

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    const productId = (await makeProduct(t.admin, { stock: 100_000 })).id;
    const customerId = (await makeCustomer(t.admin)).id;
    let seq = 0;
    const passwords = new Map<string, string>();
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
      next: () => ++seq,
      async customRole() {
        // Granting permissions needs a step-up (SPEC §5); the fixture's admin confirms for itself.
        await t.admin.post('/api/auth/step-up', { password: ADMIN_PASSWORD });
        const created = await t.admin.post('/api/roles', { name: `matrix_custom_${++seq}`, grants: ['orders.read'] });
        if (created.status !== 201) throw new Error(`fixture role: ${created.status} ${JSON.stringify(created.body)}`);
        return created.body.id as string;
      },
      deletedOrder,
      passwordOf: (userId) => passwords.get(userId) ?? 'unknown',
      async stepUp(caller) {
        const res = await caller.post('/api/auth/step-up', { password: passwords.get(caller.userId) });
        if (res.status !== 200) throw new Error(`fixture step-up: ${res.status} ${JSON.stringify(res.body)}`);
      },
      async purgeRequest(ownerId) {
        // The walk outlasts a step-up's five minutes: confirm again for each request.
        await t.admin.post('/api/auth/step-up', { password: ADMIN_PASSWORD });
        const res = await t.admin.post('/api/recycle-bin/purge', { ids: [await deletedOrder(ownerId)], confirm: 'PURGE' });
        if (res.status !== 202) throw new Error(`fixture purge request: ${res.status} ${JSON.stringify(res.body)}`);
        return res.body.purgeRequestId as string;
      },
      async bigOrder(ownerId) {
        const order = await t.admin.post('/api/orders', { customerId, items: [{ productId, quantity: 200 }], ownerId });
        if (order.status !== 201) throw new Error(`fixture big order: ${order.status} ${JSON.stringify(order.body)}`);
        return order.body.id as string;
      },
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
    for (const role of BUILTIN_ROLES) {
      callers[role] = await t.userWithRoles(`matrix_${role}`, [role]);
      passwords.set(callers[role].userId, `matrix_${role}-password-1`);
    }
    otherRep = await t.userWithRoles('matrix_other_rep', ['sales_rep']);
    // The admin files the purge requests other admins decide; an approval threshold far above the fixture orders
    // (10.00 each) leaves their confirm alone and makes `bigOrder` (2,000.00) one that needs approval.
    passwords.set((await t.admin.get('/api/auth/me')).body.id as string, ADMIN_PASSWORD);
    expect((await t.admin.patch('/api/settings', { approvalThreshold: '1000.00' })).status).toBe(200);
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
    expect(unclassified, 'routes missing from the matrix table: add one line each to ROUTES').toEqual([]);
    for (const r of t.app.declaredRoutes) expect(r.access, `${r.method} ${r.url}`).toEqual(ROUTES[`${r.method} ${r.url}`].need);
    const stale = Object.keys(ROUTES).filter((key) => !declared.includes(key));
    expect(stale, 'table rows for routes that do not exist').toEqual([]);
  });

  // Hundreds of calls, each with its own fresh order: one test per role keeps each well inside a timeout on a
  // loaded two-core machine, and names the role whose walk broke. The answers seen add up across the roles.
  const seen = new Map<BuiltinRole, Set<number>>();
  it.each(BUILTIN_ROLES)('every route answers %s with the exact status SPEC §2 implies, for own and other records', { timeout: 180_000 }, async (role) => {
    const failures: string[] = [];
    const statuses = new Set<number>();
    const caller = callers[role];
    for (const [key, route] of Object.entries(ROUTES)) {
      if (route.need === 'public') continue;
      for (const ownership of route.order ? (['own', 'other'] as const) : (['own'] as const)) {
        const res = await call(key, route, caller, ownership === 'own' ? caller.userId : otherRep.userId);
        const want = expected(role, route, ownership);
        const status = want === 'allowed' ? route.ok : want;
        statuses.add(res.status);
        if (res.status !== status) failures.push(`${key} as ${role} (${ownership}): got ${res.status}, want ${status} — ${describeResult(res)}`);
        if (key === 'POST /api/auth/logout' && res.status === 204) await caller.login(`matrix_${role}`, `matrix_${role}-password-1`);
      }
    }
    seen.set(role, statuses);
    expect(failures).toEqual([]);
  });

  it('the walk covered every role and met every kind of answer the table promises', () => {
    // So a table that expected nothing but success could not pass.
    expect([...seen.keys()].sort()).toEqual([...BUILTIN_ROLES].sort());
    const all = new Set([...seen.values()].flatMap((s) => [...s]));
    expect([...all].sort()).toEqual(expect.arrayContaining([200, 201, 204, 403, 404]));
  });

  it('a signed-out caller gets 401 from every route that is not public, and the public ones answer', async () => {
    const failures: string[] = [];
    const anonymous = t.anonymous();
    for (const [key, route] of Object.entries(ROUTES)) {
      const [method, path] = key.split(' ') as [string, string];
      // The request never reaches a handler, so placeholders that name nothing are enough.
      const res =
        route.need === 'public'
          ? await anonymous.request(method, path, SAFE_METHODS.includes(method) ? undefined : await route.body?.(fixture, {} as Call))
          : await anonymous.request(method, path.replaceAll(/:(\w+)/g, '1'), SAFE_METHODS.includes(method) ? undefined : {});
      const want = route.need === 'public' ? route.ok : 401;
      if (res.status !== want) failures.push(`${key} signed out: got ${res.status}, want ${want} — ${describeResult(res)}`);
      if (route.need !== 'public' && !String(res.headers['content-type']).startsWith('application/problem+json')) failures.push(`${key} signed out: not problem+json`);
    }
    expect(failures).toEqual([]);
  });

  const checkedByToken = new Map<BuiltinRole, Set<number>>();
  it.each(['admin', 'sales_rep'] as const)('an API token of %s acts with its user’s permissions and needs no CSRF header', { timeout: 180_000 }, async (role) => {
    const failures: string[] = [];
    const checked = new Set<number>();
    const issued = await callers[role].post('/api/tokens', { name: `matrix bearer ${role}` });
    expect(issued.status).toBe(201);
    const bearer = Object.assign(new Client(t.app), { bearer: issued.body.token as string, userId: callers[role].userId });
    for (const [key, route] of Object.entries(ROUTES)) {
      if (route.need === 'public') continue;
      for (const ownership of route.order ? (['own', 'other'] as const) : (['own'] as const)) {
        const res = await call(key, route, bearer, ownership === 'own' ? bearer.userId : otherRep.userId);
        const want = route.sessionOnly ? 403 : expected(role, route, ownership);
        const status = want === 'allowed' ? route.ok : want;
        checked.add(res.status);
        if (res.status !== status) failures.push(`${key} with ${role}'s token (${ownership}): got ${res.status}, want ${status} — ${describeResult(res)}`);
        // Through a token a password change has no session of its own to keep: every session of the user ends.
        if (key === 'POST /api/me/password' && res.status === 204) await callers[role].login(`matrix_${role}`, `matrix_${role}-password-1`);
      }
    }
    checkedByToken.set(role, checked);
    expect(failures).toEqual([]);
  });

  it('the token walks covered both roles and met allowed, forbidden and out-of-scope answers', () => {
    expect([...checkedByToken.keys()].sort()).toEqual(['admin', 'sales_rep']);
    expect([...new Set([...checkedByToken.values()].flatMap((s) => [...s]))]).toEqual(expect.arrayContaining([200, 201, 403, 404]));
  });

  it('every write authenticated by the session cookie is refused with 403 without its X-CSRF-Token', async () => {
    const failures: string[] = [];
    let writes = 0;
    const admin = callers.admin;
    const withoutCsrf = new Client(t.app);
    withoutCsrf.cookie = admin.cookie;
    for (const [key, route] of Object.entries(ROUTES)) {
      const [method] = key.split(' ') as [string, string];
      if (route.need === 'public' || SAFE_METHODS.includes(method)) continue;
      writes++;
      const res = await call(key, route, admin, admin.userId, withoutCsrf);
      if (res.status !== 403 || !String(res.body?.type).endsWith('/csrf')) failures.push(`${key} without X-CSRF-Token: got ${res.status} — ${describeResult(res)}`);
    }
    expect(failures).toEqual([]);
    expect(writes).toBeGreaterThan(20);
    // The same session with its header is still good: the refusals were the missing header, not a dead session.
    expect((await admin.post('/api/tokens', { name: 'after csrf checks' })).status).toBe(201);
  });
});
