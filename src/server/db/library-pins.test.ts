/**
 * connect.ts leans on library internals for speed: the pg `query` patch (kept prepared statements) and the
 * SQLite statement wrapper with its generated row builders. A library upgrade that changes those internals would
 * not break anything visibly, only make the app slow or, worse, subtly wrong; these tests fail first, and their
 * message names the library to check.
 */
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, PG_URL } from '../../../test/helpers.js';
import { keepPrepared } from './connect.js';

const KYSELY_PG = 'kysely upgrade: its PostgresDriver no longer calls client.query(text, values); runKeptStatementsPrepared in src/server/db/connect.ts matches on exactly that call';
const PG_NAMED = 'pg upgrade: client.query({name, text, values}) no longer runs a named prepared statement; runKeptStatementsPrepared in src/server/db/connect.ts relies on it';
const PG_CONNECT = "pg upgrade: Pool no longer emits 'connect' with the new client before its first query; connect.ts installs the query patch there";
const KYSELY_SQLITE = 'kysely upgrade: its SqliteDriver uses statement or database members beyond prepare/reader/all/run/iterate/close; statementOf and withStatementCache in src/server/db/connect.ts implement only those';
const BETTER_SQLITE3 = 'better-sqlite3 upgrade: statement.raw/columns/reader/busy/iterate changed; statementOf in src/server/db/connect.ts builds rows from them';

describe('pinned: how Kysely calls pg (no database needed)', () => {
  it('every statement reaches pg as client.query(text, valuesArray), two arguments', async () => {
    const calls: unknown[][] = [];
    const client = {
      query: (...args: unknown[]) => {
        calls.push(args);
        return Promise.resolve({ command: 'SELECT', rowCount: 0, rows: [] });
      },
      release: () => undefined,
    };
    const pool = { connect: () => Promise.resolve(client), end: () => Promise.resolve() };
    const db = new Kysely<Record<string, never>>({ dialect: new PostgresDialect({ pool: pool as unknown as pg.Pool }) });
    await db.executeQuery(CompiledQuery.raw('select $1::int as n', [1]));
    await db.transaction().execute((trx) => sql`select ${2}::int as n`.execute(trx));
    await db.destroy();
    expect(calls.length, KYSELY_PG).toBeGreaterThanOrEqual(4);
    for (const args of calls) {
      expect(args.length, KYSELY_PG).toBe(2);
      expect(typeof args[0], KYSELY_PG).toBe('string');
      expect(Array.isArray(args[1]), KYSELY_PG).toBe(true);
    }
    expect(calls[0], KYSELY_PG).toEqual(['select $1::int as n', [1]]);
  });
});

describe.runIf(DIALECTS.includes('postgres'))('pinned: pg behaviour the query patch relies on (postgres)', () => {
  it("Pool emits 'connect' with the client before its first query, and {name,text,values} prepares a named statement", async () => {
    const pool = new pg.Pool({ connectionString: PG_URL, max: 1 });
    try {
      const order: string[] = [];
      pool.on('connect', (client) => {
        order.push('connect');
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        client.query = ((...args: unknown[]) => {
          order.push('query');
          return query(...args);
        }) as unknown as typeof client.query;
      });
      const first = await pool.query<{ n: number }>({ name: 'orderly_pin_probe', text: 'select $1::int + 1 as n', values: [41] });
      expect(order.slice(0, 2), PG_CONNECT).toEqual(['connect', 'query']);
      expect(first.rows, PG_NAMED).toEqual([{ n: 42 }]);
      // Same name again with another value: pg must reuse the statement, not send the text anew or fail.
      expect((await pool.query<{ n: number }>({ name: 'orderly_pin_probe', text: 'select $1::int + 1 as n', values: [1] })).rows, PG_NAMED).toEqual([{ n: 2 }]);
      const prepared = await pool.query<{ name: string; statement: string }>("select name, statement from pg_prepared_statements where name = 'orderly_pin_probe'");
      expect(prepared.rows, PG_NAMED).toEqual([{ name: 'orderly_pin_probe', statement: 'select $1::int + 1 as n' }]);
    } finally {
      await pool.end();
    }
  });

  it('through connect(), a kept statement issued by Kysely runs as orderly_kept_*', async () => {
    const t = await createTestDatabase('postgres', { poolSize: 1 });
    try {
      const text = 'select $1::int * 2 as doubled /* library pin */';
      keepPrepared(text);
      expect((await t.ctx.kysely.executeQuery(CompiledQuery.raw(text, [21]))).rows).toEqual([{ doubled: 42 }]);
      const { rows } = await sql<{ name: string }>`select name from pg_prepared_statements where statement = ${text}`.execute(t.ctx.kysely);
      expect(rows.map((r) => r.name), `${KYSELY_PG}; or ${PG_NAMED}`).toEqual([expect.stringMatching(/^orderly_kept_\d+$/)]);
    } finally {
      await t.drop();
    }
  });
});

describe('pinned: how Kysely uses a better-sqlite3 database', () => {
  it('only through prepare and close, and statements only through reader, all, run and iterate', async () => {
    const dbMembers = new Set<string>();
    const statementMembers = new Set<string>();
    const real = new SQLite(':memory:');
    const spyStatement = (statement: SQLite.Statement) =>
      new Proxy(statement, {
        get(target, key, receiver) {
          if (typeof key === 'string') statementMembers.add(key);
          const value: unknown = Reflect.get(target, key, receiver);
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
    const database = new Proxy(real, {
      get(target, key) {
        if (typeof key === 'string') dbMembers.add(key);
        if (key === 'prepare') return (text: string) => spyStatement(target.prepare(text));
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const db = new Kysely<{ t: { id: number; name: string } }>({ dialect: new SqliteDialect({ database }) });
    await sql`create table t (id integer primary key, name text not null)`.execute(db);
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ id: 1, name: 'a' }).execute();
      await trx.insertInto('t').values({ id: 2, name: 'b' }).returning('id').executeTakeFirstOrThrow();
    });
    await db.selectFrom('t').selectAll().where('id', '=', 1).executeTakeFirst();
    await db.updateTable('t').set({ name: 'c' }).where('id', '=', 2).execute();
    for await (const row of db.selectFrom('t').selectAll().stream()) if (row.id === 1) break;
    await db.destroy();
    expect([...dbMembers].sort(), KYSELY_SQLITE).toEqual(['close', 'prepare']);
    expect([...statementMembers].filter((m) => !['reader', 'all', 'run', 'iterate'].includes(m)), KYSELY_SQLITE).toEqual([]);
    expect(statementMembers, KYSELY_SQLITE).toEqual(new Set(['reader', 'all', 'run', 'iterate']));
  });
});

describe('pinned: better-sqlite3 statement behaviour the row builders rely on', () => {
  it('raw(true) returns arrays in columns() order, repeated names included; reader and busy mean what we assume', () => {
    const db = new SQLite(':memory:');
    try {
      db.exec("create table t (id integer primary key, name text); insert into t values (1, 'a'), (2, 'b'), (3, 'c')");
      const select = db.prepare('select id, name, id * 10 as id from t order by id');
      expect(select.reader, BETTER_SQLITE3).toBe(true);
      expect(db.prepare('insert into t (name) values (?)').reader, BETTER_SQLITE3).toBe(false);
      expect(db.prepare("insert into t (name) values ('x') returning id").reader, BETTER_SQLITE3).toBe(true);
      expect(select.columns().map((c) => c.name), BETTER_SQLITE3).toEqual(['id', 'name', 'id']);
      select.raw(true);
      expect(select.all(), BETTER_SQLITE3).toEqual([
        [1, 'a', 10],
        [2, 'b', 20],
        [3, 'c', 30],
      ]);
      const rows = select.iterate() as IterableIterator<unknown[]>;
      expect(rows.next().value, BETTER_SQLITE3).toEqual([1, 'a', 10]);
      // Mid-iteration the statement is busy (the cache must then prepare a fresh one); return() frees it.
      expect(select.busy, BETTER_SQLITE3).toBe(true);
      expect(typeof rows.return, BETTER_SQLITE3).toBe('function');
      rows.return!();
      expect(select.busy, BETTER_SQLITE3).toBe(false);
      expect(select.all(), BETTER_SQLITE3).toHaveLength(3);
    } finally {
      db.close();
    }
  });
});
