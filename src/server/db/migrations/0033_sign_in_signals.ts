import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

/**
 * PostgreSQL: every Orderly instance keeps the sign-in rows of the sessions and API tokens it serves
 * (auth/session-cache.ts), so a request does not pay a round trip to read them. Whatever can change what such a row
 * decides — a session ended or re-keyed, a token revoked, a user disabled, renamed or made to change their
 * password, a role given, taken or re-granted —
 * tells every instance at its commit (NOTIFY on `orderly_sign_in`), and they drop what they keep. Statement
 * triggers: one message per statement, and PostgreSQL folds equal messages of one transaction into one. The
 * once-a-minute `last_seen_at`/`last_used_at` touches (forward) and a login's counters do not fire them. SQLite keeps nothing: it
 * has one process per file and no round trip to save.
 */
export async function up(db: Kysely<unknown>, { dialect }: MigrationContext): Promise<void> {
  if (dialect === 'sqlite') return;
  await sql`create function orderly_sign_in_changed() returns trigger language plpgsql as $$
    begin
      perform pg_notify('orderly_sign_in', '');
      return null;
    end $$`.execute(db);
  const on = (table: string, events: string) =>
    sql.raw(`create trigger ${table}_sign_in_changed after ${events} on ${table} for each statement execute function orderly_sign_in_changed()`).execute(db);
  await on('sessions', 'update of id, user_id, csrf_token, created_at, expires_at or delete or truncate');
  // The touch moves last_seen_at forward and must stay silent (once a minute per session); only moving it back (an
  // administrator, a test) can end a session the instances keep.
  await sql`create trigger sessions_seen_earlier after update of last_seen_at on sessions for each row
    when (new.last_seen_at < old.last_seen_at) execute function orderly_sign_in_changed()`.execute(db);
  await on('api_tokens', 'update of id, user_id, token_hash, revoked_at or delete or truncate');
  await on('users', 'update of id, username, disabled, must_change_password or delete or truncate');
  await on('user_roles', 'insert or update or delete or truncate');
  await on('roles', 'update of id, grants or delete or truncate');
}
