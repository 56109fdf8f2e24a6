import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../app.js';
import { connect } from '../../db/connect.js';
import { acquireJobLease, releaseJobLease, runJobOnce, startJobs } from '../../platform/jobs.js';
import { buildTestApp, Client, ADMIN_PASSWORD, DIALECTS, makeCustomer, makeProduct, type TestApp } from '../../../../test/helpers.js';
import { createOrder, orderIn, previewAndDelete } from '../deletion/deletion.test-support.js';
import { checkInvariants } from '../integrity/invariants.js';
import { purgeJob, runPurgeJob } from './purge.job.js';

const DAY = 86_400_000;

/** Deletes the orders in one batch and sets their purge date; returns their ids. */
async function deleteWithPurgeDate(t: TestApp, ids: string[], purgeAfter: Date): Promise<void> {
  const res = await previewAndDelete(t.admin, { ids }, { code: 'test_data' });
  if (res.status !== 200) throw new Error(`delete: ${res.status} ${JSON.stringify(res.body)}`);
  await t.db.ctx.kysely.updateTable('orders').set({ purge_after: purgeAfter.toISOString() }).where('id', 'in', ids.map(Number)).execute();
}

async function purgeEvidence(t: TestApp) {
  const db = t.db.ctx.kysely;
  const audits = await db.selectFrom('audit_log').select('entity_id').where('action', '=', 'order.purge').execute();
  const events = await db.selectFrom('outbox').select('payload').where('topic', '=', 'order.purged').execute();
  return { audited: audits.map((a) => a.entity_id!), announced: events.map((e) => JSON.parse(e.payload).orderId as string) };
}

describe.each(DIALECTS)('purge job (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('purges exactly the orders whose retention has passed, in batches, and touches nothing else', async () => {
    const customer = await makeCustomer(t.admin);
    const product = await makeProduct(t.admin, { stock: 100 });
    const expired: string[] = [];
    for (let i = 0; i < 7; i++) expired.push((await (i % 2 ? orderIn(t.admin, 'confirmed', customer.id, [{ productId: product.id, quantity: 1 }]) : createOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }]))).id);
    const kept = (await createOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }])).id;
    const live = (await createOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }])).id;
    const now = new Date();
    await deleteWithPurgeDate(t, expired, new Date(now.getTime() - 1000));
    await deleteWithPurgeDate(t, [kept], new Date(now.getTime() + DAY));

    expect(await runPurgeJob(t.db.ctx, now, { batchSize: 3 })).toEqual({ purged: 7 });
    const remaining = (await t.db.ctx.kysely.selectFrom('orders').select('id').where('id', 'in', [...expired, kept, live].map(Number)).execute()).map((r) => String(r.id));
    expect(remaining.sort()).toEqual([kept, live].sort());
    const { audited, announced } = await purgeEvidence(t);
    expect(audited.sort()).toEqual([...expired].sort());
    expect(announced.sort()).toEqual([...expired].sort());
    expect(await runPurgeJob(t.db.ctx, now)).toEqual({ purged: 0 });
    // A day later the kept order's time has come too.
    expect(await runPurgeJob(t.db.ctx, new Date(now.getTime() + DAY + 1000))).toEqual({ purged: 1 });
    expect((await t.admin.get(`/api/orders/${live}`)).status).toBe(200);
    expect(await checkInvariants(t.db.ctx.kysely)).toEqual([]);
  });

  it('backs up (and verifies) before it purges, and only when there is something to purge', async () => {
    const customer = await makeCustomer(t.admin);
    const product = await makeProduct(t.admin, { stock: 10 });
    const backupsBefore = (await t.admin.get('/api/backups')).body.items.length;
    await runJobOnce(t.db.ctx, purgeJob(t.db.config), 'instance-d');
    const idle = (await t.admin.get('/api/backups')).body.items.length;
    const order = (await createOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }])).id;
    await deleteWithPurgeDate(t, [order], new Date(Date.now() - 1000));
    await runJobOnce(t.db.ctx, purgeJob(t.db.config), 'instance-d');
    const backups = (await t.admin.get('/api/backups')).body.items;
    expect(backups.length).toBe(idle + 1);
    expect(backups[0].verification?.ok).toBe(true);
    expect(idle).toBe(backupsBefore);
    expect(await t.db.ctx.kysely.selectFrom('orders').select('id').where('id', '=', Number(order)).executeTakeFirst()).toBeUndefined();
    // The backup was taken while the order still existed: it holds what the purge removed.
    const purgedAt = await t.db.ctx.kysely.selectFrom('audit_log').select('at').where('action', '=', 'order.purge').where('entity_id', '=', order).executeTakeFirstOrThrow();
    expect(backups[0].createdAt < purgedAt.at).toBe(true);
  });

  it('the job lease admits one instance at a time and is taken over once expired', async () => {
    expect(await acquireJobLease(t.db.ctx, 'lease-test', 'instance-a', 60_000)).toBe(true);
    expect(await acquireJobLease(t.db.ctx, 'lease-test', 'instance-b', 60_000)).toBe(false);
    await releaseJobLease(t.db.ctx, 'lease-test', 'instance-a', undefined);
    expect(await acquireJobLease(t.db.ctx, 'lease-test', 'instance-b', 1)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await acquireJobLease(t.db.ctx, 'lease-test', 'instance-a', 60_000)).toBe(true);
    const job = purgeJob(t.db.config);
    const runsBefore = (await t.db.ctx.kysely.selectFrom('jobs').select('runs').where('name', '=', job.name).executeTakeFirst())?.runs ?? 0;
    expect(await runJobOnce(t.db.ctx, job, 'instance-c')).toBe(true);
    const row = await t.db.ctx.kysely.selectFrom('jobs').selectAll().where('name', '=', job.name).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ lease_owner: null, runs: runsBefore + 1, last_error: null });
  });

  it('the runner repeats a job on its interval, carries on after a failed run, and stop() waits for the run in progress', async () => {
    let runs = 0;
    let running = false;
    const job = {
      name: 'runner-test',
      intervalMs: 5,
      leaseMs: 60_000,
      run: async () => {
        running = true;
        runs++;
        await new Promise((resolve) => setTimeout(resolve, 20));
        running = false;
        if (runs === 2) throw new Error('second run fails');
      },
    };
    const runner = startJobs(t.db.ctx, [job], { firstRunAfterMs: 0 });
    while (runs < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    await runner.stop();
    expect(running).toBe(false);
    const stoppedAt = runs;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(runs).toBe(stoppedAt);
    const row = await t.db.ctx.kysely.selectFrom('jobs').selectAll().where('name', '=', 'runner-test').executeTakeFirstOrThrow();
    expect(row.runs).toBe(stoppedAt);
    expect(row.lease_owner).toBeNull();
  });
});

describe.runIf(DIALECTS.includes('postgres'))('purge job on two instances sharing one PostgreSQL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp('postgres');
  });
  afterAll(async () => t?.close());

  it('both run the job at once: each expired order is purged, audited and announced exactly once; the rest is untouched', async () => {
    // A second instance: its own pool and its own app on the same database.
    const secondCtx = connect(t.db.config.database);
    const secondApp = await buildApp(t.db.config, secondCtx, { logger: false });
    await secondApp.ready();
    try {
      const secondAdmin = await new Client(secondApp).login('admin', ADMIN_PASSWORD);
      const customer = await makeCustomer(t.admin);
      const product = await makeProduct(t.admin, { stock: 1000 });
      const expired: string[] = [];
      for (let i = 0; i < 40; i++) {
        const client = i % 2 ? t.admin : secondAdmin;
        expired.push((await (i % 3 ? createOrder(client, customer.id, [{ productId: product.id, quantity: 1 }]) : orderIn(client, 'confirmed', customer.id, [{ productId: product.id, quantity: 2 }]))).id);
      }
      const notYet: string[] = [];
      for (let i = 0; i < 5; i++) notYet.push((await createOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }])).id);
      const live = (await orderIn(t.admin, 'confirmed', customer.id, [{ productId: product.id, quantity: 3 }])).id;
      const now = new Date();
      await deleteWithPurgeDate(t, expired.slice(0, 20), new Date(now.getTime() - 2000));
      await deleteWithPurgeDate(t, expired.slice(20), new Date(now.getTime() - 1000));
      await deleteWithPurgeDate(t, notYet, new Date(now.getTime() + 60_000));
      const liveBefore = (await t.admin.get(`/api/orders/${live}`)).body;

      // The preview secret lives in the database: a preview taken on one instance is honoured by the other.
      const crossOrder = await createOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }]);
      const crossPreview = await t.admin.post('/api/orders/delete-preview', { ids: [crossOrder.id] });
      const crossDelete = await secondAdmin.post('/api/orders/delete', { ids: [crossOrder.id], reason: { code: 'duplicate' }, previewToken: crossPreview.body.previewToken });
      expect(crossDelete.status).toBe(200);
      notYet.push(crossOrder.id);

      const results = await Promise.all([
        runPurgeJob(t.db.ctx, now, { batchSize: 4 }),
        runPurgeJob(secondCtx, now, { batchSize: 4 }),
        runPurgeJob(t.db.ctx, now, { batchSize: 7 }),
        runPurgeJob(secondCtx, now, { batchSize: 7 }),
      ]);
      expect(results.reduce((sum, r) => sum + r.purged, 0)).toBe(40);

      const { audited, announced } = await purgeEvidence(t);
      expect(audited.sort()).toEqual([...expired].sort());
      expect(announced.sort()).toEqual([...expired].sort());
      const left = await t.db.ctx.kysely.selectFrom('orders').select('id').where('id', 'in', expired.map(Number)).execute();
      expect(left).toEqual([]);
      const waiting = await secondAdmin.get('/api/recycle-bin?limit=100');
      expect(waiting.body.items.map((i: { id: string }) => i.id).sort()).toEqual([...notYet].sort());
      expect((await secondAdmin.get(`/api/orders/${live}`)).body).toEqual(liveBefore);
      expect((await t.admin.get('/api/audit/verify')).body).toMatchObject({ ok: true });
      expect(await checkInvariants(t.db.ctx.kysely)).toEqual([]);
    } finally {
      await secondApp.close();
      await secondCtx.close();
    }
  });
});
