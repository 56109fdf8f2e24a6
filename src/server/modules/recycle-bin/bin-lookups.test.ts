import { sql, type CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, buildTestApp, DIALECTS, makeCustomer, makeProduct, queryPlan, type Client, type TestApp, type TestDatabase } from '../../../../test/helpers.js';
import { isKeptPrepared } from '../../db/connect.js';
import { createOrder, previewAndDelete } from '../deletion/deletion.test-support.js';

/**
 * Every statement that picks deleted or held orders by id goes by primary key, whatever the statistics say; the
 * recycle bin's list reads each filter through the index made for it (migration 0030, `binIndex` in
 * recycle-bin.service.ts), where the bin's date order walked all of it for a name, a reason or a number (10,000
 * orders in the bin of a million-order file: 5.7–6.2 ms a statement, page and count each). On SQLite the page and
 * the count name their index; a typed number, on both databases, is written so that only the number's index fits.
 * Statistics taken with the recycle bin empty (a bulk seed's ANALYZE, or PostgreSQL's after a purge emptied it)
 * rate its partial indexes at one row; a lookup by id that the planner answered from them walked the whole bin
 * (row-sets.ts `isSetForIds` has the figures).
 * The statements are recorded as the app issues them, through every path that looks deleted orders up by id.
 */
describe.each(DIALECTS)('deleted and held orders looked up by id, the recycle bin by filter (%s)', (dialect) => {
  let t: TestApp;
  let db: TestDatabase;
  let admin: Client;
  let issued: CompiledQuery[];

  beforeAll(async () => {
    t = await buildTestApp(dialect, { recordStatements: true });
    ({ db, admin, issued } = t);
  });
  afterAll(async () => t?.close());

  /** Statistics as a bulk seed's ANALYZE leaves them: taken while no order was deleted or held. */
  async function statisticsOfAnEmptyBin(): Promise<void> {
    await sql`analyze`.execute(db.ctx.kysely);
    if (dialect === 'sqlite') {
      // As the seed leaves them at a million orders (a few rows would make a scan the cheapest plan): every orders
      // index sized so, the recycle bin's and the holds' empty.
      await sql`update sqlite_stat1 set stat = '1000000' || substr(stat, instr(stat, ' ')) where tbl = 'orders' and stat not like '0 %' and stat like '% %'`.execute(db.ctx.kysely);
      await sql`analyze sqlite_schema`.execute(db.ctx.kysely);
    }
  }

  it('reads, restores, asks for and purges deleted orders by primary key after statistics taken with an empty bin', async () => {
    const customer = await makeCustomer(admin);
    const product = await makeProduct(admin, { stock: 100 });
    const orders = [];
    for (let i = 0; i < 8; i++) orders.push(await createOrder(admin, customer.id, [{ productId: product.id, quantity: 1 }]));
    await statisticsOfAnEmptyBin();
    const [a, b, c] = orders;
    expect((await previewAndDelete(admin, { ids: [a.id, b.id, c.id] })).status).toBe(200);
    issued.length = 0;

    const old = await admin.get(`/api/orders/${a.id}`);
    expect(old.status).toBe(404);
    expect(old.body.code).toBe('in_recycle_bin');
    expect((await admin.post('/api/recycle-bin/restore', { ids: [a.id] })).status).toBe(200);
    const request = await admin.post('/api/restore-requests', { ids: [b.id], note: 'deleted by mistake' });
    expect(request.status).toBe(201);
    expect((await admin.post(`/api/restore-requests/${request.body.id}/approve`, { note: 'ok' })).status).toBe(200);
    expect((await admin.post('/api/auth/step-up', { password: ADMIN_PASSWORD })).status).toBe(200);
    expect((await admin.post('/api/recycle-bin/purge', { ids: [c.id], confirm: 'PURGE' })).status).toBe(200);
    // A deletion checks its orders for legal holds by id.
    expect((await previewAndDelete(admin, { ids: [orders[3].id] })).status).toBe(200);

    const byId = [
      ...new Map(
        issued
          .filter((q) => /\b(from|update) "orders"/.test(q.sql) && /"(deleted_at|held_at)"/.test(q.sql) && /"id" (in|=)/.test(q.sql))
          .map((q) => [q.sql, q]),
      ).values(),
    ];
    // The recycle-bin notice of the order page, the restore's read and update, the request's check and its approval's
    // read, the purge's read and delete, the hold check.
    expect(byId.length).toBeGreaterThanOrEqual(7);
    for (const query of byId) {
      const plan = await queryPlan(db.ctx.kysely, dialect, query);
      expect(plan, query.sql).not.toMatch(/orders_deleted|orders_held/);
      expect(plan, query.sql).toMatch(dialect === 'postgres' ? /orders_pkey/ : /USING INTEGER PRIMARY KEY/);
    }
  });

  /** The plans of the bin's page and count as the app issued them for one request, after checking its answer. */
  async function binReads(query: string, expectedNumbers: string[]): Promise<string[]> {
    issued.length = 0;
    const res = await admin.get(`/api/recycle-bin?${query}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.items.map((o: { number: string }) => o.number).sort(), query).toEqual([...expectedNumbers].sort());
    expect(res.body.total, query).toBe(expectedNumbers.length);
    // As run: compiled once per shape, they reach the database as raw SQL with their values (the plugin also sees
    // them built, with placeholders or, lacking values, as they are).
    const reads = issued.filter((q) => q.query.kind === 'RawNode' && /from "orders" as "o"/.test(q.sql) && /deleted_at/.test(q.sql));
    // The page (its ids, then their rows) and the count: on PostgreSQL one statement, the count a scalar subquery of
    // the page's; on SQLite two, each through its own index, but for a name: its matches are read once, into a CTE.
    const byName = query.startsWith('q=binplan');
    expect(reads.length, `${query}\n${reads.map((q) => q.sql).join("\n")}`).toBe(dialect === 'postgres' || byName ? 1 : 2);
    if (byName) expect(reads[0].sql).toMatch(/^with "matched" as materialized .*\(select count\(\*\) as "n" from "matched"\) as "bin_total"/s);
    // The whole bin is counted from the dashboard's summary (recycle-bin.service.ts), a name's matches once read into
    // a CTE and counted there, any other filter from its index.
    if (dialect === 'postgres' && !byName) expect(reads[0].sql).toMatch(query === 'limit=50' ? /from dashboard_summary_deltas where deleted_month <> ''.* as "bin_total"/s : /\(select count\(\*\) as "n" from "orders" as "o" where .*\) as "bin_total"/);
    // On PostgreSQL each filter's page and count run as prepared statements (planned once: one plan serves every
    // value); a typed number's are planned per value.
    if (dialect === 'postgres') for (const read of reads) expect(isKeptPrepared(read.sql), read.sql).toBe(!/number=|q=\d/.test(query));
    return Promise.all(reads.map((q) => queryPlan(db.ctx.kysely, dialect, q)));
  }

  it('reads a name, a reason, a batch and a typed number through their own indexes after statistics taken with an empty bin', async () => {
    const wanted = await makeCustomer(admin, 'Binplan Harbour Ltd');
    const other = await makeCustomer(admin, 'Elsewhere Trading');
    const product = await makeProduct(admin, { stock: 100 });
    const orders: Array<Awaited<ReturnType<typeof createOrder>>> = [];
    for (let i = 0; i < 10; i++) orders.push(await createOrder(admin, (i % 2 ? other : wanted).id, [{ productId: product.id, quantity: 1 }]));
    // The bin emptied of what the test before left there, so the statistics are taken of an empty bin.
    const earlier = (await admin.get('/api/recycle-bin?limit=50')).body.items as Array<{ id: string }>;
    if (earlier.length) expect((await admin.post('/api/recycle-bin/restore', { ids: earlier.map((o) => o.id) })).status).toBe(200);
    await statisticsOfAnEmptyBin();
    const duplicates = orders.slice(0, 4);
    const mistakes = orders.slice(4, 8);
    expect((await previewAndDelete(admin, { ids: duplicates.map((o) => o.id) }, { code: 'duplicate' })).status).toBe(200);
    const second = await previewAndDelete(admin, { ids: mistakes.map((o) => o.id) }, { code: 'entry_error' });
    expect(second.status).toBe(200);
    const binned = [...duplicates, ...mistakes];
    const numbers = (list: typeof orders) => list.map((o) => o.number);
    const ofWanted = binned.filter((_, i) => i % 2 === 0);

    const plain = await binReads('limit=50', numbers(binned));
    const byName = await binReads('q=binplan', numbers(ofWanted));
    const byReason = await binReads('reason=duplicate', numbers(duplicates));
    const byBatch = await binReads(`batchId=${second.body.batchId}`, numbers(mistakes));
    const target = mistakes[1];
    const byNumber = await binReads(`number=${target.number}`, [target.number]);
    // As people type it: the serial without its zeros, which reads as a number.
    const bySerial = await binReads(`q=${Number(target.number.slice(8))}`, [target.number]);

    for (const plan of [...byNumber, ...bySerial]) {
      expect(plan).not.toMatch(/orders_deleted/);
      expect(plan).toMatch(dialect === 'postgres' ? /orders_number_key/ : /sqlite_autoindex_orders_1 \(number/);
    }
    if (dialect === 'sqlite') {
      for (const plan of plain) expect(plan).toMatch(/INDEX orders_deleted \(/);
      for (const plan of byName) expect(plan).toMatch(/INDEX orders_deleted_customer \(customer_id=\?/);
      for (const plan of byReason) expect(plan).toMatch(/INDEX orders_deleted_code \(delete_reason=\?/);
      for (const plan of byBatch) expect(plan).toMatch(/INDEX orders_deleted_batch \(delete_batch_id=\?/);
    }
  });

  it('keeps PostgreSQL\'s statistics of orders close to the bin: analyzed after half a percent of the orders changed', async () => {
    if (dialect !== 'postgres') return;
    const { rows } = await sql<{ options: string[] | null }>`select reloptions as options from pg_class where oid = 'orders'::regclass`.execute(db.ctx.kysely);
    expect(rows[0].options).toContain('autovacuum_analyze_scale_factor=0.005');
  });
});
