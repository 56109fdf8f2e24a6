/**
 * The dashboard summary (migration 0020) against its definition: after a random sequence of order commands over
 * HTTP — and writes that bypass the services — every row of `dashboard_summary` equals a recount of `orders`.
 */
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, buildTestApp, createTestDatabase, DIALECTS, makeCustomer, makeProduct, type Client, type TestApp } from '../../../../test/helpers.js';
import { bulkSeed } from '../../../cli/bulk-seed.js';
import { migrateToLatest } from '../../db/migrate.js';
import type { DB } from '../../db/schema.js';
import { createOrder, previewAndDelete } from '../deletion/deletion.test-support.js';

type Key = [owner: number, status: string, confirmed: string, deleted: string, reason: string, orders: number, total: number];

/** The summary's definition, recounted from the orders themselves. */
async function recount(db: Kysely<DB>): Promise<Key[]> {
  const { rows } = await sql<Record<string, unknown>>`
    select owner_id, status, coalesce(substr(confirmed_at, 1, 7), '') as cm, coalesce(substr(deleted_at, 1, 7), '') as dm, coalesce(delete_reason, '') as dr,
           count(*) as n, sum(total) as amount
    from orders group by owner_id, status, coalesce(substr(confirmed_at, 1, 7), ''), coalesce(substr(deleted_at, 1, 7), ''), coalesce(delete_reason, '')`.execute(db);
  return sorted(rows.map((r) => [Number(r.owner_id), String(r.status), String(r.cm), String(r.dm), String(r.dr), Number(r.n), Number(r.amount)]));
}

/** The summary's rows that count anything (a key whose orders all left it stays at zero). */
async function summaryRows(db: Kysely<DB>): Promise<Key[]> {
  const rows = await db.selectFrom('dashboard_summary').selectAll().where((eb) => eb.or([eb('orders', '<>', 0), eb('total', '<>', 0)])).execute();
  return sorted(rows.map((r) => [Number(r.owner_id), r.status, r.confirmed_month, r.deleted_month, r.delete_reason, Number(r.orders), Number(r.total)]));
}

const sorted = (keys: Key[]) => keys.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** A small deterministic generator, so a failing sequence can be replayed from its seed. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(items: T[]) => items[Math.floor(next() * items.length)] };
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
    customers = [(await makeCustomer(t.admin, 'Summary One')).id, (await makeCustomer(t.admin, 'Summary Two')).id];
    products = [(await makeProduct(t.admin, { price: '12.50', stock: 100_000 })).id, (await makeProduct(t.admin, { price: '3.00', stock: 100_000 })).id];
  });
  afterAll(() => t.close());

  it('equals a recount of the orders after a random sequence of commands', async () => {
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
    for (let i = 0; i < 8; i++) await createOrder(rnd.pick(reps), rnd.pick(customers), items());

    for (let step = 0; step < 120; step++) {
      const roll = rnd.int(12);
      if (roll <= 1) {
        const res = await t.admin.post('/api/orders', { customerId: rnd.pick(customers), items: items(), ownerId: rnd.pick([...reps.map((r) => r.userId), undefined]) });
        count('create', res.status);
      } else if (roll === 2) {
        // Editing a draft's lines changes its total; handing it to another rep changes its owner.
        const draft = rnd.pick(await ordersIn('live', ['draft']));
        if (!draft) continue;
        const body = rnd.next() < 0.5 ? { items: items() } : { ownerId: rnd.pick(reps).userId };
        const res = await t.admin.patch(`/api/orders/${draft.id}`, body, { 'if-match': String(draft.version) });
        count('edit', res.status);
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
        if (ids.length === 0) continue;
        const code = rnd.pick(REASONS);
        const res = await previewAndDelete(t.admin, { ids }, code === 'other' ? { code, note: 'summary test' } : { code });
        count('delete', res.status);
      } else if (roll === 10) {
        const bin = await ordersIn('deleted');
        const ids = [...new Set([rnd.pick(bin), rnd.pick(bin)].filter(Boolean))].map((o) => String(o.id));
        if (ids.length) count('restore', (await t.admin.post('/api/recycle-bin/restore', { ids })).status);
      } else {
        // A write outside the services (a script, a repair): the triggers see it as well.
        const order = rnd.pick(await ordersIn('live'));
        if (!order) continue;
        await db.updateTable('orders').set({ confirmed_at: `2025-0${1 + rnd.int(9)}-15T08:00:00.000Z`, total: 100 * (1 + rnd.int(50)) }).where('id', '=', order.id).execute();
        count('direct', 0);
      }
    }

    // Purge (step-up, a verified backup first), a customer merge and a rolled-back transaction, once each.
    expect((await t.admin.post('/api/auth/step-up', { password: ADMIN_PASSWORD })).status).toBe(200);
    const bin = await ordersIn('deleted');
    expect(bin.length).toBeGreaterThan(1);
    count('purge', (await t.admin.post('/api/recycle-bin/purge', { ids: bin.slice(0, 2).map((o) => String(o.id)), confirm: 'PURGE' })).status);
    count('merge', (await t.admin.post(`/api/customers/${customers[1]}/merge`, { intoId: customers[0] })).status);
    const before = await summaryRows(db);
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.updateTable('orders').set({ status: 'cancelled', owner_id: Number(reps[0].userId) }).execute();
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await summaryRows(db)).toEqual(before);

    for (const kind of ['create', 'edit', 'confirm', 'cancel', 'ship', 'complete', 'payment', 'delete', 'restore', 'direct', 'purge', 'merge']) expect(done.get(kind) ?? 0, kind).toBeGreaterThan(0);
    const expected = await recount(db);
    expect(expected.length).toBeGreaterThan(5);
    expect(await summaryRows(db)).toEqual(expected);
    // What the dashboard shows is the summary's: the company's live orders by status add up to the live orders.
    const live = Number((await db.selectFrom('orders').select((eb) => eb.fn.countAll<number>().as('n')).where('deleted_at', 'is', null).executeTakeFirstOrThrow()).n);
    const shown = (await t.admin.get('/api/dashboard')).body.ordersByStatus.reduce((sum: number, s: { count: number }) => sum + s.count, 0);
    expect(shown).toBe(live);
  });

  it('stays exact under concurrent commands (PostgreSQL: many connections locking summary rows at once)', async () => {
    const drafts = await Promise.all(Array.from({ length: 24 }, (_, i) => createOrder(reps[i % 2], customers[0], [{ productId: products[i % 2], quantity: 1 + (i % 3) }])));
    // Confirm, cancel and delete at once, the same owners' keys touched from every side.
    const results = await Promise.all(
      drafts.map(async (order, i) => {
        if (i % 3 === 0) return (await t.admin.post(`/api/orders/${order.id}/confirm`)).status;
        if (i % 3 === 1) return (await t.admin.post(`/api/orders/${order.id}/cancel`)).status;
        return (await previewAndDelete(t.admin, { ids: [order.id] }, { code: 'duplicate' })).status;
      }),
    );
    expect(results.every((status) => status === 200)).toBe(true);
    const restored = await Promise.all(drafts.filter((_, i) => i % 3 === 2).map((o) => t.admin.post('/api/recycle-bin/restore', { ids: [o.id] })));
    expect(restored.map((r) => r.status)).toEqual(restored.map(() => 200));
    expect(await summaryRows(db)).toEqual(await recount(db));
  });
});

describe.each(DIALECTS)('dashboard summary backfill (%s)', (dialect) => {
  it('counts the orders that were there before migration 0020', async () => {
    const database = await createTestDatabase(dialect, { migrateUpTo: '0018_journal_check_indexes' });
    try {
      const db = database.ctx.kysely;
      await bulkSeed(database.ctx, database.config.database, { orders: 600, customers: 20, products: 5 });
      await db.updateTable('orders').set({ deleted_at: '2026-01-02T03:04:05.000Z', delete_reason: 'duplicate' }).where('status', 'in', ['draft', 'cancelled']).where('id', '<', 200).execute();
      await migrateToLatest(db, database.ctx.dialect);
      const expected = await recount(db);
      expect(expected.some((k) => k[3] !== '')).toBe(true);
      expect(expected.reduce((n, k) => n + k[5], 0)).toBe(600);
      expect(await summaryRows(db)).toEqual(expected);
    } finally {
      await database.drop();
    }
  });
});
