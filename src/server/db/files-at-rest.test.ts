import { sql } from 'kysely';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from './connect.js';

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

describe('the SQLite database files at rest', () => {
  const roots: string[] = [];
  afterEach(() => {
    for (const root of roots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
  });
  const scratch = () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'orderly-files-'));
    roots.push(root);
    return root;
  };

  it('creates the data folder 0700 and the database, its WAL and shared-memory files 0600', async () => {
    const folder = path.join(scratch(), 'nested', 'data');
    const file = path.join(folder, 'orderly.db');
    const db = connect({ dialect: 'sqlite', file });
    try {
      await sql`create table probe (v text)`.execute(db.kysely);
      await sql`insert into probe values ('written')`.execute(db.kysely);
      expect(modeOf(folder)).toBe(0o700);
      for (const own of [file, `${file}-wal`, `${file}-shm`]) {
        expect(fs.existsSync(own)).toBe(true);
        expect(modeOf(own).toString(8)).toBe('600');
      }
    } finally {
      await db.close();
    }
  });

  it('tightens a database file an older version left readable by others', async () => {
    const folder = scratch();
    const file = path.join(folder, 'old.db');
    const first = connect({ dialect: 'sqlite', file });
    await sql`create table probe (v text)`.execute(first.kysely);
    await first.close();
    fs.chmodSync(file, 0o644);
    const again = connect({ dialect: 'sqlite', file });
    try {
      await sql`insert into probe values ('again')`.execute(again.kysely);
      expect(modeOf(file).toString(8)).toBe('600');
      expect(modeOf(`${file}-wal`).toString(8)).toBe('600');
      expect((await sql<{ v: string }>`select v from probe`.execute(again.kysely)).rows).toEqual([{ v: 'again' }]);
    } finally {
      await again.close();
    }
  });
});
