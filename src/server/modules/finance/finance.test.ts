import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, buildTestApp, DIALECTS, makeCustomer, makeOrder, makeProduct, type Client, type TestApp } from '../../../../test/helpers.js';
import { checkInvariants } from '../integrity/invariants.js';
import { releaseStock, reverseReceivables } from '../journals/journals.service.js';

type Entry = { id: string; kind: string; amount: string; reversesId: string | null; orderNumber: string | null; customerId: string };

async function ledgerOf(client: Client, orderId: string): Promise<Entry[]> {
  const res = await client.get(`/api/finance/ledger?orderId=${orderId}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items;
}

const currentMonth = () => new Date().toISOString().slice(0, 7);
/** "100.11" → 10011, exactly: the figures are compared in cents, never as floats. */
const cents = (amount: string) => Math.round(Number(amount) * 100);

describe.each(DIALECTS)('finance journal over HTTP (%s)', (dialect) => {
  let t: TestApp;
  let finance: Client;
  let rep: Client & { userId: string };

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    finance = await t.userWithRoles('fin_clerk', ['finance']);
    rep = await t.userWithRoles('fin_rep', ['sales_rep']);
  });
  afterAll(async () => t?.close());

  it('confirming 3 units takes 3 from available and posts the total; cancelling reverses both exactly', async () => {
    const customer = await makeCustomer(t.admin, 'Receivable Co');
    const product = await makeProduct(t.admin, { price: '33.37', stock: 10 });
    const summaryBefore = (await t.admin.get('/api/finance/summary')).body;
    const order = await makeOrder(t.admin, customer.id, [{ productId: product.id, quantity: 3 }]);
    expect(order.total).toBe('100.11');

    expect((await t.admin.post(`/api/orders/${order.id}/confirm`)).status).toBe(200);
    expect((await t.admin.get(`/api/products/${product.id}`)).body.stock).toEqual({ onHand: 10, reserved: 3, available: 7 });
    const [receivable] = await ledgerOf(t.admin, order.id);
    expect(receivable).toMatchObject({ kind: 'receivable', amount: '100.11', reversesId: null, orderNumber: order.number, customerId: customer.id });
    const summaryConfirmed = (await t.admin.get('/api/finance/summary')).body;
    expect(cents(summaryConfirmed.receivable) - cents(summaryBefore.receivable)).toBe(10011);

    expect((await t.admin.post(`/api/orders/${order.id}/cancel`)).status).toBe(200);
    expect((await t.admin.get(`/api/products/${product.id}`)).body.stock).toEqual({ onHand: 10, reserved: 0, available: 10 });
    const entries = await ledgerOf(t.admin, order.id);
    expect(entries).toHaveLength(2);
    expect(entries[1]).toMatchObject({ kind: 'reversal', amount: '-100.11', reversesId: receivable.id });
    const summaryAfter = (await t.admin.get('/api/finance/summary')).body;
    expect(summaryAfter.receivable).toBe(summaryBefore.receivable);
    expect(summaryAfter.invoiced).toBe(summaryBefore.invoiced);
    expect(cents(summaryAfter.reversed) - cents(summaryBefore.reversed)).toBe(10011);
    expect(await checkInvariants(t.db.ctx.kysely)).toEqual([]);
  });

  it('a free order (total 0.00) posts nothing through confirm, delete and restore, and the journals stay sound', async () => {
    // Found by the journals property test: a zero receivable broke the rule that receivables are positive.
    const customer = await makeCustomer(t.admin, 'Free Sample Co');
    const product = await makeProduct(t.admin, { price: '0.00', stock: 5 });
    const order = await makeOrder(t.admin, customer.id, [{ productId: product.id, quantity: 2 }]);
    expect(order.total).toBe('0.00');
    expect((await t.admin.post(`/api/orders/${order.id}/confirm`)).status).toBe(200);
    expect((await t.admin.get(`/api/products/${product.id}`)).body.stock).toEqual({ onHand: 5, reserved: 2, available: 3 });
    expect(await ledgerOf(t.admin, order.id)).toEqual([]);
    expect(await checkInvariants(t.db.ctx.kysely)).toEqual([]);

    const preview = await t.admin.post('/api/orders/delete-preview', { ids: [order.id] });
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    const deleted = await t.admin.post('/api/orders/delete', { ids: [order.id], reason: { code: 'test_data' }, previewToken: preview.body.previewToken });
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    const restored = await t.admin.post('/api/recycle-bin/restore', { batchId: deleted.body.batchId });
    expect(restored.status, JSON.stringify(restored.body)).toBe(200);
    expect((await t.admin.get(`/api/products/${product.id}`)).body.stock).toEqual({ onHand: 5, reserved: 2, available: 3 });
    expect(await ledgerOf(t.admin, order.id)).toEqual([]);
    expect(await checkInvariants(t.db.ctx.kysely)).toEqual([]);

    expect((await t.admin.post(`/api/orders/${order.id}/cancel`)).status).toBe(200);
    expect(await ledgerOf(t.admin, order.id)).toEqual([]);
    expect(await checkInvariants(t.db.ctx.kysely)).toEqual([]);
  });

  it('takes payments up to the total; refunds split across payments oldest first, each naming its payment', async () => {
    const customer = await makeCustomer(t.admin, 'Paying Co');
    const product = await makeProduct(t.admin, { price: '25.00', stock: 10 });
    const order = await makeOrder(t.admin, customer.id, [{ productId: product.id, quantity: 4 }]);
    await t.admin.post(`/api/orders/${order.id}/confirm`);

    expect((await finance.post(`/api/orders/${order.id}/payments`, { amount: '30.00' })).body.paid).toBe('30.00');
    expect((await finance.post(`/api/orders/${order.id}/payments`, { amount: '20.50' })).body.paid).toBe('50.50');
    const over = await finance.post(`/api/orders/${order.id}/payments`, { amount: '49.51' });
    expect(over.status).toBe(409);
    expect(over.body.errors).toEqual([{ field: 'amount', message: 'at most 49.50' }]);
    expect((await rep.post(`/api/orders/${order.id}/payments`, { amount: '1.00' })).status).toBe(403);

    // Paid orders cannot be cancelled until refunded.
    const blocked = await t.admin.post(`/api/orders/${order.id}/cancel`);
    expect(blocked.status).toBe(409);
    expect(blocked.body.code).toBe('has_payments');

    const refund = await finance.post(`/api/orders/${order.id}/refunds`, { amount: '40.00', note: 'partial return' });
    expect(refund.status).toBe(201);
    expect(refund.body.paid).toBe('10.50');
    const [, pay1, pay2, refund1, refund2] = await ledgerOf(finance, order.id);
    expect([pay1.kind, pay1.amount, pay2.kind, pay2.amount]).toEqual(['payment', '-30.00', 'payment', '-20.50']);
    expect(refund1).toMatchObject({ kind: 'refund', amount: '30.00', reversesId: pay1.id });
    expect(refund2).toMatchObject({ kind: 'refund', amount: '10.00', reversesId: pay2.id });

    const tooMuch = await finance.post(`/api/orders/${order.id}/refunds`, { amount: '10.51' });
    expect(tooMuch.status).toBe(409);
    expect(await ledgerOf(finance, order.id)).toHaveLength(5);

    expect((await finance.post(`/api/orders/${order.id}/refunds`, { amount: '10.50' })).body.paid).toBe('0.00');
    const last = (await ledgerOf(finance, order.id)).at(-1)!;
    expect(last).toMatchObject({ kind: 'refund', amount: '10.50', reversesId: pay2.id });
    expect((await finance.post(`/api/orders/${order.id}/refunds`, { amount: '0.01' })).status).toBe(409);

    expect((await t.admin.post(`/api/orders/${order.id}/cancel`)).status).toBe(200);
    const customerRow = (await finance.get(`/api/finance/customers?q=${encodeURIComponent('Paying Co')}`)).body.items;
    expect(customerRow).toEqual([{ customer: { id: customer.id, name: 'Paying Co' }, invoiced: '0.00', paid: '0.00', balance: '0.00' }]);
    expect(await checkInvariants(t.db.ctx.kysely)).toEqual([]);
  });

  it('reports balances per customer and revenue per month; deleted orders contribute nothing', async () => {
    const alpha = await makeCustomer(t.admin, 'Balance Alpha');
    const beta = await makeCustomer(t.admin, 'Balance Beta');
    const product = await makeProduct(t.admin, { price: '10.00', stock: 100 });
    const revenueBefore = (await finance.get('/api/finance/revenue?months=3')).body;
    const confirm = async (customerId: string, quantity: number) => {
      const order = await makeOrder(t.admin, customerId, [{ productId: product.id, quantity }]);
      expect((await t.admin.post(`/api/orders/${order.id}/confirm`)).status).toBe(200);
      return order;
    };
    const a1 = await confirm(alpha.id, 5); // 50.00
    await confirm(alpha.id, 2); // 20.00
    const b1 = await confirm(beta.id, 1); // 10.00
    await finance.post(`/api/orders/${a1.id}/payments`, { amount: '15.25' });
    await finance.post(`/api/orders/${b1.id}/payments`, { amount: '10.00' });

    // Confirmed last month, deleted now the way deletion does it: stock released, receivable reversed, row
    // marked deleted. Were its entries counted, last month would gain 70.00 and this month lose it.
    const gone = await confirm(beta.id, 7);
    const now = new Date();
    const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 15, 12)).toISOString();
    await t.db.ctx.kysely.updateTable('ledger_entries').set({ created_at: lastMonth }).where('order_id', '=', Number(gone.id)).execute();
    await t.db.ctx.kysely.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('orders').selectAll().where('id', '=', Number(gone.id)).executeTakeFirstOrThrow();
      await releaseStock(trx, dialect, [row.id], null, 'order deleted');
      await reverseReceivables(trx, [row.id], null, 'order deleted');
      await trx.updateTable('orders').set({ deleted_at: new Date().toISOString() }).where('id', '=', row.id).execute();
    });
    expect(await checkInvariants(t.db.ctx.kysely)).toEqual([]);

    const balances = await finance.get('/api/finance/customers?q=Balance');
    expect(balances.status).toBe(200);
    expect(balances.body.items).toEqual([
      { customer: { id: alpha.id, name: 'Balance Alpha' }, invoiced: '70.00', paid: '15.25', balance: '54.75' },
      { customer: { id: beta.id, name: 'Balance Beta' }, invoiced: '10.00', paid: '10.00', balance: '0.00' },
    ]);
    expect((await finance.get('/api/finance/customers?q=Balance&openOnly=true')).body.items.map((r: { customer: { id: string } }) => r.customer.id)).toEqual([alpha.id]);
    expect((await finance.get('/api/finance/customers?q=Balance&sort=-name')).body.items.map((r: { customer: { id: string } }) => r.customer.id)).toEqual([beta.id, alpha.id]);
    const page1 = await finance.get('/api/finance/customers?q=Balance&sort=name&limit=1');
    const page2 = await finance.get(`/api/finance/customers?q=Balance&sort=name&limit=1&cursor=${page1.body.nextCursor}`);
    expect([...page1.body.items, ...page2.body.items].map((r: { customer: { id: string } }) => r.customer.id)).toEqual([alpha.id, beta.id]);
    expect(page2.body.nextCursor).toBeNull();

    // The customer's statement leaves the deleted order out too.
    const statement = await finance.get(`/api/finance/ledger?customerId=${beta.id}`);
    expect(statement.body.items.map((e: Entry) => [e.kind, e.amount])).toEqual([
      ['receivable', '10.00'],
      ['payment', '-10.00'],
    ]);

    const revenue = await finance.get('/api/finance/revenue?months=3');
    expect(revenue.status).toBe(200);
    expect(revenue.body.map((m: { month: string }) => m.month)).toHaveLength(3);
    expect(revenue.body.at(-1).month).toBe(currentMonth());
    const [nowBefore, nowAfter] = [revenueBefore.at(-1), revenue.body.at(-1)];
    // 70 + 10 invoiced and 25.25 received; the deleted order's 70.00 and its reversal both stay out.
    expect(cents(nowAfter.invoiced) - cents(nowBefore.invoiced)).toBe(8000);
    expect(cents(nowAfter.received) - cents(nowBefore.received)).toBe(2525);
    expect(revenue.body.slice(0, 2)).toEqual(revenueBefore.slice(0, 2));
    expect((await finance.get('/api/finance/revenue?months=0')).status).toBe(400);
    expect((await finance.get('/api/finance/revenue')).body).toHaveLength(12);

    const summary = (await finance.get('/api/finance/summary')).body;
    const allBalances = (await finance.get('/api/finance/customers?limit=500')).body.items as Array<{ balance: string }>;
    const sum = allBalances.reduce((s, r) => s + cents(r.balance), 0);
    expect(summary.receivable).toBe((sum / 100).toFixed(2));
    expect(summary.customersWithBalance).toBe(allBalances.filter((r) => r.balance !== '0.00').length);
  });

  it('finance reports are for finance and for readers of every order; a rep with own scope gets 403', async () => {
    const warehouse = await t.userWithRoles('fin_warehouse', ['warehouse']);
    const manager = await t.userWithRoles('fin_manager', ['sales_manager']);
    for (const url of ['/api/finance/summary', '/api/finance/customers', '/api/finance/revenue']) {
      expect((await finance.get(url)).status, url).toBe(200);
      expect((await manager.get(url)).status, url).toBe(200);
      expect((await warehouse.get(url)).status, url).toBe(200);
      const denied = await rep.get(url);
      expect(denied.status, url).toBe(403);
      expect(denied.headers['content-type']).toContain('application/problem+json');
      expect((await t.anonymous().get(url)).status, url).toBe(401);
    }
    const customer = await makeCustomer(t.admin, 'Rep Customer');
    expect((await rep.get(`/api/finance/ledger?customerId=${customer.id}`)).status).toBe(403);

    // finance.manage alone is enough, without orders.read.
    await t.admin.post('/api/auth/step-up', { password: ADMIN_PASSWORD });
    expect((await t.admin.post('/api/roles', { name: 'fin_cashier', grants: ['finance.manage'] })).status).toBe(201);
    const cashier = await t.userWithRoles('fin_cashier_user', ['fin_cashier']);
    expect((await cashier.get('/api/finance/summary')).status).toBe(200);
    expect((await t.anonymous().get('/api/finance/ledger')).status).toBe(401);
    expect((await finance.get('/api/finance/ledger')).status).toBe(400);
  });
});
