/**
 * The response serialiser writes what the route's schema declares and nothing else: a field a query happens
 * to return (a hash, a deleted flag, a customer's phone in a nested object or an array's rows) never reaches
 * the client. No database: the serialiser works from the contracts' schemas alone.
 */
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ProblemDocument } from '../src/contracts/common.js';
import { OrderList, OrderView } from '../src/contracts/orders.js';
import { responseSerializerCompiler } from '../src/server/platform/serializer.js';

const summary = {
  id: '7',
  number: 'SO-2026-000007',
  status: 'confirmed',
  customer: { id: '3', name: 'Harbor Foods', phone: '+86 138 0000 0000' },
  ownerId: '2',
  ownerName: null,
  total: '12.50',
  createdAt: '2026-12-01T08:00:00.000Z',
  updatedAt: '2026-12-01T08:00:00.000Z',
  version: 2,
  signature: 'secret-signature',
  deleted_at: null,
};

describe('response serialiser', () => {
  const app = Fastify({ logger: false });
  beforeAll(async () => {
    app.setSerializerCompiler(responseSerializerCompiler);
    app.get('/list', { schema: { response: { 200: OrderList } } }, async () => ({ items: [summary, { ...summary, id: '8' }], nextCursor: null, sql: 'select …' }));
    app.get('/order', { schema: { response: { 200: OrderView } } }, async () => ({
      ...summary,
      note: null,
      paid: '0.00',
      confirmedAt: '2026-12-01T08:00:00.000Z',
      shippedAt: null,
      completedAt: null,
      cancelledAt: null,
      items: [{ id: '1', productId: '4', sku: 'A-1', name: 'Tea', quantity: 2, unitPrice: '6.25', lineTotal: '12.50', cost_price: 400 }],
    }));
    app.get('/nullable', { schema: { response: { 200: z.object({ who: z.object({ name: z.string() }).nullable(), diff: z.unknown().nullable() }) } } }, async () => ({
      who: { name: 'admin', passwordHash: 'argon2…' },
      diff: { before: { note: 'a' }, after: { note: 'b' } },
      token: 'ord_…',
    }));
    app.get('/problem', { schema: { response: { 404: ProblemDocument } } }, async (_request, reply) =>
      reply.code(404).send({ type: 'https://orderly.dev/problems/not_found', title: 'Not found', status: 404, detail: 'Order not found', requestId: 'r-1', code: 'not_found' }),
    );
    await app.ready();
  });
  afterAll(async () => app.close());

  it('drops undeclared fields at every level of a list', async () => {
    const res = await app.inject('/list');
    expect(res.statusCode).toBe(200);
    const body = res.json<{ items: Array<Record<string, unknown>> } & Record<string, unknown>>();
    expect(Object.keys(body).sort()).toEqual(['items', 'nextCursor']);
    expect(body.items).toHaveLength(2);
    for (const item of body.items) {
      expect(Object.keys(item).sort()).toEqual(['createdAt', 'customer', 'id', 'number', 'ownerId', 'ownerName', 'status', 'total', 'updatedAt', 'version']);
      expect(item.customer).toEqual({ id: '3', name: 'Harbor Foods' });
    }
    expect(res.body).not.toContain('secret-signature');
    expect(res.body).not.toContain('+86');
    // What is declared comes out as the contract's own parser reads it.
    expect(OrderList.parse(body).items[0]).toMatchObject({ id: '7', ownerName: null, version: 2 });
  });

  it('drops undeclared fields of an order and its lines', async () => {
    const res = await app.inject('/order');
    const body = res.json<Record<string, unknown>>();
    expect(body).not.toHaveProperty('signature');
    expect(body).not.toHaveProperty('deleted_at');
    expect(body.items).toEqual([{ id: '1', productId: '4', sku: 'A-1', name: 'Tea', quantity: 2, unitPrice: '6.25', lineTotal: '12.50' }]);
    expect(OrderView.parse(body).shippedAt).toBeNull();
  });

  it('strips inside a nullable object and keeps an unconstrained value whole', async () => {
    const res = await app.inject('/nullable');
    expect(res.json()).toEqual({ who: { name: 'admin' }, diff: { before: { note: 'a' }, after: { note: 'b' } } });
  });

  it('keeps a problem document’s own members (its schema is loose on purpose)', async () => {
    const res = await app.inject('/problem');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ type: 'https://orderly.dev/problems/not_found', title: 'Not found', status: 404, detail: 'Order not found', requestId: 'r-1', code: 'not_found' });
  });
});
