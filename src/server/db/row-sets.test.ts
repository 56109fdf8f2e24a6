/**
 * Many-row inserts (row-sets.ts): the journals, the audit chain and the outbox write a deletion's thousand rows
 * with one call. On SQLite that call runs a one-row insert per row inside a savepoint (connect.ts EACH_ROW), on
 * PostgreSQL one statement over a jsonb array: both must keep the rows' order (the audit chain's id order is its chain
 * order), carry every value as given, and change all rows or none.
 */
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../../test/helpers.js';
import { insertRowSet, type SetColumns, type SetRow } from './row-sets.js';
import type { DB } from './schema.js';

const COLUMNS: SetColumns = [
  ['n', 'int'],
  ['label', 'text'],
];

describe.each(DIALECTS)('many-row inserts (%s)', (dialect) => {
  let db: TestDatabase;
  let kysely: Kysely<DB>;
  const probe = 'row_set_probe' as keyof DB;

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    kysely = db.ctx.kysely;
    const id = dialect === 'postgres' ? sql`bigint generated always as identity primary key` : sql`integer primary key autoincrement`;
    await sql`create table row_set_probe (id ${id}, n bigint, label text unique)`.execute(kysely);
  });
  afterAll(async () => {
    await db?.drop();
  });

  const stored = async () =>
    (await sql<{ id: number; n: number | null; label: string | null }>`select id, n, label from row_set_probe order by id`.execute(kysely)).rows.map((r) => [r.n === null ? null : Number(r.n), r.label]);

  it('inserts every row in the order given, each value as given', async () => {
    await sql`delete from row_set_probe`.execute(kysely);
    const awkward = ["it's \"quoted\"", 'é 漢字 😀', '', 'a\\b', 'line\nbreak', '[1,2]', 'null', '\\ud800 written out', 'a lone \ud800 surrogate'];
    const rows: SetRow[] = Array.from({ length: 1_200 }, (_, i) => [i % 7 === 3 ? null : (i * 7_919) % 1_000 - 500 + (i === 5 ? Number.MAX_SAFE_INTEGER : 0), i % 11 === 4 ? null : `${awkward[i % awkward.length]} #${i}`]);
    await kysely.transaction().execute((trx) => insertRowSet(trx, dialect, probe, COLUMNS, rows));
    // A lone surrogate has no UTF-8 form: both databases store U+FFFD in its place.
    expect(await stored()).toEqual(rows.map(([n, label]) => [n, typeof label === 'string' ? label.replace('\ud800', '\ufffd') : label]));
  });

  it('a set that fails part-way leaves none of its rows, even when its caller goes on and commits', async () => {
    await sql`delete from row_set_probe`.execute(kysely);
    let failure: unknown;
    const committed = await kysely
      .transaction()
      .execute(async (trx) => {
        await insertRowSet(trx, dialect, probe, COLUMNS, [[1, 'kept']]);
        // The third row repeats a unique label, so the set fails after two of its rows went in.
        await insertRowSet(trx, dialect, probe, COLUMNS, [[2, 'first'], [3, 'second'], [4, 'kept'], [5, 'after']]).catch((e: unknown) => {
          failure = e;
        });
      })
      .then(
        () => true,
        () => false,
      );
    expect(String(failure)).toMatch(/unique/i);
    // SQLite goes on after a failed statement, undoing only that statement; PostgreSQL aborts the transaction,
    // and its commit rolls it all back.
    expect(committed).toBe(dialect === 'sqlite');
    expect(await stored()).toEqual(dialect === 'sqlite' ? [[1, 'kept']] : []);
  });

  it('an empty set writes nothing', async () => {
    await sql`delete from row_set_probe`.execute(kysely);
    await kysely.transaction().execute((trx) => insertRowSet(trx, dialect, probe, COLUMNS, []));
    expect(await stored()).toEqual([]);
  });
});
