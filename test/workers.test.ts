/**
 * ORDERLY_WORKERS=2: the built server (dist/src/server/main.js; `npm test` builds it first) runs two worker
 * processes on one port. Both serve, writes sent to both at the same time all land correctly (stock, numbers,
 * the audit chain, the journals' invariants), and SIGTERM ends the whole cluster cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestDatabase, DIALECTS, type TestDatabase } from './helpers.js';

const MAIN = path.resolve('dist/src/server/main.js');

interface Reply {
  status: number;
  worker: string | undefined;
  body: any;
  cookie?: string;
}

/** One request on a connection of its own, so the cluster's round robin spreads them over the workers. */
function send(baseUrl: string, method: string, pathname: string, session: { cookie?: string; csrf?: string }, body?: unknown): Promise<Reply> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = {};
  if (payload) headers['content-type'] = 'application/json';
  if (session.cookie) headers.cookie = session.cookie;
  if (session.csrf) headers['x-csrf-token'] = session.csrf;
  return new Promise((resolve, reject) => {
    const request = http.request(`${baseUrl}${pathname}`, { method, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const cookie = response.headers['set-cookie']?.find((c) => c.startsWith('orderly_session='))?.split(';')[0];
        resolve({ status: response.statusCode ?? 0, worker: response.headers['x-orderly-worker'] as string | undefined, body: text ? JSON.parse(text) : undefined, cookie });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(payload);
  });
}

function startCluster(db: TestDatabase): Promise<{ child: ChildProcess; baseUrl: string; output: () => string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, ORDERLY_WORKERS: '2', PORT: '0', HOST: '127.0.0.1', ORDERLY_ADMIN_PASSWORD: ADMIN_PASSWORD, ORDERLY_LOG_LEVEL: 'warn', ORDERLY_JOBS: 'off' };
  delete env.DATABASE_URL;
  delete env.ORDERLY_DB;
  if (db.config.database.dialect === 'postgres') env.DATABASE_URL = db.config.database.url;
  else env.ORDERLY_DB = db.config.database.file;
  const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve, reject) => {
    const onData = () => {
      const match = /Orderly is serving (http:\/\/127\.0\.0\.1:\d+) with 2 worker processes/.exec(output);
      if (match) resolve({ child, baseUrl: match[1], output: () => output });
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the cluster exited with ${code} before serving:\n${output}`)));
  });
}

describe.each(DIALECTS)('ORDERLY_WORKERS=2 (%s)', (dialect) => {
  let db: TestDatabase;
  let cluster: Awaited<ReturnType<typeof startCluster>>;

  beforeAll(async () => {
    if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first (npm run build; npm test does it)`);
    db = await createTestDatabase(dialect);
    cluster = await startCluster(db);
  });
  afterAll(async () => {
    if (cluster?.child.exitCode === null) cluster.child.kill('SIGKILL');
    await db?.drop();
  });

  it('serves from both workers, and concurrent writes through both are all correct', async () => {
    const { baseUrl } = cluster;
    const login = await send(baseUrl, 'POST', '/api/auth/login', {}, { username: 'admin', password: ADMIN_PASSWORD });
    expect(login.status).toBe(200);
    const session = { cookie: login.cookie, csrf: login.body.csrfToken as string };
    const customer = await send(baseUrl, 'POST', '/api/customers', session, { name: 'Cluster Trading' });
    const product = await send(baseUrl, 'POST', '/api/products', session, { sku: 'CL-1', name: 'Cluster widget', price: '2.50', stock: 1000 });
    expect([customer.status, product.status]).toEqual([201, 201]);

    // 24 orders created and confirmed by 6 clients at once, each request on a new connection.
    const workers = new Set<string>();
    const orders: Array<{ id: string; number: string }> = [];
    let next = 0;
    const client = async () => {
      for (let n = next++; n < 24; n = next++) {
        const created = await send(baseUrl, 'POST', '/api/orders', session, { customerId: customer.body.id, items: [{ productId: product.body.id, quantity: 1 + (n % 3) }] });
        expect(created.status).toBe(201);
        const confirmed = await send(baseUrl, 'POST', `/api/orders/${created.body.id}/confirm`, session, {});
        expect(confirmed.status).toBe(200);
        for (const r of [created, confirmed]) if (r.worker) workers.add(r.worker);
        orders.push({ id: created.body.id, number: created.body.number });
      }
    };
    await Promise.all(Array.from({ length: 6 }, client));
    expect(workers.size).toBe(2);

    const expectedReserved = Array.from({ length: 24 }, (_, n) => 1 + (n % 3)).reduce((a, b) => a + b, 0);
    const stock = await send(baseUrl, 'GET', `/api/products/${product.body.id}`, session);
    expect(stock.body.stock).toEqual({ onHand: 1000, reserved: expectedReserved, available: 1000 - expectedReserved });
    expect(new Set(orders.map((o) => o.number)).size).toBe(24);
    const audit = await send(baseUrl, 'GET', '/api/audit/verify', session);
    expect(audit.body).toMatchObject({ ok: true });
    const integrity = await send(baseUrl, 'GET', '/api/integrity', session);
    expect(integrity.body).toMatchObject({ ok: true, violations: [] });
  });

  it('ends every worker on SIGTERM and exits 0', async () => {
    const exited = new Promise<number | null>((resolve) => cluster.child.once('exit', (code) => resolve(code)));
    cluster.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
