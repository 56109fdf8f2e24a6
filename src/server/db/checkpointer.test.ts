import SQLite from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCheckpointer, type Checkpointer } from './checkpointer.js';

/** ~1,000 pages of new rows in one transaction: a large command's commit, in miniature. */
function writeLargeTransaction(db: SQLite.Database, tag: string): void {
  const insert = db.prepare('insert into filler (tag, data) values (?, ?)');
  db.transaction(() => {
    for (let i = 0; i < 100; i++) insert.run(tag, 'x'.repeat(40_000));
  })();
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('SQLite checkpointer thread', () => {
  let dir: string;
  let file: string;
  let writer: SQLite.Database;
  let checkpointer: Checkpointer | undefined;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderly-checkpointer-'));
    file = path.join(dir, 'wal.db');
    writer = new SQLite(file);
    writer.pragma('journal_mode = WAL');
    // Only the worker checkpoints, as on the server (whose backstop is far above these few pages).
    writer.pragma('wal_autocheckpoint = 0');
    writer.exec('create table filler (tag text, data text)');
  });
  afterEach(async () => {
    await checkpointer?.close();
    checkpointer = undefined;
    writer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('copies a commit back as soon as it is told of it, so the next large commit starts the log afresh', async () => {
    // A timer that never fires within the test: only the commit's cue can start the copy.
    checkpointer = startCheckpointer(file, { everyMs: 3_600_000 });
    writeLargeTransaction(writer, 'first');
    const logAfterFirst = fs.statSync(`${file}-wal`).size;
    const databaseBefore = fs.statSync(file).size;
    checkpointer.committed();
    // The worker has started once the database file grows; it has finished once a checkpoint asked for here is no
    // longer refused as busy and finds every frame copied (started by the worker, it has nothing left to do itself).
    await until(() => fs.statSync(file).size > databaseBefore, 'the worker to start copying');
    await until(() => {
      const [state] = writer.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
      return state.busy === 0 && state.log === state.checkpointed;
    }, 'the whole first commit to be copied into the database');
    writeLargeTransaction(writer, 'second');
    // Written from the log's start again: the file is no longer than one command's pages (appending would double it).
    expect(fs.statSync(`${file}-wal`).size).toBeLessThanOrEqual(logAfterFirst + 8 * 4_120);
    expect(writer.prepare('select count(*) as n from filler').get()).toEqual({ n: 200 });
  });

  it('once a copy found the log long, the next transaction waits for the copy of the last commit, and then starts the log afresh', async () => {
    checkpointer = startCheckpointer(file, { everyMs: 3_600_000, rewindAtFrames: 500 });
    writeLargeTransaction(writer, 'first');
    const oneCommand = fs.statSync(`${file}-wal`).size;
    checkpointer.committed();
    await until(() => checkpointer!.lastCopy().commits === 1, 'the worker to copy the first commit');
    expect(checkpointer.lastCopy().log).toBeGreaterThanOrEqual(500);
    expect(checkpointer.lastCopy().copied).toBe(checkpointer.lastCopy().log);
    writeLargeTransaction(writer, 'second');
    checkpointer.committed();
    const copying = checkpointer.beforeWrite();
    expect(copying).toBeInstanceOf(Promise);
    await copying;
    // The copy of the second commit has finished: nothing more to wait for, and the third commit rewinds the log.
    expect(checkpointer.beforeWrite()).toBeUndefined();
    writeLargeTransaction(writer, 'third');
    expect(fs.statSync(`${file}-wal`).size).toBeLessThanOrEqual(oneCommand + 8 * 4_120);
    expect(writer.prepare('select count(*) as n from filler').get()).toEqual({ n: 300 });
  });

  it('a short log never makes a transaction wait', async () => {
    checkpointer = startCheckpointer(file, { everyMs: 3_600_000 });
    writeLargeTransaction(writer, 'first');
    checkpointer.committed();
    await until(() => checkpointer!.lastCopy().commits === 1, 'the worker to copy the first commit');
    writeLargeTransaction(writer, 'second');
    checkpointer.committed();
    expect(checkpointer.beforeWrite()).toBeUndefined();
  });

  it('without the cue, the next large commit appends behind the pages still waiting for the timer', async () => {
    checkpointer = startCheckpointer(file, { everyMs: 3_600_000 });
    writeLargeTransaction(writer, 'first');
    const logAfterFirst = fs.statSync(`${file}-wal`).size;
    writeLargeTransaction(writer, 'second');
    expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(logAfterFirst * 1.8);
  });
});
