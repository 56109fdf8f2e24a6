import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, buildTestApp, DIALECTS, makeCustomer, makeProduct, type Client, type TestApp } from '../../../../test/helpers.js';
import { compactDashboardSummary, STALE_PAUSE_MS } from '../../db/dashboard-summary.js';
import { createOrder, previewAndDelete } from '../deletion/deletion.test-support.js';

/**
 * The bin's "N items" for the whole bin in the caller's scope: on PostgreSQL read from the dashboard's summary and
 * its pending deltas (recycle-bin.service.ts), on SQLite counted from the bin's index. Either way it must be the
 * number of deleted orders, whatever has happened since the summary was last folded.
 */
describe.each(DIALECTS)("the recycle bin's total (%s)", (dialect) => {
  let t: TestApp;
  let rep: Client & { userId: string };

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    rep = await t.userWithRoles('rep-bin-total', ['sales_rep']);
  });
  afterAll(async () => t?.close());

  const deletedOrders = async (ownerId?: string) => {
    let query = t.db.ctx.kysely.selectFrom('orders').select((eb) => eb.fn.countAll<number | string>().as('n')).where('deleted_at', 'is not', null);
    if (ownerId) query = query.where('owner_id', '=', Number(ownerId));
    return Number((await query.executeTakeFirstOrThrow()).n);
  };

  /** The totals the admin (every order) and the rep (their own) are shown, checked against the orders themselves. */
  async function expectTotals(all: number, own: number): Promise<void> {
    expect(await deletedOrders()).toBe(all);
    expect(await deletedOrders(rep.userId)).toBe(own);
    const adminPage = await t.admin.get('/api/recycle-bin?limit=2');
    expect(adminPage.status).toBe(200);
    expect(adminPage.body.total).toBe(all);
    expect(adminPage.body.items).toHaveLength(Math.min(2, all));
    const repPage = await rep.get('/api/recycle-bin?limit=2');
    expect(repPage.status, JSON.stringify(repPage.body)).toBe(200);
    expect(repPage.body.total).toBe(own);
    expect(repPage.body.items).toHaveLength(Math.min(2, own));
  }

  it('is the number of deleted orders through deletions, restores, a purge, the summary folded, and a pause left behind', async () => {
    const customer = await makeCustomer(t.admin, 'Bin Total Trading');
    const product = await makeProduct(t.admin, { stock: 100 });
    const mine = [];
    for (let i = 0; i < 5; i++) mine.push(await createOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }]));
    const theirs = [];
    for (let i = 0; i < 3; i++) theirs.push(await createOrder(rep, customer.id, [{ productId: product.id, quantity: 1 }]));
    await expectTotals(0, 0);

    expect((await previewAndDelete(t.admin, { ids: [...mine.slice(0, 3), ...theirs.slice(0, 2)].map((o) => o.id) })).status).toBe(200);
    await expectTotals(5, 2);
    // Folded into the summary, with nothing pending.
    await compactDashboardSummary(t.db.ctx);
    await expectTotals(5, 2);

    expect((await t.admin.post('/api/recycle-bin/restore', { ids: [mine[0].id, theirs[0].id] })).status).toBe(200);
    await expectTotals(3, 1);

    expect((await t.admin.post('/api/auth/step-up', { password: ADMIN_PASSWORD })).status).toBe(200);
    expect((await t.admin.post('/api/recycle-bin/purge', { ids: [mine[1].id], confirm: 'PURGE' })).status).toBe(200);
    await expectTotals(2, 1);

    // A pause committed by a load that died before its recount: the triggers append nothing while it stands, so
    // the summary falls behind the orders; the total is counted from the orders meanwhile.
    const since = new Date(Date.now() - STALE_PAUSE_MS - 60_000);
    await sql`insert into dashboard_summary_paused (since) values (${since.toISOString()})`.execute(t.db.ctx.kysely);
    expect((await previewAndDelete(t.admin, { ids: [mine[3].id, theirs[2].id] })).status).toBe(200);
    await expectTotals(4, 2);
    // The compaction job ends such a pause with a recount.
    expect((await compactDashboardSummary(t.db.ctx)).rebuilt).toBe(true);
    await expectTotals(4, 2);
  });
});
