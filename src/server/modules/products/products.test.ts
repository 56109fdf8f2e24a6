import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DIALECTS, makeCustomer, makeOrder, makeProduct, type TestApp } from '../../../../test/helpers.js';

const fieldsOf = (body: { errors?: Array<{ field: string }> }) => [...new Set((body.errors ?? []).map((e) => e.field))].sort();

describe.each(DIALECTS)('products over HTTP (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('creates a product with its opening stock, and GET shows the stock figures', async () => {
    const res = await t.admin.post('/api/products', { sku: 'TEA-LJ-250', name: '龙井茶 250g', price: '128.50', stock: 40 });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^\d+$/),
      sku: 'TEA-LJ-250',
      name: '龙井茶 250g',
      price: '128.50',
      stock: { onHand: 40, reserved: 0, available: 40 },
      createdAt: expect.any(String),
    });
    const fetched = await t.admin.get(`/api/products/${res.body.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(res.body);
    // The opening stock is a journal entry, so the journal explains the balance.
    const moves = await t.admin.get(`/api/inventory/movements?productId=${res.body.id}`);
    expect(moves.body.items.map((m: { kind: string; onHandDelta?: number }) => m.kind)).toEqual(['receive']);
  });

  it('normalises prices to two decimals and accepts a free product', async () => {
    const a = await t.admin.post('/api/products', { sku: 'P-DEC-1', name: 'One decimal', price: '5.5', stock: 0 });
    expect(a.status).toBe(201);
    expect(a.body.price).toBe('5.50');
    expect(a.body.stock).toEqual({ onHand: 0, reserved: 0, available: 0 });
    const free = await t.admin.post('/api/products', { sku: 'P-FREE', name: 'Sample', price: '0', stock: 1 });
    expect(free.status).toBe(201);
    expect(free.body.price).toBe('0.00');
  });

  it('refuses a duplicate SKU with 409 naming sku, and keeps the first product as it was', async () => {
    const first = await makeProduct(t.admin, { sku: 'DUP-SKU-1', price: '10.00', stock: 5 });
    const again = await t.admin.post('/api/products', { sku: 'DUP-SKU-1', name: 'Impostor', price: '1.00', stock: 999 });
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toContain('application/problem+json');
    expect(fieldsOf(again.body)).toEqual(['sku']);
    expect(again.body.detail).toContain('DUP-SKU-1');
    const kept = await t.admin.get(`/api/products/${first.id}`);
    expect(kept.body).toMatchObject({ name: `Product DUP-SKU-1`, price: '10.00', stock: { onHand: 5 } });
    const all = await t.admin.get('/api/products?q=DUP-SKU-1');
    expect(all.body.items).toHaveLength(1);
  });

  it('rejects a negative price with 400 naming price, and bad input naming every field', async () => {
    const negative = await t.admin.post('/api/products', { sku: 'NEG-1', name: 'Negative', price: '-1.00', stock: 1 });
    expect(negative.status).toBe(400);
    expect(negative.headers['content-type']).toContain('application/problem+json');
    expect(fieldsOf(negative.body)).toEqual(['price']);

    const bad = await t.admin.post('/api/products', { sku: 'has space', name: '', price: '1.999', stock: -3 });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(['name', 'price', 'sku', 'stock']);
    // A price is a decimal string, never a float.
    const float = await t.admin.post('/api/products', { sku: 'FLOAT-1', name: 'Float', price: 19.99, stock: 1 });
    expect(float.status).toBe(400);
    expect(fieldsOf(float.body)).toEqual(['price']);

    const search = await t.admin.get('/api/products?limit=200');
    const skus = search.body.items.map((p: { sku: string }) => p.sku);
    for (const sku of ['NEG-1', 'has space', 'FLOAT-1']) expect(skus).not.toContain(sku);
  });

  it('stock follows the order: confirm reserves, ship takes it off the shelf, cancel releases', async () => {
    const product = await makeProduct(t.admin, { price: '3.00', stock: 10 });
    const customer = await makeCustomer(t.admin);
    const stock = async () => (await t.admin.get(`/api/products/${product.id}`)).body.stock;

    const shipped = await makeOrder(t.admin, customer.id, [{ productId: product.id, quantity: 3 }]);
    expect(await stock()).toEqual({ onHand: 10, reserved: 0, available: 10 });
    expect((await t.admin.post(`/api/orders/${shipped.id}/confirm`)).status).toBe(200);
    expect(await stock()).toEqual({ onHand: 10, reserved: 3, available: 7 });
    expect((await t.admin.post(`/api/orders/${shipped.id}/ship`)).status).toBe(200);
    expect(await stock()).toEqual({ onHand: 7, reserved: 0, available: 7 });

    const cancelled = await makeOrder(t.admin, customer.id, [{ productId: product.id, quantity: 4 }]);
    expect((await t.admin.post(`/api/orders/${cancelled.id}/confirm`)).status).toBe(200);
    expect(await stock()).toEqual({ onHand: 7, reserved: 4, available: 3 });
    expect((await t.admin.post(`/api/orders/${cancelled.id}/cancel`)).status).toBe(200);
    expect(await stock()).toEqual({ onHand: 7, reserved: 0, available: 7 });

    // More than is available cannot be confirmed, and a refused confirm reserves nothing.
    const tooMuch = await makeOrder(t.admin, customer.id, [{ productId: product.id, quantity: 8 }]);
    const refused = await t.admin.post(`/api/orders/${tooMuch.id}/confirm`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain(product.sku);
    expect(await stock()).toEqual({ onHand: 7, reserved: 0, available: 7 });
  });

  it('receiving stock raises on hand; an adjustment needs a reason', async () => {
    const product = await makeProduct(t.admin, { stock: 2 });
    const received = await t.admin.post(`/api/products/${product.id}/stock`, { kind: 'receive', quantity: 5, reason: 'delivery 42' });
    expect(received.status).toBe(200);
    expect(received.body.stock).toEqual({ onHand: 7, reserved: 0, available: 7 });
    const noReason = await t.admin.post(`/api/products/${product.id}/stock`, { kind: 'adjust', quantity: -1, reason: '' });
    expect(noReason.status).toBe(400);
    expect(fieldsOf(noReason.body)).toEqual(['reason']);
    expect((await t.admin.get(`/api/products/${product.id}`)).body.stock.onHand).toBe(7);
  });

  it('searches by SKU or name, case-insensitively', async () => {
    await makeProduct(t.admin, { sku: 'WIDGET-XL' });
    const bySku = await t.admin.get('/api/products?q=widget-xl');
    expect(bySku.body.items.map((p: { sku: string }) => p.sku)).toEqual(['WIDGET-XL']);
    const byName = await t.admin.get(`/api/products?q=${encodeURIComponent('龙井')}`);
    expect(byName.body.items.map((p: { sku: string }) => p.sku)).toEqual(['TEA-LJ-250']);
  });

  it('an unknown product is a 404 problem', async () => {
    const res = await t.admin.get('/api/products/999999');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });
});
