import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../app.js';
import { connect } from '../../db/connect.js';
import { migrateToLatest, withStartupLock } from '../../db/migrate.js';
import { dispatchOutbox } from '../../modules/notifications/notifications.dispatcher.js';
import type { App } from '../../platform/http.js';
import { gracefulShutdown } from '../../platform/shutdown.js';
import { ADMIN_PASSWORD, Client, createTestDatabase, DIALECTS, makeCustomer, makeOrder, makeProduct, type TestDatabase } from '../../../../test/helpers.js';
import { bootstrap } from '../users/users.service.js';

const TOKEN = 'metrics-token-for-tests-0123456789';

/** Values of one metric in Prometheus text format, by its label set. */
function samples(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = line.match(/^([a-z_]+)(\{[^}]*\})? (\S+)$/);
    if (m && m[1] === name) out.set(m[2] ?? '', Number(m[3]));
  }
  return out;
}

describe.each(DIALECTS)('operations: health, readiness, metrics, shutdown (%s)', (dialect) => {
  let db: TestDatabase;
  let app: App;
  let admin: Client;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    app = await buildApp({ ...db.config, metricsToken: TOKEN }, db.ctx, { logger: false });
    await app.ready();
    admin = await new Client(app).login('admin', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('answers /healthz and /readyz without a session; readyz names a pending migration', async () => {
    const anonymous = new Client(app);
    expect((await anonymous.get('/healthz')).status).toBe(200);
    const ready = await anonymous.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ ready: true, checks: { database: 'ok', migrations: { current: true, pending: [] }, jobs: { stuck: [] }, shuttingDown: false } });

    // A row of a migration forgotten: the instance must not report itself ready for traffic.
    const last = await db.ctx.kysely.selectFrom('orderly_migrations' as never).select('name' as never).orderBy('name' as never, 'desc').executeTakeFirstOrThrow() as { name: string };
    await db.ctx.kysely.deleteFrom('orderly_migrations' as never).where('name' as never, '=', last.name as never).execute();
    try {
      const stale = await anonymous.get('/readyz');
      expect(stale.status).toBe(503);
      expect(stale.body.checks.migrations).toEqual({ current: false, pending: [last.name] });
    } finally {
      await db.ctx.kysely.insertInto('orderly_migrations' as never).values({ name: last.name, timestamp: new Date().toISOString() }).execute();
    }
  });

  it('reports a job whose lease expired long ago and nobody took over as stuck', async () => {
    await db.ctx.kysely.insertInto('jobs').values({ name: 'abandoned', runs: 0, lease_owner: 'gone', lease_until: '2020-01-01T00:00:00.000Z' }).execute();
    try {
      const res = await new Client(app).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body.checks.jobs.stuck).toEqual(['abandoned']);
    } finally {
      await db.ctx.kysely.deleteFrom('jobs').where('name', '=', 'abandoned').execute();
    }
  });

  it('serves /metrics only with the token: route histograms, outbox backlog back to 0, recycle bin, audit chain', async () => {
    const anonymous = new Client(app);
    expect((await anonymous.get('/metrics')).status).toBe(401);
    expect((await anonymous.get('/metrics', { authorization: 'Bearer wrong-token-wrong-token-wrong' })).status).toBe(401);

    const customer = await makeCustomer(admin);
    const product = await makeProduct(admin);
    const order = await makeOrder(admin, customer.id, [{ productId: product.id, quantity: 1 }]);
    expect((await admin.get('/api/orders')).status).toBe(200);

    const scrape = async () => {
      const res = await anonymous.get('/metrics', { authorization: `Bearer ${TOKEN}` });
      expect(res.status).toBe(200);
      expect(String(res.headers['content-type'])).toContain('text/plain');
      return res.body as string;
    };
    const before = await scrape();
    expect(samples(before, 'orderly_outbox_backlog').get('')).toBeGreaterThan(0);
    const counts = samples(before, 'orderly_http_request_duration_seconds_count');
    expect(counts.get('{method="GET",route="/api/orders",status_code="200"}')).toBeGreaterThanOrEqual(1);
    expect(counts.get('{method="POST",route="/api/orders",status_code="201"}')).toBeGreaterThanOrEqual(1);
    expect(before).toContain('orderly_http_request_duration_seconds_bucket{le="0.05",method="GET",route="/api/orders",status_code="200"}');
    expect(samples(before, 'orderly_audit_chain_entries').get('')).toBeGreaterThan(0);

    await dispatchOutbox(db.ctx, { owner: 'test' });
    const preview = await admin.post('/api/orders/delete-preview', { ids: [order.id] });
    expect((await admin.post('/api/orders/delete', { ids: [order.id], reason: { code: 'test_data' }, previewToken: preview.body.previewToken })).status).toBe(200);
    await dispatchOutbox(db.ctx, { owner: 'test' });
    const after = await scrape();
    expect(samples(after, 'orderly_outbox_backlog').get('')).toBe(0);
    expect(samples(after, 'orderly_outbox_oldest_event_age_seconds').get('')).toBe(0);
    expect(samples(after, 'orderly_recycle_bin_orders').get('')).toBe(1);
    if (dialect === 'postgres') expect(samples(after, 'orderly_db_pool_connections').get('{pool="primary",state="max"}')).toBe(10);
    // PostgreSQL keeps sessions once its listener is in place (session-cache.ts); SQLite reads them every time.
    const lookups = async () => {
      expect((await admin.get('/api/auth/me')).status).toBe(200);
      return samples(await scrape(), 'orderly_session_lookups_total');
    };
    if (dialect === 'postgres') {
      await expect.poll(async () => (await lookups()).get('{source="kept"}') ?? 0).toBeGreaterThan(0);
      expect((await lookups()).get('{source="database"}')).toBeGreaterThan(0);
    } else {
      const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
      const first = total(await lookups());
      expect(total(await lookups())).toBe(first);
    }
  });

  it('is not served without a token setting', async () => {
    const bare = await buildApp(db.config, db.ctx, { logger: false });
    try {
      expect((await bare.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(404);
    } finally {
      await bare.close();
    }
  });
});

describe.each(DIALECTS)('graceful shutdown and concurrent start (%s)', (dialect) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
  });
  afterAll(async () => db.drop());

  it('finishes a request in flight, reports not ready meanwhile, then closes and exits 0', async () => {
    const app = await buildApp(db.config, db.ctx, { logger: false });
    let release!: () => void;
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    app.get('/slow-for-test', { config: { access: 'public' }, schema: { hide: true } }, async () => {
      entered();
      await new Promise<void>((resolve) => (release = resolve));
      return { done: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const inFlight = fetch(`${base}/slow-for-test`).then(async (r) => ({ status: r.status, body: (await r.json()) as unknown }));
    await inside;

    const exits: number[] = [];
    let resourcesClosed = false;
    const stop = gracefulShutdown(app, { deadlineMs: 60_000, exit: (code) => exits.push(code), closeResources: async () => void (resourcesClosed = true) });
    const stopping = stop('SIGTERM');
    // Fastify itself answers 503 once closing; the probe must not say "ready" to a proxy that still asks.
    const ready = await app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(exits).toEqual([]);
    release();
    expect(await inFlight).toEqual({ status: 200, body: { done: true } });
    expect(await stopping).toBe(0);
    expect(exits).toEqual([0]);
    expect(resourcesClosed).toBe(true);
    // The listening socket is gone: a proxy's next connection is refused and goes to another instance.
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });

  it('exits 1 at the deadline when a request never finishes', async () => {
    const app = await buildApp(db.config, db.ctx, { logger: false });
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    app.get('/stuck-for-test', { config: { access: 'public' }, schema: { hide: true } }, async () => {
      entered();
      await new Promise(() => undefined);
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const abort = new AbortController();
    void fetch(`http://127.0.0.1:${port}/stuck-for-test`, { signal: abort.signal }).catch(() => undefined);
    await inside;
    const exits: number[] = [];
    expect(await gracefulShutdown(app, { deadlineMs: 50, exit: (code) => exits.push(code), closeResources: async () => undefined })('SIGTERM')).toBe(1);
    expect(exits).toEqual([1]);
    abort.abort();
    app.server.closeAllConnections();
  });

  it.runIf(dialect === 'postgres')('lets several instances migrate and bootstrap one fresh database at once', async () => {
    const fresh = await createTestDatabase(dialect);
    // An empty database beside it: drop everything the helper created, then start three "instances" together.
    const url = fresh.config.database.dialect === 'postgres' ? fresh.config.database.url : '';
    await fresh.ctx.kysely.schema.dropSchema('public').cascade().execute();
    await fresh.ctx.kysely.schema.createSchema('public').execute();
    const instances = [0, 1, 2].map(() => connect({ dialect: 'postgres', url }));
    try {
      const results = await Promise.all(
        instances.map((ctx) =>
          withStartupLock(ctx.kysely, 'postgres', async () => {
            const applied = await migrateToLatest(ctx.kysely, 'postgres');
            await bootstrap(ctx, ADMIN_PASSWORD);
            return applied.length;
          }),
        ),
      );
      // Exactly one instance applied the migrations; the others found the schema current.
      expect(results.filter((n) => n > 0)).toHaveLength(1);
      expect(results.filter((n) => n === 0)).toHaveLength(2);
      const admins = await instances[0].kysely.selectFrom('users').select('id').where('username', '=', 'admin').execute();
      expect(admins).toHaveLength(1);
    } finally {
      await Promise.all(instances.map((ctx) => ctx.close()));
      await fresh.drop();
    }
  });
});
