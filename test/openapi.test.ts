/**
 * The OpenAPI walk: every documented /api route declares what it answers — a 2xx response with a schema (a
 * 204 needs none) and the shared problem document for errors — so /api/docs describes every public response,
 * and the response serialiser, which works from the same schemas, lets nothing undeclared out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, makeCustomer, makeProduct, type TestApp } from './helpers.js';

interface Operation {
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}

// The document is the same on both databases: SQLite alone builds it.
describe('OpenAPI document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp('sqlite');
  });
  afterAll(async () => t?.close());

  const operations = async () => {
    const res = await t.admin.get('/api/docs/json');
    expect(res.status).toBe(200);
    const paths = res.body.paths as Record<string, Record<string, Operation>>;
    return Object.entries(paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })));
  };

  it('documents a 2xx response schema and the problem shape on every route', async () => {
    const all = await operations();
    // The app has dozens of routes; a near-empty document means the walk itself is broken.
    expect(all.length).toBeGreaterThan(50);
    const missing: string[] = [];
    for (const { route, op } of all) {
      const responses = op.responses ?? {};
      const success = Object.entries(responses).filter(([status]) => /^2\d\d$/.test(status));
      const documented = success.some(([status, response]) => status === '204' || Object.values(response.content ?? {}).some((c) => c.schema && Object.keys(c.schema).length > 0));
      if (!documented) missing.push(`${route}: no 2xx response schema`);
      for (const errors of ['4XX', '5XX']) {
        const problem = responses[errors]?.content?.['application/problem+json']?.schema as { properties?: Record<string, unknown> } | undefined;
        if (!problem?.properties?.type || !problem.properties.status) missing.push(`${route}: no ${errors} problem schema`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('documents every route the server serves', async () => {
    const documented = new Set((await operations()).map((o) => o.route.replace(/\{(\w+)\}/g, ':$1')));
    // Every route declared with an access rule must be in the document (health is deliberately hidden).
    const served = t.app.declaredRoutes.filter((r) => r.url !== '/api/health').map((r) => `${r.method} ${r.url}`);
    expect(served.length).toBeGreaterThan(50);
    expect(served.filter((route) => !documented.has(route))).toEqual([]);
  });

  it('sends only declared fields, and problems with their own members', async () => {
    const customer = await makeCustomer(t.admin);
    const product = await makeProduct(t.admin);
    const created = await t.admin.post('/api/orders', { customerId: customer.id, items: [{ productId: product.id, quantity: 1 }] });
    expect(created.status).toBe(201);
    const list = await t.admin.get('/api/orders');
    expect(Object.keys(list.body).sort()).toEqual(['items', 'nextCursor']);
    expect(Object.keys(list.body.items[0]).sort()).toEqual(['createdAt', 'customer', 'id', 'legalHold', 'number', 'ownerId', 'ownerName', 'status', 'total', 'updatedAt', 'version']);
    // The problem schema is loose: a problem's own members (here the request id) survive the serialiser.
    const missing = await t.admin.get('/api/orders/999999');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 404, title: 'Not found' });
    expect(typeof missing.body.requestId).toBe('string');
  });
});
