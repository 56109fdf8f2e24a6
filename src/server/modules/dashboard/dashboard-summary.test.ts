/**
 * The dashboard summary (migration 0020) against its definition: after random order commands over HTTP — and
 * writes that bypass the services — the folded rows plus the pending deltas equal a recount of `orders`, and
 * every dashboard figure equals the same figure counted straight from `orders`, for the company and for a rep;
 * again after compaction. Then the ways orders arrive in bulk (seed, backup restore, the migration's backfill),
 * and, on PostgreSQL, many transactions writing the same owner's and month's keys at once.
 */
import SQLite from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, buildTestApp, createTestDatabase, DIALECTS, makeCustomer, makeProduct, type Client, type TestApp } from '../../../../test/helpers.js';
import { DASHBOARD_MONTHS, DELETION_MONTHS } from '../../../contracts/dashboard.js';
import { bulkSeed } from '../../../cli/bulk-seed.js';
import { connect } from '../../db/connect.js';
import { compactDashboardSummary } from '../../db/dashboard-summary.js';
import { migrateToLatest } from '../../db/migrate.js';
import type { DB } from '../../db/schema.js';
import { systemActor } from '../../platform/actor.js';
import { createBackup, locateBackup, restoreBackup } from '../backup/backup.service.js';
import { createOrder, previewAndDelete } from '../deletion/deletion.test-support.js';
import { lastMonths } from './dashboard.service.js';
import { createRandom } from '../../../cli/seeded-random.js';

type Key = [owner: number, status: string, confirmed: string, deleted: string, reason: string, orders: number, total: number];
const sorted = (keys: Key[]) => keys.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
const toKeys = (rows: Array<Record<string, unknown>>): Key[] =>
  sorted(rows.map((r) => [Number(r.owner_id), String(r.status), String(r.cm), String(r.dm), String(r.dr), Number(r.n), Number(r.amount)]));

/** The summary's definition, recounted from the orders themselves. */
async function recount(db: Kysely<DB>): Promise<Key[]> {
  const { rows } = await sql<Record<string, unknown>>`
    select owner_id, status, coalesce(substr(confirmed_at, 1, 7), '') as cm, coalesce(substr(deleted_at, 1, 7), '') as dm, coalesce(delete_reason, '') as dr,
           count(*) as n, sum(total) as amount
    from orders group by owner_id, status, coalesce(substr(confirmed_at, 1, 7), ''), coalesce(substr(deleted_at, 1, 7), ''), coalesce(delete_reason, '')`.execute(db);
  return toKeys(rows);
}

/** What the summary says per key: folded rows plus pending deltas, keys that net to nothing left out. */
async function summarised(db: Kysely<DB>): Promise<Key[]> {
  const { rows } = await sql<Record<string, unknown>>`
    select owner_id, status, confirmed_month as cm, deleted_month as dm, delete_reason as dr, sum(orders) as n, sum(total) as amount
    from (select owner_id, status, confirmed_month, deleted_month, delete_reason, orders, total from dashboard_summary
          union all select owner_id, status, confirmed_month, deleted_month, delete_reason, orders, total from dashboard_summary_deltas) s
    group by owner_id, status, confirmed_month, deleted_month, delete_reason
    having sum(orders) <> 0 or sum(total) <> 0`.execute(db);
  return toKeys(rows);
}

const countOf = async (db: Kysely<DB>, table: 'dashboard_summary_deltas' | 'dashboard_summary') =>
  Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

/** The dashboard's order figures counted straight from `orders` (as the dashboard did before the summary). */
async function direct(db: Kysely<DB>, owner: number | undefined) {
  const months = lastMonths(DASHBOARD_MONTHS, new Date());
  const mine = <T extends { where: (...args: any[]) => T }>(q: T): T => (owner === undefined ? q : q.where('owner_id', '=', owner));
  const live = await mine(db.selectFrom('orders').select(['status', 'confirmed_at', 'total']).where('deleted_at', 'is', null) as any).execute();
  const binned = await mine(db.selectFrom('orders').select(['deleted_at', 'delete_reason']).where('deleted_at', 'is not', null) as any).execute();
  const statuses = ['draft', 'confirmed', 'shipped', 'completed', 'cancelled'].map((status) => ({ status, count: live.filter((o: any) => o.status === status).length }));
  const revenue = months.map((m) => {
    const rows = live.filter((o: any) => o.status !== 'cancelled' && o.confirmed_at?.slice(0, 7) === m);
    return { month: m, total: (rows.reduce((s: number, o: any) => s + Number(o.total), 0) / 100).toFixed(2), orders: rows.length };
  });
  const deletions: Array<{ month: string; reason: string; count: number }> = [];
  for (const m of months.slice(-DELETION_MONTHS)) {
    for (const reason of ['customer_cancelled', 'duplicate', 'entry_error', 'test_data', 'other']) {
      const n = binned.filter((o: any) => o.deleted_at.slice(0, 7) === m && o.delete_reason === reason).length;
      if (n > 0) deletions.push({ month: m, reason, count: n });
    }
  }
  return { ordersByStatus: statuses, revenueByMonth: revenue, deletionsByReason: deletions, binCount: binned.length };
}

/** The demo data's seeded generator, with `int(n)` in [0, n): a failing sequence can be replayed from its seed. */
function random(seed: number) {
  const r = createRandom(seed);
  return { next: () => r.next(), pick: <T>(items: readonly T[]) => r.pick(items), int: (n: number) => r.int(0, n - 1) };
}

const REASONS = ['customer_cancelled', 'duplicate', 'entry_error', 'test_data', 'other'];

describe.each(DIALECTS)('dashboard summary (%s)', (dialect) => {
  let t: TestApp;
  let db: Kysely<DB>;
  let reps: Array<Client & { userId: string }>;
  let customers: string[];
  let products: string[];
  beforeAll(async () => {
    t = await buildTestApp(dialect);
    db = t.db.ctx.kysely;
    reps = [await t.userWithRoles('sum_a', ['sales_rep']), await t.userWithRoles('sum_b', ['sales_rep'])];
    customers = [(await makeCustomer(t.admin, 'Summary One')).id, (await makeCustomer(t.admin, 'Summary Two')).id, (await makeCustomer(t.admin, 'Summary Three')).id];
    products = [(await makeProduct(t.admin, { price: '12.50', stock: 100_000 })).id, (await makeProduct(t.admin, { price: '3.00', stock: 100_000 })).id];
  });
  afterAll(() => t.close());

  /** Every figure of GET /api/dashboard against the direct count, for the admin and for the first rep. */
  async function expectDashboardExact() {
    expect(await summarised(db)).toEqual(await recount(db));
    for (const [client, owner] of [
      [t.admin, undefined],
      [reps[0], Number(reps[0].userId)],
    ] as const) {
      const shown = (await client.get('/api/dashboard')).body;
      const expected = await direct(db, owner);
      expect(shown.ordersByStatus).toEqual(expected.ordersByStatus);
      expect(shown.revenueByMonth).toEqual(expected.revenueByMonth);
      expect(shown.deletionsByReason).toEqual(expected.deletionsByReason);
      expect(shown.recycleBin.count).toBe(expected.binCount);
    }
  }

  it('equals a recount after random commands, before and after compaction', async () => {
    const rnd = random(dialect === 'sqlite' ? 15 : 16);
    const done = new Map<string, number>();
    const count = (kind: string, status: number) => {
      if (status < 300) done.set(kind, (done.get(kind) ?? 0) + 1);
    };
    const items = () => [{ productId: rnd.pick(products), quantity: 1 + rnd.int(5) }];
    const ordersIn = async (where: 'live' | 'deleted', statuses?: string[]) => {
      let q = db.selectFrom('orders').select(['id', 'status', 'version', 'paid']).where('deleted_at', where === 'live' ? 'is' : 'is not', null);
      if (statuses) q = q.where('status', 'in', statuses);
      return q.orderBy('id').execute();
    };
    for (let i = 0; i < 8; i++) await createOrder(rnd.pick(reps), rnd.pick(customers.slice(0, 2)), items());

    const step = async () => {
      const roll = rnd.int(13);
      if (roll <= 1) {
        const res = await t.admin.post('/api/orders', { customerId: rnd.pick(customers.slice(0, 2)), items: items(), ownerId: rnd.pick([...reps.map((r) => r.userId), undefined]) });
        count('create', res.status);
      } else if (roll === 2) {
        // Editing a draft's lines changes its total; handing it to another rep changes its owner.
        const draft = rnd.pick(await ordersIn('live', ['draft']));
        if (!draft) return;
        const body = rnd.next() < 0.5 ? { items: items() } : { ownerId: rnd.pick(reps).userId };
        count('edit', (await t.admin.patch(`/api/orders/${draft.id}`, body, { 'if-match': String(draft.version) })).status);
      } else if (roll <= 4) {
        const draft = rnd.pick(await ordersIn('live', ['draft']));
        if (draft) count('confirm', (await t.admin.post(`/api/orders/${draft.id}/confirm`)).status);
      } else if (roll === 5) {
        const order = rnd.pick(await ordersIn('live', ['draft', 'confirmed']));
        if (order && order.paid === 0) count('cancel', (await t.admin.post(`/api/orders/${order.id}/cancel`)).status);
      } else if (roll === 6) {
        const order = rnd.pick(await ordersIn('live', ['confirmed', 'shipped']));
        if (order) count(order.status === 'confirmed' ? 'ship' : 'complete', (await t.admin.post(`/api/orders/${order.id}/${order.status === 'confirmed' ? 'ship' : 'complete'}`)).status);
      } else if (roll === 7) {
        const order = rnd.pick(await ordersIn('live', ['confirmed']));
        if (order) count('payment', (await t.admin.post(`/api/orders/${order.id}/payments`, { amount: '1.00' })).status);
      } else if (roll <= 9) {
        const deletable = (await ordersIn('live', ['draft', 'cancelled', 'confirmed'])).filter((o) => o.paid === 0);
        const ids = [...new Set(Array.from({ length: 1 + rnd.int(3) }, () => rnd.pick(deletable)).filter(Boolean))].map((o) => String(o.id));
        if (ids.length === 0) return;
        const code = rnd.pick(REASONS);
        count('delete', (await previewAndDelete(t.admin, { ids }, code === 'other' ? { code, note: 'summary test' } : { code })).status);
      } else if (roll === 10) {
        const bin = await ordersIn('deleted');
        const ids = [...new Set([rnd.pick(bin), rnd.pick(bin)].filter(Boolean))].map((o) => String(o.id));
        if (ids.length) count('restore', (await t.admin.post('/api/recycle-bin/restore', { ids })).status);
      } else if (roll === 11) {
        // A rep undoing their own deletion (restore within a minute, no orders.restore needed).
        const rep = rnd.pick(reps);
        const mine = (await ordersIn('live', ['draft'])).filter(Boolean);
        const own = await db.selectFrom('orders').select('id').where('id', 'in', mine.length ? mine.map((o) => o.id) : [-1]).where('owner_id', '=', Number(rep.userId)).execute();
        if (own.length === 0) return;
        const ids = [String(own[0].id)];
        if ((await previewAndDelete(rep, { ids }, { code: 'entry_error' })).status !== 200) return;
        count('undo', (await rep.post('/api/recycle-bin/restore', { ids })).status);
      } else {
        // A write outside the services (a script, a repair): the triggers see it as well.
        const order = rnd.pick(await ordersIn('live'));
        if (!order) return;
        const month = lastMonths(DASHBOARD_MONTHS, new Date())[rnd.int(DASHBOARD_MONTHS)];
        await db.updateTable('orders').set({ confirmed_at: `${month}-15T08:00:00.000Z`, total: 100 * (1 + rnd.int(50)) }).where('id', '=', order.id).execute();
        count('direct', 0);
      }
    };

    for (let i = 0; i < 80; i++) await step();
    await expectDashboardExact();
    expect(await countOf(db, 'dashboard_summary_deltas')).toBeGreaterThan(0);
    const { folded } = await compactDashboardSummary(t.db.ctx);
    expect(folded).toBeGreaterThan(0);
    expect(await countOf(db, 'dashboard_summary_deltas')).toBe(0);
    await expectDashboardExact();
    // Commands after a compaction land as deltas on top of the folded rows.
    for (let i = 0; i < 60; i++) await step();

    // Purge (step-up, a verified backup first), a customer merge, an erasure and a rolled-back transaction, once each.
    expect((await t.admin.post('/api/auth/step-up', { password: ADMIN_PASSWORD })).status).toBe(200);
    const bin = await ordersIn('deleted');
    expect(bin.length).toBeGreaterThan(1);
    count('purge', (await t.admin.post('/api/recycle-bin/purge', { ids: bin.slice(0, 2).map((o) => String(o.id)), confirm: 'PURGE' })).status);
    count('merge', (await t.admin.post(`/api/customers/${customers[1]}/merge`, { intoId: customers[0] })).status);
    await createOrder(reps[0], customers[2], items());
    count('erase', (await t.admin.post(`/api/customers/${customers[2]}/erase`, { confirm: customers[2] })).status);
    const before = await summarised(db);
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.updateTable('orders').set({ status: 'cancelled', owner_id: Number(reps[0].userId) }).execute();
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await summarised(db)).toEqual(before);

    for (const kind of ['create', 'edit', 'confirm', 'cancel', 'ship', 'complete', 'payment', 'delete', 'restore', 'undo', 'direct', 'purge', 'merge', 'erase']) expect(done.get(kind) ?? 0, kind).toBeGreaterThan(0);
    expect([...done.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(120);
    const expected = await recount(db);
    expect(expected.length).toBeGreaterThan(5);
    await expectDashboardExact();
    await compactDashboardSummary(t.db.ctx);
    const compacted = await db.selectFrom('dashboard_summary').selectAll().execute();
    expect(toKeys(compacted.map((r) => ({ owner_id: r.owner_id, status: r.status, cm: r.confirmed_month, dm: r.deleted_month, dr: r.delete_reason, n: r.orders, amount: r.total })))).toEqual(expected);
    await expectDashboardExact();
  });

  it('is recounted, not doubled, by a backup restore, and stays out of the backup', async () => {
    const admin = systemActor('test');
    const backup = await createBackup(t.db.ctx, t.db.config, admin);
    const target = await createTestDatabase(dialect);
    try {
      const result = await restoreBackup(target.ctx, locateBackup(t.db.config, backup.name));
      expect(result.tables.map((x: { name: string }) => x.name)).not.toContain('dashboard_summary');
      const restored = target.ctx.kysely;
      expect(await recount(restored)).toEqual(await recount(db));
      expect(await summarised(restored)).toEqual(await recount(restored));
      expect(await countOf(restored, 'dashboard_summary_deltas')).toBe(0);
      expect(Number((await sql<{ n: number }>`select count(*) as n from dashboard_summary_paused`.execute(restored)).rows[0].n)).toBe(0);
    } finally {
      await target.drop();
    }
  });

  it('counts a bulk seed in one recount at its end, with the triggers paused during the load', async () => {
    // What another connection sees while the load runs: the pause is inside the load's transaction, so a seed
    // killed outright leaves none behind (it is never committed), and other writers keep counting meanwhile.
    // SQLite: read at once, on a connection of the test's own, while the writer's transaction is open.
    // PostgreSQL: read by the pool whenever the server gets to it, together with whether the load was still open.
    const database = t.db.config.database;
    const reader = database.dialect === 'sqlite' ? new SQLite(database.file, { readonly: true }) : undefined;
    const ordersBefore = Number((await sql<{ n: number | string }>`select count(*) as n from orders`.execute(db)).rows[0].n);
    const seen: Array<Promise<{ paused: number; loading: boolean }>> = [];
    const observe = () => {
      if (reader) {
        const row = reader.prepare('select (select count(*) from dashboard_summary_paused) as paused, (select count(*) from orders) as orders').get() as { paused: number; orders: number };
        seen.push(Promise.resolve({ paused: row.paused, loading: row.orders === ordersBefore }));
        return;
      }
      seen.push(
        sql<{ paused: string; loading: boolean }>`select (select count(*) from dashboard_summary_paused) as paused,
          exists (select 1 from pg_stat_activity where datname = current_database() and application_name = 'orderly seed' and xact_start is not null) as loading`
          .execute(db)
          .then(({ rows }) => ({ paused: Number(rows[0].paused), loading: rows[0].loading })),
      );
    };
    try {
      await bulkSeed(t.db.ctx, database, { orders: 400, customers: 10, products: 5, log: observe });
    } finally {
      reader?.close();
    }
    const observed = await Promise.all(seen);
    expect(observed.filter((o) => o.loading).length).toBeGreaterThan(0);
    expect(observed.map((o) => o.paused)).toEqual(observed.map(() => 0));
    expect(await countOf(db, 'dashboard_summary_deltas')).toBe(0);
    expect(Number((await sql<{ n: number }>`select count(*) as n from dashboard_summary_paused`.execute(db)).rows[0].n)).toBe(0);
    expect(await summarised(db)).toEqual(await recount(db));
    // The triggers run again after the load.
    await createOrder(reps[1], customers[0], [{ productId: products[0], quantity: 1 }]);
    expect(await countOf(db, 'dashboard_summary_deltas')).toBe(1);
    await expectDashboardExact();
  });
});

describe.each(DIALECTS)('dashboard summary backfill (%s)', (dialect) => {
  it('counts the orders that were there before migration 0020', async () => {
    const database = await createTestDatabase(dialect, { migrateUpTo: '0019_erasure' });
    try {
      const db = database.ctx.kysely;
      // Orders written as an older version would have (bulkSeed already pauses the summary of 0020).
      const owner = Number((await db.selectFrom('users').select('id').executeTakeFirstOrThrow()).id);
      const at = '2026-03-04T05:06:07.000Z';
      const customer = await db.insertInto('customers').values({ name: 'Before 0020', name_key: 'before 0020', phone: null, email: null, note: null, created_at: at, updated_at: at, version: 1 } as any).returning('id').executeTakeFirstOrThrow();
      const statuses = ['draft', 'confirmed', 'shipped', 'completed', 'cancelled'] as const;
      const rows = Array.from({ length: 300 }, (_, i) => {
        const status = statuses[i % 5];
        const confirmed = status === 'draft' ? null : `2026-0${1 + (i % 9)}-10T00:00:00.000Z`;
        const deleted = (status === 'draft' || status === 'cancelled') && i % 3 === 0;
        return {
          number: `SO-2026-${String(900_000 + i)}`,
          customer_id: Number(customer.id),
          owner_id: owner,
          status,
          total: 100 * (1 + (i % 17)),
          paid: 0,
          note: null,
          signature: `before-${i}`,
          version: 1,
          created_at: at,
          updated_at: at,
          confirmed_at: confirmed,
          deleted_at: deleted ? at : null,
          delete_reason: deleted ? 'duplicate' : null,
        };
      });
      await db.insertInto('orders').values(rows).execute();
      await migrateToLatest(db, database.ctx.dialect);
      const expected = await recount(db);
      expect(expected.some((k) => k[3] !== '')).toBe(true);
      expect(expected.reduce((n, k) => n + k[5], 0)).toBe(300);
      expect(await summarised(db)).toEqual(expected);
      expect(await countOf(db, 'dashboard_summary_deltas')).toBe(0);
    } finally {
      await database.drop();
    }
  });
});

/** Resolves once `parties` callers are waiting on it: every transaction is then inside its first write at once. */
function barrier(parties: number) {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return async () => {
    if (++arrived === parties) open();
    await opened;
  };
}

describe.runIf(DIALECTS.includes('postgres'))('dashboard summary under concurrent writers (postgres)', () => {
  it('takes 16 transactions writing the same owner and month at once without an error, and stays exact', async () => {
    const WRITERS = 16;
    const database = await createTestDatabase('postgres');
    const writers = connect(database.config.database, { poolSize: WRITERS + 4 });
    try {
      const db = database.ctx.kysely;
      const owner = Number((await db.selectFrom('users').select('id').executeTakeFirstOrThrow()).id);
      const at = new Date().toISOString();
      const month = at.slice(0, 7);
      const customer = await db.insertInto('customers').values({ name: 'Concurrent', name_key: 'concurrent', phone: null, email: null, note: null, created_at: at, updated_at: at, version: 1 } as any).returning('id').executeTakeFirstOrThrow();
      const orders = await db
        .insertInto('orders')
        .values(Array.from({ length: WRITERS * 6 }, (_, i) => ({ number: `SO-2026-${String(800_000 + i)}`, customer_id: Number(customer.id), owner_id: owner, status: 'draft', total: 100 + i, paid: 0, note: null, signature: `c-${i}`, version: 1, created_at: at, updated_at: at })) as any)
        .returning('id')
        .execute();
      const ids = orders.map((o) => Number(o.id));
      const first = barrier(WRITERS);
      const second = barrier(WRITERS);
      const confirm = (trx: Kysely<DB>, mine: number[]) => trx.updateTable('orders').set({ status: 'confirmed', confirmed_at: at }).where('id', 'in', mine).execute();
      const remove = (trx: Kysely<DB>, mine: number[]) => trx.updateTable('orders').set({ deleted_at: at, delete_reason: 'duplicate' }).where('id', 'in', mine).execute();
      const restore = (trx: Kysely<DB>, mine: number[]) => trx.updateTable('orders').set({ deleted_at: null, delete_reason: null }).where('id', 'in', mine).execute();
      // Each writer its own orders (no row of `orders` is shared), all of the same owner and month, so every
      // transaction changes the same summary keys; half of them in the opposite order. With shared summary rows
      // updated in place, the first writer would hold the key's row and the others would never reach the barrier.
      const results = await Promise.allSettled([
        ...Array.from({ length: WRITERS }, (_, w) =>
          writers.kysely.transaction().execute(async (trx) => {
            const mine = ids.slice(w * 6, w * 6 + 6);
            // A writer stuck behind another's lock fails here instead of hanging the test until its timeout.
            await sql`set local lock_timeout = '10s'`.execute(trx);
            if (w % 2 === 0) await confirm(trx, mine.slice(0, 3));
            else await remove(trx, mine.slice(3, 6));
            await first();
            if (w % 2 === 0) await remove(trx, mine.slice(3, 6));
            else await confirm(trx, mine.slice(0, 3));
            await second();
            await restore(trx, mine.slice(4, 5));
            await remove(trx, mine.slice(0, 1));
          }),
        ),
        // Compactions meanwhile fold what has committed and leave the rest.
        ...Array.from({ length: 3 }, () => compactDashboardSummary(writers)),
      ]);
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      expect(await summarised(db)).toEqual(await recount(db));
      const expected = await recount(db);
      expect(expected).toContainEqual([owner, 'confirmed', month, month, 'duplicate', WRITERS, expect.any(Number)]);
      await compactDashboardSummary(database.ctx);
      expect(await countOf(db, 'dashboard_summary_deltas')).toBe(0);
      expect(await summarised(db)).toEqual(expected);
    } finally {
      await writers.close();
      await database.drop();
    }
  });
});
