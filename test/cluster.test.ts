/**
 * Issue 17's proof: PostgreSQL primary + streaming replica, three Orderly instances started together (they
 * migrate one at a time under the startup lock), nginx in front; 64 clients create, confirm, delete and restore
 * orders through the proxy while one instance is killed with SIGKILL half-way. Afterwards: the journals'
 * invariants hold, order numbers are unique and gapless, the audit chain verifies, every acknowledged write is
 * there, every notification arrived once (and a live stream on one instance saw writes served by the others),
 * the replica served reads (counted in /metrics) while every page read right after a write showed it, and
 * /metrics shows the route histograms and the outbox backlog back at 0.
 *
 * ORDERLY_CLUSTER_SECONDS sets how long the clients run: 15 by default inside `npm test` (the issue's 60 s
 * makes CI a minute longer for no extra coverage; run `ORDERLY_CLUSTER_SECONDS=60 npx vitest run
 * test/cluster.test.ts` for the full run). Needs root (initdb runs as `postgres`), PostgreSQL 15's server tools and
 * nginx; without them the suite is skipped with the reason, except under CI=true, where it fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Db } from '../src/server/db/connect.js';
import { checkInvariants } from '../src/server/modules/integrity/invariants.js';
import { verifyAuditChain } from '../src/server/platform/audit.js';
import { clusterUnavailable, freePorts, makeClusterDir, replicaCaughtUp, startInstance, startPostgresPair, startProxy, untilReady, type Instance, type PostgresPair } from './cluster/cluster.js';
import fs from 'node:fs';

const SECONDS = Number(process.env.ORDERLY_CLUSTER_SECONDS ?? 15);
const CLIENTS = 64;
// Chosen when the test starts (freePorts): two runs of the suite on one machine must not meet.
let PG_PORT = 0;
let PROXY_PORT = 0;
let INSTANCE_PORTS: number[] = [];
const ADMIN_PASSWORD = 'cluster-admin-password';
const METRICS_TOKEN = 'cluster-metrics-token-0123456789';
const unavailable = clusterUnavailable();
if (unavailable && process.env.CI === 'true') throw new Error(`CI=true and the cluster test cannot run: ${unavailable}`);
if (unavailable) console.warn(`\n⚠ test/cluster.test.ts skipped: ${unavailable}\n`);

/** A browser-like HTTP client: keeps its cookies (the session, the replica read marker) and sends the CSRF token. */
class Browser {
  cookies = new Map<string, string>();
  csrf = '';
  constructor(readonly base: string) {}
  async request(method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
    try {
      const res = await fetch(this.base + url, {
        method,
        headers: {
          cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          ...(this.csrf ? { 'x-csrf-token': this.csrf } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const at = pair.indexOf('=');
        this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
      }
      const text = await res.text();
      return { status: res.status, body: (res.headers.get('content-type') ?? '').includes('json') && text ? JSON.parse(text) : text };
    } catch {
      // The connection broke (an instance killed mid-request): not acknowledged.
      return { status: 0, body: null };
    }
  }
  async login(username: string, password: string): Promise<this> {
    const res = await this.request('POST', '/api/auth/login', { username, password });
    if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${JSON.stringify(res.body)}`);
    this.csrf = res.body.csrfToken;
    return this;
  }
}

type State = 'draft' | 'confirmed' | 'deleted' | 'restored';
interface Tracked {
  id: string;
  number: string;
  acked: State;
  /** A command sent without an answer: it may or may not have happened. */
  unacked: State | null;
}

const metricValue = (text: string, name: string, labels: (l: string) => boolean = () => true) =>
  text
    .split('\n')
    .map((line) => line.match(/^([a-z_]+)(\{[^}]*\})? (\S+)$/))
    .filter((m): m is RegExpMatchArray => m !== null && m[1] === name && labels(m[2] ?? ''))
    .reduce((sum, m) => sum + Number(m[3]), 0);

const readsOf = async (port: number, target: 'primary' | 'replica') => {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  return metricValue(await res.text(), 'orderly_db_reads_total', (l) => l.includes(`target="${target}"`));
};
/** Reads the list once as `reader`: whether the replica served it (its read count on that instance rose by one). */
const replicaServes = async (reader: Browser, port: number) => {
  const before = await readsOf(port, 'replica');
  expect((await reader.request('GET', '/api/orders?limit=5')).status).toBe(200);
  return (await readsOf(port, 'replica')) === before + 1;
};
const replicaHealthy = async (port: number) =>
  (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.json() as Promise<{ checks: { replica: { healthy: boolean } } }>)).checks.replica.healthy;

describe.skipIf(unavailable !== null)('several instances behind nginx on a primary and a streaming replica', () => {
  let dir: string;
  let pair: PostgresPair;
  let instances: Instance[];
  let proxy: ReturnType<typeof startProxy>;
  let primary: Db;
  const tracked: Tracked[] = [];
  const statuses = new Map<number, number>();
  let staleReads = 0;
  let listReads = 0;
  let sseUnread: number | null = null;
  let sseEvents = 0;
  let sseAbort: AbortController;
  const managerIds: number[] = [];
  /** The outbox backlog as /metrics on instance 1 showed it during the run, scraped every 500 ms. */
  const backlogDuringRun: number[] = [];
  const scrapes: string[] = [];

  beforeAll(async () => {
    [PG_PORT] = await freePorts(1, { withNext: true });
    [PROXY_PORT, ...INSTANCE_PORTS] = (await freePorts(6)).filter((port) => port !== PG_PORT && port !== PG_PORT + 1).slice(0, 4);
    dir = makeClusterDir();
    pair = startPostgresPair(dir, PG_PORT);
    const env = {
      DATABASE_URL: pair.primaryUrl,
      DATABASE_READ_URL: pair.replicaUrl,
      ORDERLY_ADMIN_PASSWORD: ADMIN_PASSWORD,
      ORDERLY_METRICS_TOKEN: METRICS_TOKEN,
      ORDERLY_TRUST_PROXY: '127.0.0.1',
      ORDERLY_LOG_LEVEL: 'warn',
      ORDERLY_BACKUP_DIR: `${dir}/backups`,
      ORDERLY_SHUTDOWN_SECONDS: '20',
      // 64 clients sign in from one address (the proxy's X-Forwarded-For: 127.0.0.1); none fails.
      ORDERLY_LOGIN_FAILURES_PER_ADDRESS: '1000',
    };
    // All three at once on an empty database: the startup lock lets one migrate and create `admin`.
    instances = INSTANCE_PORTS.map((port) => startInstance(port, env));
    await Promise.all(instances.map((i) => untilReady(i)));
    proxy = startProxy(dir, PROXY_PORT, INSTANCE_PORTS);
    await proxy.ready();
    primary = connect({ dialect: 'postgres', url: pair.primaryUrl });
  }, 300_000);

  afterAll(async () => {
    sseAbort?.abort();
    await proxy?.stop();
    for (const i of instances ?? []) if (i.child.exitCode === null) i.child.kill('SIGKILL');
    await Promise.all((instances ?? []).map((i) => i.exited));
    await primary?.close();
    pair?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it(`runs ${CLIENTS} clients for ${SECONDS}s through the proxy while one instance is killed`, async () => {
    const base = `http://127.0.0.1:${PROXY_PORT}`;
    const admin = await new Browser(base).login('admin', ADMIN_PASSWORD);
    const customer = await admin.request('POST', '/api/customers', { name: '集群客户 Cluster Co', phone: '+86 138 0000 0000' });
    const product = await admin.request('POST', '/api/products', { sku: 'CLUSTER-1', name: 'Cluster widget', price: '12.50', stock: 10_000_000 });
    expect([customer.status, product.status]).toEqual([201, 201]);
    const managers = ['mgr1', 'mgr2', 'mgr3', 'mgr4'];
    for (const username of managers) {
      const res = await admin.request('POST', '/api/users', { username, password: `${username}-password-1`, roles: ['sales_manager'] });
      expect(res.status).toBe(201);
      managerIds.push(Number(res.body.id));
    }

    // A live bell for mgr1 on instance 1 only: the other instances' deliveries must reach it too.
    sseAbort = new AbortController();
    const watcher = await new Browser(`http://127.0.0.1:${INSTANCE_PORTS[0]}`).login('mgr1', 'mgr1-password-1');
    void fetch(`http://127.0.0.1:${INSTANCE_PORTS[0]}/api/notifications/stream?maxSeconds=3600`, {
      headers: { cookie: [...watcher.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      signal: sseAbort.signal,
    })
      .then(async (res) => {
        const decoder = new TextDecoder();
        let buffer = '';
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
            const data = buffer.slice(0, cut).match(/^data: (.*)$/m)?.[1];
            buffer = buffer.slice(cut + 2);
            if (data) {
              sseUnread = (JSON.parse(data) as { unread: number }).unread;
              sseEvents++;
            }
          }
        }
      })
      .catch(() => undefined);

    const clients = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => new Browser(base).login(managers[i % managers.length], `${managers[i % managers.length]}-password-1`)));
    const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
    const end = Date.now() + SECONDS * 1000;
    const victim = instances[2];
    const kill = (async () => {
      while (Date.now() < end - (SECONDS * 1000) / 2) await new Promise((resolve) => setTimeout(resolve, 100));
      victim.child.kill('SIGKILL');
      await victim.exited;
    })();

    const scraper = (async () => {
      while (Date.now() < end) {
        const res = await fetch(`http://127.0.0.1:${INSTANCE_PORTS[0]}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }).catch(() => null);
        if (res?.ok) backlogDuringRun.push(metricValue(await res.text(), 'orderly_outbox_backlog'));
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    })();

    const step = async (client: Browser, order: Tracked, next: State, send: () => Promise<{ status: number; body: any }>) => {
      order.unacked = next;
      const res = await send();
      count(res.status);
      if (res.status === 200 || res.status === 201) {
        order.acked = next;
        order.unacked = null;
        return true;
      }
      return false;
    };

    await Promise.all(
      clients.map(async (client) => {
        while (Date.now() < end) {
          const created = await client.request('POST', '/api/orders', { customerId: customer.body.id, items: [{ productId: product.body.id, quantity: 1 }] });
          count(created.status);
          if (created.status !== 201) continue;
          const order: Tracked = { id: created.body.id, number: created.body.number, acked: 'draft', unacked: null };
          tracked.push(order);
          // Write, then read the list page: served by the replica only once it has replayed this write.
          const listed = await client.request('GET', `/api/orders?number=${order.number}`);
          if (listed.status === 200) {
            listReads++;
            if (!(listed.body.items as Array<{ id: string }>).some((o) => o.id === order.id)) staleReads++;
          }
          if (!(await step(client, order, 'confirmed', () => client.request('POST', `/api/orders/${order.id}/confirm`, {})))) continue;
          const preview = await client.request('POST', '/api/orders/delete-preview', { ids: [order.id] });
          count(preview.status);
          if (preview.status !== 200) continue;
          if (!(await step(client, order, 'deleted', () => client.request('POST', '/api/orders/delete', { ids: [order.id], reason: { code: 'test_data' }, previewToken: preview.body.previewToken })))) continue;
          await step(client, order, 'restored', () => client.request('POST', '/api/recycle-bin/restore', { ids: [order.id] }));
        }
      }),
    );
    await kill;
    await scraper;
    // Scrape the survivors until every event is delivered: the backlog returns to 0.
    const survivors = instances.filter((i) => i !== victim);
    const scrape = async (port: number) => {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(res.status).toBe(200);
      return res.text();
    };
    for (let text = await scrape(survivors[0].port); ; text = await scrape(survivors[0].port)) {
      scrapes.push(text);
      if (metricValue(text, 'orderly_outbox_backlog') === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    for (const s of survivors) scrapes.push(await scrape(s.port));
    // Kept for a person to read, as a scraper sees it.
    fs.mkdirSync('test-results', { recursive: true });
    fs.writeFileSync('test-results/cluster-metrics.txt', scrapes[scrapes.length - 1]);

    console.log(`cluster run: ${tracked.length} orders, statuses ${JSON.stringify(Object.fromEntries(statuses))}, ${listReads} list reads after a write (${staleReads} stale), outbox backlog during the run peaked at ${Math.max(...backlogDuringRun)}`);
    // How many rounds fit depends on the machine; at least some orders went the whole way round.
    expect(tracked.length).toBeGreaterThan(0);
    expect(tracked.filter((o) => o.acked === 'restored').length).toBeGreaterThan(0);
    // Only the kill may cost answers (502 from the proxy, or a broken connection); never a 500.
    expect([...statuses.keys()].filter((s) => s >= 500 && s !== 502 && s !== 503 && s !== 504)).toEqual([]);
    // Nothing here is refused: one client works on its own order, and the stock is ample.
    expect([...statuses.keys()].filter((s) => s >= 400 && s < 500)).toEqual([]);
    expect(staleReads).toBe(0);
    expect(victim.child.signalCode).toBe('SIGKILL');
  }, (SECONDS + 240) * 1000);

  it('lost no acknowledged write: every order is in its last acknowledged state (or the unanswered next one)', async () => {
    const rows = await primary.kysely.selectFrom('orders').select(['id', 'status', 'deleted_at']).execute();
    const byId = new Map(rows.map((r) => [String(r.id), r]));
    const stateOf = (r: { status: string; deleted_at: string | null }): State[] =>
      r.deleted_at !== null ? ['deleted'] : r.status === 'draft' ? ['draft'] : r.status === 'confirmed' ? ['confirmed', 'restored'] : [];
    const wrong = tracked.filter((o) => {
      const row = byId.get(o.id);
      if (!row) return true;
      const actual = stateOf(row);
      return !actual.includes(o.acked) && !(o.unacked !== null && actual.includes(o.unacked));
    });
    expect(wrong).toEqual([]);
  });

  it('keeps the journals consistent, order numbers unique and gapless, and the audit chain intact', async () => {
    expect(await checkInvariants(primary.kysely)).toEqual([]);
    const numbers = (await primary.kysely.selectFrom('orders').select('number').execute()).map((r) => r.number);
    expect(new Set(numbers).size).toBe(numbers.length);
    const byYear = new Map<string, number[]>();
    for (const n of numbers) {
      const [, year, seq] = n.split('-');
      byYear.set(year, [...(byYear.get(year) ?? []), Number(seq)]);
    }
    for (const seqs of byYear.values()) {
      seqs.sort((a, b) => a - b);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    }
    const chain = await verifyAuditChain(primary.kysely);
    expect(chain.ok).toBe(true);
    expect(chain.checked).toBeGreaterThan(tracked.length);
  });

  it('delivered every notification exactly once, and the live stream on instance 1 saw the others deliver', async () => {
    const undelivered = await primary.kysely.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).where('delivered_at', 'is', null).executeTakeFirstOrThrow();
    expect(Number(undelivered.n)).toBe(0);
    // Each receipt (one per event and recipient) must have added exactly 1 to that recipient's inbox.
    const receipts = await primary.kysely
      .selectFrom('notification_receipts as r')
      .innerJoin('outbox as o', 'o.id', 'r.event_id')
      .select(['r.user_id', 'o.topic', (eb) => eb.fn.countAll<number>().as('n')])
      .where('r.user_id', 'in', managerIds)
      .where('o.topic', 'in', ['order.confirmed', 'order.deleted', 'order.restored'])
      .groupBy(['r.user_id', 'o.topic'])
      .execute();
    const inbox = await primary.kysely
      .selectFrom('notifications')
      .select(['user_id', 'topic', (eb) => eb.fn.sum<number>('count').as('n')])
      .where('user_id', 'in', managerIds)
      .where('topic', 'in', ['order.confirmed', 'order.deleted', 'order.restored'])
      .groupBy(['user_id', 'topic'])
      .execute();
    const key = (r: { user_id: number; topic: string; n: number | string }) => `${r.user_id} ${r.topic} ${Number(r.n)}`;
    expect(receipts.length).toBeGreaterThan(0);
    expect(inbox.map(key).sort()).toEqual(receipts.map(key).sort());

    const unread = await primary.kysely.selectFrom('notifications').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', managerIds[0]).where('read_at', 'is', null).executeTakeFirstOrThrow();
    // The stream polls the shared table (5 s) besides the in-process signal: wait for its last word, not for time.
    await expect.poll(() => sseUnread, { timeout: 30_000, interval: 200 }).toBe(Number(unread.n));
    expect(sseEvents).toBeGreaterThan(1);
  });

  it('served list reads from the replica (counted in /metrics) and shows route histograms', async () => {
    const last = scrapes.slice(-2);
    // Under load every list read above follows its client's own write, so a busy machine may serve them all from the
    // primary (the replica had not replayed the write yet). Once the replica has replayed a reader's last write (its
    // sign-in) and the instance's monitor has seen that, the reader's list is served by the replica on every survivor.
    for (const port of [INSTANCE_PORTS[0], INSTANCE_PORTS[1]]) {
      const reader = await new Browser(`http://127.0.0.1:${port}`).login('mgr3', 'mgr3-password-1');
      await replicaCaughtUp(pair);
      await expect.poll(() => replicaServes(reader, port), { timeout: 20_000 }).toBe(true);
    }
    for (const text of last) {
      expect(metricValue(text, 'orderly_http_request_duration_seconds_count', (l) => l.includes('route="/api/orders"') && l.includes('method="POST"'))).toBeGreaterThan(0);
      expect(text).toContain('orderly_http_request_duration_seconds_bucket{le="0.1",method="GET",route="/api/orders",status_code="200"}');
      expect(text).toMatch(/orderly_db_pool_connections\{pool="replica",state="total"\} \d+/);
      expect(metricValue(text, 'orderly_replica_up')).toBe(1);
    }
    // Scraped during the run (the backlog rises and falls with the load), then after it: back at 0.
    expect(backlogDuringRun.length).toBeGreaterThan(0);
    expect(metricValue(last[0], 'orderly_outbox_backlog')).toBe(0);
    expect(metricValue(last[0], 'orderly_outbox_oldest_event_age_seconds')).toBe(0);
  });

  it('falls back to the primary while the replica is down, and returns to it once it is back', async () => {
    const port = INSTANCE_PORTS[0];
    const reader = await new Browser(`http://127.0.0.1:${port}`).login('mgr2', 'mgr2-password-1');
    pair.stopReplica();
    try {
      await expect.poll(() => replicaHealthy(port), { timeout: 20_000 }).toBe(false);
      const before = await readsOf(port, 'primary');
      const list = await reader.request('GET', '/api/orders?limit=5');
      expect(list.status).toBe(200);
      expect(list.body.items.length).toBe(5);
      expect(await readsOf(port, 'primary')).toBe(before + 1);
    } finally {
      pair.startReplica();
    }
    await replicaCaughtUp(pair);
    await expect.poll(() => replicaHealthy(port), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => replicaServes(reader, port), { timeout: 20_000 }).toBe(true);
  });

  it('a surviving instance stops gracefully on SIGTERM and the other keeps serving through the proxy', async () => {
    const leaving = instances[1];
    leaving.child.kill('SIGTERM');
    expect(await leaving.exited).toBe(0);
    const admin = await new Browser(`http://127.0.0.1:${PROXY_PORT}`).login('admin', ADMIN_PASSWORD);
    for (let i = 0; i < 5; i++) expect((await admin.request('GET', '/api/orders?limit=1')).status).toBe(200);
  });
});
