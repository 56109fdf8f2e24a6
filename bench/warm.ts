import fs from 'node:fs';
import { sql } from 'kysely';
import type { Config } from '../src/server/config.js';
import type { Db } from '../src/server/db/connect.js';

/**
 * Reads the whole database into the operating system's page cache, untimed, before a heavy operation is timed —
 * what the latency scenarios' warm-up does for their paths. The deletion rounds and the export come minutes after
 * the seed, and a virtual machine may hand idle page cache back to its host meanwhile (this one did: a 1.2 GB
 * file read whole was 1.0 GB cached a minute later, with 22 GB free). A deletion of 1,000 orders then read its
 * ~7,000 scattered index pages from disk: 300 ms median over HTTP instead of 127 on the same file cached, which
 * measured the disk, not Orderly. Returns how the database was warmed, for the operation's row.
 */
export async function warmDatabase(ctx: Db, config: Config): Promise<string> {
  const database = config.database;
  if (database.dialect === 'sqlite') {
    if (database.file === ':memory:') return 'in memory';
    for (const file of [database.file, `${database.file}-wal`]) readWhole(file);
    return 'database file read into the OS cache first';
  }
  try {
    // 'read' mode: through the OS cache, not into shared_buffers (128 MB by default, a fraction of the data).
    await sql`create extension if not exists pg_prewarm`.execute(ctx.kysely);
    await sql`select sum(pg_prewarm(c.oid::regclass, 'read')) from pg_class c
               where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'i', 't')`.execute(ctx.kysely);
    return 'tables and indexes read into the OS cache first (pg_prewarm)';
  } catch (error) {
    return `not warmed (${error instanceof Error ? error.message : String(error)})`;
  }
}

function readWhole(file: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return;
  }
  try {
    const buffer = Buffer.allocUnsafe(8 << 20);
    for (let position = 0; ; position += buffer.length) if (fs.readSync(fd, buffer, 0, buffer.length, position) < buffer.length) break;
  } finally {
    fs.closeSync(fd);
  }
}
