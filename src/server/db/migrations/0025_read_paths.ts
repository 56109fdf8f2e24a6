import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

/**
 * The token of the names lists show (customer names, user names), for the per-process cache of db/names.ts.
 * Triggers give it a fresh random value in the same transaction as any change to those names (rename, erasure,
 * merge, delete, a restore's delete-and-reload), so every server process — on either database, any number of
 * them — sees a different token the moment a cached name may be wrong. Random rather than counted: a restore
 * brings back the backup's row, and a counter could come back to a value some process still holds.
 * New customers and users need no new token: an id the cache does not hold is read from its table.
 */
export async function up(db: Kysely<unknown>, { dialect, bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('name_directory')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('token', bigint, (c) => c.notNull())
    .execute();
  await sql`insert into name_directory (id, token) values (1, 1)`.execute(db);
  if (dialect === 'sqlite') {
    const renew = sql.raw(`update name_directory set token = abs(random() % 9007199254740991) where id = 1`);
    await sql`create trigger customers_name_renamed after update of name on customers when old.name is not new.name begin ${renew}; end`.execute(db);
    await sql`create trigger customers_name_removed after delete on customers begin ${renew}; end`.execute(db);
    await sql`create trigger users_name_renamed after update of display_name, username on users when old.display_name is not new.display_name or old.username is not new.username begin ${renew}; end`.execute(db);
    await sql`create trigger users_name_removed after delete on users begin ${renew}; end`.execute(db);
    return;
  }
  await sql`create function renew_name_directory() returns trigger language plpgsql as $$
    begin
      update name_directory set token = floor(random() * 9007199254740991)::bigint where id = 1;
      return null;
    end $$`.execute(db);
  await sql`create trigger customers_name_renamed after update of name on customers for each row when (old.name is distinct from new.name) execute function renew_name_directory()`.execute(db);
  await sql`create trigger users_name_renamed after update of display_name, username on users for each row when (old.display_name is distinct from new.display_name or old.username is distinct from new.username) execute function renew_name_directory()`.execute(db);
  for (const table of ['customers', 'users']) {
    await sql`create trigger ${sql.raw(`${table}_name_removed`)} after delete or truncate on ${sql.table(table)} for each statement execute function renew_name_directory()`.execute(db);
  }
}
