import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../../test/helpers.js';
import { verifyAudit } from '../modules/audit/audit.service.js';
import { systemActor } from '../platform/actor.js';
import { GENESIS_HASH, hashAuditRow, recordAudit } from '../platform/audit.js';
import { connect } from './connect.js';
import { migrateUpTo } from './migrate.js';
import type { DB } from './schema.js';

/**
 * Migration 0032: the audit chain cannot fork because each entry's place (`seq`) is unique, where before its
 * predecessor's hash was; neither hash is indexed any more (random keys, one index page per entry written).
 */
describe.each(DIALECTS)('the audit chain’s places (%s)', (dialect) => {
  let t: TestDatabase;
  const db = () => t.ctx.kysely;
  const append = (kysely: Kysely<DB>, action: string) => kysely.transaction().execute((trx) => recordAudit(trx, dialect, systemActor('test'), { action, entityType: 'test' }));
  const places = async (kysely: Kysely<DB>) => (await kysely.selectFrom('audit_log').select(['id', 'seq']).orderBy('id').execute()).map((r) => r.seq);
  /** Every index of audit_log by name, SQLite's automatic ones (a column's UNIQUE) included. */
  const indexes = async (kysely: Kysely<DB>) => {
    const { rows } =
      dialect === 'postgres'
        ? await sql<{ name: string }>`select indexname as name from pg_indexes where schemaname = current_schema() and tablename = 'audit_log'`.execute(kysely)
        : await sql<{ name: string }>`select name from pragma_index_list('audit_log')`.execute(kysely);
    return rows.map((r) => r.name).sort();
  };
  const EXPECTED = dialect === 'postgres' ? ['audit_actor', 'audit_at', 'audit_entity', 'audit_log_pkey', 'audit_log_seq'] : ['audit_actor', 'audit_at', 'audit_entity', 'audit_log_seq'];

  beforeAll(async () => {
    t = await createTestDatabase(dialect);
  });
  afterAll(async () => t?.drop());

  it('numbers entries 1, 2, 3… in chain order, with no index on either hash', async () => {
    expect(await indexes(db())).toEqual(EXPECTED);
    await append(db(), 'seq.one');
    await db().transaction().execute((trx) => recordAudit(trx, dialect, systemActor('test'), [1, 2, 3].map((n) => ({ action: `seq.many.${n}`, entityType: 'test' }))));
    const seqs = await places(db());
    expect(seqs.length).toBeGreaterThan(4);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  it('refuses an entry at a place already taken, whatever its hashes', async () => {
    const head = await db().selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    const { id: _id, ...content } = head;
    const forked = { ...content, action: 'seq.fork', prev_hash: head.prev_hash, hash: '' };
    forked.hash = hashAuditRow(forked);
    await expect(db().insertInto('audit_log').values(forked).execute()).rejects.toThrow(/unique|duplicate/i);
    // The next place is free, and the chain is as it was.
    expect(await places(db())).toEqual((await places(db())).map((_, i) => i + 1));
    expect(await verifyAudit(t.ctx, t.config)).toMatchObject({ ok: true });
  });

  it.runIf(dialect === 'postgres')('fails a writer that chains to a stale head instead of forking the chain', async () => {
    const other = connect(t.config.database);
    try {
      const before = await places(db());
      // A REPEATABLE READ transaction keeps the snapshot of its first statement: the head it reads under the
      // chain lock is the one before the other writer's entry, so it claims the place that entry took.
      const stale = db()
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute(async (trx) => {
          await trx.selectFrom('audit_log').select('id').limit(1).execute();
          await append(other.kysely, 'seq.other-writer');
          await recordAudit(trx, dialect, systemActor('stale'), { action: 'seq.stale', entityType: 'test' });
        });
      await expect(stale).rejects.toThrow(/audit_log_seq|could not serialize/);
      expect(await places(db())).toEqual([...before, before.length + 1]);
      const links = await db().selectFrom('audit_log').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.count<number>('prev_hash').distinct().as('distinct')]).executeTakeFirstOrThrow();
      expect(Number(links.distinct)).toBe(Number(links.n));
      expect(await verifyAudit(t.ctx, t.config)).toMatchObject({ ok: true });
    } finally {
      await other.close();
    }
  });

  it('migrates a chain written before it: those entries keep no place, the next takes place 1, ids continue after the old counter', async () => {
    const earlier = await createTestDatabase(dialect, { migrateUpTo: '0031_name_matches', bootstrap: false });
    try {
      const kysely = earlier.ctx.kysely as unknown as Kysely<Record<string, Record<string, unknown>>>;
      let prev = GENESIS_HASH;
      for (const action of ['old.one', 'old.two', 'old.three']) {
        const row = { prev_hash: prev, at: new Date().toISOString(), actor_type: 'system', actor_id: null, actor_name: 'old', action, entity_type: 'test', entity_id: null, entity_label: null, diff: null, reason: null, ip: null, user_agent: null, request_id: null, hash_version: 2 };
        const hash = hashAuditRow(row);
        await kysely.insertInto('audit_log').values({ ...row, hash }).execute();
        prev = hash;
      }
      // An id drawn by an entry whose transaction rolled back is never drawn again.
      if (dialect === 'sqlite') await sql`update sqlite_sequence set seq = seq + 10 where name = 'audit_log'`.execute(kysely);
      else await sql`select setval(pg_get_serial_sequence('audit_log', 'id'), (select max(id) from audit_log) + 10)`.execute(kysely);
      const before = await kysely.selectFrom('audit_log').selectAll().orderBy('id').execute();
      const highest = Number(before.at(-1)!.id);

      expect(await migrateUpTo(earlier.ctx.kysely, dialect, '0032_audit_chain_seq')).toEqual(['0032_audit_chain_seq']);
      expect(await indexes(earlier.ctx.kysely)).toEqual(EXPECTED);
      const after = await earlier.ctx.kysely.selectFrom('audit_log').selectAll().orderBy('id').execute();
      expect(after).toEqual(before.map((r) => ({ ...r, seq: null })));
      expect(await verifyAudit(earlier.ctx, earlier.config)).toMatchObject({ ok: true, checked: 3 });

      await append(earlier.ctx.kysely, 'new.one');
      await append(earlier.ctx.kysely, 'new.two');
      const appended = await earlier.ctx.kysely.selectFrom('audit_log').select(['id', 'seq']).where('seq', 'is not', null).orderBy('id').execute();
      expect(appended).toEqual([
        { id: highest + 11, seq: 1 },
        { id: highest + 12, seq: 2 },
      ]);
      expect(await verifyAudit(earlier.ctx, earlier.config)).toMatchObject({ ok: true, checked: 5 });
      // A writer that read the chain before the first of them claims place 1 again, and fails.
      const { id: _id, ...first } = await earlier.ctx.kysely.selectFrom('audit_log').selectAll().where('seq', '=', 1).executeTakeFirstOrThrow();
      await expect(earlier.ctx.kysely.insertInto('audit_log').values({ ...first, action: 'stale.writer' }).execute()).rejects.toThrow(/unique|duplicate/i);
    } finally {
      await earlier.drop();
    }
  });
});
