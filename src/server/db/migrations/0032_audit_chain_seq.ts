import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

/**
 * The audit chain's guard against forking moves from its hashes to its positions. Migration 0003 made prev_hash
 * unique (no two entries may name the same predecessor) and 0001 made hash unique; both index a random 64-character
 * key, so every entry written lands on its own page of two indexes that grow with the whole history: with 2,000,000
 * entries, deleting or restoring 1,000 orders wrote ~2,800 log pages into those two indexes alone, 36–42 % of the
 * command's pages (bench/README.md). Now each entry written carries `seq`, its place among the entries written since
 * this migration (1 for the first), taken under the chain lock as the highest place + 1, and `seq` is unique: a
 * writer that read a stale chain (a missing lock, a stale snapshot) claims a place already taken and fails, as it
 * did on prev_hash. Places are appended at the end of their index, like the ids. Nothing looks an entry up by its
 * hash; verification still walks the chain by id and checks every link and hash, and `seq` is not hashed.
 *
 * Entries written before keep no place (NULL, which a unique index allows any number of times): numbering them
 * would rewrite every row of what is often the largest table (65 s for 2,000,000 entries on PostgreSQL here), and
 * they are past forking. SQLite cannot drop a column's UNIQUE, so the table is rebuilt there with the same columns,
 * ids and AUTOINCREMENT counter; PostgreSQL only changes its catalogue and builds the new, empty index.
 */
export async function up(db: Kysely<unknown>, { dialect }: MigrationContext): Promise<void> {
  if (dialect === 'postgres') {
    await sql`drop index audit_log_prev_hash`.execute(db);
    await sql`alter table audit_log drop constraint audit_log_hash_key`.execute(db);
    await sql`alter table audit_log add column seq bigint`.execute(db);
    await sql`create unique index audit_log_seq on audit_log (seq)`.execute(db);
    return;
  }
  const { rows: counter } = await sql<{ seq: number }>`select seq from sqlite_sequence where name = 'audit_log'`.execute(db);
  await db.schema
    .createTable('audit_log_next')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'integer')
    .addColumn('actor_name', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text')
    .addColumn('entity_label', 'text')
    .addColumn('diff', 'text')
    .addColumn('reason', 'text')
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('request_id', 'text')
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('hash_version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('seq', 'integer')
    .execute();
  const columns = sql.raw('id, at, actor_type, actor_id, actor_name, action, entity_type, entity_id, entity_label, diff, reason, ip, user_agent, request_id, prev_hash, hash, hash_version');
  await sql`insert into audit_log_next (${columns}) select ${columns} from audit_log order by id`.execute(db);
  await sql`drop table audit_log`.execute(db);
  await sql`alter table audit_log_next rename to audit_log`.execute(db);
  // The counter as it was: an id once drawn is never drawn again, even one whose entry was rolled back.
  if (counter.length > 0) {
    await sql`delete from sqlite_sequence where name = 'audit_log'`.execute(db);
    await sql`insert into sqlite_sequence (name, seq) select 'audit_log', max(${counter[0].seq}, coalesce(max(id), 0)) from audit_log`.execute(db);
  }
  await db.schema.createIndex('audit_entity').on('audit_log').columns(['entity_type', 'entity_id', 'id']).execute();
  await db.schema.createIndex('audit_actor').on('audit_log').columns(['actor_id', 'id']).execute();
  await db.schema.createIndex('audit_at').on('audit_log').columns(['at', 'id']).execute();
  await db.schema.createIndex('audit_log_seq').on('audit_log').column('seq').unique().execute();
}
