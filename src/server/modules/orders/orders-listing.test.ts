/**
 * Finding orders: every filter of GET /api/orders, every sort, and keyset pagination, checked against a model
 * of the same orders kept in the test. The fixture is random (a fixed fast-check seed, so a failure reproduces),
 * with deliberate ties in dates and totals so the id tie-break of the cursor is exercised.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DIALECTS, makeCustomer, makeProduct, type Client, type Response, type TestApp } from '../../../../test/helpers.js';

const STATUSES = ['draft', 'confirmed', 'shipped', 'completed', 'cancelled'] as const;
const SORTS = ['createdAt', '-createdAt', 'total', '-total', 'number', '-number'] as const;
const STEPS: Record<string, string[]> = { draft: [], confirmed: ['confirm'], shipped: ['confirm', 'ship'], completed: ['confirm', 'ship', 'complete'], cancelled: ['cancel'] };
const CUSTOMER_NAMES = ['北京星辰贸易有限公司', '上海星河电子', 'Acme Trading GmbH', 'ACME tools', 'Müller Handel KG', 'Zhang Wei 张伟'];
const PRICES = ['10.00', '2.50', '0.99'];
const TIMES = ['00:00:00.000', '12:00:00.000', '23:59:59.999'];

interface ModelOrder {
  id: string;
  number: string;
  customerId: string;
  customerName: string;
  ownerId: string;
  status: string;
  total: number; // minor units
  createdAt: string;
}

/** What the test asks for; `qKind` tells the model how to read q (the API itself gets only q). */
interface Query {
  q?: string;
  qKind?: 'name' | 'number';
  number?: string;
  customer?: string;
  customerId?: string;
  status?: string[];
  ownerId?: string;
  from?: string;
  to?: string;
  minTotal?: string;
  maxTotal?: string;
}

const minor = (amount: string) => Math.round(Number(amount) * 100);
const dayStart = (day: string) => `${day}T00:00:00.000Z`;
const nextDayStart = (day: string) => new Date(Date.parse(dayStart(day)) + 86_400_000).toISOString();
const isDay = (v: string) => /^\d{4}-\d{2}-\d{2}$/.test(v);

/**
 * A typed order number, as the README documents it: the number's start with or without "SO-" and its hyphen,
 * or bare digits that are the serial number in any year.
 */
function numberMatches(number: string, typed: string): boolean {
  const text = typed.toUpperCase();
  const [, year, serial] = number.split('-');
  if (text.startsWith('SO')) return number.startsWith(text.startsWith('SO-') ? text : `SO-${text.slice(2)}`);
  if (/^\d{4}-/.test(text)) return number.startsWith(`SO-${text}`);
  if (/^\d{1,6}$/.test(text)) return Number(serial) === Number(text);
  if (/^\d{7,10}$/.test(text)) return `${year}${serial}`.startsWith(text);
  return number.startsWith(text);
}

/** The filter semantics as documented: fragments are case-insensitive, date days are whole UTC days, bounds inclusive. */
function matches(o: ModelOrder, f: Query): boolean {
  const contains = (text: string, fragment: string) => text.toLowerCase().includes(fragment.toLowerCase());
  if (f.q !== undefined && !(f.qKind === 'number' ? numberMatches(o.number, f.q) : contains(o.customerName, f.q))) return false;
  if (f.number !== undefined && !numberMatches(o.number, f.number)) return false;
  if (f.customer !== undefined && !contains(o.customerName, f.customer)) return false;
  if (f.customerId !== undefined && o.customerId !== f.customerId) return false;
  if (f.status !== undefined && !f.status.includes(o.status)) return false;
  if (f.ownerId !== undefined && o.ownerId !== f.ownerId) return false;
  if (f.from !== undefined && o.createdAt < (isDay(f.from) ? dayStart(f.from) : f.from)) return false;
  if (f.to !== undefined && (isDay(f.to) ? o.createdAt >= nextDayStart(f.to) : o.createdAt > f.to)) return false;
  if (f.minTotal !== undefined && o.total < minor(f.minTotal)) return false;
  if (f.maxTotal !== undefined && o.total > minor(f.maxTotal)) return false;
  return true;
}

/** Sort key first, then id in the same direction: the order keyset pagination must follow. */
function comparator(sort: string) {
  const desc = sort.startsWith('-') ? -1 : 1;
  const key = sort.replace('-', '') as 'createdAt' | 'total' | 'number';
  const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
  return (a: ModelOrder, b: ModelOrder) => desc * (cmp(a[key], b[key]) || Number(a.id) - Number(b.id));
}

function queryString(f: Query, extra: Record<string, string | number> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v !== undefined && k !== 'qKind') params.set(k, Array.isArray(v) ? v.join(',') : String(v));
  for (const [k, v] of Object.entries(extra)) params.set(k, String(v));
  return params.toString();
}

/** Follows nextCursor to the end; checks page sizes on the way and returns every item in order. */
async function walkPages(client: Client, f: Query, sort: string, limit: number) {
  const items: Array<Record<string, any>> = [];
  let cursor: string | null = null;
  for (let page = 0; ; page++) {
    if (page > 500) throw new Error('pagination does not end');
    const url = `/api/orders?${queryString(f, { sort, limit, ...(cursor ? { cursor } : {}) })}`;
    const res: Response<{ items: Array<Record<string, any>>; nextCursor: string | null }> = await client.get(url);
    if (res.status !== 200) throw new Error(`GET /api/orders → ${res.status} ${JSON.stringify(res.body)}`);
    const { items: pageItems, nextCursor } = res.body;
    expect(pageItems.length).toBeLessThanOrEqual(limit);
    if (nextCursor) expect(pageItems.length).toBe(limit);
    // No empty trailing page: a cursor is only handed out when more rows follow.
    if (page > 0) expect(pageItems.length).toBeGreaterThan(0);
    items.push(...pageItems);
    cursor = nextCursor;
    if (!cursor) return items;
  }
}

describe.each(DIALECTS)('finding, sorting and paging orders (%s)', (dialect) => {
  let t: TestApp;
  let orders: ModelOrder[];
  let customers: Array<{ id: string; name: string }>;
  let owners: string[];
  const expected = (f: Query, sort = '-createdAt') => orders.filter((o) => matches(o, f)).sort(comparator(sort)).map((o) => o.id);
  const ids = async (f: Query, sort = '-createdAt') => {
    const res = await t.admin.get(`/api/orders?${queryString(f, { sort, limit: 500 })}`);
    expect(res.status).toBe(200);
    return res.body.items.map((o: { id: string }) => o.id);
  };
  /** Asserts the API agrees with the model, and that the filter really selected something but not everything. */
  const expectSelective = async (f: Query) => {
    const want = expected(f);
    expect(want.length, `fixture has matches for ${JSON.stringify(f)}`).toBeGreaterThan(0);
    expect(want.length).toBeLessThan(orders.length);
    expect(await ids(f)).toEqual(want);
  };

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    customers = [];
    for (const name of CUSTOMER_NAMES) customers.push(await makeCustomer(t.admin, name));
    const products: Array<{ id: string }> = [];
    for (const price of PRICES) products.push(await makeProduct(t.admin, { price, stock: 1_000_000 }));
    owners = [(await t.admin.get('/api/auth/me')).body.id];
    for (const username of ['owner_li', 'owner_smith']) {
      const res = await t.admin.post('/api/users', { username, password: `${username}-password`, roles: ['sales_rep'] });
      expect(res.status).toBe(201);
      owners.push(res.body.id);
    }

    const specs = fc.sample(
      fc.record({
        customer: fc.nat(customers.length - 1),
        owner: fc.nat(owners.length - 1),
        lines: fc.array(fc.record({ product: fc.nat(products.length - 1), quantity: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 2 }),
        status: fc.constantFrom(...STATUSES),
        day: fc.integer({ min: 0, max: 20 }),
        time: fc.constantFrom(...TIMES),
      }),
      { numRuns: 45, seed: 20260301 },
    );
    orders = [];
    for (const spec of specs) {
      const customer = customers[spec.customer];
      const res = await t.admin.post('/api/orders', {
        customerId: customer.id,
        ownerId: owners[spec.owner],
        items: spec.lines.map((l) => ({ productId: products[l.product].id, quantity: l.quantity })),
      });
      expect(res.status).toBe(201);
      for (const step of STEPS[spec.status]) expect((await t.admin.post(`/api/orders/${res.body.id}/${step}`)).status).toBe(200);
      const day = new Date(Date.UTC(2025, 2, 1) + spec.day * 86_400_000).toISOString().slice(0, 10);
      const createdAt = `${day}T${spec.time}Z`;
      // Back-dating is fixture set-up: the API offers no way to create an order in the past, by design.
      await t.db.ctx.kysely.updateTable('orders').set({ created_at: createdAt }).where('id', '=', Number(res.body.id)).execute();
      orders.push({
        id: res.body.id,
        number: res.body.number,
        customerId: customer.id,
        customerName: customer.name,
        ownerId: owners[spec.owner],
        status: spec.status,
        total: spec.lines.reduce((sum, l) => sum + minor(PRICES[l.product]) * l.quantity, 0),
        createdAt,
      });
    }
    // The fixture must contain the ties this suite is about.
    expect(new Set(orders.map((o) => o.createdAt)).size).toBeLessThan(orders.length);
    expect(new Set(orders.map((o) => o.total)).size).toBeLessThan(orders.length);
  });
  afterAll(async () => t?.close());

  it('lists what the model holds, with the fields a list needs', async () => {
    const res = await t.admin.get('/api/orders?limit=500');
    expect(res.status).toBe(200);
    expect(res.body.nextCursor).toBeNull();
    expect(res.body.items.map((o: { id: string }) => o.id)).toEqual(expected({}));
    for (const item of res.body.items) {
      const o = orders.find((x) => x.id === item.id)!;
      expect(item).toMatchObject({
        number: o.number,
        status: o.status,
        customer: { id: o.customerId, name: o.customerName },
        ownerId: o.ownerId,
        total: (o.total / 100).toFixed(2),
        createdAt: o.createdAt,
        version: expect.any(Number),
      });
    }
  });

  it('q finds an order by its number in the ways people type it', async () => {
    const target = orders[7];
    const [, year, serial] = target.number.split('-');
    for (const typed of [target.number, target.number.toLowerCase(), `${year}-${serial}`, `${year}${serial}`, serial, String(Number(serial)), `so${year}-${serial}`]) {
      expect(await ids({ q: typed }), typed).toEqual([target.id]);
    }
    // The start of a number is a prefix; bare digits are a serial, not a fragment found anywhere in the number.
    await expectSelective({ q: target.number.slice(0, -1), qKind: 'number' });
    await expectSelective({ q: `${year}-${serial.slice(0, -1)}`, qKind: 'number' });
    expect(await ids({ q: serial.slice(-1) })).toEqual(expected({ q: serial.slice(-1), qKind: 'number' }));
    expect(await ids({ q: serial.slice(1, 4) })).toEqual(expected({ q: serial.slice(1, 4), qKind: 'number' }));
    // Four digits are a serial too, not the year (the date filter is for that).
    expect(await ids({ q: year })).toEqual(expected({ q: year, qKind: 'number' }));
    expect(await ids({ q: year })).not.toContain(target.id);
  });

  it('q finds orders by customer name fragments, Chinese and Latin, in any case', async () => {
    await expectSelective({ q: '星辰', qKind: 'name' });
    await expectSelective({ q: '星', qKind: 'name' });
    await expectSelective({ q: 'acme', qKind: 'name' });
    await expectSelective({ q: 'ACME TOOLS', qKind: 'name' });
    await expectSelective({ q: 'müller', qKind: 'name' });
    expect(await ids({ q: '不存在的公司' })).toEqual([]);
  });

  it('number= matches the start of a number, with or without "SO-", or a serial number', async () => {
    const target = orders[3];
    const [, year, serial] = target.number.split('-');
    expect(await ids({ number: target.number })).toEqual([target.id]);
    expect(await ids({ number: `${year}-${serial}` })).toEqual([target.id]);
    expect(await ids({ number: String(Number(serial)) })).toEqual([target.id]);
    await expectSelective({ number: target.number.slice(0, -1) });
    await expectSelective({ number: `${year}-${serial.slice(0, -1)}` });
    expect((await ids({ number: target.number.slice(0, 3).toLowerCase() })).length).toBe(orders.length);
  });

  it('customer= and customerId= select one customer’s orders', async () => {
    await expectSelective({ customer: '张伟' });
    await expectSelective({ customer: 'gmbh' });
    await expectSelective({ customerId: customers[1].id });
  });

  it('status= takes one status or several separated by commas; an unknown status is 400', async () => {
    for (const status of STATUSES) await expectSelective({ status: [status] });
    await expectSelective({ status: ['draft', 'cancelled'] });
    await expectSelective({ status: ['confirmed', 'shipped', 'completed'] });
    const bad = await t.admin.get('/api/orders?status=draft,lost');
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining([expect.stringMatching(/^status/)]));
  });

  it('ownerId= selects one owner’s orders', async () => {
    for (const ownerId of owners) await expectSelective({ ownerId });
  });

  it('from/to take whole UTC days inclusively, or exact timestamps', async () => {
    await expectSelective({ from: '2025-03-10' });
    await expectSelective({ to: '2025-03-05' });
    await expectSelective({ from: '2025-03-04', to: '2025-03-12' });
    // A single day includes its last millisecond.
    const lateOrder = orders.find((o) => o.createdAt.endsWith('23:59:59.999Z'))!;
    const day = lateOrder.createdAt.slice(0, 10);
    expect(await ids({ from: day, to: day })).toContain(lateOrder.id);
    await expectSelective({ from: day, to: day });
    // Timestamps are exact bounds, both inclusive.
    expect(await ids({ from: lateOrder.createdAt, to: lateOrder.createdAt })).toEqual(expected({ from: lateOrder.createdAt, to: lateOrder.createdAt }));
    expect(await ids({ from: lateOrder.createdAt, to: lateOrder.createdAt })).toContain(lateOrder.id);
    expect((await t.admin.get('/api/orders?from=yesterday')).status).toBe(400);
  });

  it('minTotal/maxTotal bound the total inclusively', async () => {
    const totals = [...new Set(orders.map((o) => o.total))].sort((a, b) => a - b);
    const middle = (totals[Math.floor(totals.length / 2)] / 100).toFixed(2);
    await expectSelective({ minTotal: middle });
    await expectSelective({ maxTotal: middle });
    expect(await ids({ minTotal: middle, maxTotal: middle })).toEqual(expected({ minTotal: middle, maxTotal: middle }));
    expect((await ids({ minTotal: middle, maxTotal: middle })).length).toBeGreaterThan(0);
    expect((await t.admin.get('/api/orders?minTotal=-1')).status).toBe(400);
    expect((await t.admin.get('/api/orders?maxTotal=12.345')).status).toBe(400);
  });

  it('combines filters with AND', async () => {
    await expectSelective({ status: ['draft', 'confirmed'], q: '星', qKind: 'name' });
    await expectSelective({ customer: 'acme', minTotal: '5.00', from: '2025-03-03' });
    await expectSelective({ ownerId: owners[1], status: ['confirmed', 'shipped', 'completed', 'cancelled'], to: '2025-03-15' });
    const combined: Query = { q: 'acme', qKind: 'name', status: ['draft', 'confirmed', 'shipped'], ownerId: owners[0], from: '2025-03-02', to: '2025-03-20', minTotal: '1.00', maxTotal: '60.00' };
    expect(await ids(combined)).toEqual(expected(combined));
  });

  it.each(SORTS)('sort=%s walks every page with no duplicates and no gaps', async (sort) => {
    const walked = await walkPages(t.admin, {}, sort, 4);
    const walkedIds = walked.map((o) => o.id);
    expect(new Set(walkedIds).size).toBe(walkedIds.length);
    expect(walkedIds).toEqual(expected({}, sort));
    // And filtered, where the cursor must keep applying the filter.
    const f: Query = { status: ['draft', 'confirmed', 'cancelled'] };
    expect((await walkPages(t.admin, f, sort, 3)).map((o) => o.id)).toEqual(expected(f, sort));
  });

  it('property: any filter, sort and page size pages through exactly the filtered, sorted list', async () => {
    const fragment = (text: string) =>
      fc
        .tuple(fc.nat(text.length - 1), fc.integer({ min: 1, max: 4 }), fc.boolean())
        .map(([start, length, upper]) => {
          const piece = text.slice(start, start + length).trim() || text;
          return upper ? piece.toUpperCase() : piece.toLowerCase();
        });
    const sometimes = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
    const day = fc.integer({ min: -1, max: 22 }).map((d) => new Date(Date.UTC(2025, 2, 1) + d * 86_400_000).toISOString().slice(0, 10));
    const moment = fc.constantFrom(...orders.map((o) => o.createdAt));
    const amount = fc.integer({ min: 0, max: 7000 }).map((m) => (m / 100).toFixed(2));
    const anOrder = fc.constantFrom(...orders);
    const q = fc.oneof(
      fc.constantFrom(...CUSTOMER_NAMES).chain(fragment).map((text) => ({ q: text, qKind: 'name' as const })),
      anOrder
        .chain((o) => fc.constantFrom(o.number, o.number.toLowerCase(), o.number.slice(3), o.number.slice(-6), o.number.slice(-2), o.number.slice(0, 12), String(Number(o.number.slice(-6)))))
        .map((text) => ({ q: text, qKind: 'number' as const })),
    );
    const query = fc
      .record({
        q: sometimes(q),
        number: sometimes(anOrder.chain((o) => fc.integer({ min: 3, max: o.number.length }).chain((n) => fc.constantFrom(o.number.slice(0, n), o.number.slice(3, Math.max(n, 8)))))),
        customer: sometimes(fc.constantFrom(...CUSTOMER_NAMES).chain(fragment)),
        customerId: sometimes(fc.constantFrom(...customers.map((c) => c.id))),
        status: sometimes(fc.subarray([...STATUSES], { minLength: 1 })),
        ownerId: sometimes(fc.constantFrom(...owners)),
        from: sometimes(fc.oneof(day, moment)),
        to: sometimes(fc.oneof(day, moment)),
        minTotal: sometimes(amount),
        maxTotal: sometimes(amount),
      })
      .map(({ q: search, ...rest }) => ({ ...rest, ...(search ?? {}) }))
      // A minimum above the maximum is a 400 naming minTotal (orders-correctness.test.ts), not a list to walk.
      .filter((f) => f.minTotal === undefined || f.maxTotal === undefined || minor(f.minTotal) <= minor(f.maxTotal));

    await fc.assert(
      fc.asyncProperty(query, fc.constantFrom(...SORTS), fc.integer({ min: 1, max: 8 }), async (f, sort, limit) => {
        const walked = (await walkPages(t.admin, f, sort, limit)).map((o) => o.id);
        expect(walked).toEqual(expected(f, sort));
      }),
      { numRuns: 60 },
    );
  });

  it('a cursor that this list did not hand out is a 400 naming cursor', async () => {
    const first = await t.admin.get('/api/orders?sort=total&limit=2');
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const forged = [
      'not-a-cursor',
      Buffer.from('{"id":1}').toString('base64url'),
      Buffer.from('[1]').toString('base64url'),
      Buffer.from('["x", 1.5]').toString('base64url'),
    ];
    for (const cursor of forged) {
      const res = await t.admin.get(`/api/orders?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status, cursor).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['cursor']);
    }
    // A total cursor does not page a list sorted by number.
    const mixed = await t.admin.get(`/api/orders?sort=number&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(mixed.status).toBe(400);
  });

  it('limit is between 1 and 500; an unknown sort is 400', async () => {
    expect((await t.admin.get('/api/orders?limit=0')).status).toBe(400);
    expect((await t.admin.get('/api/orders?limit=501')).status).toBe(400);
    const sort = await t.admin.get('/api/orders?sort=customer');
    expect(sort.status).toBe(400);
    expect(sort.body.errors.map((e: { field: string }) => e.field)).toEqual(['sort']);
    const page = await t.admin.get('/api/orders');
    expect(page.body.items).toHaveLength(Math.min(50, orders.length));
  });
});
