import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DIALECTS, makeCustomer, makeProduct, type TestApp } from '../../../../test/helpers.js';
import { orderIn, previewAndDelete } from '../deletion/deletion.test-support.js';
import { dispatchOutbox } from './notifications.dispatcher.js';
import { startReceiver } from './notifications.test-support.js';
import { MAX_ATTEMPTS } from './retry-schedule.js';
import { deliverDueWebhooks, isPrivateAddress } from './webhooks.sender.js';

describe('private and loopback addresses', () => {
  it('are recognised in IPv4, IPv6 and IPv4-mapped form; public ones are not', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isPrivateAddress(a), a).toBe(false);
  });
});

describe.each(DIALECTS)('webhook deliveries (%s)', (dialect) => {
  let t: TestApp;
  let customerId: string;
  let productId: string;
  /** The sender's clock, moved on by hand so retries fall due without waiting. */
  let clock = Date.parse('2030-01-01T00:00:00.000Z');
  const now = () => new Date(clock).toISOString();
  const send = (extra: { allowPrivate?: boolean; timeoutMs?: number; random?: () => number } = {}) =>
    deliverDueWebhooks(t.db.ctx, { allowPrivate: extra.allowPrivate ?? true, timeoutMs: extra.timeoutMs ?? 3000, now, random: extra.random ?? (() => 0.5) });

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    customerId = (await makeCustomer(t.admin)).id;
    productId = (await makeProduct(t.admin, { stock: 1000 })).id;
  });
  afterAll(async () => t?.close());

  /** A webhook on `url` and one order.deleted event dispatched to it; returns the webhook id. */
  async function hookWithOneDelivery(url: string): Promise<string> {
    const hook = await t.admin.post('/api/webhooks', { url, topics: ['order.deleted'] });
    expect(hook.status).toBe(201);
    const order = await orderIn(t.admin, 'draft', customerId, [{ productId, quantity: 1 }]);
    await previewAndDelete(t.admin, { ids: [order.id] });
    await dispatchOutbox(t.db.ctx);
    // Only this webhook stays enabled, so each test sees its own deliveries.
    for (const h of (await t.admin.get('/api/webhooks')).body.items) if (h.id !== hook.body.id) await t.admin.patch(`/api/webhooks/${h.id}`, { enabled: false });
    return hook.body.id;
  }
  const deliveriesOf = async (id: string) => (await t.admin.get(`/api/webhooks/${id}/deliveries`)).body.items;

  it('a receiver that answers 500 twice and then 200 ends delivered after 3 attempts, each retry after its backoff', async () => {
    const receiver = await startReceiver((n) => (n <= 2 ? 500 : 200));
    try {
      const id = await hookWithOneDelivery(receiver.url);
      expect((await send()).attempted).toBe(1);
      let [d] = await deliveriesOf(id);
      expect(d).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: 500 });
      // Not due yet: nothing is sent before the backoff has passed.
      expect((await send()).attempted).toBe(0);
      clock = Date.parse(d.nextAttemptAt);
      await send();
      [d] = await deliveriesOf(id);
      expect(d).toMatchObject({ status: 'failed', attempts: 2, lastStatusCode: 500 });
      clock = Date.parse(d.nextAttemptAt);
      await send();
      [d] = await deliveriesOf(id);
      expect(d).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200, nextAttemptAt: null });
      expect(receiver.received).toHaveLength(3);
      // Every attempt carries the same event and id, so the receiver can deduplicate.
      expect(new Set(receiver.received.map((r) => r.headers['orderly-event-id'])).size).toBe(1);
      expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    } finally {
      await receiver.close();
    }
  });

  it('one that never answers times out on every attempt, backs off exponentially over more than 24 h, ends dead, and is redelivered from the API', async () => {
    let healthy = false;
    const receiver = await startReceiver(() => (healthy ? 200 : 'hang'));
    try {
      const id = await hookWithOneDelivery(receiver.url);
      const waits: number[] = [];
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        // Jitter at its minimum: the schedule must still span a day.
        expect((await send({ timeoutMs: 150, random: () => 0 })).attempted, `attempt ${attempt}`).toBe(1);
        const [d] = await deliveriesOf(id);
        expect(d.attempts).toBe(attempt);
        expect(d.lastError).toMatch(/150 ms|abort|timeout/i);
        if (attempt < MAX_ATTEMPTS) {
          expect(d.status).toBe('failed');
          waits.push(Date.parse(d.nextAttemptAt) - clock);
          clock = Date.parse(d.nextAttemptAt);
        } else {
          expect(d).toMatchObject({ status: 'dead', nextAttemptAt: null });
        }
      }
      expect(MAX_ATTEMPTS).toBeGreaterThanOrEqual(8);
      for (let i = 1; i < waits.length; i++) expect(waits[i]).toBeGreaterThanOrEqual(waits[i - 1]);
      expect(waits[3]).toBeGreaterThan(waits[0] * 10);
      expect(waits.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(24 * 3600_000);
      clock += 30 * 24 * 3600_000;
      expect((await send()).attempted).toBe(0);

      healthy = true;
      const [dead] = await deliveriesOf(id);
      const again = await t.admin.post(`/api/webhooks/${id}/deliveries/${dead.id}/redeliver`);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ id: dead.id, status: 'pending', attempts: 0 });
      expect((await send()).delivered).toBe(1);
      expect((await deliveriesOf(id))[0]).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200 });
      expect((await t.admin.post(`/api/webhooks/${id}/deliveries/999999/redeliver`)).status).toBe(404);
    } finally {
      await receiver.close();
    }
  });

  it('refuses loopback and private addresses unless allowed, after resolving names, and does not follow redirects', async () => {
    const receiver = await startReceiver();
    const redirector = await startReceiver(() => ({ status: 302, location: receiver.url }));
    try {
      const byName = await hookWithOneDelivery(receiver.url.replace('127.0.0.1', 'localhost'));
      await send({ allowPrivate: false });
      const [refused] = await deliveriesOf(byName);
      expect(refused).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: null });
      expect(refused.lastError).toMatch(/private or loopback/);
      expect(receiver.received).toHaveLength(0);

      const byIp = await hookWithOneDelivery(receiver.url);
      await send({ allowPrivate: false });
      expect((await deliveriesOf(byIp))[0].lastError).toMatch(/127\.0\.0\.1, a private or loopback address/);
      expect(receiver.received).toHaveLength(0);

      const redirected = await hookWithOneDelivery(redirector.url);
      await send({ allowPrivate: true });
      const [r] = await deliveriesOf(redirected);
      expect(r).toMatchObject({ status: 'failed', lastStatusCode: 302 });
      expect(r.lastError).toMatch(/redirects are not followed/);
      expect(redirector.received).toHaveLength(1);
      expect(receiver.received).toHaveLength(0);
    } finally {
      await receiver.close();
      await redirector.close();
    }
  });

  it('admins edit, disable and rotate the secret; a disabled webhook gets no new deliveries', async () => {
    const hook = (await t.admin.post('/api/webhooks', { url: 'https://example.com/erp', topics: ['order.deleted', 'order.restored'], description: 'ERP' })).body;
    const rotated = await t.admin.patch(`/api/webhooks/${hook.id}`, { rotateSecret: true });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(hook.secret);
    const edited = await t.admin.patch(`/api/webhooks/${hook.id}`, { url: 'https://example.com/erp2', topics: ['order.purged'], enabled: false, description: null });
    expect(edited.body).toMatchObject({ url: 'https://example.com/erp2', topics: ['order.purged'], enabled: false, description: null });
    expect(edited.body.secret).toBeUndefined();
    for (const h of (await t.admin.get('/api/webhooks')).body.items) await t.admin.patch(`/api/webhooks/${h.id}`, { enabled: false });
    const order = await orderIn(t.admin, 'draft', customerId, [{ productId, quantity: 1 }]);
    await previewAndDelete(t.admin, { ids: [order.id] });
    expect((await dispatchOutbox(t.db.ctx)).webhookDeliveries).toBe(0);
    expect((await t.admin.patch('/api/webhooks/999999', { enabled: true })).status).toBe(404);
    expect((await t.admin.delete(`/api/webhooks/${hook.id}`)).status).toBe(204);
    expect((await t.admin.get(`/api/webhooks/${hook.id}`)).status).toBe(404);
    const audit = (await t.admin.get('/api/audit?entityType=webhook')).body.items as Array<{ action: string; diff: unknown }>;
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['webhook.create', 'webhook.update', 'webhook.delete', 'webhook.redeliver']));
    expect(JSON.stringify(audit)).not.toContain(rotated.body.secret);
  });
});
