/**
 * A SQLite seed into an empty book that has the file to itself writes it under a rollback journal instead of through
 * the write-ahead log (bulk-load.ts, writeDirectly). What it leaves must be what the log path leaves: the app's WAL
 * mode, every row and invariant, and after a kill -9 mid-load the book exactly as before the seed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestDatabase, DIALECTS, type TestDatabase } from '../../test/helpers.js';
import { connect, type Db } from '../server/db/connect.js';
import { checkInvariants } from '../server/modules/integrity/invariants.js';
import { bulkSeed } from './bulk-seed.js';

const CLI = path.resolve('dist/src/cli/orderly.js');

describe.runIf(DIALECTS.includes('sqlite'))('bulk seed writing the database file directly (sqlite)', () => {
  let db: TestDatabase;
  let reopened: Db | undefined;
  const file = () => (db.config.database.dialect === 'sqlite' ? db.config.database.file : '');
  const reopen = () => (reopened = connect(db.config.database));
  const state = async (ctx: Db) => {
    const { rows } = await sql<{ orders: number; items: number; customers: number; movements: number; mode: string; integrity: string }>`
      select (select count(*) from orders) as orders, (select count(*) from order_items) as items,
             (select count(*) from customers) as customers, (select count(*) from stock_movements) as movements,
             (select journal_mode from pragma_journal_mode) as mode, (select integrity_check from pragma_integrity_check) as integrity`.execute(ctx.kysely);
    return rows[0];
  };
  /**
   * A seed's log lines, and whether a rollback journal existed while it loaded (checked as the orders are copied in):
   * one exists only while a transaction of a database in that mode writes; in WAL mode never.
   */
  const watchLoad = () => {
    const load: { lines: string[]; journalDuringLoad?: boolean; log: (line: string) => void } = {
      lines: [],
      log(line) {
        load.lines.push(line);
        if (line.includes('orders copied in')) load.journalDuringLoad = fs.existsSync(`${file()}-journal`);
      },
    };
    return load;
  };
  const triggers = async (ctx: Db) =>
    (await sql<{ name: string }>`select name from sqlite_master where type = 'trigger' order by name`.execute(ctx.kysely)).rows.map((r) => r.name);

  beforeEach(async () => {
    db = await createTestDatabase('sqlite');
  });
  afterEach(async () => {
    await reopened?.close();
    reopened = undefined;
    await db?.drop();
  });

  it('writes the file under a rollback journal, not the log, and hands it back in WAL mode', async () => {
    const triggersBefore = await triggers(db.ctx);
    const load = watchLoad();
    const result = await bulkSeed(db.ctx, db.config.database, { orders: 3_000, log: load.log, releaseConnections: () => db.ctx.close() });
    expect(result.orders).toBe(3_000);
    expect(load.lines).toContain('  writing the database file directly (no other connection open)');
    expect(load.journalDuringLoad).toBe(true);
    expect(fs.existsSync(`${file()}-journal`)).toBe(false);
    // The file's own header, before the app (which asks for WAL on opening) touches it: versions 2 mean WAL mode.
    const header = Buffer.alloc(20);
    const fd = fs.openSync(file(), 'r');
    fs.readSync(fd, header, 0, 20, 0);
    fs.closeSync(fd);
    expect([header[18], header[19]]).toEqual([2, 2]);
    const ctx = reopen();
    expect(await state(ctx)).toMatchObject({ orders: 3_000, mode: 'wal', integrity: 'ok' });
    expect(await checkInvariants(ctx.kysely)).toEqual([]);
    expect(await triggers(ctx)).toEqual(triggersBefore);
  });

  it('goes through the write-ahead log while another connection has the file open', async () => {
    const load = watchLoad();
    await bulkSeed(db.ctx, db.config.database, { orders: 400, log: load.log });
    expect(load.lines).toContain('  writing through the write-ahead log (another connection is open)');
    expect(load.journalDuringLoad).toBe(false);
    expect(await state(db.ctx)).toMatchObject({ orders: 400, mode: 'wal', integrity: 'ok' });
  });

  it('leaves the book as it was when the seed is killed mid-load, and the app opens it in WAL mode', async () => {
    const before = await state(db.ctx);
    const triggersBefore = await triggers(db.ctx);
    await db.ctx.close();
    const env: NodeJS.ProcessEnv = { ...process.env, ORDERLY_DB: file(), ORDERLY_ADMIN_PASSWORD: ADMIN_PASSWORD, ORDERLY_LOG_LEVEL: 'silent', ORDERLY_JOBS: 'off' };
    delete env.DATABASE_URL;
    const child = spawn(process.execPath, [CLI, 'seed', '--orders', '300000'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
    let output = '';
    // The lines, movements and ledger entries (~200 MB) have gone past the seed's 64 MB cache into the file by then,
    // and the indexes, the orders' copy and the commit are still to come.
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('ledger entries generated')) resolve();
      });
      child.once('exit', () => reject(new Error(`the seed exited before its load was under way:\n${output}`)));
    });
    expect(output).toContain('writing the database file directly');
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    // A hot journal: the old content of the pages the load had changed, for the next open to put back.
    expect(fs.statSync(`${file()}-journal`).size).toBeGreaterThan(0);
    const ctx = reopen();
    expect(await state(ctx)).toEqual({ ...before, mode: 'wal', integrity: 'ok' });
    expect(fs.existsSync(`${file()}-journal`)).toBe(false);
    expect(await triggers(ctx)).toEqual(triggersBefore);
  }, 60_000);
});
