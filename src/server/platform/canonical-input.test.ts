import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DIALECTS, makeCustomer, makeProduct, type TestApp } from '../../../test/helpers.js';
import { canonicalInput, NonCanonicalInputError, sanitizedText } from './canonical-input.js';

const LONE_HIGH = '\uD800';
// "é" as e + combining acute (NFD), and its NFC form.
const E_NFD = 'e\u0301';
const E_NFC = '\u00E9';

describe('canonicalInput', () => {
  it('normalises strings and keys to NFC and leaves other values alone', () => {
    expect(canonicalInput({ [`caf${E_NFD}`]: [`caf${E_NFD}`, 1, true, null] })).toEqual({ [`caf${E_NFC}`]: [`caf${E_NFC}`, 1, true, null] });
  });

  it('names the path of a NUL or a lone surrogate', () => {
    const pathOf = (value: unknown) => {
      try {
        canonicalInput(value);
      } catch (error) {
        if (error instanceof NonCanonicalInputError) return error.problem.path;
      }
      return undefined;
    };
    expect(pathOf({ items: [{ note: 'a\0b' }] })).toEqual(['items', 0, 'note']);
    expect(pathOf({ name: `x${LONE_HIGH}` })).toEqual(['name']);
    expect(pathOf({ ok: '😀 fine' })).toBeUndefined();
  });

  it('refuses input nested deeper than any contract instead of overflowing the stack', () => {
    const deep = JSON.parse(`{"reason":${'['.repeat(10_000)}${']'.repeat(10_000)}}`) as unknown;
    expect(() => canonicalInput(deep)).toThrow(NonCanonicalInputError);
    expect(() => canonicalInput(JSON.parse(`${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`))).toThrow(NonCanonicalInputError);
    expect(canonicalInput(JSON.parse(`${'['.repeat(10)}1${']'.repeat(10)}`))).toEqual(JSON.parse(`${'['.repeat(10)}1${']'.repeat(10)}`));
  });

  it('sanitises stored headers instead of refusing them', () => {
    expect(sanitizedText(`agent\0/1 ${LONE_HIGH} ${E_NFD}`)).toBe(`agent\uFFFD/1 \uFFFD ${E_NFC}`);
  });
});

describe.each(DIALECTS)('canonical input over HTTP (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const expectProblem = (res: { status: number; headers: Record<string, unknown>; body: any }, field: string) => {
    expect(res.status).toBe(400);
    expect(String(res.headers['content-type'])).toContain('application/problem+json');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  };

  it('answers a NUL-byte sign-in with a 400 naming the field', async () => {
    const anonymous = t.anonymous();
    expectProblem(await anonymous.post('/api/auth/login', { username: 'ad\0min', password: 'x' }), 'username');
    expectProblem(await anonymous.post('/api/auth/login', { username: 'admin', password: `pw${LONE_HIGH}` }), 'password');
  });

  it('answers a NUL in a query string or a nested body field with a 400 naming it', async () => {
    expectProblem(await t.admin.get('/api/orders?q=%00'), 'q');
    expectProblem(await t.admin.get('/api/customers?q=a%00b'), 'q');
    expectProblem(await t.admin.get('/api/orders/export?format=csv&customer=%00'), 'customer');
    const customer = await makeCustomer(t.admin);
    const product = await makeProduct(t.admin);
    const res = await t.admin.post('/api/orders', { customerId: customer.id, items: [{ productId: product.id, quantity: 1 }], note: 'x\0y' });
    expectProblem(res, 'note');
    const nested = await t.admin.post('/api/orders', { customerId: customer.id, items: [{ productId: `1\0`, quantity: 1 }] });
    expectProblem(nested, 'items.0.productId');
  });

  it('stores the NFC form, so both spellings find the same customer', async () => {
    const created = await t.admin.post('/api/customers', { name: `Caf${E_NFD} Lumière` });
    expect(created.status).toBe(201);
    expect(created.body.name).toBe(`Caf${E_NFC} Lumière`);
    const found = await t.admin.get(`/api/customers?q=${encodeURIComponent(`Caf${E_NFD}`)}`);
    expect(found.body.items.map((c: { id: string }) => c.id)).toContain(created.body.id);
  });

  it('records a User-Agent with control characters in the audit log instead of failing', async () => {
    const created = await t.admin.post('/api/customers', { name: 'Agent Test' }, { 'user-agent': `probe\u0001${LONE_HIGH}` });
    expect(created.status).toBe(201);
  });

  it('answers out-of-range and forged cursors with a 400', async () => {
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    expectProblem(await t.admin.get('/api/restore-requests?cursor=99999999999999999999'), 'cursor');
    expectProblem(await t.admin.get(`/api/orders?cursor=${forged(['2026-01-01T00:00:00.000Z', 1e20])}`), 'cursor');
    expectProblem(await t.admin.get(`/api/orders?sort=total&cursor=${forged([1e300, 1])}`), 'cursor');
    expectProblem(await t.admin.get(`/api/orders?cursor=${forged(['a\0', 1])}`), 'cursor');
    expectProblem(await t.admin.get(`/api/recycle-bin?cursor=${forged(['2026-01-01T00:00:00.000Z', 1e20])}`), 'cursor');
    expectProblem(await t.admin.get('/api/orders?limit=99999999999999999999'), 'limit');
    expectProblem(await t.admin.get('/api/orders?minTotal=99999999999999999999'), 'minTotal');
  });
});
