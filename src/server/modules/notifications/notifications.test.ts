import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DIALECTS, makeCustomer, makeProduct, type Client, type TestApp } from '../../../../test/helpers.js';
import { orderIn, previewAndDelete } from '../deletion/deletion.test-support.js';
import { dispatchOutbox } from './notifications.dispatcher.js';
import { startReceiver, startSmtp, subjectOf } from './notifications.test-support.js';
import { sendDueEmails } from './email.sender.js';
import { deliverDueWebhooks } from './webhooks.sender.js';

/** What a receiver does to check a delivery: the README's verification, word for word. */
function verifies(secret: string, header: string, rawBody: string): boolean {
  const { t, v1 } = Object.fromEntries(header.split(',').map((p) => p.split('='))) as { t: string; v1: string };
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  return expected.length === Buffer.from(v1, 'hex').length && timingSafeEqual(expected, Buffer.from(v1, 'hex'));
}

describe.each(DIALECTS)('notifications over HTTP (%s)', (dialect) => {
  let t: TestApp;
  let manager: Client & { userId: string };
  let rep1: Client & { userId: string };
  let warehouse: Array<Client & { userId: string }>;
  let finance: Array<Client & { userId: string }>;
  let auditor: Client & { userId: string };
  let customerId: string;
  let productId: string;
  const dispatch = () => dispatchOutbox(t.db.ctx);
  const unreadOf = async (c: Client) => (await c.get('/api/notifications?unread=true')).body;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    manager = await t.userWithRoles('wang_mgr', ['sales_manager']);
    await t.admin.patch(`/api/users/${manager.userId}`, { displayName: '王经理' });
    rep1 = await t.userWithRoles('rep1', ['sales_rep']);
    warehouse = [await t.userWithRoles('wh1', ['warehouse']), await t.userWithRoles('wh2', ['warehouse'])];
    finance = [await t.userWithRoles('fin1', ['finance'])];
    auditor = await t.userWithRoles('aud1', ['auditor']);
    customerId = (await makeCustomer(t.admin, '上海贸易 Shanghai Trading')).id;
    productId = (await makeProduct(t.admin, { stock: 10_000 })).id;
  });
  afterAll(async () => t?.close());

  it('users belong to the departments their roles suggest, and admins move them with PATCH {departments}', async () => {
    const users = (await t.admin.get('/api/users')).body.items as Array<{ username: string; departments: string[] }>;
    expect(users.find((u) => u.username === 'rep1')!.departments).toEqual(['sales']);
    expect(users.find((u) => u.username === 'wh1')!.departments).toEqual(['warehouse']);
    expect(users.find((u) => u.username === 'aud1')!.departments).toEqual([]);
    // The auditor joins finance: from now on they are told what finance is told.
    const moved = await t.admin.patch(`/api/users/${auditor.userId}`, { departments: ['finance'] });
    expect(moved.status).toBe(200);
    expect(moved.body.departments).toEqual(['finance']);
    finance.push(auditor);
    const bad = await t.admin.patch(`/api/users/${auditor.userId}`, { departments: ['finance', 'nope'] });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.body.errors[0].field).toBe('departments');
    expect((await t.admin.get(`/api/users/${auditor.userId}`)).body.departments).toEqual(['finance']);
    const departments = (await t.admin.get('/api/departments')).body.items as Array<{ code: string; members: number }>;
    expect(departments.map((d) => d.code)).toEqual(['finance', 'sales', 'warehouse']);
    expect(departments.find((d) => d.code === 'finance')!.members).toBe(2);
  });

  it('a manager deletes rep1’s confirmed order: rep1, every warehouse and finance user get exactly one unread notification; a webhook gets one signed POST; an e-mail arrives', async () => {
    const receiver = await startReceiver();
    const smtp = await startSmtp();
    try {
      const hook = await t.admin.post('/api/webhooks', { url: receiver.url, topics: ['order.deleted'], description: 'ERP' });
      expect(hook.status).toBe(201);
      expect(hook.body.secret).toMatch(/^whsec_[0-9a-f]{64}$/);
      expect((await t.admin.get('/api/webhooks')).body.items[0].secret).toBeUndefined();

      await t.admin.patch(`/api/users/${rep1.userId}`, { email: 'rep1@example.com', language: 'zh-CN' });
      const prefs = await rep1.put('/api/me/notification-preferences', { topics: { 'order.deleted': { inApp: true, email: true } } });
      expect(prefs.status).toBe(200);
      expect(prefs.body.topics['order.deleted']).toEqual({ inApp: true, email: true });

      const order = await orderIn(manager, 'confirmed', customerId, [{ productId, quantity: 2 }], { ownerId: rep1.userId });
      await dispatch();
      for (const c of [rep1, ...warehouse, ...finance]) await c.post('/api/notifications/read', { all: true });

      const preview = await manager.post('/api/orders/delete-preview', { ids: [order.id] });
      expect(preview.body.notify).toEqual(['sales', 'warehouse', 'finance']);
      const deleted = await manager.post('/api/orders/delete', { ids: [order.id], reason: { code: 'duplicate' }, previewToken: preview.body.previewToken });
      expect(deleted.status).toBe(200);
      expect((await unreadOf(rep1)).unread).toBe(0);
      const result = await dispatch();
      expect(result.events).toBe(1);

      for (const c of [rep1, ...warehouse, ...finance]) {
        const inbox = await unreadOf(c);
        expect(inbox.unread, c.userId).toBe(1);
        expect(inbox.items).toHaveLength(1);
        expect(inbox.items[0]).toMatchObject({ topic: 'order.deleted', link: `/recycle-bin?batchId=${deleted.body.batchId}`, readAt: null, count: 1 });
        expect(inbox.items[0].title).toContain(order.number);
      }
      // Reader's language: Chinese by default, English when the browser asks and no language is saved.
      expect((await unreadOf(rep1)).items[0].title).toBe(`王经理删除了${order.number}，原因：重复订单`);
      const english = await warehouse[0].get('/api/notifications?unread=true', { 'accept-language': 'en-US,en;q=0.9' });
      expect(english.body.items[0].title).toBe(`${order.number} deleted by 王经理: reason: duplicate`);
      // The one who deleted is not told about their own action; the admin is in no department.
      expect((await unreadOf(manager)).unread).toBe(0);
      expect((await unreadOf(t.admin)).unread).toBe(0);
      // A second pass finds nothing more to do.
      expect((await dispatch()).events).toBe(0);

      const sent = await deliverDueWebhooks(t.db.ctx, { allowPrivate: true, timeoutMs: 5000 });
      expect(sent).toEqual({ attempted: 1, delivered: 1 });
      expect(receiver.received).toHaveLength(1);
      const post = receiver.received[0];
      const event = JSON.parse(post.body);
      expect(event).toMatchObject({ topic: 'order.deleted', data: { orderId: order.id, number: order.number, ownerId: rep1.userId, batchId: deleted.body.batchId } });
      expect(post.headers['orderly-event-id']).toBe(event.id);
      expect(post.headers['content-type']).toBe('application/json');
      expect(verifies(hook.body.secret, String(post.headers['orderly-signature']), post.body)).toBe(true);
      expect(verifies('whsec_wrong', String(post.headers['orderly-signature']), post.body)).toBe(false);
      expect((await deliverDueWebhooks(t.db.ctx, { allowPrivate: true, timeoutMs: 5000 })).attempted).toBe(0);
      const deliveries = (await t.admin.get(`/api/webhooks/${hook.body.id}/deliveries`)).body.items;
      expect(deliveries).toMatchObject([{ eventId: event.id, topic: 'order.deleted', status: 'delivered', attempts: 1, lastStatusCode: 200, nextAttemptAt: null }]);

      const mailed = await sendDueEmails(t.db.ctx, { smtpUrl: smtp.url, from: 'Orderly <orderly@example.com>' });
      expect(mailed.sent).toBeGreaterThanOrEqual(1);
      const toRep = smtp.mails.filter((m) => m.to.includes('rep1@example.com'));
      expect(toRep).toHaveLength(1);
      expect(subjectOf(toRep[0].raw)).toBe(`王经理删除了${order.number}，原因：重复订单`);
      expect(toRep[0].raw).toMatch(/Content-Type: text\/html/i);
      expect(toRep[0].raw).toMatch(/Content-Type: text\/plain/i);
      expect((await sendDueEmails(t.db.ctx, { smtpUrl: smtp.url, from: 'orderly@example.com' })).attempted).toBe(0);
      await t.admin.delete(`/api/webhooks/${hook.body.id}`);
    } finally {
      await receiver.close();
      await smtp.close();
    }
  });

  it('finance is e-mailed by default, in English when that is their language; users without an address get none', async () => {
    const smtp = await startSmtp();
    try {
      await t.admin.patch(`/api/users/${finance[0].userId}`, { email: 'fin1@example.com', language: 'en' });
      const order = await orderIn(manager, 'confirmed', customerId, [{ productId, quantity: 1 }], { ownerId: rep1.userId });
      await dispatch();
      await previewAndDelete(manager, { ids: [order.id] }, { code: 'entry_error' });
      await dispatch();
      await sendDueEmails(t.db.ctx, { smtpUrl: smtp.url, from: 'orderly@example.com' });
      const toFin = smtp.mails.filter((m) => m.to.includes('fin1@example.com'));
      expect(toFin).toHaveLength(1);
      expect(subjectOf(toFin[0].raw)).toBe(`${order.number} deleted by 王经理: reason: entry error`);
    } finally {
      await smtp.close();
    }
  });

  it('a bulk deletion gives each recipient one grouped notification, not one per order', async () => {
    const orders = [];
    for (let i = 0; i < 12; i++) orders.push(await orderIn(manager, 'confirmed', customerId, [{ productId, quantity: 1 }], { ownerId: rep1.userId }));
    await dispatch();
    for (const c of [rep1, ...warehouse, ...finance]) await c.post('/api/notifications/read', { all: true });
    const deleted = await previewAndDelete(manager, { ids: orders.map((o) => o.id) }, { code: 'duplicate' });
    expect(deleted.status).toBe(200);
    // Small slices split the batch across transactions: still one row per recipient.
    await dispatchOutbox(t.db.ctx, { batchSize: 5 });
    for (const c of [rep1, ...warehouse, ...finance]) {
      const inbox = await unreadOf(c);
      expect(inbox.unread).toBe(1);
      expect(inbox.items[0].count).toBe(12);
    }
    const en = await warehouse[1].get('/api/notifications?unread=true', { 'accept-language': 'en' });
    expect(en.body.items[0].title).toBe('12 orders deleted by 王经理: reason: duplicate');
    const zh = await unreadOf(warehouse[1]);
    expect(zh.items[0].title).toBe('王经理删除了12 个订单，原因：重复订单');
    expect(zh.items[0].body).toMatch(/ — 这些订单已移入回收站，清除前可以恢复。$/);
    expect(en.body.items[0].body).toMatch(/ — The orders are in the recycle bin and can be restored until they are purged\.$/);
  });

  it('one order reads in the singular; confirm, ship and cancel say who did it, and the actor is not told', async () => {
    await t.admin.patch(`/api/users/${warehouse[0].userId}`, { displayName: '仓库小李' });
    const everyone = [rep1, manager, ...warehouse, ...finance];
    const order = await orderIn(manager, 'confirmed', customerId, [{ productId, quantity: 1 }], { ownerId: rep1.userId });
    for (const c of everyone) await c.post('/api/notifications/read', { all: true });
    await dispatch();
    const confirmed = (await unreadOf(rep1)).items.find((n: { topic: string }) => n.topic === 'order.confirmed');
    expect(confirmed.title).toBe(`王经理确认了${order.number}`);
    expect((await unreadOf(warehouse[1])).items.map((n: { title: string }) => n.title)).toEqual([`王经理确认了${order.number}`]);
    expect((await warehouse[1].get('/api/notifications?unread=true', { 'accept-language': 'en' })).body.items[0].title).toBe(`${order.number} confirmed by 王经理`);
    // The manager confirmed it: no notice of their own action.
    expect((await unreadOf(manager)).unread).toBe(0);
    // Webhook receivers get who it was, by id and by name.
    const event = await t.db.ctx.kysely.selectFrom('outbox').select('payload').where('topic', '=', 'order.confirmed').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(JSON.parse(event.payload)).toMatchObject({ orderId: order.id, actorId: manager.userId, actorName: '王经理' });

    const shipped = await warehouse[0].post(`/api/orders/${order.id}/ship`, {});
    expect(shipped.status).toBe(200);
    await dispatch();
    expect((await unreadOf(finance[1])).items.map((n: { title: string }) => n.title)).toContain(`仓库小李发货了${order.number}`);
    // fin1 chose English.
    expect((await unreadOf(finance[0])).items.map((n: { title: string }) => n.title)).toContain(`${order.number} shipped by 仓库小李`);
    expect((await unreadOf(warehouse[0])).items.some((n: { topic: string }) => n.topic === 'order.shipped')).toBe(false);

    const other = await orderIn(manager, 'confirmed', customerId, [{ productId, quantity: 1 }], { ownerId: rep1.userId });
    await dispatch();
    for (const c of everyone) await c.post('/api/notifications/read', { all: true });
    expect((await manager.post(`/api/orders/${other.id}/cancel`, {})).status).toBe(200);
    await dispatch();
    expect((await warehouse[0].get('/api/notifications?unread=true', { 'accept-language': 'en' })).body.items[0].title).toBe(`${other.number} cancelled by 王经理`);

    // A single deletion's body speaks of one order, in both languages.
    for (const c of everyone) await c.post('/api/notifications/read', { all: true });
    await previewAndDelete(manager, { ids: [other.id] });
    await dispatch();
    expect((await unreadOf(rep1)).items[0].body).toBe('该订单已移入回收站，清除前可以恢复。');
    // rep1 saved Chinese; texts follow the reader's language when read.
    await t.admin.patch(`/api/users/${rep1.userId}`, { language: 'en' });
    expect((await unreadOf(rep1)).items[0].body).toBe('The order is in the recycle bin and can be restored until it is purged.');
    await t.admin.patch(`/api/users/${rep1.userId}`, { language: 'zh-CN' });
  });

  it('marks read by ids (only the caller’s own) or all; pages with a cursor; bad input is a 400 naming the field', async () => {
    await rep1.post('/api/notifications/read', { all: true });
    const order = await orderIn(manager, 'draft', customerId, [{ productId, quantity: 1 }], { ownerId: rep1.userId });
    await previewAndDelete(manager, { ids: [order.id] });
    const other = await orderIn(manager, 'draft', customerId, [{ productId, quantity: 1 }], { ownerId: rep1.userId });
    await previewAndDelete(manager, { ids: [other.id] });
    await dispatch();
    const inbox = await unreadOf(rep1);
    expect(inbox.unread).toBe(2);
    const whInbox = (await warehouse[0].get('/api/notifications')).body;
    // Someone else's id changes nothing.
    expect((await warehouse[0].post('/api/notifications/read', { ids: [inbox.items[0].id] })).body.updated).toBe(0);
    expect((await unreadOf(rep1)).unread).toBe(2);
    const one = await rep1.post('/api/notifications/read', { ids: [inbox.items[0].id] });
    expect(one.body).toEqual({ updated: 1, unread: 1 });
    const page = await rep1.get('/api/notifications?limit=1');
    expect(page.body.items).toHaveLength(1);
    expect(page.body.nextCursor).not.toBeNull();
    const next = await rep1.get(`/api/notifications?limit=1&cursor=${page.body.nextCursor}`);
    expect(Number(next.body.items[0].id)).toBeLessThan(Number(page.body.items[0].id));
    expect((await rep1.post('/api/notifications/read', { all: true })).body.unread).toBe(0);
    expect(whInbox.items.length).toBeGreaterThan(0);

    for (const [body, field] of [
      [{ ids: [] }, 'ids'],
      [{ ids: ['x'] }, 'ids.0'],
      [{ all: false }, 'all'],
    ] as const) {
      const res = await rep1.post('/api/notifications/read', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(JSON.stringify(res.body.errors)).toContain(field);
    }
    const badPrefs = await rep1.put('/api/me/notification-preferences', { topics: { 'order.exploded': { inApp: true, email: false } } });
    expect(badPrefs.status).toBe(400);
    expect(JSON.stringify(badPrefs.body.errors)).toContain('topics');
    const badHook = await t.admin.post('/api/webhooks', { url: 'ftp://example.com/x', topics: ['order.deleted'] });
    expect(badHook.status).toBe(400);
    expect(badHook.body.errors[0].field).toBe('url');
    const badTopic = await t.admin.post('/api/webhooks', { url: 'https://example.com/x', topics: ['order.nope'] });
    expect(badTopic.status).toBe(400);
    expect(badTopic.body.errors[0].field).toContain('topics');
    expect((await rep1.get('/api/webhooks')).status).toBe(403);
  });

  it('preferences: in-app off keeps the inbox quiet for that topic; defaults follow the department', async () => {
    const defaults = (await warehouse[1].get('/api/me/notification-preferences')).body.topics;
    expect(defaults['order.deleted']).toEqual({ inApp: true, email: false });
    expect((await finance[0].get('/api/me/notification-preferences')).body.topics['order.deleted']).toEqual({ inApp: true, email: true });
    await warehouse[1].put('/api/me/notification-preferences', { topics: { 'order.deleted': { inApp: false, email: false } } });
    await warehouse[1].post('/api/notifications/read', { all: true });
    await warehouse[0].post('/api/notifications/read', { all: true });
    const order = await orderIn(manager, 'confirmed', customerId, [{ productId, quantity: 1 }], { ownerId: rep1.userId });
    await dispatch();
    await warehouse[1].post('/api/notifications/read', { all: true });
    await warehouse[0].post('/api/notifications/read', { all: true });
    await previewAndDelete(manager, { ids: [order.id] });
    await dispatch();
    expect((await unreadOf(warehouse[1])).unread).toBe(0);
    expect((await unreadOf(warehouse[0])).unread).toBe(1);
    await warehouse[1].put('/api/me/notification-preferences', { topics: { 'order.deleted': { inApp: true, email: false } } });
  });

  it('a restore request reaches the approvers; the decision reaches the requester', async () => {
    const order = await orderIn(rep1, 'draft', customerId, [{ productId, quantity: 1 }]);
    await previewAndDelete(rep1, { ids: [order.id] });
    await dispatch();
    await manager.post('/api/notifications/read', { all: true });
    await t.admin.post('/api/notifications/read', { all: true });
    const request = await rep1.post('/api/restore-requests', { ids: [order.id], note: 'customer came back' });
    expect(request.status).toBe(201);
    await dispatch();
    for (const approver of [manager, t.admin]) {
      const inbox = await unreadOf(approver);
      expect(inbox.items.map((n: { topic: string }) => n.topic)).toEqual(['restore_request.created']);
      expect(inbox.items[0].link).toBe(`/restore-requests?id=${request.body.id}`);
    }
    expect((await unreadOf(warehouse[0])).items.some((n: { topic: string }) => n.topic.startsWith('restore_request'))).toBe(false);
    await rep1.post('/api/notifications/read', { all: true });
    await manager.post(`/api/restore-requests/${request.body.id}/approve`, {});
    await dispatch();
    expect((await unreadOf(rep1)).items.map((n: { topic: string }) => n.topic)).toContain('restore_request.approved');
  });
});
