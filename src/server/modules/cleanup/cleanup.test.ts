import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DIALECTS, makeCustomer, makeProduct, type Client, type TestApp } from '../../../../test/helpers.js';
import { connect } from '../../db/connect.js';
import { runJobOnce } from '../../platform/jobs.js';
import { createOrder, orderIn } from '../deletion/deletion.test-support.js';
import { checkInvariants } from '../integrity/invariants.js';
import { dispatchOutbox } from '../notifications/notifications.dispatcher.js';
import { cleanupScheduleJob } from './cleanup.job.js';

const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY).toISOString();

/** Backdates orders as if nobody had touched them for `days` (the only way to age rows in a test). */
async function age(t: TestApp, ids: string[], days: number): Promise<void> {
  await t.db.ctx.kysely.updateTable('orders').set({ updated_at: daysAgo(days), created_at: daysAgo(days) }).where('id', 'in', ids.map(Number)).execute();
}

/** Approvals of more than 100 orders need a fresh step-up where the governance module is present. */
async function stepUp(client: Client, password: string): Promise<void> {
  const res = await client.post('/api/auth/step-up', { password });
  expect([200, 204, 404]).toContain(res.status);
}

const staleDraftsRule = (extra: Record<string, unknown> = {}) => ({ name: 'Stale drafts', match: { status: ['draft'], untouchedDays: 30 }, schedule: '0 9 * * 1', enabled: true, ...extra });

describe.each(DIALECTS)('cleanup reviews (%s)', (dialect) => {
  let t: TestApp;
  let manager: Client & { userId: string };
  beforeAll(async () => {
    t = await buildTestApp(dialect);
    manager = await t.userWithRoles('cleanup_manager', ['sales_manager']);
  });
  afterAll(async () => t?.close());

  it('run now opens a review of exactly the matching orders with reasons; approval deletes the rest as one cleanup batch, reversing stock and money; restore brings them back', async () => {
    const customer = await makeCustomer(t.admin, 'Stale Goods Ltd');
    const product = await makeProduct(t.admin, { stock: 50 });
    const line = [{ productId: product.id, quantity: 2 }];
    const drafts = [await createOrder(t.admin, customer.id, line), await createOrder(t.admin, customer.id, line), await createOrder(t.admin, customer.id, line)];
    const confirmed = await orderIn(t.admin, 'confirmed', customer.id, line);
    const fresh = await createOrder(t.admin, customer.id, line);
    const shipped = await orderIn(t.admin, 'shipped', customer.id, line);
    await age(t, [...drafts.map((d) => d.id), confirmed.id, shipped.id], 45);

    const rule = await t.admin.post('/api/cleanup/rules', { name: 'Stale drafts and confirmations', match: { status: ['draft', 'confirmed'], untouchedDays: 30 }, schedule: '0 9 * * 1', enabled: true });
    expect(rule.status).toBe(201);
    const preview = await t.admin.post('/api/cleanup/preview', { match: rule.body.match });
    expect(preview.body.count).toBe(4);

    const run = await t.admin.post(`/api/cleanup/rules/${rule.body.id}/run`);
    expect(run.status).toBe(201);
    expect(run.body.status).toBe('open');
    expect(run.body.ruleId).toBe(rule.body.id);
    expect(Date.parse(run.body.executeAfter)).toBeGreaterThan(Date.now());
    const candidateIds = run.body.candidates.map((c: { id: string }) => c.id).sort();
    expect(candidateIds).toEqual([...drafts.map((d) => d.id), confirmed.id].sort());
    expect(candidateIds).not.toContain(fresh.id);
    for (const c of run.body.candidates) {
      expect(c.why).toContainEqual({ code: 'status', status: c.status });
      expect(c.why.find((w: { code: string }) => w.code === 'untouched').days).toBeGreaterThanOrEqual(45);
    }
    const announced = await t.db.ctx.kysely.selectFrom('outbox').select('payload').where('topic', '=', 'cleanup.review_opened').execute();
    expect(announced.map((e) => JSON.parse(e.payload).reviewId)).toContain(run.body.id);

    expect((await manager.get(`/api/cleanup/reviews?status=open`)).body.items.map((r: { id: string }) => r.id)).toContain(run.body.id);
    const excluded = drafts[0];
    const before = (await t.admin.get(`/api/orders/${excluded.id}`)).body;
    await stepUp(manager, 'cleanup_manager-password-1');
    const approved = await manager.post(`/api/cleanup/reviews/${run.body.id}/approve`, { exclude: [excluded.id] });
    expect(approved.status).toBe(200);
    const deletedIds = [drafts[1].id, drafts[2].id, confirmed.id].sort();
    expect(approved.body.deleted.map((d: { id: string }) => d.id).sort()).toEqual(deletedIds);
    expect(approved.body.excluded).toEqual([{ id: excluded.id, number: excluded.number }]);
    expect(approved.body.skipped).toEqual([]);

    const bin = (await t.admin.get(`/api/recycle-bin?batchId=${approved.body.batchId}`)).body.items;
    expect(bin.map((i: { id: string }) => i.id).sort()).toEqual(deletedIds);
    for (const item of bin) expect(item.reason.code).toBe('cleanup');
    expect((await t.admin.get(`/api/products/${product.id}`)).body.stock.reserved).toBe(0);
    const ledger = await t.db.ctx.kysely.selectFrom('ledger_entries').select(['kind', 'amount']).where('order_id', '=', Number(confirmed.id)).orderBy('id').execute();
    expect(ledger.map((e) => e.kind)).toEqual(['receivable', 'reversal']);
    expect(ledger[0].amount + ledger[1].amount).toBe(0);
    expect((await t.admin.get(`/api/orders/${excluded.id}`)).body).toEqual(before);
    const decided = (await manager.get(`/api/cleanup/reviews/${run.body.id}`)).body;
    expect(decided.status).toBe('approved');
    expect(decided.batchId).toBe(approved.body.batchId);
    expect(decided.candidates.find((c: { id: string }) => c.id === excluded.id).outcome).toBe('excluded');
    expect(await t.db.ctx.kysely.selectFrom('outbox').select('id').where('topic', '=', 'cleanup.executed').execute()).toHaveLength(1);

    const restored = await t.admin.post('/api/recycle-bin/restore', { batchId: approved.body.batchId });
    expect(restored.status).toBe(200);
    expect(restored.body.restored.map((r: { id: string }) => r.id).sort()).toEqual(deletedIds);
    expect((await t.admin.get(`/api/products/${product.id}`)).body.stock.reserved).toBe(2);
    expect(await checkInvariants(t.db.ctx.kysely)).toEqual([]);
    // A decision is final.
    const again = await manager.post(`/api/cleanup/reviews/${run.body.id}/approve`, { exclude: [] });
    expect(again.status).toBe(409);
    expect(again.body.type).toMatch(/already_decided$/);
  });

  it('a candidate edited after the review opened is left out, not deleted, and reported', async () => {
    const customer = await makeCustomer(t.admin, 'Edited Later Co');
    const product = await makeProduct(t.admin);
    const a = await createOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }]);
    const b = await createOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }]);
    await age(t, [a.id, b.id], 40);
    const rule = await t.admin.post('/api/cleanup/rules', staleDraftsRule({ match: { status: ['draft'], untouchedDays: 30, filter: { customerId: customer.id } } }));
    const review = await t.admin.post(`/api/cleanup/rules/${rule.body.id}/run`);
    expect(review.body.candidates.map((c: { id: string }) => c.id).sort()).toEqual([a.id, b.id].sort());
    expect(review.body.candidates[0].why).toContainEqual({ code: 'filter' });

    const edited = await t.admin.patch(`/api/orders/${b.id}`, { note: 'customer called back' }, { 'if-match': String(b.version) });
    expect(edited.status).toBe(200);
    expect((await manager.get(`/api/cleanup/reviews/${review.body.id}`)).body.candidates.find((c: { id: string }) => c.id === b.id).changed).toBe(true);
    const approved = await manager.post(`/api/cleanup/reviews/${review.body.id}/approve`, {});
    expect(approved.status).toBe(200);
    expect(approved.body.deleted).toEqual([{ id: a.id, number: a.number }]);
    expect(approved.body.skipped).toEqual([expect.objectContaining({ id: b.id, number: b.number, reason: 'changed' })]);
    expect((await t.admin.get(`/api/orders/${b.id}`)).status).toBe(200);
    expect((await t.admin.get(`/api/orders/${a.id}`)).status).toBe(404);
  });

  it('announces a review to the reviewers and to the owners of its candidates, and its execution', async () => {
    const rep = await t.userWithRoles('cleanup_owner', ['sales_rep']);
    const customer = await makeCustomer(t.admin, 'Owned By Rep Ltd');
    const product = await makeProduct(t.admin);
    const order = await createOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }], { ownerId: rep.userId });
    await age(t, [order.id], 35);
    const rule = await t.admin.post('/api/cleanup/rules', staleDraftsRule({ match: { status: ['draft'], untouchedDays: 30, filter: { customerId: customer.id } } }));
    const review = await t.admin.post(`/api/cleanup/rules/${rule.body.id}/run`);
    await dispatchOutbox(t.db.ctx);
    const topics = async (client: Client) => ((await client.get('/api/notifications')).body.items as Array<{ topic: string; link: string }>).map((n) => `${n.topic} ${n.link}`);
    expect(await topics(rep)).toContain('cleanup.review_opened /cleanup');
    expect(await topics(manager)).toContain('cleanup.review_opened /cleanup');
    expect((await manager.post(`/api/cleanup/reviews/${review.body.id}/approve`, {})).status).toBe(200);
    await dispatchOutbox(t.db.ctx);
    expect(await topics(rep)).toContain(`order.deleted /recycle-bin?batchId=${encodeURIComponent((await manager.get(`/api/cleanup/reviews/${review.body.id}`)).body.batchId)}`);
  });

  it('rejects with a note; bad input is a 400 naming the field; nobody else may review', async () => {
    const customer = await makeCustomer(t.admin, 'Reject Me Ltd');
    const product = await makeProduct(t.admin);
    const a = await createOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }]);
    await age(t, [a.id], 31);
    const rule = await t.admin.post('/api/cleanup/rules', staleDraftsRule({ match: { status: ['draft'], untouchedDays: 30, filter: { customerId: customer.id } } }));
    const review = await t.admin.post(`/api/cleanup/rules/${rule.body.id}/run`);

    const strangers = await manager.post(`/api/cleanup/reviews/${review.body.id}/approve`, { exclude: ['999999'] });
    expect(strangers.status).toBe(400);
    expect(strangers.body.errors[0].field).toBe('exclude');
    const rep = await t.userWithRoles('cleanup_rep', ['sales_rep']);
    expect((await rep.post(`/api/cleanup/reviews/${review.body.id}/approve`, {})).status).toBe(403);
    expect((await manager.post(`/api/cleanup/reviews/${review.body.id}/reject`, { note: '' })).status).toBe(400);
    const rejected = await manager.post(`/api/cleanup/reviews/${review.body.id}/reject`, { note: 'These are quotes we still follow up' });
    expect(rejected.status).toBe(200);
    expect(rejected.body.status).toBe('rejected');
    expect(rejected.body.note).toBe('These are quotes we still follow up');
    expect((await t.admin.get(`/api/orders/${a.id}`)).status).toBe(200);

    const badCron = await t.admin.post('/api/cleanup/rules', staleDraftsRule({ schedule: 'every monday' }));
    expect(badCron.status).toBe(400);
    expect(badCron.body.errors.map((e: { field: string }) => e.field)).toContain('schedule');
    const noStatus = await t.admin.post('/api/cleanup/rules', staleDraftsRule({ match: { status: [] } }));
    expect(noStatus.status).toBe(400);
    expect(noStatus.body.errors.map((e: { field: string }) => e.field)).toContain('match.status');
    const shippedRule = await t.admin.post('/api/cleanup/rules', staleDraftsRule({ match: { status: ['shipped'] } }));
    expect(shippedRule.status).toBe(400);
  });

  it('a scheduled rule opens one review per cron tick, however often the job runs in it', async () => {
    const customer = await makeCustomer(t.admin, 'Every Minute Ltd');
    const product = await makeProduct(t.admin);
    const a = await createOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }]);
    await age(t, [a.id], 60);
    const rule = await t.admin.post('/api/cleanup/rules', staleDraftsRule({ name: 'Every minute', schedule: '* * * * *', match: { status: ['draft'], untouchedDays: 30, filter: { customerId: customer.id } } }));
    const reviewsOfRule = async () => (await t.db.ctx.kysely.selectFrom('cleanup_reviews').select(['id', 'trigger']).where('rule_id', '=', Number(rule.body.id)).execute()).length;
    let clock = new Date(Date.parse(rule.body.createdAt) + 61_000);
    const job = cleanupScheduleJob({ now: () => clock });
    expect(await runJobOnce(t.db.ctx, job, 'instance-a')).toBe(true);
    expect(await runJobOnce(t.db.ctx, job, 'instance-b')).toBe(true);
    expect(await reviewsOfRule()).toBe(1);
    clock = new Date(clock.getTime() + 60_000);
    await runJobOnce(t.db.ctx, job, 'instance-b');
    expect(await reviewsOfRule()).toBe(2);
    // Switched off, it opens nothing.
    await t.admin.patch(`/api/cleanup/rules/${rule.body.id}`, { enabled: false });
    clock = new Date(clock.getTime() + 60_000);
    await runJobOnce(t.db.ctx, job, 'instance-a');
    expect(await reviewsOfRule()).toBe(2);
  });
});

describe.each(DIALECTS.filter((d) => d === 'postgres'))('cleanup schedule with two instances (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('two instances on one PostgreSQL running every tick at once open exactly one review per tick', async () => {
    const other = connect(t.db.config.database);
    try {
      const customer = await makeCustomer(t.admin, 'Two Instances Ltd');
      const product = await makeProduct(t.admin);
      const a = await createOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }]);
      await age(t, [a.id], 60);
      const rule = await t.admin.post('/api/cleanup/rules', staleDraftsRule({ name: 'Every minute', schedule: '* * * * *' }));
      let clock = new Date(Date.parse(rule.body.createdAt) + 61_000);
      const job = cleanupScheduleJob({ now: () => clock });
      for (let tick = 1; tick <= 3; tick++) {
        // The lease admits one; the loser of a lease that expires mid-run meets the occurrence's compare-and-set.
        await Promise.all([runJobOnce(t.db.ctx, job, 'instance-a'), runJobOnce(other, job, 'instance-b'), runJobOnce(other, job, 'instance-b2')]);
        await Promise.all([runJobOnce(t.db.ctx, job, 'instance-a'), runJobOnce(other, job, 'instance-b')]);
        const reviews = await t.db.ctx.kysely.selectFrom('cleanup_reviews').select('id').where('rule_id', '=', Number(rule.body.id)).execute();
        expect(reviews).toHaveLength(tick);
        clock = new Date(clock.getTime() + 60_000);
      }
    } finally {
      await other.close();
    }
  });
});
