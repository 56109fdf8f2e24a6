import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DIALECTS, makeCustomer, makeOrder, makeProduct, type TestApp } from '../../../../test/helpers.js';

describe.each(DIALECTS)('order book over HTTP (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('walks sign-in → customer → product → draft → confirm → list → stale PATCH → bad input', async () => {
    const customer = await makeCustomer(t.admin, '北京星辰贸易有限公司');
    const product = await makeProduct(t.admin, { price: '19.99', stock: 10 });
    const order = await makeOrder(t.admin, customer.id, [{ productId: product.id, quantity: 3 }]);
    expect(order.number).toMatch(/^SO-\d{4}-\d{6}$/);
    expect(order.status).toBe('draft');
    expect(order.total).toBe('59.97');

    const confirmed = await t.admin.post(`/api/orders/${order.id}/confirm`);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('confirmed');

    const list = await t.admin.get('/api/orders?status=confirmed');
    expect(list.status).toBe(200);
    expect(list.body.items.map((o: { id: string }) => o.id)).toContain(order.id);
    const byName = await t.admin.get(`/api/orders?q=${encodeURIComponent('星辰')}`);
    expect(byName.body.items.map((o: { id: string }) => o.id)).toEqual([order.id]);

    const stale = await t.admin.patch(`/api/orders/${order.id}`, { note: 'late edit' }, { 'if-match': '1' });
    expect(stale.status).toBe(412);
    expect(stale.headers['content-type']).toContain('application/problem+json');

    const before = await t.admin.get('/api/orders?limit=500');
    const bad = await t.admin.post('/api/orders', { items: [{ productId: product.id, quantity: 0 }] });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    const fields = bad.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['customerId', 'items.0.quantity']));
    const after = await t.admin.get('/api/orders?limit=500');
    expect(after.body.items.length).toBe(before.body.items.length);
  });
});

const fieldsOf = (body: { errors?: Array<{ field: string }> }) => [...new Set((body.errors ?? []).map((e) => e.field))].sort();

/** SPEC §1.1 as printed, written out here rather than imported, so a server change cannot move both sides. */
const ALLOWED: Record<string, string[]> = {
  draft: ['confirm', 'cancel'],
  confirmed: ['ship', 'cancel'],
  shipped: ['complete'],
  completed: [],
  cancelled: [],
};
const RESULT_OF: Record<string, string> = { confirm: 'confirmed', ship: 'shipped', complete: 'completed', cancel: 'cancelled' };
/** The shortest walk from a new draft to each status. */
const PATH_TO: Record<string, string[]> = {
  draft: [],
  confirmed: ['confirm'],
  shipped: ['confirm', 'ship'],
  completed: ['confirm', 'ship', 'complete'],
  cancelled: ['cancel'],
};

describe.each(DIALECTS)('orders: totals, numbers, lifecycle, edits and payments (%s)', (dialect) => {
  let t: TestApp;
  let customerId: string;
  let otherCustomerId: string;
  let tea: { id: string; sku: string };
  let cup: { id: string; sku: string };

  /** A draft taken along the lifecycle to `status` over HTTP. */
  async function orderIn(status: string, quantity = 1) {
    const order = await makeOrder(t.admin, customerId, [{ productId: tea.id, quantity }], { note: `to ${status} ${Math.random()}` });
    for (const step of PATH_TO[status]) expect((await t.admin.post(`/api/orders/${order.id}/${step}`)).status).toBe(200);
    return (await t.admin.get(`/api/orders/${order.id}`)).body;
  }

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    customerId = (await makeCustomer(t.admin, '杭州茶叶有限公司')).id;
    otherCustomerId = (await makeCustomer(t.admin, 'Other Buyer Ltd')).id;
    tea = await makeProduct(t.admin, { sku: 'TEA-1', price: '19.99', stock: 100_000 });
    cup = await makeProduct(t.admin, { sku: 'CUP-1', price: '0.10', stock: 100_000 });
  });
  afterAll(async () => t?.close());

  it('computes line totals and the order total in minor units, exactly', async () => {
    const res = await t.admin.post('/api/orders', { customerId, items: [{ productId: tea.id, quantity: 3 }], note: 'three teas' });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/api/orders/${res.body.id}`);
    expect(res.headers.etag).toBe('"1"');
    expect(res.body).toMatchObject({
      status: 'draft',
      customer: { id: customerId, name: '杭州茶叶有限公司' },
      ownerId: expect.stringMatching(/^\d+$/),
      total: '59.97',
      paid: '0.00',
      version: 1,
      note: 'three teas',
      createdAt: expect.stringMatching(/Z$/),
    });
    expect(res.body.items).toEqual([
      { id: expect.any(String), productId: tea.id, sku: 'TEA-1', name: 'Product TEA-1', quantity: 3, unitPrice: '19.99', lineTotal: '59.97' },
    ]);
    expect(res.body.warnings).toBeUndefined();

    // 0.10 + 0.20 is 0.30 here, not 0.30000000000000004.
    const cents = await makeOrder(t.admin, otherCustomerId, [
      { productId: cup.id, quantity: 1 },
      { productId: cup.id, quantity: 2 },
    ]);
    expect(cents.total).toBe('0.30');
    const many = await makeOrder(t.admin, otherCustomerId, [{ productId: tea.id, quantity: 1_000_000 }]);
    expect(many.total).toBe('19990000.00');
  });

  it('a unitPrice overrides the list price for that line only', async () => {
    const order = await makeOrder(t.admin, otherCustomerId, [
      { productId: tea.id, quantity: 2, unitPrice: '15.50' },
      { productId: tea.id, quantity: 1 },
      { productId: cup.id, quantity: 7, unitPrice: '0' },
    ]);
    const full = (await t.admin.get(`/api/orders/${order.id}`)).body;
    expect(full.items.map((i: { unitPrice: string; lineTotal: string }) => [i.unitPrice, i.lineTotal])).toEqual([
      ['15.50', '31.00'],
      ['19.99', '19.99'],
      ['0.00', '0.00'],
    ]);
    expect(full.total).toBe('50.99');
    // The catalogue price is untouched.
    expect((await t.admin.get(`/api/products/${tea.id}`)).body.price).toBe('19.99');
  });

  it('numbers orders SO-YYYY-NNNNNN, unique and increasing', async () => {
    const year = new Date().getUTCFullYear();
    const numbers: string[] = [];
    for (let i = 0; i < 6; i++) numbers.push((await makeOrder(t.admin, otherCustomerId, [{ productId: cup.id, quantity: i + 1 }])).number);
    for (const n of numbers) expect(n).toMatch(new RegExp(`^SO-${year}-\\d{6}$`));
    expect(new Set(numbers).size).toBe(numbers.length);
    const sequence = numbers.map((n) => Number(n.slice(-6)));
    for (let i = 1; i < sequence.length; i++) expect(sequence[i]).toBeGreaterThan(sequence[i - 1]);
    // Concurrent creates still get distinct numbers.
    const parallel = await Promise.all(Array.from({ length: 5 }, (_, i) => makeOrder(t.admin, otherCustomerId, [{ productId: cup.id, quantity: 100 + i }])));
    const all = [...numbers, ...parallel.map((o) => o.number)];
    expect(new Set(all).size).toBe(all.length);
  });

  it('warns about a likely duplicate: same customer, same items, within 10 minutes', async () => {
    const customer = await makeCustomer(t.admin, 'Duplicate Check Co');
    const items = [
      { productId: tea.id, quantity: 2 },
      { productId: cup.id, quantity: 5 },
    ];
    const first = await t.admin.post('/api/orders', { customerId: customer.id, items });
    expect(first.status).toBe(201);
    expect(first.body.warnings).toBeUndefined();

    // Same lines in another order still count as the same items.
    const second = await t.admin.post('/api/orders', { customerId: customer.id, items: [...items].reverse() });
    expect(second.status).toBe(201);
    expect(second.body.warnings[0].code).toBe('possible_duplicate');
    expect(second.body.warnings[0].orderIds).toEqual([first.body.id]);
    expect(second.body.warnings[0].message).toContain(first.body.number);

    // A different quantity or a different customer is not a duplicate.
    const otherQty = await t.admin.post('/api/orders', { customerId: customer.id, items: [{ productId: tea.id, quantity: 3 }, items[1]] });
    expect(otherQty.body.warnings).toBeUndefined();
    const otherCustomer = await t.admin.post('/api/orders', { customerId: otherCustomerId, items: [{ productId: tea.id, quantity: 2 }, { productId: cup.id, quantity: 5 }] });
    expect(otherCustomer.body.warnings).toBeUndefined();

    // Once the earlier orders are older than 10 minutes, the same order is no longer suspicious.
    const elevenMinutesAgo = new Date(Date.now() - 11 * 60_000).toISOString();
    await t.db.ctx.kysely.updateTable('orders').set({ created_at: elevenMinutesAgo }).where('customer_id', '=', Number(customer.id)).execute();
    const later = await t.admin.post('/api/orders', { customerId: customer.id, items });
    expect(later.status).toBe(201);
    expect(later.body.warnings).toBeUndefined();
  });

  it('every valid lifecycle transition succeeds and stamps its time', async () => {
    const walked: string[] = [];
    for (const [from, transitions] of Object.entries(ALLOWED)) {
      for (const transition of transitions) {
        const order = await orderIn(from);
        const res = await t.admin.post(`/api/orders/${order.id}/${transition}`, {}, { 'if-match': String(order.version) });
        expect(res.status, `${from} → ${transition}`).toBe(200);
        expect(res.body.status).toBe(RESULT_OF[transition]);
        expect(res.body.version).toBe(order.version + 1);
        expect(res.headers.etag).toBe(`"${order.version + 1}"`);
        const stamp = { confirm: 'confirmedAt', ship: 'shippedAt', complete: 'completedAt', cancel: 'cancelledAt' }[transition]!;
        expect(res.body[stamp]).toEqual(expect.stringMatching(/Z$/));
        walked.push(`${from}→${transition}`);
      }
    }
    expect(walked).toEqual(['draft→confirm', 'draft→cancel', 'confirmed→ship', 'confirmed→cancel', 'shipped→complete']);
  });

  it('every invalid transition is a 409 that says why, and changes nothing', async () => {
    const refused: string[] = [];
    for (const [from, allowed] of Object.entries(ALLOWED)) {
      const order = await orderIn(from);
      for (const transition of ['confirm', 'ship', 'complete', 'cancel'].filter((x) => !allowed.includes(x))) {
        const res = await t.admin.post(`/api/orders/${order.id}/${transition}`);
        expect(res.status, `${from} → ${transition}`).toBe(409);
        expect(res.headers['content-type']).toContain('application/problem+json');
        // The message names the order, what it is now, and which statuses the step needs.
        expect(res.body.detail).toContain(order.number);
        expect(res.body.detail).toContain(from);
        expect(res.body.detail).toMatch(new RegExp(`only .*(${Object.keys(ALLOWED).filter((s) => ALLOWED[s].includes(transition)).join('|')})`));
        refused.push(`${from}→${transition}`);
      }
      const after = (await t.admin.get(`/api/orders/${order.id}`)).body;
      expect(after.status).toBe(from);
      expect(after.version).toBe(order.version);
    }
    expect(refused).toHaveLength(20 - 5);
  });

  it('PATCH with a stale If-Match is 412; the right version is 200 and bumps the version', async () => {
    const order = await makeOrder(t.admin, customerId, [{ productId: tea.id, quantity: 1 }], { note: 'v1' });
    const ok = await t.admin.patch(`/api/orders/${order.id}`, { note: 'v2' }, { 'if-match': '1' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ note: 'v2', version: 2 });
    expect(ok.headers.etag).toBe('"2"');

    const stale = await t.admin.patch(`/api/orders/${order.id}`, { note: 'lost update' }, { 'if-match': '1' });
    expect(stale.status).toBe(412);
    expect(stale.headers['content-type']).toContain('application/problem+json');
    expect(stale.body.detail).toMatch(/changed|version/i);
    // The ETag form the server sends back is accepted as-is.
    const etag = await t.admin.patch(`/api/orders/${order.id}`, { note: 'v3' }, { 'if-match': ok.headers.etag as string });
    expect(etag.status).toBe(200);
    expect(etag.body.version).toBe(3);
    const now = (await t.admin.get(`/api/orders/${order.id}`)).body;
    expect(now).toMatchObject({ note: 'v3', version: 3 });
    const garbage = await t.admin.patch(`/api/orders/${order.id}`, { note: 'x' }, { 'if-match': 'yesterday' });
    expect(garbage.status).toBe(400);
  });

  it('lines and customer change only while the order is a draft', async () => {
    const draft = await makeOrder(t.admin, customerId, [{ productId: tea.id, quantity: 1 }]);
    const edited = await t.admin.patch(`/api/orders/${draft.id}`, { items: [{ productId: tea.id, quantity: 2 }, { productId: cup.id, quantity: 3 }] }, { 'if-match': '1' });
    expect(edited.status).toBe(200);
    expect(edited.body.total).toBe('40.28');
    expect(edited.body.items).toHaveLength(2);

    for (const status of ['confirmed', 'shipped', 'completed', 'cancelled']) {
      const order = await orderIn(status);
      const lines = await t.admin.patch(`/api/orders/${order.id}`, { items: [{ productId: cup.id, quantity: 1 }] });
      expect(lines.status, status).toBe(409);
      expect(lines.body.detail).toContain(status);
      const customer = await t.admin.patch(`/api/orders/${order.id}`, { customerId: otherCustomerId });
      expect(customer.status, status).toBe(409);
      const after = (await t.admin.get(`/api/orders/${order.id}`)).body;
      expect(after).toMatchObject({ version: order.version, total: order.total, customer: { id: customerId } });
      expect(after.items).toEqual(order.items);
    }
    // A confirmed order's note may still change.
    const confirmed = await orderIn('confirmed');
    expect((await t.admin.patch(`/api/orders/${confirmed.id}`, { note: 'ring before delivery' })).status).toBe(200);
  });

  it('bad input is a 400 naming every bad field, and the database is unchanged', async () => {
    const order = await makeOrder(t.admin, customerId, [{ productId: tea.id, quantity: 1 }], { note: 'original' });
    const snapshot = (await t.admin.get(`/api/orders/${order.id}`)).body;
    const countBefore = (await t.admin.get('/api/orders?limit=500')).body.items.length;

    const badPatch = await t.admin.patch(`/api/orders/${order.id}`, {
      customerId: 'abc',
      ownerId: '0',
      items: [{ productId: tea.id, quantity: 0 }, { productId: 'x', quantity: 1.5, unitPrice: '-1.00' }],
      note: 'y'.repeat(2001),
    });
    expect(badPatch.status).toBe(400);
    expect(badPatch.headers['content-type']).toContain('application/problem+json');
    expect(fieldsOf(badPatch.body)).toEqual(['customerId', 'items.0.quantity', 'items.1.productId', 'items.1.quantity', 'items.1.unitPrice', 'note', 'ownerId']);
    expect((await t.admin.patch(`/api/orders/${order.id}`, {})).status).toBe(400);

    const badCreate = await t.admin.post('/api/orders', { customerId: customerId, items: [{ productId: tea.id, quantity: -2, unitPrice: '1.005' }], ownerId: 'me' });
    expect(badCreate.status).toBe(400);
    expect(fieldsOf(badCreate.body)).toEqual(['items.0.quantity', 'items.0.unitPrice', 'ownerId']);
    const noItems = await t.admin.post('/api/orders', { customerId, items: [] });
    expect(noItems.status).toBe(400);
    expect(fieldsOf(noItems.body)).toEqual(['items']);

    // Well-formed ids that point at nothing are bad input too, each named.
    const ghosts = await t.admin.post('/api/orders', { customerId, items: [{ productId: tea.id, quantity: 1 }, { productId: '999999', quantity: 1 }] });
    expect(ghosts.status).toBe(400);
    expect(fieldsOf(ghosts.body)).toEqual(['items.1.productId']);
    const noCustomer = await t.admin.post('/api/orders', { customerId: '999999', items: [{ productId: tea.id, quantity: 1 }] });
    expect(noCustomer.status).toBe(400);
    expect(fieldsOf(noCustomer.body)).toEqual(['customerId']);
    const ghostLines = await t.admin.patch(`/api/orders/${order.id}`, { items: [{ productId: '999998', quantity: 1 }] });
    expect(ghostLines.status).toBe(400);
    expect(fieldsOf(ghostLines.body)).toEqual(['items.0.productId']);
    // Several missing references at once are all named in the one answer, not just the first found.
    const allGhosts = await t.admin.post('/api/orders', { customerId: '999999', ownerId: '999997', items: [{ productId: '999998', quantity: 1 }, { productId: tea.id, quantity: 1 }, { productId: '999996', quantity: 1 }] });
    expect(allGhosts.status).toBe(400);
    expect(fieldsOf(allGhosts.body)).toEqual(['customerId', 'items.0.productId', 'items.2.productId', 'ownerId']);
    const patchGhosts = await t.admin.patch(`/api/orders/${order.id}`, { customerId: '999999', ownerId: '999997', items: [{ productId: '999998', quantity: 1 }] });
    expect(patchGhosts.status).toBe(400);
    expect(fieldsOf(patchGhosts.body)).toEqual(['customerId', 'items.0.productId', 'ownerId']);

    expect((await t.admin.get(`/api/orders/${order.id}`)).body).toEqual(snapshot);
    expect((await t.admin.get('/api/orders?limit=500')).body.items.length).toBe(countBefore);
  });

  it('payments: never more than the outstanding amount, only on confirmed orders', async () => {
    const draft = await orderIn('draft', 3);
    const onDraft = await t.admin.post(`/api/orders/${draft.id}/payments`, { amount: '1.00' });
    expect(onDraft.status).toBe(409);
    expect(onDraft.body.detail).toContain('draft');

    const order = await orderIn('confirmed', 3); // 59.97 due
    const tooMuch = await t.admin.post(`/api/orders/${order.id}/payments`, { amount: '60.00' });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.headers['content-type']).toContain('application/problem+json');
    expect(tooMuch.body.detail).toContain('59.97');
    expect(fieldsOf(tooMuch.body)).toEqual(['amount']);

    const part = await t.admin.post(`/api/orders/${order.id}/payments`, { amount: '50.00' });
    expect(part.status).toBe(201);
    expect(part.body.paid).toBe('50.00');
    const over = await t.admin.post(`/api/orders/${order.id}/payments`, { amount: '9.98' });
    expect(over.status).toBe(409);
    expect(over.body.detail).toContain('9.97');
    const rest = await t.admin.post(`/api/orders/${order.id}/payments`, { amount: '9.97' });
    expect(rest.status).toBe(201);
    expect(rest.body.paid).toBe('59.97');
    expect((await t.admin.post(`/api/orders/${order.id}/payments`, { amount: '0.01' })).status).toBe(409);

    for (const amount of ['0', '-5.00', '1.001', 'ten']) {
      const bad = await t.admin.post(`/api/orders/${order.id}/payments`, { amount });
      expect(bad.status, amount).toBe(400);
      expect(fieldsOf(bad.body)).toEqual(['amount']);
    }
    expect((await t.admin.get(`/api/orders/${order.id}`)).body.paid).toBe('59.97');
    // A paid order cannot simply be cancelled: the money must be refunded first.
    const cancel = await t.admin.post(`/api/orders/${order.id}/cancel`);
    expect(cancel.status).toBe(409);
    expect(cancel.body.detail).toMatch(/refund/i);
  });

  it('an unknown order id is a 404 problem on every order route', async () => {
    const responses = [
      await t.admin.get('/api/orders/987654'),
      await t.admin.patch('/api/orders/987654', { note: 'x' }),
      ...(await Promise.all(['confirm', 'ship', 'complete', 'cancel'].map((s) => t.admin.post(`/api/orders/987654/${s}`)))),
      await t.admin.post('/api/orders/987654/payments', { amount: '1.00' }),
    ];
    for (const res of responses) {
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body).toMatchObject({ status: 404, title: expect.any(String), detail: expect.any(String) });
    }
    expect((await t.admin.get('/api/orders/not-a-number')).status).toBe(400);
  });
});
