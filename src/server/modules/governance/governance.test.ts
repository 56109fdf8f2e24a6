import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, buildTestApp, DIALECTS, makeCustomer, makeProduct, type Client, type TestApp } from '../../../../test/helpers.js';
import { systemActor } from '../../platform/actor.js';
import { isoPlus, nowIso } from '../../platform/clock.js';
import { createOrder, orderIn, preview, previewAndDelete } from '../deletion/deletion.test-support.js';
import { executeDeletion, loadTarget } from '../deletion/deletion.service.js';
import { dispatchOutbox } from '../notifications/notifications.dispatcher.js';
import { runPurgeJob } from '../recycle-bin/purge.job.js';

const PROBLEMS = 'https://orderly.dev/problems/';
type Blocked = { blocked: Array<{ id: string; blockers: Array<{ code: string }> }> };
const blockerCodes = (body: Blocked) => body.blocked.flatMap((b) => b.blockers.map((x) => x.code));

describe.each(DIALECTS)('governance over HTTP (%s)', (dialect) => {
  let t: TestApp;
  let customerId: string;
  let productId: string;
  const line = () => [{ productId, quantity: 1 }];
  const stepUp = (client: Client, password = ADMIN_PASSWORD) => client.post('/api/auth/step-up', { password });

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    customerId = (await makeCustomer(t.admin)).id;
    productId = (await makeProduct(t.admin, { stock: 10_000, price: '10.00' })).id;
  });
  afterAll(async () => t?.close());

  it('a held order is refused by ids, by filter, by a cleanup-style command, by purge and by the retention job, each naming legal_hold; after release it goes', async () => {
    const order = await createOrder(t.admin, customerId, line(), { note: 'held-by-ids' });
    const held = await t.admin.post(`/api/orders/${order.id}/hold`, { reason: 'litigation 2026-17' });
    expect(held.status).toBe(200);
    expect(held.body.legalHold).toMatchObject({ reason: 'litigation 2026-17', heldBy: { id: expect.any(String) } });
    expect((await t.admin.get(`/api/orders/${order.id}`)).body.legalHold.reason).toBe('litigation 2026-17');
    expect((await t.admin.get(`/api/orders?number=${order.number}`)).body.items[0].legalHold.reason).toBe('litigation 2026-17');

    // By ids: the preview lists the blocker, the deletion is a 409 naming it; the single-order route too.
    const p = await preview(t.admin, { ids: [order.id] });
    expect(p.body.orders[0]).toMatchObject({ deletable: false, blockers: [{ code: 'legal_hold', action: 'release_hold' }] });
    const byIds = await t.admin.post('/api/orders/delete', { ids: [order.id], reason: { code: 'duplicate' }, previewToken: p.body.previewToken });
    expect(byIds.status).toBe(409);
    expect(blockerCodes(byIds.body)).toEqual(['legal_hold']);
    const single = await t.admin.delete(`/api/orders/${order.id}`, { reason: { code: 'duplicate' } });
    expect(single.status).toBe(409);
    expect(blockerCodes(single.body)).toEqual(['legal_hold']);

    // By filter.
    const byFilter = await previewAndDelete(t.admin, { filter: { number: order.number } });
    expect(byFilter.status).toBe(409);
    expect(blockerCodes(byFilter.body)).toEqual(['legal_hold']);

    // The command a cleanup review executes: the hold is read afresh inside its transaction.
    const cleanup = await t.db.ctx.kysely
      .transaction()
      .execute(async (trx) => executeDeletion(trx, t.dialect, systemActor('cleanup'), await loadTarget(trx, systemActor('cleanup'), { ids: [order.id] }), { code: 'cleanup' }))
      .catch((e: unknown) => e as { extra: Blocked & { code: string } });
    expect((cleanup as { extra: Blocked & { code: string } }).extra.code).toBe('deletion_blocked');
    expect(blockerCodes((cleanup as { extra: Blocked }).extra)).toEqual(['legal_hold']);

    // Release: the audit shows both, and the deletion goes through.
    expect((await t.admin.delete(`/api/orders/${order.id}/hold`)).body.legalHold).toBeNull();
    const actions = (await t.admin.get(`/api/audit?entityType=order&entityId=${order.id}`)).body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['order.hold', 'order.release_hold']));
    expect((await previewAndDelete(t.admin, { ids: [order.id] })).status).toBe(200);

    // In the bin: held again, purge by hand says legal_hold, the job skips it and its countdown stands still.
    await t.admin.patch('/api/settings', { purgeNeedsSecondAdmin: false });
    expect((await t.admin.post(`/api/orders/${order.id}/hold`, { reason: 'regulator asked' })).status).toBe(200);
    const bin = (await t.admin.get(`/api/recycle-bin?number=${order.number}`)).body.items[0];
    expect(bin.legalHold.reason).toBe('regulator asked');
    expect((await stepUp(t.admin)).status).toBe(200);
    const purge = await t.admin.post('/api/recycle-bin/purge', { ids: [order.id], confirm: 'PURGE' });
    expect(purge.status).toBe(409);
    expect(blockerCodes(purge.body)).toEqual(['legal_hold']);
    const past = isoPlus(nowIso(), -60_000);
    await t.db.ctx.kysely.updateTable('orders').set({ purge_after: past, held_at: isoPlus(nowIso(), -3_600_000) }).where('id', '=', Number(order.id)).execute();
    await runPurgeJob(t.db.ctx);
    expect((await t.admin.get(`/api/recycle-bin?number=${order.number}`)).body.items).toHaveLength(1);

    // Released after an hour on hold: the hour is given back to the countdown, then a purge goes through.
    const released = await t.admin.delete(`/api/orders/${order.id}/hold`);
    expect(released.status).toBe(200);
    const resumed = (await t.admin.get(`/api/recycle-bin?number=${order.number}`)).body.items[0];
    expect(resumed.legalHold).toBeNull();
    expect(Date.parse(resumed.purgeAfter) - Date.parse(past)).toBeGreaterThanOrEqual(3_600_000);
    expect((await t.admin.post('/api/recycle-bin/purge', { ids: [order.id], confirm: 'PURGE' })).status).toBe(200);
  });

  it('only holders of orders.hold place or release a hold', async () => {
    const order = await createOrder(t.admin, customerId, line());
    const rep = await t.userWithRoles('hold_rep', ['sales_rep']);
    expect((await rep.post(`/api/orders/${order.id}/hold`, { reason: 'x' })).status).toBe(403);
    const auditor = await t.userWithRoles('hold_auditor', ['auditor']);
    expect((await auditor.post(`/api/orders/${order.id}/hold`, { reason: 'audit sample' })).status).toBe(200);
    expect((await auditor.post(`/api/orders/${order.id}/hold`, { reason: '' })).status).toBe(400);
  });

  it('purge needs a recent step-up; a wrong step-up password counts toward the lockout; signing in does not count', async () => {
    await t.admin.patch('/api/settings', { purgeNeedsSecondAdmin: false });
    const order = await createOrder(t.admin, customerId, line());
    expect((await previewAndDelete(t.admin, { ids: [order.id] })).status).toBe(200);
    const fresh = await t.userWithRoles('stepup_admin', ['admin']);
    await t.admin.patch('/api/settings', { purgeNeedsSecondAdmin: false });
    const refused = await fresh.post('/api/recycle-bin/purge', { ids: [order.id], confirm: 'PURGE' });
    expect(refused.status).toBe(403);
    expect(refused.body.type).toBe(`${PROBLEMS}step-up-required`);
    expect((await stepUp(fresh, 'stepup_admin-password-1')).status).toBe(200);
    expect((await fresh.post('/api/recycle-bin/purge', { ids: [order.id], confirm: 'PURGE' })).status).toBe(200);

    // Five minutes later the confirmation has lapsed.
    await t.db.ctx.kysely.updateTable('sessions').set({ stepped_up_at: isoPlus(nowIso(), -5 * 60_000 - 1000) }).where('stepped_up_at', 'is not', null).execute();
    const lapsed = await fresh.post('/api/recycle-bin/purge', { ids: [order.id], confirm: 'PURGE' });
    expect(lapsed.body.type).toBe(`${PROBLEMS}step-up-required`);

    // Wrong passwords: a 400 on the field each time, and the tenth locks the account like failed sign-ins do.
    const victim = await t.userWithRoles('stepup_victim', ['sales_manager']);
    for (let i = 0; i < 10; i++) {
      const wrong = await stepUp(victim, 'not-the-password');
      expect(wrong.status).toBe(400);
      expect(wrong.body.errors[0].field).toBe('password');
    }
    expect((await t.anonymous().post('/api/auth/login', { username: 'stepup_victim', password: 'stepup_victim-password-1' })).status).toBe(401);
    const failures = await t.admin.get('/api/audit?action=auth.step_up_failed');
    expect(failures.body.items.length).toBeGreaterThanOrEqual(10);
  });

  it('four eyes: with two admins a purge is a 202 request, the requester cannot approve, the second admin purges; rejection purges nothing', async () => {
    const second = await t.userWithRoles('second_admin', ['admin']);
    await t.admin.patch('/api/settings', { purgeNeedsSecondAdmin: true });
    const [a, b] = [await createOrder(t.admin, customerId, line()), await createOrder(t.admin, customerId, line())];
    expect((await previewAndDelete(t.admin, { ids: [a.id, b.id] })).status).toBe(200);
    expect((await stepUp(t.admin)).status).toBe(200);

    const requested = await t.admin.post('/api/recycle-bin/purge', { ids: [a.id], confirm: 'PURGE' });
    expect(requested.status).toBe(202);
    const requestId = requested.body.purgeRequestId as string;
    const own = await t.admin.post(`/api/purge-requests/${requestId}/approve`);
    expect(own.status).toBe(403);
    expect(own.body.type).toBe(`${PROBLEMS}own_purge_request`);
    expect((await t.admin.get(`/api/recycle-bin?number=${a.number}`)).body.items).toHaveLength(1);

    // The second admin is told, and approving needs their own step-up.
    await dispatchOutbox(t.db.ctx);
    const inbox = await second.get('/api/notifications');
    expect(inbox.body.items.map((n: { topic: string }) => n.topic)).toContain('purge_request.created');
    expect((await second.post(`/api/purge-requests/${requestId}/approve`)).body.type).toBe(`${PROBLEMS}step-up-required`);
    expect((await stepUp(second, 'second_admin-password-1')).status).toBe(200);
    const approved = await second.post(`/api/purge-requests/${requestId}/approve`);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', orders: [{ id: a.id }], decidedBy: { id: second.userId } });
    expect((await t.admin.get(`/api/recycle-bin?number=${a.number}`)).body.items).toHaveLength(0);
    expect((await second.post(`/api/purge-requests/${requestId}/approve`)).status).toBe(409);

    const other = await t.admin.post('/api/recycle-bin/purge', { ids: [b.id], confirm: 'PURGE' });
    expect(other.status).toBe(202);
    const rejected = await second.post(`/api/purge-requests/${other.body.purgeRequestId}/reject`, { note: 'keep it' });
    expect(rejected.body.status).toBe('rejected');
    expect((await t.admin.get(`/api/recycle-bin?number=${b.number}`)).body.items).toHaveLength(1);
    const actions = (await t.admin.get('/api/audit?entityType=purge_request')).body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['purge_request.create', 'purge_request.approve', 'purge_request.reject']));
    await t.admin.patch('/api/settings', { purgeNeedsSecondAdmin: false });
  });

  it('deleting more than 100 orders needs a step-up; 100 do not', async () => {
    const manager = await t.userWithRoles('bulk_manager', ['sales_manager']);
    const ids: string[] = [];
    for (let i = 0; i < 101; i++) ids.push((await createOrder(manager, customerId, line())).id);
    const refused = await previewAndDelete(manager, { ids });
    expect(refused.status).toBe(403);
    expect(refused.body.type).toBe(`${PROBLEMS}step-up-required`);
    expect((await previewAndDelete(manager, { ids: ids.slice(0, 100) })).status).toBe(200);
    const last = ids.slice(100);
    const more: string[] = [...last];
    for (let i = 0; i < 100; i++) more.push((await createOrder(manager, customerId, line())).id);
    expect((await stepUp(manager, 'bulk_manager-password-1')).status).toBe(200);
    expect((await previewAndDelete(manager, { ids: more })).status).toBe(200);
  });

  it('changing a user’s roles needs a step-up', async () => {
    const target = await t.userWithRoles('role_target', ['auditor']);
    const admin2 = await t.userWithRoles('role_admin', ['admin']);
    const refused = await admin2.patch(`/api/users/${target.userId}`, { roles: ['finance'] });
    expect(refused.body.type).toBe(`${PROBLEMS}step-up-required`);
    expect((await admin2.patch(`/api/users/${target.userId}`, { roles: ['auditor'], displayName: 'Same roles' })).status).toBe(200);
    expect((await stepUp(admin2, 'role_admin-password-1')).status).toBe(200);
    expect((await admin2.patch(`/api/users/${target.userId}`, { roles: ['finance'] })).body.roles).toEqual(['finance']);
  });

  it('approval threshold: a rep gets 409 approval-required, asks, the managers are told, a manager confirms; both audited', async () => {
    await t.admin.patch('/api/settings', { approvalThreshold: '50.00' });
    const rep = await t.userWithRoles('threshold_rep', ['sales_rep']);
    const manager = await t.userWithRoles('threshold_manager', ['sales_manager']);
    const big = await createOrder(rep, customerId, [{ productId, quantity: 5 }]);
    const small = await createOrder(rep, customerId, [{ productId, quantity: 1 }]);
    const refused = await rep.post(`/api/orders/${big.id}/confirm`);
    expect(refused.status).toBe(409);
    expect(refused.body.type).toBe(`${PROBLEMS}approval-required`);
    expect((await rep.post(`/api/orders/${small.id}/confirm`)).status).toBe(200);

    expect((await rep.post(`/api/orders/${big.id}/approval-request`, { note: 'key account' })).status).toBe(200);
    await dispatchOutbox(t.db.ctx);
    expect((await manager.get('/api/notifications')).body.items.map((n: { topic: string }) => n.topic)).toContain('order.approval_requested');
    const confirmed = await manager.post(`/api/orders/${big.id}/confirm`);
    expect(confirmed.status).toBe(200);
    const audit = (await t.admin.get(`/api/audit?entityType=order&entityId=${big.id}`)).body.items;
    expect(audit.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['order.approval_request', 'order.confirm']));
    expect(audit.find((e: { action: string }) => e.action === 'order.confirm').diff.approval).toEqual({ threshold: '50.00', total: '50.00' });
    await t.admin.patch('/api/settings', { approvalThreshold: null });
  });

  it('required customer fields: an order for a customer missing one is a 400 naming the field, and nothing is written', async () => {
    await t.admin.patch('/api/settings', { requiredCustomerFields: ['email'] });
    const bare = await t.admin.post('/api/customers', { name: 'No Email Ltd', phone: '+86 138 0000 0000' });
    const before = (await t.admin.get('/api/orders?limit=500')).body.items.length;
    const refused = await t.admin.post('/api/orders', { customerId: bare.body.id, items: line() });
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((e: { field: string }) => e.field)).toEqual(['customer.email']);
    expect((await t.admin.get('/api/orders?limit=500')).body.items.length).toBe(before);
    expect((await t.admin.post('/api/orders', { customerId, items: line() })).status).toBe(201);
    await t.admin.patch('/api/settings', { requiredCustomerFields: [] });
  });

  it('retention is set per status: a deleted draft and a deleted cancelled order get their own purge date', async () => {
    await t.admin.patch('/api/settings', { retention: { draft: 3, cancelled: 90 } });
    const draft = await createOrder(t.admin, customerId, line());
    const cancelled = await orderIn(t.admin, 'cancelled', customerId, line());
    expect((await previewAndDelete(t.admin, { ids: [draft.id, cancelled.id] })).status).toBe(200);
    const items = (await t.admin.get('/api/recycle-bin?limit=10')).body.items as Array<{ id: string; deletedAt: string; purgeAfter: string }>;
    const days = (id: string) => {
      const item = items.find((i) => i.id === id)!;
      return Math.round((Date.parse(item.purgeAfter) - Date.parse(item.deletedAt)) / 86_400_000);
    };
    expect([days(draft.id), days(cancelled.id)]).toEqual([3, 90]);
    expect((await t.admin.get('/api/settings/retention')).body.days).toBe(3);
    await t.admin.put('/api/settings/retention', { days: 30 });
    expect((await t.admin.get('/api/settings')).body.retention).toEqual({ draft: 30, cancelled: 30, confirmed: 30 });
  });
});
