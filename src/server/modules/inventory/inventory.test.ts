import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, buildTestApp, DIALECTS, makeCustomer, makeOrder, makeProduct, type Client, type TestApp } from '../../../../test/helpers.js';
import { checkInvariants } from '../integrity/invariants.js';

type Stock = { onHand: number; reserved: number; available: number };
type Movement = { id: string; kind: string; orderId: string | null; orderNumber: string | null; onHandDelta: number; reservedDelta: number; reversesId: string | null; balanceAfter: { onHand: number; reserved: number } | null; reason: string | null };

async function stockOf(client: Client, productId: string): Promise<Stock> {
  const res = await client.get(`/api/products/${productId}`);
  expect(res.status).toBe(200);
  return res.body.stock;
}

async function movementsOf(client: Client, query: string): Promise<Movement[]> {
  const res = await client.get(`/api/inventory/movements?${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items;
}

describe.each(DIALECTS)('stock journal over HTTP (%s)', (dialect) => {
  let t: TestApp;
  let customerId: string;
  let warehouse: Client;
  let rep: Client & { userId: string };
  let otherRep: Client & { userId: string };

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    customerId = (await makeCustomer(t.admin, 'Stock Buyer')).id;
    warehouse = await t.userWithRoles('inv_warehouse', ['warehouse']);
    rep = await t.userWithRoles('inv_rep', ['sales_rep']);
    otherRep = await t.userWithRoles('inv_rep_other', ['sales_rep']);
  });
  afterAll(async () => t?.close());

  it('confirm reserves, ship takes the units out, cancel releases: each reversal names its reserve', async () => {
    const a = await makeProduct(t.admin, { stock: 10 });
    const b = await makeProduct(t.admin, { stock: 5 });
    // Two lines of the same product are one reservation of their sum.
    const order = await makeOrder(t.admin, customerId, [{ productId: a.id, quantity: 2 }, { productId: b.id, quantity: 1 }, { productId: a.id, quantity: 1 }]);
    expect((await t.admin.post(`/api/orders/${order.id}/confirm`)).status).toBe(200);
    expect(await stockOf(t.admin, a.id)).toEqual({ onHand: 10, reserved: 3, available: 7 });
    expect(await stockOf(t.admin, b.id)).toEqual({ onHand: 5, reserved: 1, available: 4 });

    const reserves = await movementsOf(t.admin, `orderId=${order.id}`);
    expect(reserves.map((m) => [m.kind, m.reservedDelta, m.onHandDelta, m.reversesId, m.orderNumber])).toEqual(
      expect.arrayContaining([
        ['reserve', 3, 0, null, order.number],
        ['reserve', 1, 0, null, order.number],
      ]),
    );
    expect(reserves).toHaveLength(2);

    expect((await warehouse.post(`/api/orders/${order.id}/ship`)).status).toBe(200);
    expect(await stockOf(t.admin, a.id)).toEqual({ onHand: 7, reserved: 0, available: 7 });
    expect(await stockOf(t.admin, b.id)).toEqual({ onHand: 4, reserved: 0, available: 4 });
    const ships = (await movementsOf(t.admin, `orderId=${order.id}&kind=ship`)).map((m) => [m.reversesId, m.onHandDelta, m.reservedDelta]);
    const reserveOf = (productId: string) => reserves.find((m) => m.kind === 'reserve' && m.reservedDelta === (productId === a.id ? 3 : 1))!.id;
    expect(ships).toEqual(expect.arrayContaining([[reserveOf(a.id), -3, -3], [reserveOf(b.id), -1, -1]]));

    const other = await makeOrder(t.admin, customerId, [{ productId: a.id, quantity: 4 }]);
    await t.admin.post(`/api/orders/${other.id}/confirm`);
    expect((await stockOf(t.admin, a.id)).available).toBe(3);
    expect((await t.admin.post(`/api/orders/${other.id}/cancel`, { reason: 'customer changed mind' })).status).toBe(200);
    expect(await stockOf(t.admin, a.id)).toEqual({ onHand: 7, reserved: 0, available: 7 });
    const [release, reserve] = await movementsOf(t.admin, `orderId=${other.id}`);
    expect(release).toMatchObject({ kind: 'release', reservedDelta: -4, onHandDelta: 0, reversesId: reserve.id, reason: 'order cancelled' });
    expect(reserve).toMatchObject({ kind: 'reserve', reservedDelta: 4 });

    // One product's history carries its running balance, newest first.
    const history = await movementsOf(t.admin, `productId=${a.id}`);
    expect(history.map((m) => [m.kind, m.balanceAfter])).toEqual([
      ['release', { onHand: 7, reserved: 0 }],
      ['reserve', { onHand: 7, reserved: 4 }],
      ['ship', { onHand: 7, reserved: 0 }],
      ['reserve', { onHand: 10, reserved: 3 }],
      ['receive', { onHand: 10, reserved: 0 }],
    ]);
    expect(await checkInvariants(t.db.ctx.kysely)).toEqual([]);
  });

  it('confirming more than is available is 409 naming each short product, and changes nothing', async () => {
    const plenty = await makeProduct(t.admin, { stock: 50 });
    const short = await makeProduct(t.admin, { stock: 2 });
    const alsoShort = await makeProduct(t.admin, { stock: 0 });
    const order = await makeOrder(t.admin, customerId, [
      { productId: plenty.id, quantity: 5 },
      { productId: short.id, quantity: 3 },
      { productId: alsoShort.id, quantity: 1 },
    ]);
    const db = t.db.ctx.kysely;
    const count = async (table: 'stock_movements' | 'ledger_entries' | 'audit_log') => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const before = { movements: await count('stock_movements'), ledger: await count('ledger_entries'), audit: await count('audit_log'), order: (await t.admin.get(`/api/orders/${order.id}`)).body };
    const stocksBefore = await Promise.all([plenty, short, alsoShort].map((p) => stockOf(t.admin, p.id)));

    const res = await t.admin.post(`/api/orders/${order.id}/confirm`);
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.code).toBe('insufficient_stock');
    expect(res.body.shortages).toEqual([
      { productId: short.id, sku: short.sku, requested: 3, available: 2 },
      { productId: alsoShort.id, sku: alsoShort.sku, requested: 1, available: 0 },
    ]);
    expect(res.body.detail).toContain(short.sku);

    const after = (await t.admin.get(`/api/orders/${order.id}`)).body;
    expect({ status: after.status, version: after.version }).toEqual({ status: 'draft', version: before.order.version });
    expect(await count('stock_movements')).toBe(before.movements);
    expect(await count('ledger_entries')).toBe(before.ledger);
    expect(await count('audit_log')).toBe(before.audit);
    expect(await Promise.all([plenty, short, alsoShort].map((p) => stockOf(t.admin, p.id)))).toEqual(stocksBefore);
  });

  it('adjusts and receives with a reason; never below what is reserved (409); bad input is 400 per field', async () => {
    const p = await makeProduct(t.admin, { stock: 10 });
    const order = await makeOrder(t.admin, customerId, [{ productId: p.id, quantity: 6 }]);
    await t.admin.post(`/api/orders/${order.id}/confirm`);

    const tooFar = await warehouse.post(`/api/products/${p.id}/stock`, { kind: 'adjust', quantity: -5, reason: 'stocktake' });
    expect(tooFar.status).toBe(409);
    expect(tooFar.body.code).toBe('below_reserved');
    expect(tooFar.body.errors).toEqual([{ field: 'quantity', message: 'at least -4' }]);
    expect(await stockOf(t.admin, p.id)).toEqual({ onHand: 10, reserved: 6, available: 4 });

    const down = await warehouse.post(`/api/products/${p.id}/stock`, { kind: 'adjust', quantity: -4, reason: 'stocktake: 4 broken' });
    expect(down.status).toBe(200);
    expect(down.body.stock).toEqual({ onHand: 6, reserved: 6, available: 0 });
    const up = await warehouse.post(`/api/products/${p.id}/stock`, { kind: 'receive', quantity: 20, reason: 'delivery 7781' });
    expect(up.body.stock).toEqual({ onHand: 26, reserved: 6, available: 20 });
    const [receipt, adjustment] = await movementsOf(warehouse, `productId=${p.id}&limit=2`);
    expect(receipt).toMatchObject({ kind: 'receive', onHandDelta: 20, reservedDelta: 0, reason: 'delivery 7781', orderId: null });
    expect(adjustment).toMatchObject({ kind: 'adjust', onHandDelta: -4, reason: 'stocktake: 4 broken' });

    const bad = await warehouse.post(`/api/products/${p.id}/stock`, { kind: 'receive', quantity: -1, reason: '' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['quantity', 'reason']);
    expect((await warehouse.post(`/api/products/${p.id}/stock`, { quantity: 0, reason: 'x' })).body.errors).toEqual([{ field: 'quantity', message: 'must not be 0', code: 'custom' }]);
    expect((await warehouse.post(`/api/products/999999/stock`, { quantity: 1, reason: 'x' })).status).toBe(404);
    expect(await stockOf(t.admin, p.id)).toEqual({ onHand: 26, reserved: 6, available: 20 });
  });

  it('the warehouse may adjust stock, a sales rep may not (403) but may read the stock report', async () => {
    const p = await makeProduct(t.admin, { stock: 3 });
    expect((await warehouse.post(`/api/products/${p.id}/stock`, { quantity: 2, reason: 'found in aisle 4' })).status).toBe(200);
    const denied = await rep.post(`/api/products/${p.id}/stock`, { quantity: 2, reason: 'found in aisle 4' });
    expect(denied.status).toBe(403);
    expect(await stockOf(t.admin, p.id)).toEqual({ onHand: 5, reserved: 0, available: 5 });
    expect((await rep.get(`/api/inventory/stock?q=${p.sku}`)).body.items.map((r: { id: string }) => r.id)).toEqual([p.id]);

    // A custom role with neither orders.read nor inventory.manage sees no stock report.
    await t.admin.post('/api/auth/step-up', { password: ADMIN_PASSWORD });
    expect((await t.admin.post('/api/roles', { name: 'inv_nobody', grants: ['users.manage'] })).status).toBe(201);
    const nobody = await t.userWithRoles('inv_nobody_user', ['inv_nobody']);
    expect((await nobody.get('/api/inventory/stock')).status).toBe(403);
    expect((await nobody.get('/api/inventory/movements')).status).toBe(403);
  });

  it('lists stock per product: search, low stock only, keyset pages', async () => {
    const prefix = `LOW${dialect.slice(0, 2).toUpperCase()}`;
    const made = [];
    for (const [i, stock] of [3, 40, 0, 11, 10].entries()) made.push(await makeProduct(t.admin, { sku: `${prefix}-${i}`, stock }));
    const order = await makeOrder(t.admin, customerId, [{ productId: made[1].id, quantity: 35 }]);
    await t.admin.post(`/api/orders/${order.id}/confirm`);

    const all = await t.admin.get(`/api/inventory/stock?q=${prefix}`);
    expect(all.status).toBe(200);
    expect(all.body.items.map((r: { sku: string; stock: Stock }) => [r.sku, r.stock.available])).toEqual([
      [`${prefix}-0`, 3],
      [`${prefix}-1`, 5],
      [`${prefix}-2`, 0],
      [`${prefix}-3`, 11],
      [`${prefix}-4`, 10],
    ]);
    expect(all.body.items[1]).toMatchObject({ stock: { onHand: 40, reserved: 35, available: 5 }, low: true, price: '10.00' });
    expect(all.body.items[2].lastMovementAt).toBeNull();
    expect(all.body.items[0].lastMovementAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    const low = await t.admin.get(`/api/inventory/stock?q=${prefix}&lowOnly=true`);
    expect(low.body.items.map((r: { sku: string }) => r.sku)).toEqual([`${prefix}-0`, `${prefix}-1`, `${prefix}-2`, `${prefix}-4`]);
    const lowest = await t.admin.get(`/api/inventory/stock?q=${prefix}&lowOnly=1&threshold=3`);
    expect(lowest.body.items.map((r: { sku: string }) => r.sku)).toEqual([`${prefix}-0`, `${prefix}-2`]);

    const seen: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: { body: { items: Array<{ sku: string }>; nextCursor: string | null } } = await t.admin.get(`/api/inventory/stock?q=${prefix}&limit=2&cursor=${encodeURIComponent(cursor)}`);
      seen.push(...page.body.items.map((r) => r.sku));
      cursor = page.body.nextCursor;
    }
    expect(seen).toEqual(made.map((p) => p.sku));
    expect((await t.admin.get('/api/inventory/stock?limit=0')).status).toBe(400);
  });

  it("hides which order moved stock from a rep who may not read that order", async () => {
    const p = await makeProduct(t.admin, { stock: 10 });
    const mine = await makeOrder(rep, customerId, [{ productId: p.id, quantity: 1 }]);
    const theirs = await makeOrder(otherRep, customerId, [{ productId: p.id, quantity: 2 }]);
    expect((await rep.post(`/api/orders/${mine.id}/confirm`)).status).toBe(200);
    expect((await otherRep.post(`/api/orders/${theirs.id}/confirm`)).status).toBe(200);

    const seenByRep = await movementsOf(rep, `productId=${p.id}&kind=reserve`);
    expect(seenByRep.map((m) => [m.reservedDelta, m.orderId, m.orderNumber])).toEqual([
      [2, null, null],
      [1, mine.id, mine.number],
    ]);
    expect((await rep.get(`/api/inventory/movements?orderId=${theirs.id}`)).status).toBe(404);
    expect((await warehouse.get(`/api/inventory/movements?productId=${p.id}&kind=reserve`)).body.items.map((m: Movement) => m.orderId)).toEqual([theirs.id, mine.id]);
  });

  it('documents the stock, finance and integrity routes in the OpenAPI document', async () => {
    // The API description is for signed-in users (ORDERLY_PUBLIC_API_DOCS=true publishes it).
    const docs = await t.admin.get('/api/docs/json');
    expect(docs.status).toBe(200);
    const paths = Object.keys(docs.body.paths);
    for (const path of ['/api/inventory/stock', '/api/inventory/movements', '/api/products/{id}/stock', '/api/finance/summary', '/api/finance/customers', '/api/finance/revenue', '/api/integrity']) {
      expect(paths, path).toContain(path);
    }
    expect(Object.keys(docs.body.paths['/api/inventory/stock'].get.responses['200'].content['application/json'].schema.properties)).toEqual(['items', 'nextCursor', 'total']);
  });

  it('pages through movements newest first with a cursor', async () => {
    const p = await makeProduct(t.admin, { stock: 1 });
    for (let i = 1; i <= 4; i++) await warehouse.post(`/api/products/${p.id}/stock`, { kind: 'receive', quantity: i, reason: `delivery ${i}` });
    const first = await t.admin.get(`/api/inventory/movements?productId=${p.id}&limit=3`);
    expect(first.body.items.map((m: Movement) => m.reason)).toEqual(['delivery 4', 'delivery 3', 'delivery 2']);
    const second = await t.admin.get(`/api/inventory/movements?productId=${p.id}&limit=3&before=${first.body.nextCursor}`);
    expect(second.body.items.map((m: Movement) => [m.reason, m.balanceAfter?.onHand])).toEqual([
      ['delivery 1', 2],
      ['opening stock', 1],
    ]);
    expect(second.body.nextCursor).toBeNull();
  });
});
