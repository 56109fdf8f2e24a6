import { sql, type CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, Client, createTestDatabase, DIALECTS, makeCustomer, makeProduct, queryPlan, recordStatements, type TestDatabase } from '../../../../test/helpers.js';
import { buildApp } from '../../app.js';
import type { App } from '../../platform/http.js';
import { createOrder, previewAndDelete } from '../deletion/deletion.test-support.js';

/**
 * Every statement that picks deleted or held orders by id goes by primary key, whatever the statistics say.
 * Statistics taken with the recycle bin empty (a bulk seed's ANALYZE, or PostgreSQL's after a purge emptied it)
 * rate its partial indexes at one row; a lookup by id that the planner answered from them walked the whole bin
 * (row-sets.ts `isSetForIds` has the figures).
 * The statements are recorded as the app issues them, through every path that looks deleted orders up by id.
 */
describe.each(DIALECTS)('deleted and held orders looked up by id (%s)', (dialect) => {
  let db: TestDatabase;
  let app: App;
  let admin: Client;
  let issued: CompiledQuery[];

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    const recorded = recordStatements(db.ctx.kysely);
    issued = recorded.issued;
    app = await buildApp(db.config, { ...db.ctx, kysely: recorded.kysely }, { logger: false });
    await app.ready();
    admin = await new Client(app).login('admin', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('reads, restores, asks for and purges deleted orders by primary key after statistics taken with an empty bin', async () => {
    const customer = await makeCustomer(admin);
    const product = await makeProduct(admin, { stock: 100 });
    const orders = [];
    for (let i = 0; i < 8; i++) orders.push(await createOrder(admin, customer.id, [{ productId: product.id, quantity: 1 }]));
    await sql`analyze`.execute(db.ctx.kysely);
    if (dialect === 'sqlite') {
      // As a bulk seed's ANALYZE leaves them at a million orders (eight rows would make a scan the cheapest plan):
      // every orders index sized so, the recycle bin's and the holds' empty.
      await sql`update sqlite_stat1 set stat = '1000000' || substr(stat, instr(stat, ' ')) where tbl = 'orders' and stat not like '0 %' and stat like '% %'`.execute(db.ctx.kysely);
      await sql`analyze sqlite_schema`.execute(db.ctx.kysely);
    }
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
});
