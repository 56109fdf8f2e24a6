import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_QUALITY_CHECKS, type DataQualityCheckCode, type DataQualityReport } from '../../../contracts/data-quality.js';
import { buildTestApp, DIALECTS, makeCustomer, makeProduct, type TestApp } from '../../../../test/helpers.js';
import { createOrder, orderIn } from '../deletion/deletion.test-support.js';

const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY).toISOString();

describe.each(DIALECTS)('data-quality checks (%s)', (dialect) => {
  let t: TestApp;
  let customer: { id: string };
  let product: { id: string };
  let quantity = 0;
  /** A fresh, unremarkable order: a quantity of its own, so no two are duplicates. */
  const line = () => [{ productId: product.id, quantity: ++quantity }];

  async function run(): Promise<Record<DataQualityCheckCode, { count: number; ids: string[] }>> {
    const res = await t.admin.post<DataQualityReport>('/api/data-quality/runs');
    expect(res.status).toBe(201);
    return Object.fromEntries(res.body.checks.map((c) => [c.code, { count: c.count, ids: c.samples.map((s) => s.id) }])) as never;
  }

  /** Runs the checks and expects exactly `code` to find exactly `id`, and every other check nothing. */
  async function expectOnly(code: DataQualityCheckCode, id: string) {
    const found = await run();
    for (const other of DATA_QUALITY_CHECKS) expect(found[other].count, other).toBe(other === code ? 1 : 0);
    expect(found[code].ids).toEqual([id]);
  }

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    customer = await makeCustomer(t.admin, 'Tidy Books Ltd');
    product = await makeProduct(t.admin, { stock: 10_000 });
    expect((await t.admin.patch('/api/settings', { requiredCustomerFields: ['phone'], paymentTermsDays: 30 })).status).toBe(200);
    // Clean data of every kind the checks look at: a draft, a confirmed and paid order, a shipped one, a cancelled one.
    await createOrder(t.admin, customer.id, line());
    const paid = await orderIn(t.admin, 'confirmed', customer.id, line());
    expect((await t.admin.post(`/api/orders/${paid.id}/payments`, { amount: paid.total })).status).toBe(201);
    await orderIn(t.admin, 'shipped', customer.id, line());
    await orderIn(t.admin, 'cancelled', customer.id, line());
  });
  afterAll(async () => t?.close());

  it('reports nothing on clean data, and keeps each run for the trend', async () => {
    const before = await run();
    for (const code of DATA_QUALITY_CHECKS) expect(before[code].count, code).toBe(0);
    const report = (await t.admin.get<DataQualityReport>('/api/data-quality')).body;
    expect(report.checks.map((c) => c.code)).toEqual([...DATA_QUALITY_CHECKS]);
    expect(report.checks[0].trend.length).toBeGreaterThanOrEqual(1);
  });

  it('stale_drafts: a draft untouched for 30+ days', async () => {
    const order = await createOrder(t.admin, customer.id, line());
    await t.db.ctx.kysely.updateTable('orders').set({ updated_at: daysAgo(31) }).where('id', '=', Number(order.id)).execute();
    await expectOnly('stale_drafts', order.id);
    await t.db.ctx.kysely.updateTable('orders').set({ updated_at: daysAgo(0) }).where('id', '=', Number(order.id)).execute();
  });

  it('duplicate_orders: the same customer and lines within 10 minutes; cancelling one settles it', async () => {
    const items = line();
    await createOrder(t.admin, customer.id, items);
    const second = await createOrder(t.admin, customer.id, items);
    await expectOnly('duplicate_orders', second.id);
    expect((await t.admin.post(`/api/orders/${second.id}/cancel`)).status).toBe(200);
  });

  it('unpaid_overdue: a confirmed order unpaid past its payment terms', async () => {
    const order = await orderIn(t.admin, 'confirmed', customer.id, line());
    await t.db.ctx.kysely.updateTable('orders').set({ confirmed_at: daysAgo(31) }).where('id', '=', Number(order.id)).execute();
    await expectOnly('unpaid_overdue', order.id);
    expect((await t.admin.post(`/api/orders/${order.id}/payments`, { amount: order.total })).status).toBe(201);
  });

  it('customers_missing_fields: a customer without a field the settings require', async () => {
    const bare = await t.admin.post('/api/customers', { name: 'No Phone Ltd', email: 'np@example.com' });
    expect(bare.status).toBe(201);
    await expectOnly('customers_missing_fields', bare.body.id);
    await t.db.ctx.kysely.updateTable('customers').set({ phone: '+86 10 5555 0101' }).where('id', '=', Number(bare.body.id)).execute();
  });

  it('total_mismatch: an order whose total disagrees with its lines', async () => {
    const order = await createOrder(t.admin, customer.id, line());
    await t.db.ctx.kysely.updateTable('orders').set((eb) => ({ total: eb('total', '+', 1) })).where('id', '=', Number(order.id)).execute();
    await expectOnly('total_mismatch', order.id);
    await t.db.ctx.kysely.updateTable('orders').set((eb) => ({ total: eb('total', '-', 1) })).where('id', '=', Number(order.id)).execute();
    // An order with a total but no lines at all is found from the order's side.
    const items = await t.db.ctx.kysely.selectFrom('order_items').selectAll().where('order_id', '=', Number(order.id)).execute();
    await t.db.ctx.kysely.deleteFrom('order_items').where('order_id', '=', Number(order.id)).execute();
    await expectOnly('total_mismatch', order.id);
    await t.db.ctx.kysely.insertInto('order_items').values(items).execute();
    expect((await run()).total_mismatch.count).toBe(0);
  });

  it('disabled_owner: an open order owned by a disabled user', async () => {
    const rep = await t.userWithRoles('dq_rep', ['sales_rep']);
    const order = await createOrder(t.admin, customer.id, line(), { ownerId: rep.userId });
    expect((await t.admin.patch(`/api/users/${rep.userId}`, { disabled: true })).status).toBe(200);
    await expectOnly('disabled_owner', order.id);
    expect((await t.admin.patch(`/api/users/${rep.userId}`, { disabled: false })).status).toBe(200);
  });

  it('journal_invariants: stock that disagrees with its journal; a growing count is announced', async () => {
    await t.db.ctx.kysely.updateTable('products').set((eb) => ({ on_hand: eb('on_hand', '+', 5) })).where('id', '=', Number(product.id)).execute();
    await expectOnly('journal_invariants', product.id);
    const events = await t.db.ctx.kysely.selectFrom('outbox').select('payload').where('topic', '=', 'data_quality.violations_found').orderBy('id', 'desc').execute();
    expect(JSON.parse(events[0].payload).checks).toEqual([{ code: 'journal_invariants', count: 1, before: 0 }]);
    await t.db.ctx.kysely.updateTable('products').set((eb) => ({ on_hand: eb('on_hand', '-', 5) })).where('id', '=', Number(product.id)).execute();
    const clean = await run();
    for (const code of DATA_QUALITY_CHECKS) expect(clean[code].count, code).toBe(0);
  });

  it('is for reviewers and auditors only', async () => {
    const rep = await t.userWithRoles('dq_rep2', ['sales_rep']);
    expect((await rep.get('/api/data-quality')).status).toBe(403);
    expect((await rep.post('/api/data-quality/runs')).status).toBe(403);
  });
});
