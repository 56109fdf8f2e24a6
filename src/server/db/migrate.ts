import {
  Migrator,
  sql,
  type ColumnDefinitionBuilder,
  type Kysely,
  type Migration,
  type MigrationProvider,
  type RawBuilder,
} from 'kysely';
import type { Dialect } from './connect.js';
import * as m0001 from './migrations/0001_initial.js';
import * as m0002 from './migrations/0002_deletion.js';
import * as m0003 from './migrations/0003_audit_chain.js';
import * as m0004 from './migrations/0004_search.js';
import * as m0005 from './migrations/0005_session_idle.js';
import * as m0006 from './migrations/0006_audit_anchors.js';
import * as m0007 from './migrations/0007_customers_read.js';
import * as m0008 from './migrations/0008_notifications.js';
import * as m0009 from './migrations/0009_second_wave_grants.js';
import * as m0010 from './migrations/0010_cleanup.js';
import * as m0013 from './migrations/0013_customers_accounts.js';
import * as m0011 from './migrations/0011_governance.js';
import * as m0012a from './migrations/0012_a_training.js';
import * as m0012b from './migrations/0012_b_dashboard.js';
import * as m0018 from './migrations/0018_journal_check_indexes.js';
import * as m0020 from './migrations/0020_dashboard_summary.js';
import * as m0021 from './migrations/0021_saved_views.js';
import * as m0022 from './migrations/0022_table_settings.js';
import * as m0019 from './migrations/0019_erasure.js';
import * as m0023 from './migrations/0023_tours_seen.js';
import * as m0024 from './migrations/0024_journal_covering_index.js';
import * as m0025 from './migrations/0025_read_paths.js';
import * as m0026 from './migrations/0026_order_line_count.js';
import * as m0027 from './migrations/0027_deletion_indexes.js';
import * as m0028 from './migrations/0028_signature_index.js';
import * as m0029 from './migrations/0029_total_index.js';
import * as m0030 from './migrations/0030_bin_filters.js';
import * as m0031 from './migrations/0031_name_matches.js';
import * as m0032 from './migrations/0032_audit_chain_seq.js';
import * as m0033 from './migrations/0033_sign_in_signals.js';

/** What differs between the dialects in DDL, handed to every migration so migrations stay dialect-free. */
export interface MigrationContext {
  dialect: Dialect;
  /** Column modifier for a generated primary key. */
  id: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
  /** 64-bit integer type. */
  bigint: 'integer' | 'bigint';
  /** Text compared byte-wise, so prefix ranges on codes (SO-2026-…) use the index on both databases. */
  text: RawBuilder<unknown>;
}

type MigrationModule = { up: (db: Kysely<unknown>, ctx: MigrationContext) => Promise<void> };
const MIGRATIONS: Record<string, MigrationModule> = {
  '0001_initial': m0001,
  '0002_deletion': m0002,
  '0003_audit_chain': m0003,
  '0004_search': m0004,
  '0005_session_idle': m0005,
  '0006_audit_anchors': m0006,
  '0007_customers_read': m0007,
  '0008_notifications': m0008,
  '0009_second_wave_grants': m0009,
  '0010_cleanup': m0010,
  '0013_customers_accounts': m0013,
  '0011_governance': m0011,
  '0012_a_training': m0012a,
  '0012_b_dashboard': m0012b,
  '0018_journal_check_indexes': m0018,
  '0020_dashboard_summary': m0020,
  '0021_saved_views': m0021,
  '0022_table_settings': m0022,
  '0019_erasure': m0019,
  '0023_tours_seen': m0023,
  '0024_journal_covering_index': m0024,
  '0025_read_paths': m0025,
  '0026_order_line_count': m0026,
  '0027_deletion_indexes': m0027,
  '0028_signature_index': m0028,
  '0029_total_index': m0029,
  '0030_bin_filters': m0030,
  '0031_name_matches': m0031,
  '0032_audit_chain_seq': m0032,
  '0033_sign_in_signals': m0033,
};

/** Names of the migrations this build knows that the database has not run yet (none: the schema is current). */
export async function pendingMigrations(db: Kysely<any>): Promise<string[]> {
  const done = await db
    .selectFrom('orderly_migrations')
    .select('name')
    .execute()
    .then((rows: Array<{ name: string }>) => new Set(rows.map((r) => r.name)))
    .catch(() => new Set<string>());
  return Object.keys(MIGRATIONS).filter((name) => !done.has(name));
}

/** Key of the session advisory lock that serialises instances starting at once on one PostgreSQL database. */
const STARTUP_LOCK_KEY = 0x6f72_6431; // "ord1"

/**
 * Runs `work` (migrations, first-start bootstrap) while holding a PostgreSQL session advisory lock, so several
 * instances started together take turns: the first migrates, the others find nothing left to do. Kysely's own
 * migration lock is taken only after it has created its bookkeeping tables, which two fresh instances would race
 * to create. SQLite has one writer at a time anyway.
 */
export async function withStartupLock<T>(db: Kysely<any>, dialect: Dialect, work: () => Promise<T>): Promise<T> {
  if (dialect !== 'postgres') return work();
  return db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(${STARTUP_LOCK_KEY})`.execute(connection);
    try {
      return await work();
    } finally {
      await sql`select pg_advisory_unlock(${STARTUP_LOCK_KEY})`.execute(connection);
    }
  });
}

export async function migrateToLatest(db: Kysely<any>, dialect: Dialect): Promise<string[]> {
  return migrateUpTo(db, dialect, undefined);
}

/** Runs the migrations up to and including `last` (all when undefined); tests use it to give a later migration data to carry. */
export async function migrateUpTo(db: Kysely<any>, dialect: Dialect, last: string | undefined): Promise<string[]> {
  const ctx: MigrationContext =
    dialect === 'postgres'
      ? {
          dialect,
          id: (c) => c.primaryKey().generatedByDefaultAsIdentity(),
          bigint: 'bigint',
          text: sql`text collate "C"`,
        }
      : { dialect, id: (c) => c.primaryKey().autoIncrement(), bigint: 'integer', text: sql`text` };
  const provider: MigrationProvider = {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const [name, mod] of Object.entries(MIGRATIONS)) out[name] = { up: (db) => mod.up(db, ctx) };
      return out;
    },
  };
  // Migrations are named when written, and branches land in another order than their numbers (0020 after 0022): a
  // database that already ran a later name must still run an earlier one it has not, instead of refusing to start.
  const migrator = new Migrator({ db, provider, migrationTableName: 'orderly_migrations', migrationLockTableName: 'orderly_migration_lock', allowUnorderedMigrations: true });
  const { error, results } = await (last === undefined ? migrator.migrateToLatest() : migrator.migrateTo(last));
  if (error) throw error instanceof Error ? error : new Error('migration failed', { cause: error });
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
