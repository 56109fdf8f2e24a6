import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DIALECTS, type TestApp } from '../../../../test/helpers.js';
import { searchKey } from '../../db/search.js';

/** The distinct fields a problem names (one field may carry several messages). */
const fieldsOf = (body: { errors?: Array<{ field: string }> }) => [...new Set((body.errors ?? []).map((e) => e.field))].sort();
const names = (body: { items: Array<{ name: string }> }) => body.items.map((c) => c.name).sort();

describe.each(DIALECTS)('customers over HTTP (%s)', (dialect) => {
  let t: TestApp;
  const search = async (q: string) => {
    const res = await t.admin.get(`/api/customers?q=${encodeURIComponent(q)}&limit=200`);
    expect(res.status).toBe(200);
    return names(res.body);
  };

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    for (const name of ['北京星辰贸易有限公司', '上海星河电子', 'Acme Trading GmbH', 'ACME tools', 'Zhang Wei 张伟', 'Fifty 50% Off Ltd', 'The "Quoted" Co']) {
      const res = await t.admin.post('/api/customers', { name });
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => t?.close());

  it('creates a customer and returns it with an id, trimmed fields and a timestamp', async () => {
    const res = await t.admin.post('/api/customers', { name: '  深圳华强实业  ', phone: '+86 138 0013 8000', email: ' buyer@huaqiang.cn ', note: 'VIP' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^\d+$/),
      name: '深圳华强实业',
      phone: '+86 138 0013 8000',
      email: 'buyer@huaqiang.cn',
      note: 'VIP',
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      updatedAt: expect.any(String),
      version: 1,
      active: true,
      mergedIntoId: null,
    });
    const fetched = await t.admin.get(`/api/customers/${res.body.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(res.body);
  });

  it('phone and email are optional; empty strings mean "not given"', async () => {
    const res = await t.admin.post('/api/customers', { name: 'Walk-in Customer', phone: '', email: '  ' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ phone: null, email: null });
  });

  it('rejects a bad phone and a bad email with 400 naming each field, and stores nothing', async () => {
    const res = await t.admin.post('/api/customers', { name: 'Bad Contact Co', phone: 'call me', email: 'not-an-email' });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(fieldsOf(res.body)).toEqual(['email', 'phone']);
    expect(res.body.detail).toMatch(/phone/);
    expect(res.body.detail).toMatch(/email/);
    expect(await search('Bad Contact')).toEqual([]);

    for (const phone of ['12', '+86 138 0013 8000 ext. 5', '----------']) {
      const one = await t.admin.post('/api/customers', { name: 'Bad Phone Co', phone });
      expect(one.status, phone).toBe(400);
      expect(fieldsOf(one.body)).toEqual(['phone']);
    }
    const missingName = await t.admin.post('/api/customers', { name: '   ', email: 'a@b' });
    expect(missingName.status).toBe(400);
    expect(fieldsOf(missingName.body)).toEqual(['email', 'name']);
  });

  it('finds customers by a Chinese fragment', async () => {
    expect(await search('星辰')).toEqual(['北京星辰贸易有限公司']);
    expect(await search('星')).toEqual(['上海星河电子', '北京星辰贸易有限公司']);
    expect(await search('张伟')).toEqual(['Zhang Wei 张伟']);
    expect(await search('广州')).toEqual([]);
  });

  it('finds customers by a Latin fragment in any letter case', async () => {
    expect(await search('acme')).toEqual(['ACME tools', 'Acme Trading GmbH']);
    expect(await search('ACME')).toEqual(['ACME tools', 'Acme Trading GmbH']);
    expect(await search('tRaDiNg')).toEqual(['Acme Trading GmbH']);
    expect(await search('zhang wei')).toEqual(['Zhang Wei 张伟']);
    // Full-width letters, as typed with a Chinese input method, are the same letters.
    expect(await search('ＡＣＭＥ')).toEqual(['ACME tools', 'Acme Trading GmbH']);
  });

  it('treats % and _ in a search as text, not wildcards', async () => {
    expect(await search('50%')).toEqual(['Fifty 50% Off Ltd']);
    expect(await search('%')).toEqual(['Fifty 50% Off Ltd']);
    expect(await search('_')).toEqual([]);
  });

  it('a fragment of any length finds exactly the names that contain it (the trigram index agrees with a substring test)', async () => {
    const all: string[] = (await t.admin.get('/api/customers?limit=200')).body.items.map((c: { name: string }) => c.name);
    const fragments = fc
      .constantFrom(...all)
      .chain((name) => fc.tuple(fc.constant([...name]), fc.nat(name.length - 1), fc.integer({ min: 1, max: 8 })))
      .map(([chars, start, length]) => chars.slice(start, start + length).join('').trim())
      .filter((fragment) => fragment.length > 0);
    await fc.assert(
      fc.asyncProperty(fragments, async (fragment) => {
        const expected = all.filter((name) => searchKey(name).includes(searchKey(fragment))).sort();
        expect(await search(fragment), fragment).toEqual(expected);
      }),
      { numRuns: 80 },
    );
    expect(await search('"quoted" co')).toEqual(['The "Quoted" Co']);
  });

  it('lists customers without a query and honours the limit', async () => {
    const all = await t.admin.get('/api/customers');
    expect(all.status).toBe(200);
    expect(all.body.items.length).toBeGreaterThanOrEqual(6);
    const two = await t.admin.get('/api/customers?limit=2');
    expect(two.body.items).toHaveLength(2);
    expect((await t.admin.get('/api/customers?limit=0')).status).toBe(400);
  });

  it('an unknown customer is a 404 problem', async () => {
    const res = await t.admin.get('/api/customers/999999');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status: 404, title: expect.any(String) });
  });
});
