/**
 * Test harness: one suite, run once per database. Every test app gets its own throw-away database
 * (a fresh SQLite file, or a fresh PostgreSQL database dropped afterwards), so runs never share state.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { CompiledQuery, sql, type Compilable, type Kysely, type KyselyPlugin, type QueryId, type RawBuilder } from 'kysely';
import type { InjectOptions } from 'fastify';
import { buildApp } from '../src/server/app.js';
import { loadConfig, type Config } from '../src/server/config.js';
import { connect, type Db, type Dialect } from '../src/server/db/connect.js';
import { migrateUpTo } from '../src/server/db/migrate.js';
import type { DB } from '../src/server/db/schema.js';
import { bootstrap } from '../src/server/modules/users/users.service.js';
import type { App } from '../src/server/platform/http.js';

export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const ADMIN_PASSWORD = 'admin-password-1';

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (error) {
    if (process.env.CI === 'true') throw new Error(`CI=true and PostgreSQL at ${PG_URL} is unreachable: ${String(error)}`, { cause: error });
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The databases this run covers: SQLite always, PostgreSQL when reachable (required under CI=true). */
export const DIALECTS: Dialect[] = process.env.ORDERLY_TEST_DIALECTS
  ? (process.env.ORDERLY_TEST_DIALECTS.split(',') as Dialect[])
  : ['sqlite', ...((await postgresReachable()) ? (['postgres'] as const) : [])];

export interface TestDatabase {
  config: Config;
  ctx: Db;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * A fresh, migrated database with the built-in roles and `admin` (password ADMIN_PASSWORD). Stopped early by
 * `migrateUpTo`, it holds one user (`owner`) written as any schema since the first had it: today's bootstrap
 * writes what later migrations added (its audit entries' places, 0032). `bootstrap: false` leaves it empty.
 */
export async function createTestDatabase(dialect: Dialect, options: { poolSize?: number; migrateUpTo?: string; bootstrap?: boolean } = {}): Promise<TestDatabase> {
  const name = `orderly_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  // Files of this database (the SQLite file, backups) live in their own temporary folder, gone with the database.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderly-test-'));
  const common = { ORDERLY_ADMIN_PASSWORD: ADMIN_PASSWORD, ORDERLY_LOG_LEVEL: 'silent', ORDERLY_JOBS: 'off', ORDERLY_BACKUP_DIR: path.join(dir, 'backups') };
  let config: Config;
  let dropDatabase: () => Promise<void>;
  if (dialect === 'postgres') {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    config = loadConfig({ DATABASE_URL: withDatabase(PG_URL, name), ...common });
    dropDatabase = async () => {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      // pool.end() resolves before the server has seen every backend go; dropping "with (force)" then kills
      // them mid-goodbye and node-postgres reports FATAL 57P01 as an unhandled error. Wait them out briefly.
      for (let i = 0; i < 50; i++) {
        const { rows } = await client.query('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
        if (rows[0].n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    };
  } else {
    config = loadConfig({ ORDERLY_DB: path.join(dir, 'orderly.db'), ...common });
    dropDatabase = async () => undefined;
  }
  const ctx = connect(config.database, options);
  await migrateUpTo(ctx.kysely, ctx.dialect, options.migrateUpTo);
  if (options.bootstrap === false) {
    // Left empty.
  } else if (options.migrateUpTo !== undefined) {
    await sql`insert into users (username, password_hash, created_at, updated_at) values ('owner', 'not-a-password-hash', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`.execute(ctx.kysely);
  } else {
    await bootstrap(ctx, ADMIN_PASSWORD);
  }
  return {
    config,
    ctx,
    async drop() {
      await ctx.close();
      await dropDatabase();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Response<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | number | undefined>;
}

/** A signed-in (or anonymous) HTTP client over app.inject, sending the CSRF header like the web app does. */
export class Client {
  cookie: string | undefined;
  csrf: string | undefined;
  bearer: string | undefined;
  constructor(readonly app: App) {}

  async request<T = any>(method: InjectOptions['method'], url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response<T>> {
    const res = await this.app.inject({
      method,
      url,
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.csrf ? { 'x-csrf-token': this.csrf } : {}),
        ...(this.bearer ? { authorization: `Bearer ${this.bearer}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = res.body;
    let parsed: unknown = text;
    if ((res.headers['content-type'] ?? '').toString().includes('json') && text) parsed = JSON.parse(text);
    return { status: res.statusCode, body: parsed as T, headers: res.headers };
  }
  get<T = any>(url: string, headers?: Record<string, string>) {
    return this.request<T>('GET', url, undefined, headers);
  }
  post<T = any>(url: string, body: unknown = {}, headers?: Record<string, string>) {
    return this.request<T>('POST', url, body, headers);
  }
  put<T = any>(url: string, body: unknown, headers?: Record<string, string>) {
    return this.request<T>('PUT', url, body, headers);
  }
  patch<T = any>(url: string, body: unknown, headers?: Record<string, string>) {
    return this.request<T>('PATCH', url, body, headers);
  }
  delete<T = any>(url: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('DELETE', url, body, headers);
  }

  async login(username: string, password: string): Promise<this> {
    const res = await this.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
    if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`);
    const setCookie = [res.headers['set-cookie']].flat().find((c) => c?.startsWith('orderly_session='));
    this.cookie = setCookie!.split(';')[0];
    this.csrf = res.json().csrfToken;
    return this;
  }
}

export interface TestApp {
  dialect: Dialect;
  app: App;
  db: TestDatabase;
  admin: Client;
  /** The statements the app issued, when built with `recordStatements`. */
  issued: CompiledQuery[];
  anonymous(): Client;
  /** Creates a user with the given roles and returns a client signed in as them. */
  userWithRoles(username: string, roles: string[]): Promise<Client & { userId: string }>;
  close(): Promise<void>;
}

/**
 * `recordStatements`: the app issues its statements through recordStatements (compiled once, as run), which land in
 * `issued`; `db.ctx` stays the plain connection, for the test's own queries.
 */
export async function buildTestApp(dialect: Dialect, options: { recordStatements?: boolean } = {}): Promise<TestApp> {
  const db = await createTestDatabase(dialect);
  const recorded = options.recordStatements ? recordStatements(db.ctx.kysely, { compiledOnce: true }) : undefined;
  const app = await buildApp(db.config, recorded ? { ...db.ctx, kysely: recorded.kysely } : db.ctx, { logger: false });
  await app.ready();
  const admin = await new Client(app).login('admin', ADMIN_PASSWORD);
  return {
    dialect,
    app,
    db,
    admin,
    issued: recorded?.issued ?? [],
    anonymous: () => new Client(app),
    async userWithRoles(username, roles) {
      const password = `${username}-password-1`;
      const created = await admin.post('/api/users', { username, password, roles });
      if (created.status !== 201) throw new Error(`create user ${username}: ${created.status} ${JSON.stringify(created.body)}`);
      const client = await new Client(app).login(username, password);
      return Object.assign(client, { userId: created.body.id as string });
    },
    async close() {
      await app.close();
      await db.drop();
    },
  };
}

/** Factories: the smallest valid customer, product and order, over HTTP. */
export async function makeCustomer(client: Client, name = 'Acme Trading') {
  const res = await client.post('/api/customers', { name, phone: '+1 555 0100', email: 'buyer@example.com' });
  if (res.status !== 201) throw new Error(`customer: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; name: string };
}

let skuCounter = 0;
export async function makeProduct(client: Client, options: { price?: string; stock?: number; sku?: string } = {}) {
  const sku = options.sku ?? `SKU-${process.pid}-${++skuCounter}`;
  const res = await client.post('/api/products', { sku, name: `Product ${sku}`, price: options.price ?? '10.00', stock: options.stock ?? 100 });
  if (res.status !== 201) throw new Error(`product: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; sku: string; price: string };
}

export async function makeOrder(client: Client, customerId: string, items: Array<{ productId: string; quantity: number; unitPrice?: string }>, extra: Record<string, unknown> = {}) {
  const res = await client.post('/api/orders', { customerId, items, ...extra });
  if (res.status !== 201) throw new Error(`order: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; number: string; version: number; total: string; status: string; ownerId: string };
}

/**
 * The first user and a new customer, written straight to the tables: for tests that insert orders by hand (a deleted
 * one, say) into a database made or rewound to before a migration, where the API would not write such rows.
 */
export async function ownerAndCustomer(db: Kysely<DB>, name: string, at = '2026-01-01T00:00:00.000Z'): Promise<{ ownerId: number; customerId: number }> {
  const { id: ownerId } = await db.selectFrom('users').select('id').orderBy('id').executeTakeFirstOrThrow();
  const { id: customerId } = await db
    .insertInto('customers')
    .values({ name, name_key: name.toLowerCase(), created_at: at, updated_at: at } as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  return { ownerId, customerId };
}

/** A table's indexes, name → definition as the database reports it (the ones SQLite makes for constraints left out). */
export async function indexDefinitions(db: Kysely<DB>, dialect: Dialect, table: string): Promise<Map<string, string>> {
  const { rows } =
    dialect === 'postgres'
      ? await sql<{ name: string; def: string }>`select indexname as name, indexdef as def from pg_indexes where schemaname = current_schema() and tablename = ${table}`.execute(db)
      : await sql<{ name: string; def: string }>`select name, sql as def from sqlite_master where type = 'index' and tbl_name = ${table} and sql is not null`.execute(db);
  return new Map(rows.map((r) => [r.name, r.def]));
}

/**
 * `kysely` with a plugin that records each statement as it goes to the database, compiled with its values, for
 * `queryPlan`. Reads compiled once per shape (db/compiled.ts) pass through the plugin only as they are built: with
 * placeholders instead of values (left out), or as they are when they bind none. With `compiledOnce` they are also
 * recorded as they run, SQL and values (a raw query), as are the other statements the app hands over already
 * compiled (the session lookup, the name cache's reads).
 */
export function recordStatements(kysely: Kysely<DB>, options: { compiledOnce?: boolean } = {}): { kysely: Kysely<DB>; issued: CompiledQuery[] } {
  const issued: CompiledQuery[] = [];
  const recorder: KyselyPlugin = {
    transformQuery(args) {
      const compiled = kysely.getExecutor().compileQuery(args.node, args.queryId);
      if (!compiled.parameters.some((p) => typeof p === 'object' && p !== null && !Array.isArray(p))) issued.push(compiled);
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  const recording = kysely.withPlugin(recorder);
  if (options.compiledOnce) {
    const execute = recording.executeQuery.bind(recording);
    recording.executeQuery = ((query: CompiledQuery | Compilable<unknown>, queryId?: QueryId) => {
      if ('sql' in query) issued.push(query);
      return execute(query, queryId);
    }) as typeof recording.executeQuery;
  }
  return { kysely: recording, issued };
}

/**
 * A query's plan as one string; PostgreSQL is told not to scan the table, so on a few rows it still shows its index
 * choice. The query is SQL to embed, or a statement already compiled with its parameters (as the app issued it).
 */
export async function queryPlan(db: Kysely<DB>, dialect: Dialect, query: RawBuilder<unknown> | CompiledQuery): Promise<string> {
  return db.transaction().execute(async (trx) => {
    const explain = <R>(prefix: string) =>
      'parameters' in query ? trx.executeQuery<R>(CompiledQuery.raw(`${prefix} ${query.sql}`, [...query.parameters])) : sql<R>`${sql.raw(prefix)} ${query}`.execute(trx);
    if (dialect === 'postgres') {
      await sql`set local enable_seqscan = off`.execute(trx);
      await sql`set local enable_bitmapscan = off`.execute(trx);
      const { rows } = await explain<{ 'QUERY PLAN': string }>('explain');
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    }
    const { rows } = await explain<{ detail: string }>('explain query plan');
    return rows.map((r) => r.detail).join('\n');
  });
}
