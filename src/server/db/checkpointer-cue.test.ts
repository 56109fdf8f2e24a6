import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import { connect } from './connect.js';

const { committed } = vi.hoisted(() => ({ committed: vi.fn() }));
vi.mock('./checkpointer.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('./checkpointer.js')>()),
  startCheckpointer: () => ({ committed, close: async () => undefined }),
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
});
