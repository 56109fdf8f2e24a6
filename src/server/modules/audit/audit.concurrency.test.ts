/**
 * Many writers at once must leave one linear, verifiable chain: on PostgreSQL from two app instances with
 * their own connection pools (as two servers behind a load balancer), on SQLite from one instance.
 * The writers run for the 10 seconds; AUDIT_SOAK_SECONDS changes that.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, Client, createTestDatabase, DIALECTS, makeProduct, type TestDatabase } from '../../../../test/helpers.js';
import { buildApp } from '../../app.js';
import { connect, type Db } from '../../db/connect.js';
import type { App } from '../../platform/http.js';

/**
 * A closed pg pool resolves before its sockets are gone; dropping the database "with (force)" then kills
 * backends still closing, and their clients throw an unhandled FATAL. Wait until only our connection is left.
 */
async function waitForOtherBackends(ctx: Db): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`.execute(ctx.kysely);
    if (rows[0].n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const SOAK_SECONDS = Number(process.env.AUDIT_SOAK_SECONDS ?? 10);
const WRITERS = 50;

describe.each(DIALECTS)('audit chain under concurrent writers (%s)', (dialect) => {
  let db: TestDatabase;
  const extraPools: Db[] = [];
  const apps: App[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    if (dialect === 'postgres') {
      // Two instances, each with its own pool, as two servers behind a load balancer.
      for (let i = 0; i < 2; i++) {
        const pool = connect(db.config.database);
        extraPools.push(pool);
        apps.push(await buildApp(db.config, pool, { logger: false }));
      }
    } else {
      apps.push(await buildApp(db.config, db.ctx, { logger: false }));
    }
    await Promise.all(apps.map((a) => a.ready()));
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
    for (const p of extraPools) await p.close();
    if (dialect === 'postgres') await waitForOtherBackends(db.ctx);
    await db?.drop();
  });

  it(`${WRITERS} writers for ${SOAK_SECONDS}s leave a chain that verifies, one entry per successful write`, { timeout: 60_000 + SOAK_SECONDS * 2000 }, async () => {
    const first = await new Client(apps[0]).login('admin', ADMIN_PASSWORD);
    // One session, used through every instance: sessions live in the shared database.
    const clients = apps.map((a) => Object.assign(new Client(a), { cookie: first.cookie, csrf: first.csrf }));
    const product = await makeProduct(first, { stock: 10_000_000 });
    const countRows = async () => Number((await db.ctx.kysely.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const before = await countRows();

    let writes = 0;
    const failures: string[] = [];
    const expectStatus = (res: { status: number; body: unknown }, status: number, what: string) => {
      if (res.status === status) writes++;
      else failures.push(`${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      return res.status === status;
    };
    const deadline = Date.now() + SOAK_SECONDS * 1000;
    const instancesUsed = new Set<number>();

    async function writer(w: number): Promise<void> {
      const instance = w % clients.length;
      const client = clients[instance];
      instancesUsed.add(instance);
      for (let n = 0; Date.now() < deadline; n++) {
        const customer = await client.post('/api/customers', { name: `Soak ${w}-${n}` });
        if (!expectStatus(customer, 201, 'customer')) continue;
        const order = await client.post('/api/orders', { customerId: customer.body.id, items: [{ productId: product.id, quantity: 1 }] });
        if (!expectStatus(order, 201, 'order')) continue;
        expectStatus(await client.post(`/api/orders/${order.body.id}/confirm`), 200, 'confirm');
      }
    }
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));

    expect(failures.slice(0, 5)).toEqual([]);
    expect(instancesUsed.size).toBe(dialect === 'postgres' ? 2 : 1);
    expect(writes).toBeGreaterThan(WRITERS);
    const rows = await countRows();
    expect(rows - before).toBe(writes);

    const verify = await first.get('/api/audit/verify');
    expect(verify.body).toEqual(expect.objectContaining({ ok: true, checked: rows }));
    // Linear: every entry's predecessor is named exactly once.
    const links = await db.ctx.kysely.selectFrom('audit_log').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.count<number>('prev_hash').distinct().as('distinct')]).executeTakeFirstOrThrow();
    expect(Number(links.distinct)).toBe(Number(links.n));
  });
});
