import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import { connect } from './connect.js';

const { committed, beforeWrite } = vi.hoisted(() => ({ committed: vi.fn(), beforeWrite: vi.fn((): Promise<void> | undefined => undefined) }));
vi.mock('./checkpointer.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('./checkpointer.js')>()),
  startCheckpointer: () => ({ committed, beforeWrite, lastCopy: () => ({ commits: 0, log: 0, copied: 0 }), close: async () => undefined }),
}));

describe('a SQLite connection and its checkpointer', () => {
  it('tells the checkpointer of each committed transaction, and of no rolled-back one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderly-cue-'));
    const db = connect({ dialect: 'sqlite', file: path.join(dir, 'cue.db') });
    try {
      await sql`create table filler (data text)`.execute(db.kysely);
      committed.mockClear();
      await db.kysely.transaction().execute(async (trx) => {
        await sql`insert into filler values ('a')`.execute(trx);
        await sql`insert into filler values ('b')`.execute(trx);
      });
      expect(committed).toHaveBeenCalledTimes(1);
      await expect(
        db.kysely.transaction().execute(async (trx) => {
          await sql`insert into filler values ('c')`.execute(trx);
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      expect(committed).toHaveBeenCalledTimes(1);
    } finally {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('begins no transaction while the checkpointer holds it back, and begins it once the copy is done', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderly-cue-'));
    const db = connect({ dialect: 'sqlite', file: path.join(dir, 'cue.db') });
    try {
      await sql`create table filler (data text)`.execute(db.kysely);
      let copied!: () => void;
      beforeWrite.mockReturnValueOnce(new Promise<void>((resolve) => (copied = resolve)));
      const steps: string[] = [];
      const done = db.kysely.transaction().execute(async (trx) => {
        steps.push('began');
        await sql`insert into filler values ('a')`.execute(trx);
      });
      // Several turns of the event loop: an unblocked transaction would have begun within the first.
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(steps).toEqual([]);
      copied();
      await done;
      expect(steps).toEqual(['began']);
      expect(await sql<{ n: number }>`select count(*) as n from filler`.execute(db.kysely)).toMatchObject({ rows: [{ n: 1 }] });
    } finally {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
