import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../app.js';
import { connect } from '../../db/connect.js';
import { acquireJobLease, releaseJobLease, runJobOnce, startJobs, type JobClock } from '../../platform/jobs.js';
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
    const at = new Date('2030-01-01T00:00:00.000Z');
    expect(await acquireJobLease(t.db.ctx, 'lease-test', 'instance-a', 60_000, at)).toBe(true);
    expect(await acquireJobLease(t.db.ctx, 'lease-test', 'instance-b', 60_000, at)).toBe(false);
    await releaseJobLease(t.db.ctx, 'lease-test', 'instance-a', undefined, at);
    expect(await acquireJobLease(t.db.ctx, 'lease-test', 'instance-b', 1000, at)).toBe(true);
    // Still held a moment before it expires, free from the instant it does.
    expect(await acquireJobLease(t.db.ctx, 'lease-test', 'instance-a', 60_000, new Date(at.getTime() + 999))).toBe(false);
    expect(await acquireJobLease(t.db.ctx, 'lease-test', 'instance-a', 60_000, new Date(at.getTime() + 1000))).toBe(true);
    const job = purgeJob(t.db.config);
    const runsBefore = (await t.db.ctx.kysely.selectFrom('jobs').select('runs').where('name', '=', job.name).executeTakeFirst())?.runs ?? 0;
    expect(await runJobOnce(t.db.ctx, job, 'instance-c')).toBe(true);
    const row = await t.db.ctx.kysely.selectFrom('jobs').selectAll().where('name', '=', job.name).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ lease_owner: null, runs: runsBefore + 1, last_error: null });
  });

  it('the runner repeats a job on its interval, carries on after a failed run, and stop() waits for the run in progress', async () => {
    const clock = new ManualJobClock(new Date('2030-02-01T00:00:00.000Z'));
    const runs: Array<{ finish: (error?: Error) => void }> = [];
    const started = new Waiter(() => runs.length);
    const job = {
      name: 'runner-test',
      intervalMs: 60_000,
      leaseMs: 600_000,
      run: () =>
        new Promise<void>((resolve, reject) => {
          runs.push({ finish: (error) => (error ? reject(error) : resolve()) });
          started.check();
        }),
    };
    const runner = startJobs(t.db.ctx, [job], { firstRunAfterMs: 0, clock });
    const readRow = () => t.db.ctx.kysely.selectFrom('jobs').selectAll().where('name', '=', 'runner-test').executeTakeFirstOrThrow();

    expect(clock.pendingDelays()).toEqual([0]);
    clock.fire();
    await started.until(1);
    // While a run is in progress nothing else is scheduled: runs never overlap on one instance.
    expect(clock.pendingDelays()).toEqual([]);
    runs[0].finish();
    await clock.scheduled.until(2);
    expect(clock.pendingDelays()).toEqual([60_000]);
    expect(await readRow()).toMatchObject({ runs: 1, last_error: null, lease_owner: null });

    clock.advance(60_000);
    clock.fire();
    await started.until(2);
    runs[1].finish(new Error('second run fails'));
    await clock.scheduled.until(3);
    expect(clock.pendingDelays()).toEqual([60_000]);
    expect(await readRow()).toMatchObject({ runs: 2, last_error: 'second run fails', lease_owner: null, last_finished_at: '2030-02-01T00:01:00.000Z' });

    clock.advance(60_000);
    clock.fire();
    await started.until(3);
    let stopped = false;
    const stopping = runner.stop().then(() => (stopped = true));
    // stop() must wait for the run in progress, so the database is not closed under it: with every queued
    // callback drained, it is still pending.
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    runs[2].finish();
    await stopping;
    expect(clock.pendingDelays()).toEqual([]);
    expect(clock.scheduled.value()).toBe(3);
    expect(await readRow()).toMatchObject({ runs: 3, last_error: null, lease_owner: null, last_started_at: '2030-02-01T00:02:00.000Z' });
  });
});

/** Resolves `until(n)` once `read()` reaches n; `check()` is called whenever what it reads may have changed. */
class Waiter {
  private waiting: Array<{ n: number; resolve: () => void }> = [];
  constructor(readonly value: () => number) {}
  check() {
    this.waiting = this.waiting.filter((w) => (this.value() >= w.n ? (w.resolve(), false) : true));
  }
  until(n: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push({ n, resolve });
      this.check();
    });
  }
}

/** A JobClock whose time and timers move only when the test says so. */
class ManualJobClock implements JobClock {
  private timers = new Map<number, { callback: () => void; ms: number }>();
  private nextHandle = 1;
  private count = 0;
  readonly scheduled = new Waiter(() => this.count);
  constructor(private current: Date) {}
  now() {
    return new Date(this.current);
  }
  advance(ms: number) {
    this.current = new Date(this.current.getTime() + ms);
  }
  setTimer(callback: () => void, ms: number) {
    const handle = this.nextHandle++;
    this.timers.set(handle, { callback, ms });
    this.count++;
    this.scheduled.check();
    return handle;
  }
  clearTimer(handle: unknown) {
    this.timers.delete(handle as number);
  }
  pendingDelays() {
    return [...this.timers.values()].map((t) => t.ms);
  }
  /** Fires every pending timer, as if their delays had all passed. */
  fire() {
    const due = [...this.timers.values()];
    this.timers.clear();
    for (const t of due) t.callback();
  }
}

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
