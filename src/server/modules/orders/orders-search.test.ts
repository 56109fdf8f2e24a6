/**
 * A customer-name search that matches thousands of customers: the list, the count ("select all N matching"),
 * the export, deletion by filter and the recycle bin must all see every matching order, on both databases.
 * The rows are written straight into the tables (5,000 customers through the API would take minutes); the
 * searches all go over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, buildTestApp, DIALECTS, type Response, type TestApp } from '../../../../test/helpers.js';
import { previewAndDelete, preview } from '../deletion/deletion.test-support.js';
import { searchKey } from '../../db/search.js';

const MATCHING = 5_000;
const OTHERS = 300;
const PAGE = 500;

describe.each(DIALECTS)('search over thousands of matching customers (%s)', (dialect) => {
  let t: TestApp;
  /** Every live order with its customer's name, as the test wrote them. */
  const orders: Array<{ id: string; number: string; customerName: string }> = [];
  const expectedFor = (fragment: string) =>
    orders
      .filter((o) => searchKey(o.customerName).includes(searchKey(fragment)))
      .map((o) => o.id)
      .sort();

  /** Every page of the order list through its cursor; fails on a repeated id. */
  async function listAll(query: string): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Response = await t.admin.get(`/api/orders?${query}&limit=${PAGE}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
      ids.push(...res.body.items.map((o: { id: string }) => o.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(new Set(ids).size).toBe(ids.length);
    return ids.sort();
  }

  async function recycleBinAll(query: string): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Response = await t.admin.get(`/api/recycle-bin?${query}&limit=${PAGE}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
      ids.push(...res.body.items.map((o: { id: string }) => o.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    return ids.sort();
  }

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    const db = t.db.ctx.kysely;
    const admin = await db.selectFrom('users').select('id').where('username', '=', 'admin').executeTakeFirstOrThrow();
    const names = [
      ...Array.from({ length: MATCHING }, (_, i) => `模糊客户 Vague Buyer ${String(i).padStart(4, '0')}`),
      ...Array.from({ length: OTHERS }, (_, i) => `其他公司 Other Co ${i}`),
    ];
    const created = '2020-06-01T00:00:00.000Z';
    for (let start = 0; start < names.length; start += 500) {
      const batch = names.slice(start, start + 500);
      const customers = await db
        .insertInto('customers')
        .values(batch.map((name) => ({ name, name_key: searchKey(name), phone: null, email: null, note: null, created_at: created, updated_at: created, version: 1 })))
        .returning(['id', 'name'])
        .execute();
      const rows = customers.map((c, i) => {
        const n = start + i + 1;
        // Spread over a few timestamps, so the list's created-at order with its id tie-break is exercised.
        const at = new Date(Date.parse(created) + (n % 97) * 60_000).toISOString();
        return {
          number: `SO-2020-${String(n).padStart(6, '0')}`,
          customer_id: c.id,
          owner_id: admin.id,
          status: 'draft',
          total: 0,
          paid: 0,
          note: null,
          signature: `search-test-${n}`,
          version: 1,
          created_at: at,
          updated_at: at,
        };
      });
      const inserted = await db.insertInto('orders').values(rows).returning(['id', 'number', 'customer_id']).execute();
      const nameOf = new Map(customers.map((c) => [c.id, c.name]));
      orders.push(...inserted.map((o) => ({ id: String(o.id), number: o.number, customerName: nameOf.get(o.customer_id)! })));
    }
  }, 120_000);
  afterAll(async () => t?.close());

  it('the list shows every order of 5,000 matching customers, through the trigram index and through a short fragment', async () => {
    const expected = expectedFor('vague');
    expect(expected).toHaveLength(MATCHING);
    expect(await listAll('q=vague')).toEqual(expected);
    // Two characters: below one trigram, so the other path (LIKE) answers; it must agree.
    expect(await listAll(`customer=${encodeURIComponent('模糊')}`)).toEqual(expected);
    expect(await listAll(`customer=${encodeURIComponent('模糊客户')}&sort=-total`)).toEqual(expected);
    expect(await listAll('q=other%20co')).toEqual(expectedFor('other co'));
  }, 120_000);

  it('the count of "select all N matching", the export and the list agree', async () => {
    const expected = expectedFor('vague buyer');
    const counted = await preview(t.admin, { filter: { q: 'vague buyer' } });
    expect(counted.status).toBe(200);
    expect(counted.body.count).toBe(MATCHING);
    expect(counted.body.orders.map((o: { id: string }) => o.id).sort()).toEqual(expected);

    const exported = await t.admin.get('/api/orders/export?format=json&customer=vague%20buyer');
    expect(exported.status).toBe(200);
    expect(exported.headers['x-export-rows']).toBe(String(MATCHING));
    expect((exported.body as Array<{ id: string }>).map((o) => o.id).sort()).toEqual(expected);
  }, 120_000);

  it('deletion by filter takes every matching order and nothing else; the recycle bin finds them all by name', async () => {
    const expected = expectedFor('vague');
    // Thousands of orders at once: SPEC §5 asks for a password confirmed in the last five minutes.
    expect((await t.admin.post('/api/auth/step-up', { password: ADMIN_PASSWORD })).status).toBe(200);
    const deleted = await previewAndDelete(t.admin, { filter: { customer: 'vague' } }, { code: 'test_data' });
    expect(deleted.status, JSON.stringify(deleted.body).slice(0, 300)).toBe(200);
    expect(deleted.body.deleted.map((o: { id: string }) => o.id).sort()).toEqual(expected);

    expect(await listAll('q=vague')).toEqual([]);
    expect(await listAll('q=other%20co')).toHaveLength(OTHERS);
    expect(await recycleBinAll('q=vague')).toEqual(expected);
    expect(await recycleBinAll(`q=${encodeURIComponent('模糊')}`)).toEqual(expected);
    expect(await recycleBinAll('q=other%20co')).toEqual([]);
  }, 120_000);

  it('the recycle bin reads a typed number as the order list does, with "%" and "_" as plain text', async () => {
    const numbersOf = async (query: string) => {
      const res = await t.admin.get(`/api/recycle-bin?${query}&limit=500`);
      expect(res.status).toBe(200);
      return res.body.items.map((o: { number: string }) => o.number).sort();
    };
    expect(await numbersOf('number=SO-2020-000123')).toEqual(['SO-2020-000123']);
    // Bare digits are the serial number in any year, as in the order list, not a fragment anywhere in it.
    expect(await numbersOf('q=123')).toEqual(['SO-2020-000123']);
    expect(await numbersOf('q=2020-00012')).toEqual(Array.from({ length: 10 }, (_, i) => `SO-2020-00012${i}`));
    expect(await numbersOf('number=2020000123')).toEqual(['SO-2020-000123']);
    for (const wildcard of ['_', '%', 'SO-2020-00012_', '%123', '1_3']) expect(await numbersOf(`number=${encodeURIComponent(wildcard)}`), wildcard).toEqual([]);
  });
});
