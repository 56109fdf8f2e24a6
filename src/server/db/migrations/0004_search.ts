import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

/**
 * Customer name search (`name_key LIKE '%fragment%'`) read every customer on both databases, and at 10,000
 * customers that scan was most of an order search's time. Each database gets a trigram index, which answers
 * fragments of three or more characters, Chinese included (shorter fragments still scan):
 * - SQLite: an FTS5 table with the trigram tokenizer over customers.name_key (external content, so the names
 *   are stored once), kept in step by triggers, so every writer (the API, the bulk seeder, a restore) feeds it.
 * - PostgreSQL: a pg_trgm GIN index. Where pg_trgm cannot be installed (not shipped, or no right to create
 *   it) search keeps working by scanning.
 */
export async function up(db: Kysely<unknown>, { dialect }: MigrationContext): Promise<void> {
  if (dialect === 'sqlite') {
    await sql`create virtual table customers_name_fts using fts5(name_key, content = 'customers', content_rowid = 'id', tokenize = 'trigram')`.execute(db);
    await sql`create trigger customers_name_fts_insert after insert on customers begin
      insert into customers_name_fts (rowid, name_key) values (new.id, new.name_key);
    end`.execute(db);
    await sql`create trigger customers_name_fts_delete after delete on customers begin
      insert into customers_name_fts (customers_name_fts, rowid, name_key) values ('delete', old.id, old.name_key);
    end`.execute(db);
    await sql`create trigger customers_name_fts_update after update of name_key on customers begin
      insert into customers_name_fts (customers_name_fts, rowid, name_key) values ('delete', old.id, old.name_key);
      insert into customers_name_fts (rowid, name_key) values (new.id, new.name_key);
    end`.execute(db);
    await sql`insert into customers_name_fts (customers_name_fts) values ('rebuild')`.execute(db);
    return;
  }
  // pg_trgm is a trusted extension from PostgreSQL 13: any role that may create objects in the database may install it.
  const { rows } = await sql<{ usable: boolean }>`
    select exists (select 1 from pg_extension where extname = 'pg_trgm')
      or (exists (select 1 from pg_available_extensions where name = 'pg_trgm')
          and has_database_privilege(current_database(), 'CREATE')
          and (current_setting('server_version_num')::int >= 130000 or (select rolsuper from pg_roles where rolname = current_user)))
      as usable`.execute(db);
  if (!rows[0]?.usable) return;
  await sql`create extension if not exists pg_trgm`.execute(db);
  await sql`create index customers_name_key_trgm on customers using gin (name_key gin_trgm_ops)`.execute(db);
}
