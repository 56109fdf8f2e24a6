import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../../test/helpers.js';
import fs from 'node:fs';
import { WAL_SAFETY_PAGES } from './checkpointer.js';
import { runCompiled } from './compiled.js';
import { isKeptPrepared, keepPrepared, SPILL_PAGES } from './connect.js';

describe.each(DIALECTS)('database connection (%s)', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    // One connection, so PostgreSQL's view of its prepared statements is the one the queries ran on.
    t = await createTestDatabase(dialect, { poolSize: 1 });
  });
  afterAll(async () => t?.drop());

  const addCustomer = (name: string) =>
    t.ctx.kysely
      .insertInto('customers')
      .values({ name, name_key: name.toLowerCase(), created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z', version: 1 })
      .returning(['id', 'name'])
      .executeTakeFirstOrThrow();

  it('returns rows as plain objects keyed by column, a repeated name keeping its last value', async () => {
    const inserted = await addCustomer('Row Shape Ltd');
    expect(inserted).toEqual({ id: expect.any(Number), name: 'Row Shape Ltd' });
    const { rows } = await sql<{ a: number; b: string }>`select 1 as a, 'x' as b, 2 as a`.execute(t.ctx.kysely);
    expect(rows).toEqual([{ a: 2, b: 'x' }]);
    expect(Object.keys(rows[0])).toEqual(['a', 'b']);
    expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype);
  });

  it('runs the same statement again and again and always sees the latest rows', async () => {
    const names = () =>
      t.ctx.kysely.selectFrom('customers').select('name').where('name', 'like', 'Repeat %').orderBy('name').limit(sql.lit(10)).execute();
    expect(await names()).toEqual([]);
    await addCustomer('Repeat A');
    expect(await names()).toEqual([{ name: 'Repeat A' }]);
    await addCustomer('Repeat B');
    expect((await names()).map((r) => r.name)).toEqual(['Repeat A', 'Repeat B']);
  });


  it('a kept `select *` answers with a column its table gained after it was first run', async () => {
    await sql`create table widen_me (a integer, b text)`.execute(t.ctx.kysely);
    await sql`insert into widen_me values (1, 'one')`.execute(t.ctx.kysely);
    const all = async () => (await sql`select * from widen_me order by a`.execute(t.ctx.kysely)).rows;
    expect(await all()).toEqual([{ a: 1, b: 'one' }]);
    await sql`alter table widen_me add column c integer default 7`.execute(t.ctx.kysely);
    expect(await all()).toEqual([{ a: 1, b: 'one', c: 7 }]);
  });
  it('a statement kept prepared on PostgreSQL binds fresh values on every run', async () => {
    const byName = (name: string) => t.ctx.kysely.selectFrom('customers').select(['id', 'name']).where('name', '=', name).compile();
    keepPrepared(byName('').sql);
    const first = await addCustomer('Kept One');
    const second = await addCustomer('Kept Two');
    for (let run = 0; run < 8; run++) {
      // PostgreSQL switches a prepared statement to a generic plan after five runs: both plans must answer alike.
      expect((await t.ctx.kysely.executeQuery(byName('Kept One'))).rows).toEqual([first]);
      expect((await t.ctx.kysely.executeQuery(byName('Kept Two'))).rows).toEqual([second]);
    }
    if (dialect === 'postgres') {
      const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements where name like 'orderly_kept_%'`.execute(t.ctx.kysely);
      expect(rows.map((r) => r.statement)).toContain(byName('').sql);
    }
  });

  it('a query compiled once and asked to be prepared runs as a named statement on PostgreSQL, fresh values each run', async () => {
    const first = await addCustomer('Compiled Kept One');
    const second = await addCustomer('Compiled Kept Two');
    // Two statements of their own (the columns in another order), so no other test's kept statement is either.
    const query = (columns: Array<'id' | 'name' | 'version'>) => (name: unknown) =>
      t.ctx.kysely.selectFrom('customers').select(columns).where('name', '=', name as string).where('version', '>=', 1);
    const kept = query(['version', 'id', 'name']);
    const plain = query(['version', 'name', 'id']);
    const run = (prepared: boolean, name: string) => runCompiled(t.ctx.kysely, `test.by-name|${prepared}`, [name], ([n]) => (prepared ? kept : plain)(n), { prepared });
    for (let round = 0; round < 8; round++) {
      // PostgreSQL switches a prepared statement to a generic plan after five runs: both plans must answer alike.
      expect(await run(true, 'Compiled Kept One')).toEqual([{ ...first, version: 1 }]);
      expect(await run(true, 'Compiled Kept Two')).toEqual([{ ...second, version: 1 }]);
      expect(await run(false, 'Compiled Kept Two')).toEqual([{ ...second, version: 1 }]);
    }
    if (dialect === 'postgres') {
      const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(t.ctx.kysely);
      const statements = rows.map((r) => r.statement);
      expect(statements).toContain(kept('').compile().sql);
      expect(statements).not.toContain(plain('').compile().sql);
      expect(isKeptPrepared(plain('').compile().sql)).toBe(false);
    }
  });

  it.runIf(dialect === 'sqlite')('folds the write-ahead log into the database file in the background, not in the commit', async () => {
    const file = t.config.database.dialect === 'sqlite' ? t.config.database.file : '';
    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(t.ctx.kysely);
    expect(rows[0].wal_autocheckpoint).toBe(WAL_SAFETY_PAGES);
    // Large commands keep their statement journals and dirty pages in memory (see connect.ts); 2 is MEMORY.
    expect((await sql<{ temp_store: number }>`pragma temp_store`.execute(t.ctx.kysely)).rows[0].temp_store).toBe(2);
    expect((await sql<{ cache_spill: number }>`pragma cache_spill`.execute(t.ctx.kysely)).rows[0].cache_spill).toBe(SPILL_PAGES);
    const before = fs.statSync(file).size;
    // ~2,000 pages: past SQLite's default checkpoint threshold, far below the backstop, so only the worker copies them.
    await t.ctx.kysely.transaction().execute(async (trx) => {
      for (let i = 0; i < 200; i++) await trx.insertInto('customers').values({ name: `Wal ${i}`, name_key: `wal ${i} ${'x'.repeat(40_000)}`, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z', version: 1 }).execute();
    });
    const deadline = Date.now() + 10_000;
    while (fs.statSync(file).size < before + 8_000_000 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fs.statSync(file).size).toBeGreaterThan(before + 8_000_000);
  });

  it.runIf(dialect === 'sqlite')('lets a stream be abandoned half way and the same query run again', async () => {
    for (const name of ['Stream 1', 'Stream 2', 'Stream 3']) await addCustomer(name);
    const query = () => t.ctx.kysely.selectFrom('customers').select('name').where('name', 'like', 'Stream %').orderBy('name');
    const seen: string[] = [];
    for await (const row of query().stream()) {
      seen.push(row.name);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual(['Stream 1', 'Stream 2']);
    expect((await query().execute()).map((r) => r.name)).toEqual(['Stream 1', 'Stream 2', 'Stream 3']);
  });
});

describe('closing a SQLite database from a plain Node process', () => {
  it('keeps the process alive until the close has finished, so what follows it still runs', async () => {
    // Runs the built module (npm test builds first) in a process with nothing else to keep it alive, as a CLI is.
    const { execFileSync } = await import('node:child_process');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderly-close-'));
    try {
      const script = `
        const { connect } = await import(${JSON.stringify(path.resolve('dist/src/server/db/connect.js'))});
        const db = connect({ dialect: 'sqlite', file: ${JSON.stringify(path.join(dir, 'close.db'))} });
        const { sql } = await import('kysely');
        await sql\`create table filler (data text)\`.execute(db.kysely);
        // Long enough for the checkpointer thread to be up, as it is by a CLI command's last step.
        await new Promise((resolve) => setTimeout(resolve, 300));
        // A log to fold back, so the checkpointer has work in hand when it is asked to close.
        for (let i = 0; i < 40; i++) await sql\`insert into filler values (\${'x'.repeat(500_000)})\`.execute(db.kysely);
        await db.close();
        console.log('after close');`;
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(out).toContain('after close');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
